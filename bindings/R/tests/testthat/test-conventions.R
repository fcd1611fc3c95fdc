# R's conventions: predict() as predict.glm, classed conditions, print /
# summary / format / plot methods, and models that survive readRDS() with
# a useful print. Runs from the files shipped in the package.

demo <- function() ristra_load(shipped("demo_logistic.json"))

area <- function(n = 1500) {
  path <- tempfile(fileext = ".csv")
  ristra_synth(path, patients = n, practices = 2, seed = 5)
  on.exit(unlink(path))
  utils::read.csv(path, colClasses = c(nhs_number = "character", practice = "character"))
}

test_that("predict names its values by the rows of newdata, as predict.glm", {
  model <- demo()
  d <- area()[1:5, ]
  rownames(d) <- paste0("p", 1:5)
  p <- predict(model, d)
  expect_identical(names(p), paste0("p", 1:5))
  fit <- stats::glm(emergency_admission_next_12m ~ age, family = stats::binomial(), data = d)
  expect_identical(names(p), names(stats::predict(fit, d, type = "response")))
  expect_null(attributes(unname(p)))
})

test_that("statuses come only when asked for, so a prediction prints as numbers", {
  model <- demo()
  d <- area()[1:3, ]
  p <- predict(model, d)
  expect_null(attr(p, "status"))
  expect_false(any(grepl("status", utils::capture.output(print(p)))))
  expect_identical(attr(predict(model, d, status = TRUE), "status"), rep(0L, 3))
})

test_that("se.fit and contrib are refused clearly, as classed conditions", {
  model <- demo()
  d <- area()[1:3, ]
  expect_error(predict(model, d, se.fit = TRUE), class = "ristra_error_invalid")
  expect_error(predict(model, d, se.fit = TRUE), "se.fit")
  err <- tryCatch(predict(model, d, type = "contrib"), error = function(e) e)
  expect_true(inherits(err, "ristra_error_unsupported") || is.matrix(err))
  expect_error(predict(model, d, type = "odds"), "should be one of")
})

test_that("errors are classed conditions that tryCatch can tell apart", {
  missing_file <- tryCatch(ristra_load(tempfile()), ristra_error_file = function(e) e)
  expect_s3_class(missing_file, c("ristra_error_file", "ristra_error", "error", "condition"))
  expect_identical(missing_file$code, -4L)
  bad <- tempfile(fileext = ".json")
  writeLines("{ not json", bad)
  malformed <- tryCatch(ristra_load(bad), ristra_error_file = function(e) "file",
                        ristra_error_format = function(e) "format")
  expect_identical(malformed, "format")
  unlink(bad)
  expect_error(predict(demo(), data.frame(age = 1)), class = "ristra_error_not_found")
  expect_error(ristra_evaluate(c(0.1, 0.2), c(0, 1, 1)), class = "ristra_error_invalid")
  expect_error(ristra_evaluate(c(0.1, 0.2), c(0, 2)), class = "ristra_error_invalid")
})

test_that("models print, format and summarise, also after readRDS", {
  model <- demo()
  expect_match(format(model)[1], "<ristra model: logistic, 18 features>")
  expect_output(print(summary(model)), "Features:")
  path <- tempfile(fileext = ".rds")
  saveRDS(model, path)
  restored <- readRDS(path)
  unlink(path)
  expect_output(print(restored), "not loaded .*ristra_load")
  expect_error(predict(restored, area()[1:2, ]), class = "ristra_error_invalid")
})

test_that("evaluations print, format, summarise and plot (calibration and ROC)", {
  model <- demo()
  d <- area()
  risk <- predict(model, d)
  y <- d$emergency_admission_next_12m
  ev <- ristra_evaluate(risk, y, groups = d$practice)
  expect_length(format(ev), 2L)
  expect_output(print(ev), "AUROC")
  s <- summary(ev)
  expect_equal(s$overall$value[s$overall$figure == "auroc"], ev$overall$auroc)
  expect_output(print(s), "Tier cut-points")
  png_file <- tempfile(fileext = ".png")
  grDevices::png(png_file, width = 800, height = 400)
  plot(ev, risk = risk, outcome = y)
  grDevices::dev.off()
  expect_gt(file.size(png_file), 1000)
  unlink(png_file)
  expect_error(plot(ev, "roc"), class = "ristra_error_invalid")
})
