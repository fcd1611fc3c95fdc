# The R peers of ristra_evaluate(), run once over a batch of jobs written by
# test_metrics_parity.py:
#   pROC (r-cran-proc): auc, var(method = "delong"), ci.auc(method = "delong")
#   stats::glm: calibration slope (y ~ x) and intercept (y ~ 1 + offset(x))
#   stats::prop.test(correct = FALSE): Wilson intervals of the bins
#
# usage: Rscript metrics_peer.R DIR
# DIR/jobs.csv (id, level) names DIR/job_<id>.risk (float64) and
# DIR/job_<id>.y (int32), both little-endian; the answers go to
# DIR/results.f64, nine doubles per job in jobs.csv order:
#   auroc, delong variance, ci lower, ci upper, slope intercept, slope,
#   calibration intercept, slope fit converged (1/0), intercept fit converged.
# DIR/wilson.csv (events, n, level) gives DIR/wilson.f64: lower, upper per row.
suppressMessages(library(pROC))

dir <- commandArgs(trailingOnly = TRUE)[1]
path <- function(name) file.path(dir, name)

read_job <- function(id) {
  n <- file.size(path(sprintf("job_%s.risk", id))) / 8
  risk <- readBin(path(sprintf("job_%s.risk", id)), "double", n, size = 8, endian = "little")
  y <- readBin(path(sprintf("job_%s.y", id)), "integer", n, size = 4, endian = "little")
  list(risk = risk, y = y)
}

tight <- glm.control(epsilon = 1e-14, maxit = 100)

fit <- function(formula, data) {
  g <- tryCatch(suppressWarnings(glm(formula, family = binomial, data = data, control = tight)),
                error = function(e) NULL)
  if (is.null(g)) list(coef = c(NA, NA), converged = 0) else
    list(coef = unname(coef(g)), converged = as.numeric(g$converged))
}

jobs <- read.csv(path("jobs.csv"), colClasses = c("character", "numeric"))
out <- numeric(0)
for (k in seq_len(nrow(jobs))) {
  job <- read_job(jobs$id[k])
  level <- jobs$level[k]
  ro <- roc(response = job$y, predictor = job$risk, levels = c(0, 1), direction = "<",
            quiet = TRUE)
  ci <- as.numeric(ci.auc(ro, conf.level = level, method = "delong"))
  v <- if (sum(job$y == 1) > 1 && sum(job$y == 0) > 1) var(ro, method = "delong") else NA
  d <- data.frame(y = job$y, x = qlogis(pmin(pmax(job$risk, 1e-15), 1 - 1e-15)))
  s <- fit(y ~ x, d)
  i <- fit(y ~ 1 + offset(x), d)
  out <- c(out, as.numeric(auc(ro)), v, ci[1], ci[3], s$coef[1], s$coef[2], i$coef[1],
           s$converged, i$converged)
}
writeBin(as.double(out), path("results.f64"), size = 8, endian = "little")

if (file.exists(path("wilson.csv"))) {
  w <- read.csv(path("wilson.csv"))
  ci <- numeric(0)
  for (k in seq_len(nrow(w)))
    ci <- c(ci, prop.test(w$events[k], w$n[k], conf.level = w$level[k], correct = FALSE)$conf.int)
  writeBin(as.double(ci), path("wilson.f64"), size = 8, endian = "little")
}
