# The shared golden vectors (tests/golden/), checked exactly as the C and
# Python tests check them: statuses equal, margins and probabilities within
# 1e-12 (logistic) or 1e-6 (gbdt).

test_that("both model kinds have golden cases", {
  expect_setequal(unique(sub("_.*", "", golden_cases())), c("logistic", "gbdt"))
})

check_golden <- function(g, model, newdata) {
  prob <- predict(model, newdata, status = TRUE)
  margin <- predict(model, newdata, type = "link")
  expect_identical(attr(prob, "status"), g$expected$status, label = paste(g$case, "statuses"))
  expect_close(margin, g$expected$margin, g$tolerance, paste(g$case, "margin"))
  expect_close(prob, g$expected$prob, g$tolerance, paste(g$case, "probability"))
}

for (case in golden_cases()) {
  test_that(paste(case, "matches its golden vectors from a data.frame with shuffled columns"), {
    g <- read_golden(case)
    model <- ristra_load(g$model)
    set.seed(7)
    shuffled <- g$input[sample(ncol(g$input))]
    shuffled$nhs_number <- "9434765919"
    check_golden(g, model, shuffled)
  })

  test_that(paste(case, "matches its golden vectors from named and unnamed matrices"), {
    g <- read_golden(case)
    model <- ristra_load(g$model)
    m <- as.matrix(g$input)
    check_golden(g, model, m[, rev(colnames(m)), drop = FALSE])
    check_golden(g, model, unname(m))
  })
}
