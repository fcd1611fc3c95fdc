# R's glm as the reference for ristra_model_recalibrate().
#
#   Rscript recalibrate_reference.R DIR
#
# reads DIR/p.bin (n risks) and DIR/y.bin (n outcomes, 0/1), little-endian
# doubles, and fits, with R's default glm.control,
#   intercept: glm(y ~ 1 + offset(qlogis(p)), family = binomial())
#   logistic:  glm(y ~ qlogis(p), family = binomial())
# printing with 17 significant digits
#   intercept A CONVERGED
#   logistic A B CONVERGED
# and writing each fit's fitted risks to DIR/fitted_intercept.bin and
# DIR/fitted_logistic.bin.

dir <- commandArgs(trailingOnly = TRUE)[1]
path <- function(name) file.path(dir, name)
n <- file.size(path("p.bin")) / 8
p <- readBin(path("p.bin"), "double", n, size = 8, endian = "little")
y <- readBin(path("y.bin"), "double", n, size = 8, endian = "little")
z <- qlogis(p)

g1 <- glm(y ~ 1 + offset(z), family = binomial())
g2 <- glm(y ~ z, family = binomial())
f <- function(v) sprintf("%.17g", v)
cat("intercept", f(coef(g1)[1]), g1$converged, "\n")
cat("logistic", f(coef(g2)[1]), f(coef(g2)[2]), g2$converged, "\n")
writeBin(as.double(fitted(g1)), path("fitted_intercept.bin"), size = 8, endian = "little")
writeBin(as.double(fitted(g2)), path("fitted_logistic.bin"), size = 8, endian = "little")
