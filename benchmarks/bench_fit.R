# R's side of benchmarks/bench_fit.py: glm.fit on the same binary data.
#   Rscript bench_fit.R DIR N P REPEATS
# Prints "coef I ESTIMATE" (intercept first), "iter I" and one
# "seconds WALL CPU" line per repeat: glm.fit alone, not reading the data
# (CPU = user + system time of the R process).
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
n <- as.integer(args[2])
p <- as.integer(args[3])
repeats <- as.integer(args[4])
read_doubles <- function(name, count) {
  con <- file(file.path(dir, name), "rb")
  on.exit(close(con))
  readBin(con, "double", n = count, size = 8, endian = "little")
}
x <- cbind(1, matrix(read_doubles("x.bin", n * p), nrow = n, ncol = p, byrow = TRUE))
y <- read_doubles("y.bin", n)
for (r in seq_len(repeats)) {
  gc()
  t0 <- proc.time()
  fit <- glm.fit(x, y, family = binomial())
  dt <- proc.time() - t0
  cat("seconds", sprintf("%.3f", dt[["elapsed"]]),
      sprintf("%.3f", dt[["user.self"]] + dt[["sys.self"]]), "\n")
}
for (i in seq_along(fit$coefficients)) cat("coef", i - 1, sprintf("%.17g", fit$coefficients[i]), "\n")
cat("iter", fit$iter, "\n")
cat("converged", fit$converged, "\n")
