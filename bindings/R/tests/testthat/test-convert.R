# ristra_convert_xgboost(): the golden XGBoost models score as XGBoost
# itself predicted (tests/golden/gbdt_*/expected.csv, written by XGBoost),
# and the saved file is what `ristra convert --from xgboost` writes.

gbdt_cases <- function() grep("^gbdt", golden_cases(), value = TRUE)

for (case in gbdt_cases()) {
  test_that(paste(case, "imported from XGBoost's file scores as XGBoost predicted"), {
    g <- read_golden(case)
    model <- ristra_convert_xgboost(golden_path(case, "xgboost.json"))
    expect_identical(ristra_features(model)$name, names(g$input))
    prob <- predict(model, g$input, status = TRUE)
    expect_identical(attr(prob, "status"), g$expected$status)
    expect_close(prob, g$expected$prob, 1e-6, paste(case, "probability"))
    expect_close(predict(model, g$input, type = "link"), g$expected$margin, 1e-6,
                 paste(case, "margin"))
  })
}

test_that("the saved model is byte for byte the command-line tool's", {
  cli <- Sys.getenv("RISTRA_CLI")
  skip_if(!nzchar(cli), "RISTRA_CLI is not set")
  src <- golden_path("gbdt_numeric", "xgboost.json")
  ours <- tempfile(fileext = ".json.gz")
  theirs <- tempfile(fileext = ".json.gz")
  model <- ristra_convert_xgboost(src, ours, name = "admissions", model_version = "3.0.0",
                                  outcome = "emergency admission", horizon_days = 365,
                                  intended_use = "testing", training_population = "synthetic")
  status <- system2(cli, c("convert", "--from", "xgboost", shQuote(src), shQuote(theirs),
                           "--name", "admissions", "--model-version", "3.0.0",
                           "--outcome", shQuote("emergency admission"), "--horizon-days", "365",
                           "--intended-use", "testing", "--training-population", "synthetic"),
                    stdout = FALSE)
  expect_identical(status, 0L)
  unzipped <- function(path) memDecompress(readBin(path, "raw", file.size(path)), "gzip")
  expect_identical(readBin(ours, "raw", 2), as.raw(c(0x1f, 0x8b)))
  expect_identical(unzipped(ours), unzipped(theirs))
  meta <- ristra_metadata(model)
  expect_identical(meta$name, "admissions")
  expect_identical(meta$horizon_days, 365L)
  expect_identical(model$path, ours)
})

test_that("a raw vector of the file's bytes imports the same trees", {
  src <- golden_path("gbdt_categorical", "xgboost.json")
  g <- read_golden("gbdt_categorical")
  from_raw <- ristra_convert_xgboost(readBin(src, "raw", file.size(src)), name = "m")
  expect_identical(predict(from_raw, g$input), predict(ristra_convert_xgboost(src), g$input))
  expect_identical(ristra_metadata(from_raw)$name, "m")
})

test_that("refusals carry the library's message", {
  bad <- source_path("tests", "fixtures", "xgboost", "bad")
  expect_error(ristra_convert_xgboost(file.path(bad, "multiclass.json")), "multiclass.json")
  expect_error(ristra_convert_xgboost(file.path(bad, "cycle.json")), "cycle.json")
  expect_error(ristra_convert_xgboost(file.path(tempdir(), "none.json")), "none.json")
  expect_error(ristra_convert_xgboost(42), "file name or a raw vector")
  src <- golden_path("gbdt_numeric", "xgboost.json")
  expect_error(ristra_convert_xgboost(src, horizon_days = 1.5), "whole number")
  expect_error(ristra_convert_xgboost(src, feature_names = c("a", "b")), "feature")
})

test_that("synth's defaults are the command-line tool's, byte for byte", {
  cli <- Sys.getenv("RISTRA_CLI")
  skip_if(!nzchar(cli), "RISTRA_CLI is not set")
  theirs <- tempfile(fileext = ".csv")
  ours <- tempfile(fileext = ".csv")
  on.exit(unlink(c(theirs, ours)))
  status <- system2(cli, c("synth", "--patients", "25000", "--output", shQuote(theirs)),
                    stdout = FALSE)
  expect_equal(status, 0)
  ristra_synth(ours, patients = 25000)
  expect_identical(unname(tools::md5sum(ours)), unname(tools::md5sum(theirs)))
  practices <- unique(utils::read.csv(ours, colClasses = "character")$practice)
  expect_length(practices, 3)
})
