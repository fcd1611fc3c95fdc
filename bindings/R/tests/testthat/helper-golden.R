# Where the tests' files come from. The models and golden vectors the
# package ships (inst/extdata, copies checked against the source tree by
# tests/bindings/r_check.sh) are always there; the rest of the source tree
# (RISTRA_SOURCE_DIR, set by ctest, or found by walking up from the test
# directory) only when the tests run from it: tests that need it skip.
source_dir <- function() {
  dir <- Sys.getenv("RISTRA_SOURCE_DIR")
  if (nzchar(dir)) return(dir)
  dir <- normalizePath(".")
  while (!file.exists(file.path(dir, "include", "ristra", "ristra.h"))) {
    parent <- dirname(dir)
    if (parent == dir) return("")
    dir <- parent
  }
  dir
}

shipped <- function(...) system.file("extdata", ..., package = "ristra", mustWork = TRUE)

# A path in the source tree; skips the test when there is no source tree.
source_path <- function(...) {
  skip_if(!nzchar(source_dir()), "needs the ristra source tree (RISTRA_SOURCE_DIR)")
  file.path(source_dir(), ...)
}

golden_dir <- function() {
  if (nzchar(source_dir())) file.path(source_dir(), "tests", "golden") else shipped("golden")
}

# A golden case's file; skips the test when this installation lacks it.
golden_path <- function(case, file) {
  path <- file.path(golden_dir(), case, file)
  skip_if_not(file.exists(path), paste("golden file not shipped:", case, file))
  path
}

example_model_path <- function() shipped("example_logistic.json")

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

# (shipped() finds a file in inst/extdata; helper-golden.R)
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
