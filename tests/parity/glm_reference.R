# R's glm(family = binomial()) as the reference for ristra_fit_logistic().
#
#   Rscript glm_reference.R fit DIR
#       fits DIR/x.bin (n x p doubles, row-major), DIR/y.bin, DIR/w.bin (if
#       present) with glm(y ~ X, weights = w) (y ~ X - 1 when DIR/meta.txt
#       says intercept 0; its maxit column sets glm.control(maxit))
#   Rscript glm_reference.R export DATASET DIR
#       fits one of R's own data sets with its usual formula and writes the
#       design (model.matrix without the intercept), y and the weights to DIR
#
# Both print, with 17 significant digits:
#   coef NAME ESTIMATE SE     (intercept first; NA for aliased columns)
#   deviance D / null_deviance D / aic A / iter I / converged TRUE|FALSE
#   warning MESSAGE           (one per warning R gave)
# and the timing line
#   seconds S                 (glm's fit alone, not reading the data)

args <- commandArgs(trailingOnly = TRUE)

read_doubles <- function(path, n) {
  con <- file(path, "rb")
  on.exit(close(con))
  readBin(con, "double", n = n, size = 8, endian = "little")
}

write_doubles <- function(path, v) {
  con <- file(path, "wb")
  on.exit(close(con))
  writeBin(as.double(v), con, size = 8, endian = "little")
}

report <- function(fit, seconds, warnings) {
  est <- coef(fit)
  se <- sqrt(diag(vcov(fit, complete = TRUE)))
  for (i in seq_along(est)) {
    cat("coef", names(est)[i], sprintf("%.17g", est[i]), sprintf("%.17g", se[i]), "\n")
  }
  cat("deviance", sprintf("%.17g", fit$deviance), "\n")
  cat("null_deviance", sprintf("%.17g", fit$null.deviance), "\n")
  cat("aic", sprintf("%.17g", fit$aic), "\n")
  cat("iter", fit$iter, "\n")
  cat("converged", fit$converged, "\n")
  for (w in warnings) cat("warning", gsub("\n", " ", w), "\n")
  cat("seconds", sprintf("%.6f", seconds), "\n")
}

fit_glm <- function(expr_fn) {
  warnings <- character()
  t0 <- proc.time()[["elapsed"]]
  fit <- withCallingHandlers(expr_fn(), warning = function(w) {
    warnings <<- c(warnings, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  report(fit, proc.time()[["elapsed"]] - t0, warnings)
}

if (args[1] == "fit") {
  dir <- args[2]
  meta <- read.table(file.path(dir, "meta.txt"), header = TRUE)
  n <- meta$n
  p <- meta$p
  X <- matrix(read_doubles(file.path(dir, "x.bin"), n * p), nrow = n, ncol = p, byrow = TRUE)
  colnames(X) <- paste0("x", seq_len(p) - 1)
  y <- read_doubles(file.path(dir, "y.bin"), n)
  w <- if (file.exists(file.path(dir, "w.bin"))) read_doubles(file.path(dir, "w.bin"), n) else rep(1, n)
  control <- glm.control(maxit = if (is.null(meta$maxit)) 25 else meta$maxit)
  if (meta$intercept == 1) {
    fit_glm(function() glm(y ~ X, family = binomial(), weights = w, control = control))
  } else {
    fit_glm(function() glm(y ~ X - 1, family = binomial(), weights = w, control = control))
  }
} else if (args[1] == "export") {
  name <- args[2]
  dir <- args[3]
  spec <- switch(name,
    infert = list(data = datasets::infert,
                  formula = case ~ age + parity + education + spontaneous + induced),
    mtcars = list(data = datasets::mtcars, formula = am ~ hp + wt),
    esoph = {
      d <- datasets::esoph
      d$total <- d$ncases + d$ncontrols
      d$prop <- d$ncases / d$total
      list(data = d, formula = prop ~ agegp + alcgp + tobgp, weights = "total")
    },
    birthwt = {
      d <- MASS::birthwt
      d$race <- factor(d$race, labels = c("white", "black", "other"))
      list(data = d, formula = low ~ age + lwt + race + smoke + ptl + ht + ui + ftv)
    },
    stop("unknown data set ", name))
  d <- spec$data
  w <- if (is.null(spec$weights)) rep(1, nrow(d)) else d[[spec$weights]]
  d$.w <- w
  fit_glm(function() glm(spec$formula, family = binomial(), data = d, weights = .w))
  X <- model.matrix(spec$formula, d)[, -1, drop = FALSE]
  y <- model.response(model.frame(spec$formula, d))
  write_doubles(file.path(dir, "x.bin"), t(X))
  write_doubles(file.path(dir, "y.bin"), y)
  write_doubles(file.path(dir, "w.bin"), w)
  writeLines(colnames(X), file.path(dir, "names.txt"))
  cat("n", nrow(X), "\n")
  cat("p", ncol(X), "\n")
} else {
  stop("usage: glm_reference.R fit DIR | export DATASET DIR")
}
