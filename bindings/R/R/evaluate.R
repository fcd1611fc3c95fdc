# Evaluating predicted risks against outcomes: every figure is computed by
# libristra; this file only labels the tables.

ristra_evaluate <- function(risk, outcome, groups = NULL,
                            cut_points = NULL, n_bins = 10L,
                            confidence_level = 0.95,
                            flag_scope = c("within_group", "overall"), n_threads = 1L) {
  flag_scope <- match.arg(flag_scope)
  risk <- as.double(risk)
  if (length(outcome) != length(risk)) {
    stop_invalid(sprintf("outcome has %d values for %d risks", length(outcome), length(risk)),
         call. = FALSE)
  }
  if (is.factor(outcome)) stop_invalid("outcome must be 0/1 or logical, not a factor", call. = FALSE)
  codes <- NULL
  labels <- NULL
  if (!is.null(groups)) {
    if (length(groups) != length(risk)) {
      stop_invalid(sprintf("groups has %d labels for %d risks", length(groups), length(risk)),
           call. = FALSE)
    }
    if (anyNA(groups)) {
      stop_invalid(sprintf("groups has a missing label (row %d)", which(is.na(groups))[1]), call. = FALSE)
    }
    # Labels keep their type (numbers stay numbers); a factor's are its levels.
    if (is.factor(groups)) groups <- as.character(droplevels(groups))
    labels <- sort(unique(groups))
    codes <- match(groups, labels) - 1L
  }
  scope <- c(within_group = 1L, overall = 2L)[[flag_scope]]
  if (!is.null(cut_points)) cut_points <- as.double(cut_points)  # NULL: the library's tiers
  # 0 and 1 only, by the library's rule (ristra_outcomes_encode): NA, 2 or
  # 0.5 is refused with its row named (counting from 0), never rounded here.
  res <- .Call(C_ristra_evaluate, risk, as.double(outcome), codes, cut_points,
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
    stop_invalid("not a ristra evaluation (use ristra_evaluate())", call. = FALSE)
  }
  index <- -1L
  if (!is.null(group)) {
    index <- match(group, evaluation$labels) - 1L
    if (is.na(index)) stop_invalid(sprintf("no group labelled %s", group), call. = FALSE)
  }
  .Call(C_ristra_evaluation_svg, evaluation$ptr, index, path.expand(as.character(path)), title)
  invisible(path)
}

format.ristra_evaluation <- function(x, ...) {
  o <- x$overall
  c(sprintf("<ristra evaluation: %d patients, %d events, %d groups>", o$n, o$events,
            length(x$labels)),
    sprintf("  AUROC %.4f (%.4f to %.4f), Brier %.5f, O:E %.3f, calibration slope %.3f",
            o$auroc, o$auroc_ci_lower, o$auroc_ci_upper, o$brier, o$oe_ratio,
            o$calibration_slope))
}

print.ristra_evaluation <- function(x, ...) {
  cat(format(x), sep = "\n")
  invisible(x)
}

summary.ristra_evaluation <- function(object, ...) {
  o <- object$overall
  figures <- c("n", "events", "observed_rate", "mean_risk", "oe_ratio", "auroc",
               "auroc_ci_lower", "auroc_ci_upper", "average_precision", "brier",
               "calibration_in_the_large", "calibration_intercept", "calibration_slope")
  figures <- intersect(figures, names(o))
  structure(list(overall = data.frame(figure = figures,
                                      value = vapply(figures, function(f) as.double(o[[f]]), 0),
                                      row.names = NULL),
                 cut_points = object$cut_points[is.na(object$cut_points$group), , drop = FALSE],
                 groups = object$groups),
            class = "summary.ristra_evaluation")
}

print.summary.ristra_evaluation <- function(x, digits = 4L, ...) {
  cat("Everyone:\n")
  print(x$overall, digits = digits, row.names = FALSE)
  cat("\nTier cut-points:\n")
  keep <- intersect(c("fraction", "n_flagged", "events_flagged", "threshold", "sensitivity",
                      "ppv"), names(x$cut_points))
  print(x$cut_points[keep], digits = digits, row.names = FALSE)
  if (nrow(x$groups)) {
    cat(sprintf("\n%d groups (summary(e)$groups)\n", nrow(x$groups)))
  }
  invisible(x)
}

# Calibration (observed against mean predicted risk per bin, with the
# library's Wilson intervals) and the ROC curve, in base graphics. The ROC
# curve needs the risks and outcomes (pass them as risk, outcome); without
# them only the calibration panel is drawn.
plot.ristra_evaluation <- function(x, which = c("calibration", "roc"), risk = NULL,
                                   outcome = NULL, group = NULL, ...) {
  which <- match.arg(which, several.ok = TRUE)
  if ("roc" %in% which && (is.null(risk) || is.null(outcome))) {
    if (length(which) == 1L) stop_invalid("plot(e, \"roc\") needs risk = and outcome =")
    which <- "calibration"
  }
  if (length(which) > 1L) {
    old <- graphics::par(mfrow = c(1L, length(which)))
    on.exit(graphics::par(old))
  }
  if ("calibration" %in% which) plot_calibration(x, group, ...)
  if ("roc" %in% which) plot_roc(x, risk, outcome, ...)
  invisible(x)
}

plot_calibration <- function(x, group, ...) {
  bins <- x$calibration
  bins <- if (is.null(group)) bins[is.na(bins$group), ] else bins[bins$group %in% group, ]
  top <- max(c(bins$max_risk, bins$observed_upper, 1e-3), na.rm = TRUE)
  graphics::plot(bins$mean_risk, bins$observed_rate, xlim = c(0, top), ylim = c(0, top),
                 pch = 19, xlab = "mean predicted risk", ylab = "observed rate",
                 main = if (is.null(group)) "Calibration" else paste("Calibration:", group), ...)
  graphics::arrows(bins$mean_risk, bins$observed_lower, bins$mean_risk, bins$observed_upper,
                   angle = 90, code = 3, length = 0.03)
  graphics::abline(0, 1, lty = 2, col = "grey40")
}

# The ROC curve's points (false and true positive rates at each distinct
# risk, highest first); its area is the library's AUROC, printed.
plot_roc <- function(x, risk, outcome, ...) {
  order <- order(risk, decreasing = TRUE)
  y <- as.double(outcome)[order]
  last <- c(diff(risk[order]) != 0, TRUE)
  tpr <- c(0, cumsum(y)[last] / sum(y))
  fpr <- c(0, cumsum(1 - y)[last] / sum(1 - y))
  graphics::plot(fpr, tpr, type = "l", xlim = c(0, 1), ylim = c(0, 1),
                 xlab = "1 - specificity", ylab = "sensitivity",
                 main = sprintf("ROC (AUROC %.3f)", x$overall$auroc), ...)
  graphics::abline(0, 1, lty = 2, col = "grey40")
}

# Every figure of every group as CSV, by the library's writer
# (ristra_evaluation_write_csv): the file `ristra evaluate --output-csv` writes.
ristra_evaluation_csv <- function(evaluation, path, by = NULL, names = NULL) {
  if (!inherits(evaluation, "ristra_evaluation")) {
    stop_invalid("not a ristra evaluation (use ristra_evaluate())", call. = FALSE)
  }
  if (is.null(names) && length(evaluation$labels)) names <- as.character(evaluation$labels)
  .Call(C_ristra_evaluation_csv, evaluation$ptr, path.expand(as.character(path)),
        if (is.null(by)) NULL else enc2utf8(as.character(by)),
        if (is.null(names)) NULL else enc2utf8(as.character(names)))
  invisible(path)
}
