# Models: loading, saving and describing them. Everything is done by
# libristra; this file only shapes the results for R.

#' @export
ristra_load <- function(path) {
  path <- path.expand(as.character(path))
  structure(list(ptr = .Call(C_ristra_load, path), path = path), class = "ristra_model")
}

ristra_ptr <- function(model) {
  if (!inherits(model, "ristra_model")) {
    stop_invalid("not a ristra model (use ristra_load())", call. = FALSE)
  }
  model$ptr
}

ristra_save <- function(model, path, gzip = NULL, indent = 0L) {
  .Call(C_ristra_save, ristra_ptr(model), path.expand(as.character(path)), gzip, indent)
  invisible(path)
}

ristra_features <- function(model) {
  as.data.frame(.Call(C_ristra_features, ristra_ptr(model)), stringsAsFactors = FALSE)
}

ristra_metadata <- function(model, json = FALSE) {
  text <- .Call(C_ristra_info, ristra_ptr(model))$metadata
  if (json) text else jsonlite::fromJSON(text)
}

ristra_row_status_string <- function(status) {
  .Call(C_ristra_row_status_string, status)
}

ristra_version <- function() {
  v <- .Call(C_ristra_version)[["library"]]
  sprintf("%d.%d.%d", v %/% 10000L, v %/% 100L %% 100L, v %% 100L)
}

# NULL for a model whose pointer did not survive saveRDS()/readRDS().
model_info <- function(model) {
  tryCatch(.Call(C_ristra_info, ristra_ptr(model)), ristra_error_invalid = function(e) NULL)
}

format.ristra_model <- function(x, ...) {
  info <- model_info(x)
  if (is.null(info)) {
    return(sprintf("<ristra model, not loaded (restored from a saved session): ristra_load(%s)>",
                   encodeString(or_blank(x$path), quote = "\"")))
  }
  meta <- jsonlite::fromJSON(info$metadata)
  features <- ristra_features(x)$name
  if (length(features) > 8) features <- c(features[1:8], "...")
  horizon <- if (is.null(meta$horizon_days)) "" else sprintf(" within %s days", meta$horizon_days)
  c(sprintf("<ristra model: %s, %d features>", info$kind, as.integer(info$n_features)),
    if (!is.null(meta$name)) sprintf("  name:     %s %s", meta$name, or_blank(meta$version)),
    if (!is.null(meta$outcome)) sprintf("  outcome:  %s%s", meta$outcome, horizon),
    if (info$kind == "gbdt") {
      sprintf("  trees:    %d (max depth %d)", as.integer(info$n_trees), as.integer(info$max_depth))
    },
    sprintf("  features: %s", paste(features, collapse = ", ")))
}

print.ristra_model <- function(x, ...) {
  cat(format(x), sep = "\n")
  invisible(x)
}

or_blank <- function(x) if (is.null(x)) "" else x

summary.ristra_model <- function(object, ...) {
  info <- model_info(object)
  if (is.null(info)) stop_invalid(format(object))
  structure(list(kind = info$kind, n_features = as.integer(info$n_features),
                 features = ristra_features(object), metadata = ristra_metadata(object),
                 path = object$path),
            class = "summary.ristra_model")
}

print.summary.ristra_model <- function(x, ...) {
  cat(sprintf("ristra %s model, %d features%s\n", x$kind, x$n_features,
              if (is.null(x$metadata$name)) "" else paste0(": ", x$metadata$name)))
  for (field in intersect(c("outcome", "horizon_days", "intended_use", "version"),
                          names(x$metadata))) {
    cat(sprintf("  %-13s %s\n", paste0(field, ":"), format(x$metadata[[field]])))
  }
  cat("\nFeatures:\n")
  print(x$features, row.names = FALSE)
  invisible(x)
}
