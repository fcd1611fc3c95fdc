# ristra_evaluate(): each figure against R's own peers computed here: pROC
# (AUROC, DeLong variance and interval), glm (calibration intercept and
# slope), prop.test (Wilson intervals), and the ranking rule with order().

eval_data <- function(n = 4000, seed = 3) {
  set.seed(seed)
  practice <- sample(c("C81010", "B82005", "A81001"), n, replace = TRUE, prob = c(.5, .3, .2))
  risk <- round(plogis(rnorm(n, -2.2) + ifelse(practice == "B82005", 0.4, 0)), 3)  # ties
  list(risk = risk, y = rbinom(n, 1, pmin(risk * 1.1, 1)), practice = practice)
}
d <- eval_data()
ev <- ristra_evaluate(d$risk, d$y, d$practice)

subset_of <- function(label) if (is.na(label)) rep(TRUE, length(d$risk)) else d$practice == label

test_that("groups are the sorted labels, everyone's figures are NA-labelled", {
  expect_identical(ev$labels, c("A81001", "B82005", "C81010"))
  expect_identical(ev$groups$group, ev$labels)
  expect_identical(ev$overall$n, length(d$risk))
  expect_identical(ev$groups$events, as.integer(tapply(d$y, d$practice, sum)))
  expect_true(all(is.na(ev$calibration$group[1:10])))
  expect_null(ristra_evaluate(d$risk, d$y)$labels)
})

test_that("AUROC and its DeLong interval are pROC's", {
  skip_if_not_installed("pROC")
  for (label in c(NA, ev$labels)) {
    keep <- subset_of(label)
    s <- if (is.na(label)) ev$overall else ev$groups[ev$groups$group == label, ]
    r <- pROC::roc(d$y[keep], d$risk[keep], direction = "<", levels = c(0, 1), quiet = TRUE)
    ci <- pROC::ci.auc(r, method = "delong")
    expect_equal(s$auroc, as.numeric(pROC::auc(r)), tolerance = 1e-12)
    expect_equal(s$auroc_variance, pROC::var(r, method = "delong"), tolerance = 1e-10)
    expect_equal(c(s$auroc_ci_lower, s$auroc_ci_upper), as.numeric(ci[c(1, 3)]),
                 tolerance = 1e-10)
  }
})

test_that("calibration intercept and slope are glm's, Brier and O:E are arithmetic", {
  tight <- glm.control(epsilon = 1e-14, maxit = 100)
  for (label in c(NA, ev$labels)) {
    keep <- subset_of(label)
    s <- if (is.na(label)) ev$overall else ev$groups[ev$groups$group == label, ]
    y <- d$y[keep]
    p <- d$risk[keep]
    x <- qlogis(p)
    slope <- coef(glm(y ~ x, family = binomial, control = tight))
    intercept <- coef(glm(y ~ 1 + offset(x), family = binomial, control = tight))
    expect_equal(s$calibration_slope, unname(slope[2]), tolerance = 1e-8)
    expect_equal(s$calibration_slope_intercept, unname(slope[1]), tolerance = 1e-8)
    expect_equal(s$calibration_intercept, unname(intercept[1]), tolerance = 1e-8)
    expect_equal(s$brier, mean((p - y)^2), tolerance = 1e-12)
    expect_equal(s$oe_ratio, sum(y) / sum(p), tolerance = 1e-12)
  }
})

test_that("calibration bins have prop.test's Wilson intervals", {
  bins <- ev$calibration[is.na(ev$calibration$group), ]
  expect_identical(sum(bins$n), length(d$risk))
  for (i in seq_len(nrow(bins))) {
    ci <- prop.test(bins$events[i], bins$n[i], correct = FALSE)$conf.int
    expect_equal(c(bins$observed_lower[i], bins$observed_upper[i]), as.numeric(ci),
                 tolerance = 1e-12)
  }
})

test_that("cut-points flag the top ceiling(c * n) by risk, ties in input order", {
  for (scope in c("within_group", "overall")) {
    e <- ristra_evaluate(d$risk, d$y, d$practice, flag_scope = scope)
    everyone <- order(-d$risk)
    for (label in c(NA, e$labels)) {
      cuts <- e$cut_points[if (is.na(label)) is.na(e$cut_points$group) else
        !is.na(e$cut_points$group) & e$cut_points$group == label, ]
      keep <- subset_of(label)
      for (i in seq_len(nrow(cuts))) {
        c <- cuts$fraction[i]
        flagged <- if (scope == "overall" && !is.na(label)) {
          top <- everyone[seq_len(ceiling(c * length(d$risk)))]
          top[keep[top]]
        } else {
          head(everyone[keep[everyone]], ceiling(c * sum(keep)))
        }
        expect_identical(cuts$n_flagged[i], length(flagged))
        expect_identical(cuts$events_flagged[i], as.integer(sum(d$y[flagged])))
        expect_identical(cuts$threshold[i], min(d$risk[flagged]))
      }
    }
  }
})

test_that("numeric and factor labels, logical outcomes", {
  by_number <- ristra_evaluate(d$risk, as.logical(d$y), match(d$practice, c("C81010", "A81001",
                                                                           "B82005")))
  expect_identical(by_number$labels, 1:3)
  expect_identical(by_number$groups$auroc, ev$groups$auroc[c(3, 1, 2)])
  by_factor <- ristra_evaluate(d$risk, d$y, factor(d$practice, levels = c("Z", ev$labels)))
  expect_identical(by_factor$labels, ev$labels)
})

test_that("bad outcomes, risks, labels and options are refused", {
  y <- d$y
  y[11] <- 2
  expect_error(ristra_evaluate(d$risk, y), "10")     # the library counts rows from 0
  y[11] <- NA
  expect_error(ristra_evaluate(d$risk, y), "outcome")
  risk <- d$risk
  risk[5] <- 1.5
  expect_error(ristra_evaluate(risk, d$y), "risk")
  g <- d$practice
  g[7] <- NA
  expect_error(ristra_evaluate(d$risk, d$y, g), "row 7")
  expect_error(ristra_evaluate(d$risk, d$y, cut_points = 2), "cut")
  expect_error(ristra_evaluate(d$risk, d$y[-1]), "values for")
})

test_that("the calibration plot is written", {
  path <- tempfile(fileext = ".svg")
  ristra_calibration_svg(ev, path, group = "B82005", title = "B82005 & co")
  svg <- readLines(path, warn = FALSE)
  expect_true(any(grepl("B82005 &amp; co", svg, fixed = TRUE)))
  expect_error(ristra_calibration_svg(ev, path, group = "Z"), "no group labelled Z")
  expect_error(ristra_calibration_svg(ev, file.path(tempdir(), "no", "dir", "x.svg")), "x.svg")
})
