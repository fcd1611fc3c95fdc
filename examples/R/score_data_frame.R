# Score a practice population held in a data.frame with ristra.
#
#   Rscript examples/R/score_data_frame.R                # a synthetic population
#   Rscript examples/R/score_data_frame.R patients.csv   # your own: one row per patient,
#                                                        # a "practice" column and the
#                                                        # model's feature columns
#
# Needs the ristra R package (see README.md, "R").
library(ristra)

script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
repo <- normalizePath(file.path(dirname(script), "..", ".."))
model_file <- Sys.getenv("RISTRA_MODEL", file.path(repo, "models", "example_logistic.json"))
csv <- commandArgs(trailingOnly = TRUE)[1]

# A population: your CSV, or made-up patients of a few practices.
synthetic_population <- function(practices = c("C81010", "C81020", "C81030"), per_practice = 2000) {
  set.seed(2024)
  n <- length(practices) * per_practice
  age <- sample(0:99, n, replace = TRUE)
  data.frame(practice = rep(practices, each = per_practice),
             age = age,
             female = rbinom(n, 1, 0.5),
             imd_decile = ifelse(runif(n) < 0.02, NA, sample(1:10, n, replace = TRUE)),  # imputed
             n_ltc = rpois(n, age / 30),
             prior_emergency_admissions = rpois(n, 0.05 + age / 400),
             ae_attendances = rpois(n, 0.3 + age / 300),
             care_home = as.integer(runif(n) < ifelse(age >= 80, 0.08, 0.002)))
}
patients <- if (is.na(csv)) synthetic_population() else read.csv(csv)

# Load the model and score: data.frame columns are matched by name.
model <- ristra_load(model_file)
print(model)
patients$risk <- predict(model, patients)
status <- attr(patients$risk, "status")
cat(sum(status == 0), "scored;", sum(status != 0), "not scored\n")

# Tiers within each practice, computed here in R for now (the population
# scorer ristra_score_file, with the library's own tiers, will replace this):
# the top 0.5% "very high", the next 4.5% "high", the next 15% "moderate".
share <- ave(-patients$risk, patients$practice,
             FUN = function(r) rank(r, na.last = "keep") / sum(!is.na(r)))
patients$tier <- cut(share, c(0, 0.005, 0.05, 0.20, 1),
                     labels = c("very high", "high", "moderate", "low"))
print(table(patients$practice, patients$tier))

cat("\nHighest risk in each practice:\n")
top <- do.call(rbind, lapply(split(patients, patients$practice),
                             function(p) head(p[order(-p$risk), ], 3)))
print(top[c("practice", "age", "n_ltc", "prior_emergency_admissions", "risk", "tier")],
      row.names = FALSE)
