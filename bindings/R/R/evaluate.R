# Evaluating predicted risks against outcomes: every figure is computed by
# libristra; this file only labels the tables.

ristra_evaluate <- function(risk, outcome, groups = NULL,
                            cut_points = c(0.005, 0.02, 0.05, 0.20), n_bins = 10L,
                            confidence_level = 0.95,
                            flag_scope = c("within_group", "overall"), n_threads = 1L) {
  flag_scope <- match.arg(flag_scope)
  risk <- as.double(risk)
  if (length(outcome) != length(risk)) {
    stop(sprintf("outcome has %d values for %d risks", length(outcome), length(risk)),
         call. = FALSE)
  }
  if (is.factor(outcome)) stop("outcome must be 0/1 or logical, not a factor", call. = FALSE)
  # 0 and 1 pass; anything else (NA, 2, 0.5) is passed as 2 for the library
  # to refuse with the row named, rather than being rounded here.
  y <- ifelse(!is.na(outcome) & outcome == 1, 1L, ifelse(!is.na(outcome) & outcome == 0, 0L, 2L))
  codes <- NULL
  labels <- NULL
  if (!is.null(groups)) {
    if (length(groups) != length(risk)) {
      stop(sprintf("groups has %d labels for %d risks", length(groups), length(risk)),
           call. = FALSE)
    }
    if (anyNA(groups)) {
      stop(sprintf("groups has a missing label (row %d)", which(is.na(groups))[1]), call. = FALSE)
    }
    # Labels keep their type (numbers stay numbers); a factor's are its levels.
    if (is.factor(groups)) groups <- as.character(droplevels(groups))
    labels <- sort(unique(groups))
    codes <- match(groups, labels) - 1L
  }
  scope <- c(within_group = 1L, overall = 2L)[[flag_scope]]
  res <- .Call(C_ristra_evaluate, risk, as.integer(y), codes, as.double(cut_points),
               as.integer(n_bins), as.double(confidence_level), scope, as.integer(n_threads))
  # The library's group index is -1 for everyone: group NA in the tables.
  table_of <- function(cols) {
    d <- as.data.frame(cols, stringsAsFactors = FALSE)
    index <- d$group
    d$group <- if (is.null(labels)) NA else labels[ifelse(index < 0L, NA, index + 1L)]
    for (col in intersect(c("n", "events", "n_flagged", "events_flagged"), names(d))) {
      d[[col]] <- as.integer(d[[col]])
    }
    d
  }
  summary <- table_of(res$summary)
  groups <- summary[-1, , drop = FALSE]
  rownames(groups) <- NULL
  bins <- table_of(res$bins)
  cuts <- table_of(res$cut_points)
  structure(list(overall = as.list(summary[1, names(summary) != "group"]),
                 groups = groups,
                 calibration = bins, cut_points = cuts, labels = labels, ptr = res$ptr),
            class = "ristra_evaluation")
}

ristra_calibration_svg <- function(evaluation, path, group = NULL, title = NULL) {
  if (!inherits(evaluation, "ristra_evaluation")) {
    stop("not a ristra evaluation (use ristra_evaluate())", call. = FALSE)
  }
  index <- -1L
  if (!is.null(group)) {
    index <- match(group, evaluation$labels) - 1L
    if (is.na(index)) stop(sprintf("no group labelled %s", group), call. = FALSE)
  }
  .Call(C_ristra_evaluation_svg, evaluation$ptr, index, path.expand(as.character(path)), title)
  invisible(path)
}

print.ristra_evaluation <- function(x, ...) {
  o <- x$overall
  cat(sprintf("<ristra evaluation: %d patients, %d events, %d groups>\n", o$n, o$events,
              length(x$labels)))
  cat(sprintf("  AUROC %.4f (%.4f to %.4f), Brier %.5f, O:E %.3f, calibration slope %.3f\n",
              o$auroc, o$auroc_ci_lower, o$auroc_ci_upper, o$brier, o$oe_ratio,
              o$calibration_slope))
  invisible(x)
}
