/* ristra score: the nightly batch from the command line, over
 * ristra_score_file(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ristra/ristra.h>

#include "cli.h"

static const char USAGE[] =
    "usage: ristra score --model M --input F --output O [--rejects R] [--summary S]\n"
    "                    [--tiers C1,C2,...] [--tier-names N1,N2,...] [--threads N]\n"
    "                    [--id-kind nhs|pseudonym] [--id-column C] [--practice-column C]\n"
    "                    [--outcome-column C]\n"
    "                    [--audit A [--audit-by C1,C2,...]]\n"
    "                    [--fhir F [--fhir-bundle] [--fhir-system URI] [--fhir-time T]\n"
    "                     [--fhir-status S]]\n"
    "                    [--report-dir D [--report-unsuppressed] [--report-baseline M]]\n"
    "                    [--manifest PATH] [--mode OCTAL] [--max-reject-rate R]\n"
    "                    [--min-scored N] [--reasons K] [--quiet]\n"
    "\n"
    "Scores every patient of the population file F (CSV, plain or gzip) with the\n"
    "model M and writes the ranked list O: one row per patient scored, by practice\n"
    "and rank, with columns nhs_number, practice, risk, rank_in_practice,\n"
    "percentile_in_practice, percentile_overall, tier. A file whose name ends in\n"
    ".gz is written gzip-compressed. Rows that cannot be scored go to R with their\n"
    "line and reason; S gets one line per practice and a last line ALL. Nothing\n"
    "is written unless the whole run succeeds: every file is replaced, or none\n"
    "is. F may be - (standard input) and O, R or S may be - (standard output, to\n"
    "which the all-or-nothing promise cannot apply). Columns: README.md,\n"
    "\"Scoring a population\"; the commit protocol and the manifest:\n"
    "docs/score-output.md.\n"
    "\n"
    "  --model M              the model (ristra's native format)\n"
    "  --input F              the population file\n"
    "  --output O             the ranked list to write\n"
    "  --rejects R            the rejected rows (CSV)\n"
    "  --summary S            the per-practice summary (CSV)\n"
    "  --tiers C1,C2,...      tier cut-points, fractions (0.02) or percentages (2%)\n"
    "                         of each practice's list, increasing (default\n"
    "                         0.5%,2%,5%,20%)\n"
    "  --tier-names N1,...    a name per tier (default \"top 0.5%\", ...)\n"
    "  --threads N            threads (default 0: one per CPU)\n"
    "  --id-kind K            nhs (default): NHS numbers, modulus-11 checked; or\n"
    "                         pseudonym: tokens of 16-64 of [0-9A-Za-z_-] (see ristra\n"
    "                         pseudonymise); names the list's and rejects' first column\n"
    "  --id-column C          identifier column (default nhs_number, or pseudonym)\n"
    "  --practice-column C    practice column (default practice)\n"
    "  --outcome-column C     outcome column, read when present (default\n"
    "                         emergency_admission_next_12m; \"\" for none)\n"
    "  --audit A              the subgroup audit at the tiers applied (tidy CSV):\n"
    "                         area, practices, age band (column age), sex (female),\n"
    "                         deprivation quintile (imd_decile); docs/audit.md\n"
    "  --audit-by C1,...      also group by these numeric columns (e.g. an\n"
    "                         ethnicity code)\n"
    "  --fhir F               every scored patient as a FHIR R4 RiskAssessment,\n"
    "                         NDJSON (one a line; docs/fhir.md). Identifies patients.\n"
    "  --fhir-bundle          one Bundle (type collection) instead of NDJSON\n"
    "  --fhir-system URI      the subject identifier's system (default the NHS\n"
    "                         number's, https://fhir.nhs.uk/Id/nhs-number)\n"
    "  --fhir-time T          occurrenceDateTime, seconds since 1970 UTC (default now)\n"
    "  --fhir-status S        the resources' status (default final)\n"
    "  --report-dir D         the report: D/index.html (the area) and one\n"
    "                         D/practice-<code>.html per practice, self-contained\n"
    "                         HTML (docs/report.md); D must exist\n"
    "  --report-baseline M    a baseline run's manifest: the pages show the drift\n"
    "                         flags of this input against the file that run read\n"
    "  --report-unsuppressed  exact counts on the practice pages (the area page\n"
    "                         keeps small-number suppression)\n"
    "  --manifest PATH        the run's manifest (JSON: model, input and output\n"
    "                         hashes, options, counts; default O.manifest.json;\n"
    "                         \"\" for none)\n"
    "  --mode OCTAL           permissions of the files written (default 0600;\n"
    "                         the umask can only narrow them)\n"
    "  --max-reject-rate R    fail (exit 3, nothing written) when more than this\n"
    "                         fraction of rows is rejected (default 0.05)\n"
    "  --min-scored N         fail (exit 3, nothing written) when fewer rows are\n"
    "                         scored (default 1)\n"
    "  --reasons K            add the K features that raise each patient's risk most\n"
    "                         (feature, value, contribution, readable text; see\n"
    "                         docs/score-output.md)\n"
    "  --quiet                no progress bar and no summary paragraph\n"
    "\n"
    "Exit status: 0 done; 1 failed (nothing written); 2 usage; 3 failure threshold\n"
    "(nothing written); 129, 130, 143 stopped by SIGHUP, SIGINT, SIGTERM\n"
    "(temporary files removed, nothing written).\n";

/* ------------------------------------------------------------ progress */

typedef struct progress {
    double start, last;
    int shown;
    int visible;         /* draw the bar (standard error is a terminal) */
} progress;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* 1234567 -> "1,234,567" */
static const char *grouped(char *buf, size_t size, int64_t v)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%lld", (long long)(v < 0 ? -v : v));
    size_t o = 0;
    if (v < 0 && o + 1 < size)
        buf[o++] = '-';
    for (int i = 0; i < n && o + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

static int show_progress(void *ctx, int64_t patients, uint64_t bytes_done, uint64_t bytes_total)
{
    progress *p = ctx;
    if (cli_signal_received())
        return 1; /* the library stops, removes its temporaries, writes nothing */
    if (!p->visible)
        return 0;
    double t = now_seconds();
    if (p->shown && t - p->last < 0.1)
        return 0;
    p->last = t;
    p->shown = 1;
    double elapsed = t - p->start;
    char count[32], rate[32];
    grouped(count, sizeof count, patients);
    grouped(rate, sizeof rate, elapsed > 0 ? (int64_t)((double)patients / elapsed) : 0);
    if (bytes_total > 0) {
        double frac = (double)bytes_done / (double)bytes_total;
        if (frac > 1)
            frac = 1;
        char bar[31];
        int filled = (int)(frac * 30);
        for (int i = 0; i < 30; i++)
            bar[i] = i < filled ? '#' : ' ';
        bar[30] = '\0';
        fprintf(stderr, "\r%3.0f%% [%s] %s patients, %s/s ", 100 * frac, bar, count, rate);
    } else {
        fprintf(stderr, "\r%s patients, %s/s ", count, rate);
    }
    fflush(stderr);
    return 0;
}

static void clear_progress(const progress *p)
{
    if (p->shown)
        fprintf(stderr, "\r%*s\r", 79, "");
}

/* ------------------------------------------------------------ options */

typedef struct score_args {
    const char *model, *input, *output;
    const char *tiers, *tier_names, *threads, *reasons;
    const char *mode, *max_reject_rate, *min_scored;
    const char *audit_by, *fhir_time;
    int quiet, fhir_bundle, report_unsuppressed;
    char *names_copy;    /* the split --tier-names */
    char *audit_copy;    /* the split --audit-by */
    const char **audit_columns;
    ristra_audit_options audit;
    ristra_fhir_options fhir;
    ristra_report_options report;
    /* what the options point at */
    ristra_population_options population;
    double cut_points[RISTRA_MAX_TIERS];
    const char *names[RISTRA_MAX_TIERS];
} score_args;

/* Splits a copy of text at commas (cli_split_list) into at most
 * RISTRA_MAX_TIERS pieces; returns the count, or -1 when there are more
 * (or no memory: *copy is then NULL). The pieces point into *copy. */
static int split_tier_list(char **copy, const char *pieces[RISTRA_MAX_TIERS], const char *text)
{
    int64_t n = 0;
    *copy = strdup(text);
    const char **items = *copy ? cli_split_list(*copy, &n) : NULL;
    if (!items) {
        free(*copy);
        *copy = NULL;
        return -1;
    }
    if (n > RISTRA_MAX_TIERS)
        n = -1;
    for (int64_t k = 0; k < n; k++)
        pieces[k] = items[k];
    free(items);
    return (int)n;
}

static int parse_tiers(ristra_score_file_options *o, score_args *a)
{
    const char *pieces[RISTRA_MAX_TIERS];
    if (a->tiers) {
        if (ristra_tiers_parse(a->cut_points, RISTRA_MAX_TIERS, &o->n_tiers, a->tiers))
            return cli_usage_error("score", USAGE, "--tiers: %s", ristra_last_error());
        o->tier_cut_points = a->cut_points;
    }
    if (a->tier_names) {
        int want = (int)(o->n_tiers ? o->n_tiers : ristra_default_tiers(NULL));
        int n = split_tier_list(&a->names_copy, pieces, a->tier_names);
        if (!a->names_copy)
            return cli_fail("score", RISTRA_ENOMEM, "out of memory");
        if (n != want)
            return cli_usage_error("score", USAGE, "--tier-names gives %s names for %d tiers",
                                   n < 0 ? "too many" : n == 1 ? "1" : "another number of",
                                   want);
        for (int k = 0; k < n; k++)
            a->names[k] = pieces[k];
        o->tier_names = a->names;
    }
    return CLI_OK;
}

/* --mode, --max-reject-rate, --min-scored: the library checks the ranges. */
static int parse_run_options(ristra_score_file_options *o, const score_args *a)
{
    int rc = CLI_OK;
    if (a->mode) {
        char *end;
        long v = strtol(a->mode, &end, 8);
        if (end == a->mode || *end || v < 0 || v > 0777)
            return cli_usage_error("score", USAGE, "--mode: \"%s\" is not an octal mode such "
                                   "as 0600 or 0640", a->mode);
        o->file_mode = (int)v;
    }
    if (a->max_reject_rate)
        rc = cli_parse_double("score", "--max-reject-rate", a->max_reject_rate,
                              &o->max_reject_rate);
    if (!rc && a->min_scored)
        rc = cli_parse_int64("score", "--min-scored", a->min_scored, &o->min_scored);
    return rc;
}

/* --audit-by, --fhir-*, --report-*: the options of the extra outputs. */
static int parse_output_options(ristra_score_file_options *o, score_args *a)
{
    int rc;
    if (a->audit_by) {
        if (!o->audit_path && !o->report_dir)
            return cli_usage_error("score", USAGE, "--audit-by needs --audit or --report-dir");
        a->audit_copy = strdup(a->audit_by);
        a->audit_columns = a->audit_copy ? cli_split_list(a->audit_copy, &a->audit.n_group_columns)
                                         : NULL;
        if (!a->audit_columns)
            return cli_fail("score", RISTRA_ENOMEM, "out of memory");
        a->audit.group_columns = a->audit_columns;
    }
    o->audit = &a->audit;
    if (a->fhir_time && (rc = cli_parse_int64("score", "--fhir-time", a->fhir_time,
                                              &a->fhir.occurrence_time)))
        return rc;
    a->fhir.format = a->fhir_bundle ? RISTRA_FHIR_BUNDLE : RISTRA_FHIR_NDJSON;
    o->fhir = &a->fhir;
    if ((a->report_unsuppressed || a->report.baseline_manifest) && !o->report_dir)
        return cli_usage_error("score", USAGE,
                               "--report-unsuppressed and --report-baseline need --report-dir");
    a->report.suppress_practice = !a->report_unsuppressed;
    o->report = &a->report;
    return CLI_OK;
}

static int parse_options(ristra_score_file_options *o, score_args *a, int argc, char **argv)
{
    const char *id = NULL, *practice = NULL, *outcome = NULL, *id_kind = NULL, *pos[1];
    int npos;
    cli_option opts[] = {
        { "model", &a->model, NULL },
        { "input", &a->input, NULL },
        { "output", &a->output, NULL },
        { "rejects", &o->rejects_path, NULL },
        { "summary", &o->summary_path, NULL },
        { "tiers", &a->tiers, NULL },
        { "tier-names", &a->tier_names, NULL },
        { "threads", &a->threads, NULL },
        { "id-column", &id, NULL },
        { "id-kind", &id_kind, NULL },
        { "practice-column", &practice, NULL },
        { "outcome-column", &outcome, NULL },
        { "reasons", &a->reasons, NULL },
        { "audit", &o->audit_path, NULL },
        { "audit-by", &a->audit_by, NULL },
        { "fhir", &o->fhir_path, NULL },
        { "fhir-bundle", NULL, &a->fhir_bundle },
        { "fhir-system", &a->fhir.identifier_system, NULL },
        { "fhir-time", &a->fhir_time, NULL },
        { "fhir-status", &a->fhir.status, NULL },
        { "report-dir", &o->report_dir, NULL },
        { "report-unsuppressed", NULL, &a->report_unsuppressed },
        { "report-baseline", &a->report.baseline_manifest, NULL },
        { "manifest", &o->manifest_path, NULL },
        { "mode", &a->mode, NULL },
        { "max-reject-rate", &a->max_reject_rate, NULL },
        { "min-scored", &a->min_scored, NULL },
        { "quiet", NULL, &a->quiet },
        { NULL, NULL, NULL },
    };
    int rc = cli_parse("score", USAGE, argc, argv, opts, pos, 0, &npos);
    if (rc)
        return rc;
    if (!a->model || !a->input || !a->output)
        return cli_usage_error("score", USAGE, "--model, --input and --output are required");
    if (id || practice || outcome || id_kind) {
        ristra_population_options_init(&a->population, RISTRA_POPULATION_OPTIONS_VERSION);
        a->population.outcome_column = RISTRA_SCORE_FILE_DEFAULT_OUTCOME;
        o->population = &a->population;
    }
    if ((rc = cli_population_ids("score", &a->population, id_kind, id, practice)))
        return rc;
    if (outcome)
        a->population.outcome_column = *outcome ? outcome : NULL;
    if (a->threads && (rc = cli_parse_threads("score", a->threads, &o->n_threads)))
        return rc;
    if (a->reasons) {
        int64_t v;
        if ((rc = cli_parse_int64("score", "--reasons", a->reasons, &v)))
            return rc;
        if (v < 0 || v > RISTRA_MAX_REASONS)
            return cli_usage_error("score", USAGE, "--reasons must be 0..%d", RISTRA_MAX_REASONS);
        o->n_reasons = (int)v;
    }
    if ((rc = parse_output_options(o, a)) || (rc = parse_run_options(o, a)))
        return rc;
    return parse_tiers(o, a);
}

/* ------------------------------------------------------------ report */

static void report(const ristra_score_result *r, const score_args *a,
                   const ristra_score_file_options *o, double seconds)
{
    ristra_score_totals t = RISTRA_SCORE_TOTALS_INIT;
    if (ristra_score_result_totals(&t, r))
        return;
    char b1[32], b2[32], b3[32], b4[32];
    printf("Read %s rows of ", grouped(b1, sizeof b1, t.n_rows));
    cli_put_escaped(stdout, a->input);
    printf(" in %.2f s (%s patients/s): %s scored, %s rejected, %d practices.", seconds,
           grouped(b4, sizeof b4, seconds > 0 ? (int64_t)((double)t.n_rows / seconds) : 0),
           grouped(b2, sizeof b2, t.n_scored), grouped(b3, sizeof b3, t.n_rejected),
           (int)t.n_practices);
    printf(" Tiers:");
    for (int k = 0; k < t.n_tiers; k++) {
        int64_t count = ristra_score_result_tier_count(r, RISTRA_SCORE_RESULT_ALL, k);
        printf("%s %s %s", k ? ";" : "", cli_esc(ristra_score_result_tier_name(r, k)),
               grouped(b1, sizeof b1, count));
    }
    printf(".");
    if (t.has_outcome && t.n_scored > 0)
        printf(" Observed %s admissions against %.1f expected.",
               grouped(b1, sizeof b1, t.observed), t.expected);
    const char *paths[] = { a->output, o->rejects_path, o->summary_path, o->audit_path,
                            o->fhir_path, o->report_dir };
    static const char *const labels[] = { " Ranked list: ", "; rejects: ", "; summary: ",
                                          "; audit: ", "; FHIR: ", "; report: " };
    for (int i = 0; i < 6; i++)
        if (paths[i]) {
            fputs(labels[i], stdout);
            cli_put_escaped(stdout, paths[i]);
        }
    printf(".\n");
}

/* The exit status for what ristra_score_file() returned. */
static int outcome(int rc)
{
    int sig = cli_signal_received();
    if (sig && rc == RISTRA_ECANCELLED) {
        fprintf(stderr, "ristra score: stopped by %s; nothing written, temporary files "
                        "removed\n", cli_signal_name(sig));
        return 128 + sig;
    }
    if (rc == RISTRA_EINVAL) /* the library is the one place that knows the limits */
        return cli_usage_error("score", USAGE, "%s", ristra_last_error());
    if (rc == RISTRA_ETHRESHOLD) {
        cli_fail("score", rc, "failure threshold");
        return CLI_THRESHOLD;
    }
    return cli_fail("score", rc, "nothing written");
}

static int run(int argc, char **argv)
{
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    score_args a;
    memset(&a, 0, sizeof a);
    ristra_audit_options audit_defaults = RISTRA_AUDIT_OPTIONS_INIT;
    a.audit = audit_defaults;
    ristra_fhir_options fhir_defaults = RISTRA_FHIR_OPTIONS_INIT;
    a.fhir = fhir_defaults;
    ristra_report_options report_defaults = RISTRA_REPORT_OPTIONS_INIT;
    a.report = report_defaults;
    int rc = parse_options(&o, &a, argc, argv);
    if (rc) {
        free(a.names_copy), free(a.audit_copy), free(a.audit_columns);
        return rc < 0 ? CLI_OK : rc;
    }
    cli_catch_signals();
    ristra_model *model = NULL;
    if ((rc = ristra_model_load(&model, a.model))) {
        free(a.names_copy), free(a.audit_copy), free(a.audit_columns);
        return cli_fail("score", rc, "cannot load the model");
    }
    /* Always installed: it is how a signal cancels the run. */
    progress p = { now_seconds(), 0.0, 0, !a.quiet && isatty(STDERR_FILENO) };
    o.progress = show_progress;
    o.progress_ctx = &p;
    ristra_score_result *result = NULL;
    rc = ristra_score_file(&result, model, a.input, a.output, &o);
    clear_progress(&p);
    int status = CLI_OK;
    if (rc) /* a signal after the commit finds the run complete: it succeeded */
        status = outcome(rc);
    else if (!a.quiet && strcmp(a.output, "-") != 0)
        report(result, &a, &o, now_seconds() - p.start);
    ristra_score_result_free(result);
    ristra_model_free(model);
    free(a.names_copy), free(a.audit_copy), free(a.audit_columns);
    return status;
}

const cli_command cli_cmd_score = { "score", "score a population file into ranked, tiered lists",
                                    run };
