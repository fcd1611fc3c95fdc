# ristra_recalibrate(): the saved model is byte for byte what
# `ristra calibrate` writes for the same patients; the fits are R's glm;
# refusals carry the library's message.

cli <- Sys.getenv("RISTRA_CLI")
outcome_column <- "emergency_admission_next_12m"
population <- "ristra synth --patients 6000 --practices 3 --seed 11, outcomes as drawn"
date <- "2025-03-01"

# A synthetic population (`ristra synth`) with two columns renamed to the
# example model's names; the data rows are the tool's bytes.
recal_population <- local({
  path <- NULL
  function() {
    if (!is.null(path)) return(path)
    synth <- tempfile(fileext = ".csv")
    stopifnot(system2(cli, c("synth", "--patients", "6000", "--practices", "3", "--seed", "11",
                             "--output", synth), stdout = FALSE) == 0)
    lines <- readLines(synth)
    header <- strsplit(lines[1], ",", fixed = TRUE)[[1]]
    header[header == "ae_attendances_12m"] <- "ae_attendances"
    header[header == "emergency_admissions_12m"] <- "prior_emergency_admissions"
    lines[1] <- paste(header, collapse = ",")
    path <<- tempfile(fileext = ".csv")
    writeLines(lines, path)
    path
  }
})

rel <- function(ours, ref) abs(ours - ref) / max(abs(ref), 1e-3)

test_that("the saved model is the command-line tool's, byte for byte", {
  skip_if(!nzchar(cli), "RISTRA_CLI is not set")
  input <- recal_population()
  d <- utils::read.csv(input)
  model <- ristra_load(example_model_path())
  for (method in c("intercept", "logistic")) {
    want <- tempfile(fileext = ".json")
    stopifnot(system2(cli, c("calibrate", "--model", shQuote(example_model_path()), "--input",
                             shQuote(input), "--outcome", outcome_column, "--method", method,
                             "--output", want, "--population-name", shQuote(population),
                             "--date", date, "--model-version", "1.0.0-local"),
                      stdout = FALSE) == 0)
    local <- ristra_recalibrate(model, d, d[[outcome_column]], method, population = population,
                                date = date, model_version = "1.0.0-local")
    got <- tempfile(fileext = ".json")
    ristra_save(local, got, indent = 1L)
    expect_identical(readBin(got, "raw", file.size(got)), readBin(want, "raw", file.size(want)))
    entry <- ristra_metadata(local)$recalibration
    expect_identical(entry$method, method)
    expect_equal(entry$population$n, nrow(d))
    expect_equal(entry$population$events, sum(d[[outcome_column]]))
  }
})

test_that("the fits are R's glm, composed with the model's calibration block", {
  skip_if(!nzchar(cli), "RISTRA_CLI is not set")
  d <- utils::read.csv(recal_population())
  y <- d[[outcome_column]]
  model <- ristra_load(example_model_path())
  expect_null(ristra_calibration(model))
  p <- as.vector(predict(model, d))
  g1 <- glm(y ~ 1 + offset(qlogis(p)), family = binomial())
  first <- ristra_recalibrate(model, d, y == 1, population = population)
  c01 <- ristra_calibration(first)
  expect_lte(rel(c01[["intercept"]], coef(g1)[[1]]), 1e-6)
  expect_identical(c01[["slope"]], 1)
  expect_equal(sum(predict(first, d)), sum(y), tolerance = 1e-9)   # expected = observed
  # A population whose risks are too extreme: outcomes drawn from a
  # flattened version of the recalibrated model's log-odds.
  set.seed(3)
  eta <- 0.4 + 0.6 * (c01[["intercept"]] + c01[["slope"]] * predict(first, d, type = "link"))
  y2 <- rbinom(length(eta), 1, plogis(as.vector(eta)))
  p1 <- as.vector(predict(first, d))
  g2 <- glm(y2 ~ qlogis(p1), family = binomial())
  a <- coef(g2)[[1]]
  b <- coef(g2)[[2]]
  second <- ristra_recalibrate(first, d, y2, "logistic", population = population)
  cal <- ristra_calibration(second)
  expect_lte(rel(cal[["intercept"]], a + b * c01[["intercept"]]), 1e-6)
  expect_lte(rel(cal[["slope"]], b * c01[["slope"]]), 1e-6)
  expect_lte(max(abs(as.vector(predict(second, d)) - fitted(g2)) / fitted(g2)), 1e-7)
  expect_identical(nrow(ristra_metadata(second)$recalibration), 2L)
  expect_identical(ristra_calibration(first), c01)   # the input model is unchanged
})

test_that("refusals carry the library's message", {
  skip_if(!nzchar(cli), "RISTRA_CLI is not set")
  d <- utils::read.csv(recal_population())
  y <- d[[outcome_column]]
  model <- ristra_load(example_model_path())
  expect_error(ristra_recalibrate(model, d, y, "platt", population = population),
               "should be one of")
  expect_error(ristra_recalibrate(model, d, 0 * y, population = population), "no events")
  expect_error(ristra_recalibrate(model, d, y, population = population, date = "1 March 2025"),
               "opts->date \"1 March 2025\"", fixed = TRUE)
  y[8] <- NA
  expect_error(ristra_recalibrate(model, d, y, population = population), "outcome[7]",
               fixed = TRUE)
  d$age[5] <- 130
  expect_error(ristra_recalibrate(model, d, d[[outcome_column]], population = population),
               "not scored: 1 of 6000, the first row 5: value out of range")
})
