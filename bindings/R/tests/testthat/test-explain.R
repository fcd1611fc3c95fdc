# predict(type = "contrib"): the same numbers as `ristra explain --input`
# (whose file tests/cli/test_explain_cli.py checks, to the bit, against the
# C library and the Python binding), rows summing to the log-odds.

cli <- Sys.getenv("RISTRA_CLI")

explain_models <- function() {
  list(logistic = shipped("demo_logistic.json"),
       gbdt = source_path("models", "demo_gbdt.json.gz"))
}

test_that("contributions are the command-line tool's and sum to the log-odds", {
  skip_if(!nzchar(cli), "RISTRA_CLI is not set")
  synth <- tempfile(fileext = ".csv")
  stopifnot(system2(cli, c("synth", "--patients", "2000", "--practices", "3", "--seed", "4",
                           "--output", synth), stdout = FALSE) == 0)
  d <- utils::read.csv(synth, colClasses = c(nhs_number = "character", practice = "character"))
  for (path in explain_models()) {
    out <- tempfile(fileext = ".csv")
    stopifnot(system2(cli, c("explain", "--model", shQuote(path), "--input", synth,
                             "--output", out), stdout = FALSE) == 0)
    want <- utils::read.csv(out, colClasses = c(nhs_number = "character",
                                                practice = "character"), check.names = FALSE)
    model <- ristra_load(path)
    rows <- d[match(want$nhs_number, d$nhs_number), ]
    got <- predict(model, rows, type = "contrib")
    expect_true(is.matrix(got))
    expect_identical(colnames(got), c(ristra_features(model)$name, "bias"))
    # R's own text-to-double conversion may differ from strtod in the last bit
    expect_equal(unname(got), unname(as.matrix(want[, colnames(got)])), tolerance = 1e-14)
    # the log-odds (the demo models have no calibration block: the margin)
    link <- predict(model, rows, type = "link")
    expect_lt(max(abs(rowSums(got) - unname(link))), 1e-5)
  }
})

test_that("ristra_score_file writes reasons and the contributions predict() gives", {
  skip_if(!nzchar(cli), "RISTRA_CLI is not set")
  synth <- tempfile(fileext = ".csv")
  stopifnot(system2(cli, c("synth", "--patients", "500", "--practices", "2", "--seed", "5",
                           "--output", synth), stdout = FALSE) == 0)
  d <- utils::read.csv(synth, colClasses = c(nhs_number = "character", practice = "character"))
  model <- ristra_load(shipped("demo_logistic.json"))
  ranked <- tempfile(fileext = ".csv")
  contrib <- tempfile(fileext = ".csv")
  ristra_score_file(model, synth, ranked, reasons = 2L, contributions = contrib)
  r <- utils::read.csv(ranked, colClasses = "character")
  expect_true(all(c("reason1_feature", "reason1_value", "reason1_contribution", "reason1",
                    "reason2") %in% names(r)))
  c <- utils::read.csv(contrib, colClasses = c(nhs_number = "character",
                                               practice = "character"), check.names = FALSE)
  got <- predict(model, d[match(c$nhs_number, d$nhs_number), ], type = "contrib")
  expect_equal(unname(got), unname(as.matrix(c[, colnames(got)])), tolerance = 1e-14)
  expect_error(ristra_score_file(model, synth, tempfile(), reasons = 17L),
               class = "ristra_error_invalid")
})
