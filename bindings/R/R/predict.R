# Scoring a matrix or a data.frame: columns are matched to the model's
# features here; the scoring itself is libristra's.

predict.ristra_model <- function(object, newdata, type = c("response", "link", "contrib"),
                                 n_threads = 0L, ...) {
  type <- match.arg(type)
  features <- ristra_features(object)$name
  if (is.data.frame(newdata)) {
    check_columns(features, names(newdata), "newdata")
    x <- lapply(features, function(name) as_numeric_column(newdata[[name]], name))
    columns <- seq_along(features)
  } else if (is.matrix(newdata) && (is.numeric(newdata) || is.logical(newdata))) {
    if (is.null(colnames(newdata))) {
      if (ncol(newdata) != length(features)) {
        stop(sprintf("newdata has %d columns and no column names, but the model has %d features",
                     ncol(newdata), length(features)),
             " (", paste(features, collapse = ", "), ")", call. = FALSE)
      }
      columns <- seq_along(features)
    } else {
      check_columns(features, colnames(newdata), "newdata")
      columns <- match(features, colnames(newdata))
    }
    x <- newdata
    if (storage.mode(x) != "double") storage.mode(x) <- "double"
  } else {
    stop("newdata must be a data.frame or a numeric matrix", call. = FALSE)
  }
  if (type == "contrib") {
    return(.Call(C_ristra_explain, ristra_ptr(object), x, as.integer(columns),
                 as.integer(n_threads)))
  }
  res <- .Call(C_ristra_score, ristra_ptr(object), x, as.integer(columns), type == "link",
               as.integer(n_threads))
  value <- res$value
  attr(value, "status") <- res$status
  value
}

check_columns <- function(features, have, what) {
  missing <- setdiff(features, have)
  if (length(missing)) {
    stop(sprintf("%s lacks %d of the model's %d features: %s", what, length(missing),
                 length(features), paste(missing, collapse = ", ")), call. = FALSE)
  }
  twice <- intersect(features, have[duplicated(have)])
  if (length(twice)) {
    stop(sprintf("%s has more than one column named %s", what, paste(twice, collapse = ", ")),
         call. = FALSE)
  }
}

as_numeric_column <- function(v, name) {
  if (is.factor(v)) {
    stop(sprintf("column '%s' is a factor: convert it to the numbers the model expects", name),
         call. = FALSE)
  }
  if (is.double(v)) return(v)
  if (is.integer(v) || is.logical(v)) return(as.double(v))
  stop(sprintf("column '%s' is not numeric (it is %s)", name, class(v)[1]), call. = FALSE)
}
