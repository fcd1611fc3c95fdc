# predict(): column matching, conversions, rejected rows and errors.

model <- ristra_load(example_model_path())
features <- ristra_features(model)$name

test_that("data.frame columns are matched by name and extra columns are ignored", {
  df <- patients(50)
  ordered <- as.matrix(df[features])
  expect_identical(unname(predict(model, df)), predict(model, unname(ordered)))
})

test_that("every missing column is named", {
  df <- patients(5)[setdiff(names(patients(1)), c("age", "n_ltc", "care_home"))]
  expect_error(predict(model, df), "lacks 3 of the model's 7 features: age, n_ltc, care_home")
  m <- as.matrix(patients(5)[c("age", "female")])
  expect_error(predict(model, m), "lacks 5 of the model's 7 features")
})

test_that("an unnamed matrix must have exactly the model's columns", {
  expect_error(predict(model, matrix(0, 2, 6)), "6 columns and no column names.*7 features")
})

test_that("integer, logical and double columns score alike, and NA is missing", {
  df <- patients(20)
  df$age[3] <- NA
  df$imd_decile[4] <- NA
  as_double <- data.frame(lapply(df[features], as.double))
  as_double$care_home <- as.logical(as_double$care_home)
  p <- predict(model, df, status = TRUE)
  expect_identical(p, predict(model, as_double, status = TRUE))
  expect_true(is.na(p[3]))
  expect_identical(attr(p, "status")[3:4], c(1L, 0L))
  imputed <- df
  imputed$imd_decile[4] <- 5L
  expect_identical(p[4], predict(model, imputed)[4])
})

test_that("rejected rows are NA with their status", {
  df <- patients(3)
  df$age <- c(50, NA, 150)
  p <- predict(model, df, status = TRUE)
  expect_false(is.na(p[1]))
  expect_true(all(is.na(p[2:3])) && !any(is.nan(p)))
  expect_identical(ristra_row_status_string(attr(p, "status")),
                   c("ok", "missing required value", "value out of range"))
})

test_that("response is the logistic function of link", {
  df <- patients(100)
  expect_equal(as.vector(predict(model, df)), plogis(as.vector(predict(model, df, type = "link"))),
               tolerance = 1e-15)
})

test_that("all threads and one thread give identical results", {
  df <- patients(30000)
  expect_identical(predict(model, df, n_threads = 0), predict(model, df, n_threads = 1))
})

test_that("an empty data.frame gives an empty result", {
  p <- predict(model, patients(5)[0, ], status = TRUE)
  expect_length(p, 0)
  expect_identical(attr(p, "status"), integer(0))
})

test_that("factors, text and other inputs are refused with the column named", {
  df <- patients(3)
  df$imd_decile <- factor(df$imd_decile)
  expect_error(predict(model, df), "column 'imd_decile' is a factor")
  df$imd_decile <- "most deprived"
  expect_error(predict(model, df), "column 'imd_decile' is not numeric")
  expect_error(predict(model, list(age = 1)), "data.frame or a numeric matrix")
  expect_error(predict(model, cbind(patients(2), age = 1)), "more than one column named age")
})

test_that("errors from the library carry its message", {
  expect_error(predict(model, patients(2), n_threads = -1), "n_threads")
})

test_that("a matrix is scored in place, column-major, exactly as copied columns are", {
  df <- patients(3000)
  df$age[c(5, 9)] <- NA
  in_place <- as.matrix(df[features])            # the model's columns, in order: no copy
  reordered <- as.matrix(df[rev(features)])      # columns gathered by name, chunk by chunk
  from_frame <- df[features]
  p <- predict(model, in_place)
  expect_identical(unname(p), unname(predict(model, reordered)))
  expect_identical(unname(p), unname(predict(model, from_frame)))
  expect_identical(unname(predict(model, in_place, type = "link")),
                   unname(predict(model, from_frame, type = "link")))
})
