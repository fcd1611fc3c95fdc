# Scoring a matrix or a data.frame: columns are matched to the model's
# features here; the scoring itself is libristra's.

predict.ristra_model <- function(object, newdata, type = c("response", "link", "contrib"),
                                 se.fit = FALSE, status = FALSE, n_threads = 0L, ...) {
  type <- match.arg(type)
  if (!isFALSE(se.fit)) {
    stop_invalid("se.fit is not available: ristra models carry no standard errors ",
                 "(a model fitted with ristra_fit keeps them in its fit, not in the model)")
  }
  if (missing(newdata)) {
    stop_invalid("newdata is required: a ristra model keeps no training data")
  }
  block <- predict_block(object, newdata)
  if (type == "contrib") return(predict_contrib(object, block, n_threads))
  res <- .Call(C_ristra_score, ristra_ptr(object), block$x, as.integer(block$columns),
               type == "link", as.integer(n_threads))
  value <- res$value
  names(value) <- block$names
  if (isTRUE(status)) attr(value, "status") <- res$status
  value
}

# Per-feature contributions (type = "contrib"): ristra_model_explain()
# (include/ristra/explain.h), a matrix with a column per feature and "bias".
predict_contrib <- function(object, block, n_threads) {
  value <- .Call(C_ristra_explain, ristra_ptr(object), block$x, as.integer(block$columns),
                 as.integer(n_threads))
  rownames(value) <- block$names
  value
}

# newdata as the C glue takes it: the values, which of their columns are
# the model's features in its order, and the row names (NULL when the
# rows have none of their own, as predict.glm).
predict_block <- function(object, newdata) {
  features <- ristra_features(object)$name
  if (is.data.frame(newdata)) {
    check_columns(features, names(newdata), "newdata")
    x <- lapply(features, function(name) as_numeric_column(newdata[[name]], name))
    columns <- seq_along(features)
    row_names <- rownames(newdata)   # as predict.glm: "1", "2", ... when none were set
  } else if (is.matrix(newdata) && (is.numeric(newdata) || is.logical(newdata))) {
    if (is.null(colnames(newdata))) {
      if (ncol(newdata) != length(features)) {
        stop_invalid(sprintf("newdata has %d columns and no column names, but the model has %d features",
                     ncol(newdata), length(features)),
             " (", paste(features, collapse = ", "), ")")
      }
      columns <- seq_along(features)
    } else {
      check_columns(features, colnames(newdata), "newdata")
      columns <- match(features, colnames(newdata))
    }
    x <- newdata
    if (storage.mode(x) != "double") storage.mode(x) <- "double"
    row_names <- rownames(newdata)
  } else {
    stop_invalid("newdata must be a data.frame or a numeric matrix")
  }
  list(x = x, columns = columns, names = row_names)
}

check_columns <- function(features, have, what) {
  missing <- setdiff(features, have)
  if (length(missing)) {
    ristra_abort(-8L, sprintf("%s lacks %d of the model's %d features: %s", what,
                              length(missing), length(features),
                              paste(missing, collapse = ", ")))
  }
  twice <- intersect(features, have[duplicated(have)])
  if (length(twice)) {
    stop_invalid(sprintf("%s has more than one column named %s", what, paste(twice, collapse = ", ")),
         call. = FALSE)
  }
}

as_numeric_column <- function(v, name) {
  if (is.factor(v)) {
    stop_invalid(sprintf("column '%s' is a factor: convert it to the numbers the model expects", name),
         call. = FALSE)
  }
  if (is.double(v)) return(v)
  if (is.integer(v) || is.logical(v)) return(as.double(v))
  stop_invalid(sprintf("column '%s' is not numeric (it is %s)", name, class(v)[1]), call. = FALSE)
}
