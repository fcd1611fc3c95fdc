# Loading, describing, saving; errors; the version check.

test_that("features and metadata are those of the model file", {
  for (path in c(example_model_path(), golden_path("logistic_basic", "model.json"),
                 golden_path("gbdt_categorical", "model.json"))) {
    doc <- jsonlite::fromJSON(path, simplifyVector = FALSE)
    model <- ristra_load(path)
    expect_identical(ristra_metadata(model),
                     jsonlite::fromJSON(jsonlite::toJSON(doc$metadata, auto_unbox = TRUE, digits = NA)))
    expect_identical(jsonlite::fromJSON(ristra_metadata(model, json = TRUE), simplifyVector = FALSE),
                     doc$metadata)
    f <- ristra_features(model)
    expect_identical(f$name, vapply(doc$features, function(x) x$name, ""))
    expect_identical(f$missing_policy, vapply(doc$features, function(x) x$missing$policy, ""))
    for (i in seq_along(doc$features)) {
      want <- doc$features[[i]]
      lo <- want$valid_range[[1]]
      hi <- want$valid_range[[2]]
      expect_identical(f$valid_min[i], if (is.null(lo)) -Inf else as.double(lo))
      expect_identical(f$valid_max[i], if (is.null(hi)) Inf else as.double(hi))
      value <- want$missing$value
      expect_identical(f$impute_value[i], if (is.null(value)) NA_real_ else as.double(value))
    }
  }
})

test_that("print shows the kind, the name and the features", {
  model <- ristra_load(example_model_path())
  out <- capture.output(print(model))
  expect_match(out[1], "<ristra model: logistic, 7 features>", fixed = TRUE)
  expect_true(any(grepl("ristra example logistic model", out)))
  expect_true(any(grepl("features: age, female", out)))
  gbdt <- ristra_load(golden_path("gbdt_deep", "model.json"))
  expect_true(any(grepl("trees: +[0-9]+ \\(max depth [0-9]+\\)", format(gbdt))))
})

test_that("a saved model loads and scores identically", {
  g <- read_golden("gbdt_categorical")
  model <- ristra_load(g$model)
  plain <- tempfile(fileext = ".json")
  packed <- tempfile(fileext = ".json.gz")
  ristra_save(model, plain)
  ristra_save(model, packed, gzip = TRUE)
  expect_identical(readBin(packed, "raw", 2), as.raw(c(0x1f, 0x8b)))
  again <- tempfile(fileext = ".json")
  ristra_save(ristra_load(packed), again)
  expect_identical(readBin(again, "raw", file.size(again)), readBin(plain, "raw", file.size(plain)))
  expect_identical(predict(ristra_load(packed), g$input), predict(model, g$input))
})

test_that("load errors carry the library's message", {
  missing <- file.path(tempdir(), "no such model.json")
  expect_error(ristra_load(missing), "no such model.json", fixed = TRUE)
  bad <- source_path("tests", "fixtures", "models", "bad")
  expect_error(ristra_load(file.path(bad, "not_json.json")), "not_json.json: line 1, column")
  expect_error(ristra_load(file.path(bad, "newer_format_version.json")), "format_version")
})

test_that("a model that did not survive serialisation says so", {
  model <- unserialize(serialize(ristra_load(example_model_path()), NULL))
  expect_error(predict(model, patients(2)), "load it again with ristra_load")
  expect_error(predict(list(), patients(2)), "no applicable method|not a ristra model")
})

test_that("models are freed by the garbage collector", {
  for (i in 1:200) ristra_load(example_model_path())
  expect_silent(gc())
})

test_that("the package refuses a library of another major version", {
  check <- ristra:::check_library_version
  expect_true(check(20203, 2L))
  expect_error(check(10000, 2L), "libristra is version 1.0.0.*needs major version 2")
  expect_error(check(30000, 2L), "libristra is version 3.0.0.*needs major version 2")
  expect_error(check(9999, 2L), "version 0.99.99")
  expect_identical(ristra_version(), as.character(packageVersion("ristra")))
})
