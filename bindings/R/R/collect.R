# The collected population (ristra_population_collect): the rows of a file
# that the reader and the model accept, with risks, margins and outcomes,
# and the practices in code order, the call behind `ristra fit`, `evaluate`
# and `calibrate`. Nothing is decided here.
ristra_collect <- function(input, model = NULL, columns = NULL, extra_columns = NULL,
                           outcome_column = "emergency_admission_next_12m",
                           required_extra = 0L, keep_values = FALSE,
                           keep_unknown_outcome = FALSE, id_kind = "nhs", id_column = NULL,
                           practice_column = "practice", threads = 0L) {
  if (!is.null(model) && !inherits(model, "ristra_model")) model <- ristra_load(model)
  texts <- c(if (is.null(id_column)) NA_character_ else id_column, practice_column,
             if (is.null(outcome_column)) NA_character_ else outcome_column, id_kind)
  if (!is.character(texts) || length(texts) != 4) {
    stop_invalid("id_column, practice_column, outcome_column and id_kind must be single strings",
                 call. = FALSE)
  }
  flags <- c(as.integer(required_extra), as.integer(isTRUE(keep_values)),
             as.integer(isTRUE(keep_unknown_outcome)), as.integer(threads))
  r <- .Call(C_ristra_collect, if (is.null(model)) NULL else model$ptr,
             path.expand(as.character(input)), enc2utf8(texts),
             if (is.null(columns)) NULL else enc2utf8(as.character(columns)),
             if (is.null(extra_columns)) NULL else enc2utf8(as.character(extra_columns)), flags)
  n <- length(r$practice)
  names_of <- if (is.null(model)) columns else ristra_features(model)$name
  values <- if (is.null(r$values)) NULL
            else matrix(r$values, nrow = n, byrow = TRUE, dimnames = list(NULL, names_of))
  extra <- if (length(extra_columns)) {
    matrix(r$extra, nrow = n, byrow = TRUE, dimnames = list(NULL, extra_columns))
  }
  status <- vapply(0:31, function(s) ristra_row_status_string(s), "")
  list(risk = r$risk, margin = r$margin, outcome = r$outcome,
       practice = r$practice_codes[r$practice], practice_codes = r$practice_codes,
       values = values, extra = extra, n_read = r$n_read,
       rejected = stats::setNames(r$rejected, status)[r$rejected > 0])
}
