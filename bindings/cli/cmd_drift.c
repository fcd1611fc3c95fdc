/* ristra drift: what changed between two runs, over ristra_drift_compute(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>

#include "cli.h"

static const char USAGE[] =
    "usage: ristra drift --baseline B --current C (--model M | --lists) [--manifests]\n"
    "                    [--output O]\n"
    "                    [--outcome-column C] [--bins N] [--threads N] [--quiet]\n"
    "\n"
    "Compares two population files scored by the model M (or, with --lists, two\n"
    "ranked lists written by ristra score): the population stability index (PSI)\n"
    "of the risk and of every model feature (flagged moderate at 0.1, major at\n"
    "0.25), the share missing of every feature, list, tier sizes and mean risk\n"
    "per practice and, when both files have outcomes, the change in AUROC (with\n"
    "a DeLong interval on the difference), calibration-in-the-large and slope.\n"
    "Prints a short summary; O gets every figure as CSV (measure, subject,\n"
    "baseline, current, change, lower, upper, flag). Exit status 0: nothing\n"
    "crossed a flag; 3: something did (1: error, 2: usage). docs/drift.md.\n"
    "\n"
    "  --baseline B           the earlier file\n"
    "  --current C            the later file\n"
    "  --manifests            B and C are two runs' manifests (ristra score's\n"
    "                         <output>.manifest.json): compare the inputs they\n"
    "                         read (--model) or the lists they wrote (--lists),\n"
    "                         each checked against the SHA-256 its manifest records\n"
    "  --model M              the model (both files are population files)\n"
    "  --lists                both files are ranked lists (their risk column)\n"
    "  --output O             every figure, CSV\n"
    "  --outcome-column C     outcome column (default emergency_admission_next_12m)\n"
    "  --bins N               PSI bins, baseline quantiles (default 10)\n"
    "  --threads N            threads (default 0: one per CPU)\n"
    "  --quiet                no summary\n";

enum { CLI_DRIFT_FLAGGED = 3 };

typedef struct drift_args {
    const char *baseline, *current, *model, *output, *outcome, *bins, *threads;
    int lists, quiet, manifests;
} drift_args;

static int parse(drift_args *a, ristra_drift_options *o, int argc, char **argv)
{
    const char *pos[1];
    int npos;
    cli_option opts[] = {
        { "baseline", &a->baseline, NULL }, { "current", &a->current, NULL },
        { "model", &a->model, NULL },       { "lists", NULL, &a->lists },
        { "output", &a->output, NULL },     { "outcome-column", &a->outcome, NULL },
        { "bins", &a->bins, NULL },         { "threads", &a->threads, NULL },
        { "quiet", NULL, &a->quiet },       { "manifests", NULL, &a->manifests },
        { NULL, NULL, NULL },
    };
    int rc = cli_parse("drift", USAGE, argc, argv, opts, pos, 0, &npos);
    if (rc)
        return rc;
    if (!a->baseline || !a->current || (!a->model == !a->lists))
        return cli_usage_error("drift", USAGE,
                               "--baseline, --current and one of --model or --lists are needed");
    if (a->outcome)
        o->outcome_column = *a->outcome ? a->outcome : NULL;
    int64_t v;
    if (a->bins) {
        if ((rc = cli_parse_int64("drift", "--bins", a->bins, &v)))
            return rc;
        o->n_bins = (int)(v > 0 && v <= 1000 ? v : 0);
    }
    return a->threads ? cli_parse_threads("drift", a->threads, &o->n_threads) : CLI_OK;
}

static void print_summary(const ristra_drift *d)
{
    int64_t len = ristra_drift_summary(NULL, 0, d);
    char *text = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (text && ristra_drift_summary(text, (size_t)len + 1, d) == len)
        fputs(text, stdout);
    free(text);
}

static int run(int argc, char **argv)
{
    drift_args a;
    memset(&a, 0, sizeof a);
    ristra_drift_options o = RISTRA_DRIFT_OPTIONS_INIT;
    int rc = parse(&a, &o, argc, argv);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    ristra_model *model = NULL;
    if (a.model && (rc = ristra_model_load(&model, a.model)))
        return cli_fail("drift", rc, "cannot load the model");
    ristra_drift *d = NULL;
    rc = a.manifests ? ristra_drift_compute_manifests(&d, model, a.baseline, a.current, &o)
                     : ristra_drift_compute(&d, model, a.baseline, a.current, &o);
    int status = CLI_OK;
    if (rc == RISTRA_EINVAL)
        status = cli_usage_error("drift", USAGE, "%s", ristra_last_error());
    else if (rc)
        status = cli_fail("drift", rc, "cannot compare the files");
    if (!rc && a.output && (rc = ristra_drift_write_csv(d, a.output)))
        status = cli_fail("drift", rc, "cannot write %s", a.output);
    if (!rc && !a.quiet)
        print_summary(d);
    if (!rc && ristra_drift_n_flagged(d) > 0)
        status = CLI_DRIFT_FLAGGED;
    ristra_drift_free(d);
    ristra_model_free(model);
    return status;
}

const cli_command cli_cmd_drift = { "drift", "compare two runs: PSI, missingness, list sizes, "
                                             "AUROC and calibration change",
                                    run };
