# The subgroup audit, drift between runs and the report: libristra computes
# and writes every figure (include/ristra/audit.h, drift.h, report.h); these
# functions check the arguments and label what comes back.

ristra_audit <- function(model, input, by = character(), output = NULL, threads = 0L) {
  if (!inherits(model, "ristra_model")) model <- ristra_load(model)
  path <- if (is.null(output)) tempfile(fileext = ".csv") else output
  if (is.null(output)) on.exit(unlink(path), add = TRUE)
  .Call(C_ristra_audit, model$ptr, input, path, enc2utf8(as.character(by)),
        as.integer(threads))
  utils::read.csv(path, stringsAsFactors = FALSE, na.strings = "",
                  colClasses = c(grouping = "character", group = "character",
                                 cut_off = "numeric", tier = "character",
                                 measure = "character", estimate = "numeric",
                                 lower = "numeric", upper = "numeric",
                                 numerator = "numeric", denominator = "numeric"))
}

ristra_drift <- function(baseline, current, model = NULL, output = NULL, bins = 10L,
                         outcome_column = "emergency_admission_next_12m", threads = 0L,
                         manifests = FALSE) {
  if (!is.null(model) && !inherits(model, "ristra_model")) model <- ristra_load(model)
  paths <- c(baseline, current, if (is.null(output)) NA_character_ else output)
  if (!is.character(paths) || length(paths) != 3) {
    stop_invalid("baseline, current and output must be single file names", call. = FALSE)
  }
  res <- .Call(C_ristra_drift, if (is.null(model)) NULL else model$ptr, paths,
               outcome_column, c(as.integer(bins), as.integer(threads),
                                 as.integer(isTRUE(manifests))))
  frame <- as.data.frame(res$rows, stringsAsFactors = FALSE)
  structure(list(frame = frame, summary = res$summary, n_flagged = res$n_flagged),
            class = "ristra_drift")
}

print.ristra_drift <- function(x, ...) {
  cat(x$summary)
  invisible(x)
}

ristra_report <- function(model, input, directory, by = character(), suppress_practice = TRUE,
                          title = NULL, audit_output = NULL, manifest = NULL,
                          baseline_manifest = NULL, threads = 0L) {
  if (!inherits(model, "ristra_model")) model <- ristra_load(model)
  opt <- function(x) if (is.null(x)) NA_character_ else enc2utf8(as.character(x))
  texts <- c(opt(title), opt(audit_output), opt(manifest), opt(baseline_manifest))
  codes <- .Call(C_ristra_report, model$ptr, input, directory, enc2utf8(as.character(by)),
                 texts, c(as.integer(isTRUE(suppress_practice)), as.integer(threads)))
  invisible(file.path(directory, c("index.html", sprintf("practice-%s.html", codes))))
}
