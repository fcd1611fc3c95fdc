# The ristra source tree: RISTRA_SOURCE_DIR (set by ctest), or found by
# walking up from the test directory.
source_dir <- function() {
  dir <- Sys.getenv("RISTRA_SOURCE_DIR")
  if (nzchar(dir)) return(dir)
  dir <- normalizePath(".")
  while (!file.exists(file.path(dir, "include", "ristra", "ristra.h"))) {
    parent <- dirname(dir)
    if (parent == dir) stop("set RISTRA_SOURCE_DIR to the ristra source tree")
    dir <- parent
  }
  dir
}

golden_dir <- function() file.path(source_dir(), "tests", "golden")
example_model_path <- function() file.path(source_dir(), "models", "example_logistic.json")

golden_cases <- function() {
  basename(dirname(Sys.glob(file.path(golden_dir(), "*", "expected.csv"))))
}

# One golden case: model.json, input.csv (with a header; "nan" is missing)
# and expected.csv (status, margin, prob).
read_golden <- function(case) {
  dir <- file.path(golden_dir(), case)
  list(case = case,
       model = file.path(dir, "model.json"),
       input = utils::read.csv(file.path(dir, "input.csv"), check.names = FALSE),
       expected = utils::read.csv(file.path(dir, "expected.csv")),
       tolerance = if (startsWith(case, "logistic")) 1e-12 else 1e-6)
}

# Same missing rows, and every other value within the tolerance.
expect_close <- function(got, want, tolerance, what) {
  expect_identical(is.na(as.vector(got)), is.na(want), label = paste(what, "missing rows"))
  ok <- !is.na(want)
  worst <- max(c(0, abs(as.vector(got)[ok] - want[ok])))
  expect_lte(worst, tolerance, label = paste(what, "largest difference"))
}

# A plausible data.frame for the example model, with the columns in an
# order of their own and an identifier column the model does not use.
patients <- function(n, seed = 1) {
  set.seed(seed)
  data.frame(practice = sample(c("C81010", "C81020"), n, replace = TRUE),
             care_home = rbinom(n, 1, 0.02), age = sample(0:99, n, replace = TRUE),
             female = rbinom(n, 1, 0.5), imd_decile = sample(1:10, n, replace = TRUE),
             n_ltc = rpois(n, 1), prior_emergency_admissions = rpois(n, 0.3),
             ae_attendances = rpois(n, 0.5))
}
