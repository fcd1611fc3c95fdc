# Score a practice population with ristra from R: a data.frame with
# predict(), then the whole file with the library's batch (ranks and tiers
# per practice, exactly as `ristra score` writes them).
#
#   Rscript examples/R/score_data_frame.R                # a synthetic population
#   Rscript examples/R/score_data_frame.R patients.csv   # your own: one row per patient,
#                                                        # nhs_number, practice and the
#                                                        # model's feature columns
#
# Needs the ristra R package (see README.md, "R"). The model is
# models/demo_logistic.json (trained on synthetic data; not for clinical
# use); RISTRA_MODEL picks another.
library(ristra)

script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
repo <- normalizePath(file.path(dirname(script), "..", ".."))
model_file <- Sys.getenv("RISTRA_MODEL", file.path(repo, "models", "demo_logistic.json"))
csv <- commandArgs(trailingOnly = TRUE)[1]
work <- tempfile("ristra-example-")
dir.create(work)

# A population: your CSV, or a synthetic one (made-up patients; NHS numbers
# from the never-issued test range).
if (is.na(csv)) {
  csv <- file.path(work, "population.csv")
  ristra_synth(csv, patients = 12000, practices = 4, seed = 2024)
}
patients <- read.csv(csv, colClasses = c(nhs_number = "character", practice = "character"))

# Load the model and score the data.frame: columns are matched by name.
model <- ristra_load(model_file)
print(model)
patients$risk <- predict(model, patients, status = TRUE)
status <- attr(patients$risk, "status")
cat(sum(status == 0), "scored;", sum(status != 0), "not scored\n")

# The batch: the library reads the file, ranks every practice and assigns
# tiers (top 0.5%, 2%, 5% and 20% of each list).
result <- ristra_score_file(model, csv, file.path(work, "ranked.csv"),
                            rejects = file.path(work, "rejects.csv"),
                            summary = file.path(work, "summary.csv"))
print(result)
print(result$practices[c("practice", "list_size", names(result$totals$tiers))], row.names = FALSE)

ranked <- read.csv(file.path(work, "ranked.csv"),
                   colClasses = c(nhs_number = "character", practice = "character"))
same <- merge(ranked, patients[c("nhs_number", "risk")], by = "nhs_number")
stopifnot(isTRUE(all.equal(same$risk.x, as.vector(same$risk.y), tolerance = 1e-15)))

cat("\nHighest risk in each practice:\n")
print(ranked[ranked$rank_in_practice <= 3, c("practice", "nhs_number", "risk",
                                             "rank_in_practice", "tier")], row.names = FALSE)

# How well does the model rank these patients? (when the file has outcomes)
if ("emergency_admission_next_12m" %in% names(patients)) {
  known <- merge(ranked, patients[c("nhs_number", "emergency_admission_next_12m")])
  ev <- ristra_evaluate(known$risk, known$emergency_admission_next_12m, groups = known$practice)
  print(ev)
  print(ev$groups[c("group", "n", "events", "auroc", "oe_ratio")], row.names = FALSE)
}
