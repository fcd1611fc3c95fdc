# ristra_score_file(): the files are byte for byte what `ristra score`
# writes; the returned practices are the summary file's; progress,
# stopping, interrupt-safe errors.

cli <- Sys.getenv("RISTRA_CLI")

# A synthetic population (ristra_synth) in the example model's columns,
# with one row out of range and one with a bad practice code.
population_file <- local({
  path <- NULL
  function() {
    if (!is.null(path)) return(path)
    synth <- tempfile(fileext = ".csv")   # the same bytes as `ristra synth` (test below)
    ristra_synth(synth, patients = 6000, practices = 5, seed = 2)
    d <- utils::read.csv(synth, colClasses = c(nhs_number = "character", practice = "character"))
    d$prior_emergency_admissions <- d$emergency_admissions_12m
    d$ae_attendances <- d$ae_attendances_12m
    d$age[10] <- 130
    d$practice[20] <- "c81010"
    path <<- tempfile(fileext = ".csv")
    utils::write.csv(d, path, row.names = FALSE, quote = FALSE)
    path
  }
})

cli_score <- function(input, ...) {
  out <- list(ranked = tempfile(fileext = ".csv"), rejects = tempfile(fileext = ".csv"),
              summary = tempfile(fileext = ".csv"))
  status <- system2(cli, c("score", "--model", shQuote(example_model_path()), "--input",
                           shQuote(input), "--output", out$ranked, "--rejects", out$rejects,
                           "--summary", out$summary, "--quiet", ...), stdout = FALSE)
  stopifnot(status == 0)
  out
}

same_bytes <- function(a, b) {
  expect_identical(readBin(a, "raw", file.size(a)), readBin(b, "raw", file.size(b)))
}

test_that("the ranked list, rejects and summary are the command-line tool's", {
  skip_if(!nzchar(cli), "RISTRA_CLI is not set")
  input <- population_file()
  for (case in list(list(args = character(), r = list()),
                    list(args = c("--tiers", "0.01,0.1", "--tier-names", shQuote("very high,high"),
                                  "--outcome-column", shQuote(""), "--threads", "2"),
                         r = list(tiers = c(0.01, 0.1), tier_names = c("very high", "high"),
                                  outcome_column = NULL, threads = 2L)))) {
    want <- do.call(cli_score, c(list(input), as.list(case$args)))
    got <- list(ranked = tempfile(fileext = ".csv"), rejects = tempfile(fileext = ".csv"),
                summary = tempfile(fileext = ".csv"))
    res <- do.call(ristra_score_file,
                   c(list(ristra_load(example_model_path()), input, got$ranked,
                          rejects = got$rejects, summary = got$summary), case$r))
    for (k in names(want)) same_bytes(got[[k]], want[[k]])
    summary <- utils::read.csv(want$summary, check.names = FALSE, stringsAsFactors = FALSE)
    everyone <- summary[summary$practice == "ALL", ]
    meta <- ristra_metadata(ristra_load(example_model_path()))
    expect_identical(unique(summary$model_name), meta$name)
    expect_identical(unique(as.character(summary$model_version)), meta$version)
    practices <- summary[summary$practice != "ALL",
                         setdiff(names(summary), c("model_name", "model_version"))]
    rownames(practices) <- NULL
    expect_identical(res$practices, practices)
    expect_identical(res$totals$n_scored, as.double(everyone$list_size))
    expect_identical(res$totals$n_rejected, 2)
    expect_identical(unname(res$totals$tiers), as.double(unlist(everyone[names(res$totals$tiers)])))
    expect_identical(res$totals$has_outcome, !("outcome_column" %in% names(case$r)))
  }
})

test_that("a model file name, gzip by name, and no output file", {
  skip_if(!nzchar(cli), "RISTRA_CLI is not set")
  input <- population_file()
  want <- cli_score(input)
  packed <- tempfile(fileext = ".csv.gz")
  res <- ristra_score_file(example_model_path(), input, packed)
  # read through gzfile(), which reads every member of the file: a long list
  # comes as several gzip members (compressed on several threads), of which
  # memDecompress() would read only the first
  con <- gzfile(packed, "rb")
  unpacked <- readBin(con, "raw", 4 * file.size(want$ranked))
  close(con)
  expect_identical(unpacked, readBin(want$ranked, "raw", file.size(want$ranked)))
  again <- ristra_score_file(example_model_path(), input)
  expect_identical(again$totals, res$totals)
  expect_output(print(res), "scored, 2 rejected, 5 practices")
})

test_that("progress is reported, and a progress function can stop the run", {
  input <- population_file()
  model <- ristra_load(example_model_path())
  seen <- numeric()
  ristra_score_file(model, input, block_rows = 500L,
                    progress = function(patients, done, total) seen <<- c(seen, patients))
  expect_true(length(seen) > 5 && !is.unsorted(seen) && tail(seen, 1) == 6000)
  out <- tempfile(fileext = ".csv")
  expect_error(ristra_score_file(model, input, out, block_rows = 500L,
                                 progress = function(patients, ...) patients >= 2000),
               "stopped by the progress function")
  expect_false(file.exists(out))
  expect_error(ristra_score_file(model, input, out, progress = function(...) stop("from R")),
               "from R")
  expect_false(file.exists(out))
})

test_that("errors carry the library's message", {
  input <- population_file()
  model <- ristra_load(example_model_path())
  expect_error(ristra_score_file(model, input, id_column = "nhs"), '"nhs"')
  expect_error(ristra_score_file(model, input, tiers = c(0.2, 0.1)), "tier")
  expect_error(ristra_score_file(model, input, tier_names = "a"), "1 names for 4 tiers")
  expect_error(ristra_score_file(model, file.path(tempdir(), "nowhere.csv")), "nowhere.csv",
               class = "ristra_error_file")
  expect_error(ristra_score_file(model, c(input, input)), "single file name")
})

test_that("ristra_synth writes what `ristra synth` writes", {
  skip_if(!nzchar(cli), "RISTRA_CLI is not set")
  ours <- tempfile(fileext = ".csv")
  theirs <- tempfile(fileext = ".csv")
  ristra_synth(ours, patients = 2000, practices = 3, seed = 5, true_risk = TRUE)
  system2(cli, c("synth", "--patients", "2000", "--practices", "3", "--seed", "5", "--truth",
                 "--output", theirs), stdout = FALSE)
  same_bytes(ours, theirs)
  expect_error(ristra_synth(ours, patients = 10, practices = 11), "practices")
  expect_error(ristra_synth(ours, patients = 1.5), "whole numbers")
})

test_that("manifest, max_reject_rate, min_scored and mode are the command-line tool's", {
  skip_if(!nzchar(cli), "RISTRA_CLI is not set")
  input <- population_file()
  dir <- tempfile()
  dir.create(dir)
  want <- list(ranked = file.path(dir, "cli.csv"), rejects = file.path(dir, "cli_rej.csv"))
  stopifnot(system2(cli, c("score", "--model", shQuote(example_model_path()), "--input",
                           shQuote(input), "--output", want$ranked, "--rejects", want$rejects,
                           "--mode", "0640", "--max-reject-rate", "0.5", "--manifest",
                           file.path(dir, "cli.json"), "--quiet"), stdout = FALSE) == 0)
  got <- list(ranked = file.path(dir, "r.csv"), rejects = file.path(dir, "r_rej.csv"))
  ristra_score_file(example_model_path(), input, got$ranked, rejects = got$rejects,
                    mode = "0640", max_reject_rate = 0.5, manifest = file.path(dir, "r.json"))
  for (k in names(want)) same_bytes(got[[k]], want[[k]])
  mask <- Sys.umask()
  expect_identical(file.mode(got$ranked), file.mode(want$ranked))
  expect_identical(file.mode(file.path(dir, "r.json")), as.octmode("640") & !mask)
  expect_true(file.exists(file.path(dir, "r.json")))
  # the defaults: a manifest beside the list, files 0600, the thresholds
  ristra_score_file(example_model_path(), input, file.path(dir, "d.csv"))
  expect_true(file.exists(file.path(dir, "d.csv.manifest.json")))
  expect_identical(file.mode(file.path(dir, "d.csv")), as.octmode("600") & !mask)
  expect_error(ristra_score_file(example_model_path(), input, file.path(dir, "n.csv"),
                                 min_scored = 100000), "fewer than min_scored 100000")
  expect_false(file.exists(file.path(dir, "n.csv")))
  status <- system2(cli, c("score", "--model", shQuote(example_model_path()), "--input",
                           shQuote(input), "--output", file.path(dir, "n.csv"),
                           "--min-scored", "100000"), stdout = FALSE, stderr = FALSE)
  expect_identical(status, 3L)
})

test_that("ristra_audit, ristra_drift and ristra_report give the CLI's figures and files", {
  cli <- Sys.getenv("RISTRA_CLI")
  skip_if(cli == "", "RISTRA_CLI is not set")
  d <- tempfile()
  dir.create(d)
  on.exit(unlink(d, recursive = TRUE), add = TRUE)
  pop <- file.path(d, "pop.csv")
  pop2 <- file.path(d, "pop2.csv")
  ristra_synth(pop, patients = 3000, practices = 2, seed = 3)
  ristra_synth(pop2, patients = 3000, practices = 2, seed = 4)
  model <- system.file("extdata", "demo_logistic.json", package = "ristra")
  a <- ristra_audit(model, pop, by = "care_home", output = file.path(d, "r.csv"))
  system2(cli, c("score", "--model", model, "--input", pop, "--output", file.path(d, "l.csv"),
                 "--audit", file.path(d, "cli.csv"), "--audit-by", "care_home", "--quiet"))
  expect_identical(readBin(file.path(d, "r.csv"), "raw", 1e7),
                   readBin(file.path(d, "cli.csv"), "raw", 1e7))
  want <- read.csv(file.path(d, "cli.csv"), stringsAsFactors = FALSE, na.strings = "")
  expect_identical(a$estimate, as.numeric(want$estimate))
  expect_setequal(unique(a$grouping),
                  c("area", "practice", "age_band", "sex", "deprivation_quintile", "care_home"))

  dr <- ristra_drift(pop, pop2, model, output = file.path(d, "rdrift.csv"))
  out <- suppressWarnings(system2(cli, c("drift", "--baseline", pop, "--current", pop2,
                                         "--model", model, "--output",
                                         file.path(d, "clidrift.csv")), stdout = TRUE))
  expect_identical(readBin(file.path(d, "rdrift.csv"), "raw", 1e7),
                   readBin(file.path(d, "clidrift.csv"), "raw", 1e7))
  expect_identical(dr$summary, paste0(paste(out, collapse = "\n"), "\n"))
  cd <- read.csv(file.path(d, "clidrift.csv"), stringsAsFactors = FALSE, na.strings = "")
  # the frame holds the library's doubles; R's read.csv is not correctly
  # rounded, so the CSV (identical bytes above) reads back to within an ulp
  expect_equal(dr$frame$change, as.numeric(cd$change), tolerance = 1e-14)
  expect_identical(dr$frame$measure, cd$measure)

  rdir <- file.path(d, "rreport")
  cdir <- file.path(d, "clireport")
  dir.create(rdir)
  dir.create(cdir)
  pages <- ristra_report(model, pop, rdir, by = "care_home")
  system2(cli, c("score", "--model", model, "--input", pop, "--output", file.path(d, "l2.csv"),
                 "--manifest", "''", "--audit-by", "care_home", "--report-dir", cdir, "--quiet"))
  expect_identical(sort(basename(pages)), sort(list.files(cdir)))
  for (p in pages) {
    expect_identical(readBin(p, "raw", 1e7), readBin(file.path(cdir, basename(p)), "raw", 1e7))
  }
})

test_that("ristra_drift on two runs' manifests compares the files they record", {
  d <- tempfile()
  dir.create(d)
  on.exit(unlink(d, recursive = TRUE), add = TRUE)
  model <- system.file("extdata", "demo_logistic.json", package = "ristra")
  for (s in 3:4) {
    pop <- file.path(d, sprintf("p%d.csv", s))
    ristra_synth(pop, patients = 2000, practices = 2, seed = s)
    ristra_score_file(model, pop, file.path(d, sprintf("l%d.csv", s)))
  }
  direct <- ristra_drift(file.path(d, "p3.csv"), file.path(d, "p4.csv"), model)
  via <- ristra_drift(file.path(d, "l3.csv.manifest.json"), file.path(d, "l4.csv.manifest.json"),
                      model, manifests = TRUE)
  expect_identical(via$frame, direct$frame)
  expect_identical(via$summary, direct$summary)
})

test_that("a pseudonymised file is written and scored as the command-line tool does", {
  skip_if(!nzchar(cli), "RISTRA_CLI is not set")
  dir <- tempfile()
  dir.create(dir)
  key <- file.path(dir, "k.key")
  writeBin(as.raw(c(1:40)), key)
  Sys.chmod(key, "0600")
  input <- population_file()
  counts <- ristra_pseudonymise(input, file.path(dir, "r.csv"), key)
  expect_equal(unname(counts[["n_rows"]]), 6000)
  expect_true(system2(cli, c("pseudonymise", "--key-file", key, "--input", shQuote(input),
                             "--output", file.path(dir, "cli.csv"), "--quiet")) == 0)
  same_bytes(file.path(dir, "r.csv"), file.path(dir, "cli.csv"))
  expect_true(system2(cli, c("score", "--model", shQuote(example_model_path()), "--input",
                             file.path(dir, "cli.csv"), "--output", file.path(dir, "cli_list.csv"),
                             "--rejects", file.path(dir, "cli_rej.csv"), "--id-kind", "pseudonym",
                             "--max-reject-rate", "0.5", "--manifest", shQuote(""), "--quiet"),
                      stdout = FALSE) == 0)
  ristra_score_file(example_model_path(), file.path(dir, "r.csv"), file.path(dir, "r_list.csv"),
                    rejects = file.path(dir, "r_rej.csv"), id_kind = "pseudonym",
                    max_reject_rate = 0.5, manifest = "")
  same_bytes(file.path(dir, "r_list.csv"), file.path(dir, "cli_list.csv"))
  same_bytes(file.path(dir, "r_rej.csv"), file.path(dir, "cli_rej.csv"))
  expect_match(readLines(file.path(dir, "r_list.csv"), n = 1), "^pseudonym,practice,risk")
  expect_error(ristra_score_file(example_model_path(), input, NULL, id_kind = "nhs-ish"),
               "id_kind")
  Sys.chmod(key, "0644")
  expect_error(ristra_pseudonymise(input, file.path(dir, "x.csv"), key), "chmod 600")
  expect_false(file.exists(file.path(dir, "x.csv")))
  unlink(dir, recursive = TRUE)
})
