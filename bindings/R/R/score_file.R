# The nightly batch: libristra reads, scores, ranks, tiers and writes; this
# file only checks the arguments and labels what comes back.

ristra_score_file <- function(model, input, output = NULL, rejects = NULL, summary = NULL,
                              tiers = NULL, tier_names = NULL,
                              untiered_name = NULL, threads = 0L, id_column = NULL,
                              practice_column = "practice",
                              outcome_column = "emergency_admission_next_12m",
                              outcome_required = FALSE, check_duplicates = TRUE, gzip = NA,
                              block_rows = 0L, manifest = NULL, max_reject_rate = NULL,
                              min_scored = NULL, mode = NULL, progress = NULL, reasons = 0L,
                              contributions = NULL, id_kind = "nhs") {
  if (!inherits(model, "ristra_model")) model <- ristra_load(model)
  one_path <- function(x, what) {
    if (is.null(x)) return(NA_character_)
    if (!is.character(x) || length(x) != 1 || is.na(x)) {
      stop_invalid(sprintf("%s must be a single file name", what), call. = FALSE)
    }
    x
  }
  paths <- c(one_path(input, "input"), one_path(output, "output"),
             one_path(rejects, "rejects"), one_path(summary, "summary"),
             one_path(manifest, "manifest"), one_path(contributions, "contributions"))
  file_mode <- if (is.null(mode)) NA_integer_
               else if (is.character(mode)) strtoi(mode, 8L) else as.integer(mode)
  if (length(file_mode) != 1 || (!is.null(mode) && is.na(file_mode))) {
    stop("mode must be an octal string such as \"0640\" or an integer", call. = FALSE)
  }
  # NULL (NA here): the library's defaults (0.05, 1, 0600)
  or_na <- function(x) if (is.null(x)) NA_real_ else as.double(x)
  limits <- c(or_na(max_reject_rate), or_na(min_scored), as.double(file_mode))
  columns <- c(if (is.null(id_column)) NA_character_ else id_column, practice_column,
               if (is.null(outcome_column)) NA_character_ else outcome_column, id_kind)
  if (!is.character(columns) || length(columns) != 4) {
    stop_invalid("id_column, practice_column, outcome_column and id_kind must be single strings",
                 call. = FALSE)
  }
  if (!is.null(tiers)) tiers <- as.double(tiers)
  if (!is.null(tier_names)) {
    n_tiers <- length(if (is.null(tiers)) .Call(C_ristra_default_tiers) else tiers)
    if (length(tier_names) != n_tiers) {
      stop_invalid(sprintf("tier_names has %d names for %d tiers", length(tier_names), n_tiers),
           call. = FALSE)
    }
    tier_names <- enc2utf8(as.character(tier_names))
  }
  gzip_flag <- if (is.na(gzip)) -1L else as.integer(isTRUE(gzip))
  flags <- c(as.integer(threads), as.integer(isTRUE(outcome_required)),
             as.integer(isTRUE(check_duplicates)), gzip_flag, as.integer(block_rows),
             as.integer(reasons))
  failure <- NULL
  callback <- NULL
  if (!is.null(progress)) {
    progress <- match.fun(progress)
    callback <- function(patients, bytes_done, bytes_total) {
      tryCatch(isTRUE(progress(patients, bytes_done, bytes_total)),
               error = function(e) {
                 failure <<- e
                 TRUE
               })
    }
  }
  res <- .Call(C_ristra_score_file, model$ptr, paths, enc2utf8(columns), tiers, tier_names,
               untiered_name, flags, limits, callback)
  if (is.null(res)) {
    if (!is.null(failure)) stop(failure)
    ristra_abort(-10L, "stopped by the progress function: nothing was written")
  }

  # The practices as in the summary file (less its last line, ALL, which is
  # in the totals): read.csv(summary, check.names = FALSE) gives the same.
  p <- res$practices
  counts <- matrix(p$tier_count, ncol = length(res$tier_names))
  practices <- data.frame(practice = p$practice, list_size = as.integer(p$list_size),
                          rejected = as.integer(p$n_rejected), stringsAsFactors = FALSE)
  for (k in seq_along(res$tier_names)) practices[[res$tier_names[k]]] <- as.integer(counts[, k])
  practices$mean_risk <- p$mean_risk
  practices$expected_admissions <- p$expected
  totals <- res$totals
  if (totals$has_outcome) {
    practices$observed_admissions <- as.integer(p$observed)
    practices$observed_expected <- p$observed_expected
    practices$auroc <- p$auroc
  }
  totals$tiers <- stats::setNames(totals$tiers, res$tier_names)
  structure(list(totals = totals, practices = practices), class = "ristra_score_result")
}

print.ristra_score_result <- function(x, ...) {
  t <- x$totals
  cat(sprintf("<ristra score: %s rows, %s scored, %s rejected, %d practices>\n",
              format(t$n_rows, big.mark = ","), format(t$n_scored, big.mark = ","),
              format(t$n_rejected, big.mark = ","), t$n_practices))
  cat(sprintf("  %s: %s\n", names(t$tiers), format(t$tiers, big.mark = ",")), sep = "")
  if (t$has_outcome) {
    cat(sprintf("  observed %s admissions, expected %.1f, AUROC %.4f\n",
                format(t$observed, big.mark = ","), t$expected, t$auroc))
  }
  invisible(x)
}
