# Importing XGBoost models: libristra reads the file and builds the model.

ristra_convert_xgboost <- function(src, dst = NULL, feature_names = NULL, name = NULL,
                                   model_version = NULL, outcome = NULL, horizon_days = NULL,
                                   intended_use = NULL, training_population = NULL,
                                   gzip = NULL, all_trees = FALSE, min_present = NULL) {
  text <- function(x, what) {
    if (is.null(x)) return(NA_character_)
    if (!is.character(x) || length(x) != 1 || is.na(x)) {
      stop_invalid(sprintf("%s must be a single string", what), call. = FALSE)
    }
    enc2utf8(x)
  }
  meta <- c(text(name, "name"), text(model_version, "model_version"), text(outcome, "outcome"),
            text(intended_use, "intended_use"), text(training_population, "training_population"))
  if (!is.null(feature_names)) feature_names <- enc2utf8(as.character(feature_names))
  horizon <- c(if (is.null(horizon_days)) NA_real_ else as.double(horizon_days),
               if (is.null(min_present)) NA_real_ else as.double(min_present),
               as.double(isTRUE(all_trees)))
  if (is.raw(src)) {
    path <- NA_character_
  } else {
    if (!is.character(src) || length(src) != 1 || is.na(src)) {
      stop_invalid("src must be a file name or a raw vector of a model file's bytes", call. = FALSE)
    }
    src <- path.expand(src)
    path <- src
  }
  model <- structure(list(ptr = .Call(C_ristra_convert_xgboost, src, feature_names, meta, horizon),
                          path = path),
                     class = "ristra_model")
  if (!is.null(dst)) {
    ristra_save(model, dst, gzip = gzip)
    model$path <- path.expand(dst)
  }
  model
}

# A synthetic registered population, as `ristra synth` writes it.
# practices = NULL: the library's default (one per 10,000 patients, rounded).
ristra_synth <- function(path, patients = 10000, practices = NULL,
                         seed = 1, outcome = TRUE, true_risk = FALSE, gzip_level = NA) {
  .Call(C_ristra_synth, path.expand(as.character(path)),
        as.double(c(patients, if (is.null(practices)) 0 else practices, seed)),
        c(as.integer(isTRUE(outcome)), as.integer(isTRUE(true_risk)),
          if (is.na(gzip_level)) -1L else as.integer(gzip_level)))
  invisible(path)
}

# Replaces NHS numbers by keyed pseudonyms (the library's
# ristra_pseudonymise_file, as `ristra pseudonymise`).
ristra_pseudonymise <- function(input, output, key_file, encoding = "base64url", length = 0L) {
  paths <- c(path.expand(as.character(input)), path.expand(as.character(output)),
             path.expand(as.character(key_file)))
  n <- .Call(C_ristra_pseudonymise, paths, as.character(encoding), as.integer(length))
  invisible(c(n_rows = n[1], n_pseudonymised = n[2], n_invalid = n[3]))
}
