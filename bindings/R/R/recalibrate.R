# Recalibrating a model on local outcomes: the patients are scored and the
# calibration block refitted by libristra; this file only checks and passes
# the arguments.

ristra_recalibrate <- function(model, newdata, outcome, method = c("intercept", "logistic"),
                               population, date = NULL, model_version = NULL, n_threads = 0L) {
  method <- match.arg(method)
  text <- function(x, what) {
    if (is.null(x)) return(NA_character_)
    if (!is.character(x) || length(x) != 1 || is.na(x)) {
      stop_invalid(sprintf("%s must be a single string", what), call. = FALSE)
    }
    enc2utf8(x)
  }
  texts <- c(text(population, "population"), text(date, "date"),
             text(model_version, "model_version"))
  margin <- predict(model, newdata, type = "link", status = TRUE, n_threads = n_threads)
  status <- attr(margin, "status")
  if (length(outcome) != length(margin)) {
    stop_invalid(sprintf("outcome has %d values for %d rows of newdata", length(outcome),
                 length(margin)), call. = FALSE)
  }
  if (is.factor(outcome)) stop_invalid("outcome must be 0/1 or logical, not a factor", call. = FALSE)
  unscored <- which(status != 0L)
  if (length(unscored)) {
    stop_invalid(sprintf("rows of newdata not scored: %d of %d, the first row %d: %s; %s",
                 length(unscored), length(margin), unscored[1],
                 ristra_row_status_string(status[unscored[1]]),
                 "recalibrate on the rows that score only"), call. = FALSE)
  }
  code <- c(intercept = 1L, logistic = 2L)[[method]]   # enum ristra_recalibrate_method
  structure(list(ptr = .Call(C_ristra_recalibrate, ristra_ptr(model), as.double(margin),
                             as.double(outcome), code, texts),
                 path = NA_character_),
            class = "ristra_model")
}

ristra_calibration <- function(model) {
  .Call(C_ristra_calibration, ristra_ptr(model))
}
