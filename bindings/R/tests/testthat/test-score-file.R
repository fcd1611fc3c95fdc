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
    practices <- summary[summary$practice != "ALL", ]
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
  expect_identical(memDecompress(readBin(packed, "raw", file.size(packed)), "gzip"),
                   readBin(want$ranked, "raw", file.size(want$ranked)))
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
