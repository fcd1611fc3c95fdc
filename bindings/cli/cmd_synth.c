/* ristra synth: write a synthetic registered population. */
#include <stdio.h>

#include <ristra/ristra.h>
#include <ristra/synth.h>

#include "cli.h"

static const char USAGE[] =
    "usage: ristra synth --patients N --output FILE [--practices P] [--seed S]\n"
    "                    [--no-outcome] [--truth] [--deprivation-effect X]\n"
    "                    [--gzip-level L]\n"
    "\n"
    "Writes a synthetic registered population (CSV; gzip when FILE ends in .gz)\n"
    "for demonstrations, tests and benchmarks. The same options always give the\n"
    "same bytes. NHS numbers come from the test range 999 000 0000-999 999 9999,\n"
    "which is never issued, so N is at most 909091. Columns and assumptions:\n"
    "examples/data/README.md.\n"
    "\n"
    "  --patients N     patients (rows)\n"
    "  --output FILE    file to write (replaced only once complete)\n"
    "  --practices P    practices, 1..N (default: one per 10,000 patients, rounded;\n"
    "                   1 below 15,000)\n"
    "  --seed S         random seed, a whole number >= 0 (default 1)\n"
    "  --no-outcome     leave out emergency_admission_next_12m\n"
    "  --truth          add true_risk, the ground-truth probability of the outcome\n"
    "  --deprivation-effect X  add X * (5.5 - imd_decile) / 4.5 to the truth's\n"
    "                   log-odds (groups by deprivation then differ; default 0)\n"
    "  --gzip-level L   0 (plain) or 1..9 (default: 6 for .gz names, else plain)\n";

static int parse_options(ristra_synth_options *o, const char **output, int argc, char **argv)
{
    const char *patients = NULL, *practices = NULL, *seed = NULL, *level = NULL, *pos[1];
    const char *dep_effect = NULL;
    int no_outcome = 0, truth = 0, npos;
    *output = NULL;
    cli_option opts[] = {
        { "patients", &patients, NULL }, { "practices", &practices, NULL },
        { "seed", &seed, NULL },         { "output", output, NULL },
        { "no-outcome", NULL, &no_outcome }, { "truth", NULL, &truth },
        { "gzip-level", &level, NULL },  { "deprivation-effect", &dep_effect, NULL },
        { NULL, NULL, NULL }
    };
    int rc = cli_parse("synth", USAGE, argc, argv, opts, pos, 0, &npos);
    if (rc)
        return rc;
    if (!patients || !*output)
        return cli_usage_error("synth", USAGE, "--patients and --output are required");
    int64_t v;
    if ((rc = cli_parse_int64("synth", "--patients", patients, &o->n_patients)))
        return rc;
    if (practices && (rc = cli_parse_int64("synth", "--practices", practices, &o->n_practices)))
        return rc;
    if (practices && o->n_practices == 0) /* 0 is the library's "default", not a count */
        return cli_usage_error("synth", USAGE, "--practices must be 1..%lld",
                               (long long)o->n_patients);
    if (seed) {
        if ((rc = cli_parse_int64("synth", "--seed", seed, &v)))
            return rc;
        if (v < 0)
            return cli_usage_error("synth", USAGE, "--seed must be >= 0");
        o->seed = (uint64_t)v;
    }
    if (level) {
        if ((rc = cli_parse_int64("synth", "--gzip-level", level, &v)))
            return rc;
        if (v < 0 || v > 9)
            return cli_usage_error("synth", USAGE, "--gzip-level must be 0..9");
        o->gzip_level = (int)v;
    }
    if (dep_effect &&
        (rc = cli_parse_double("synth", "--deprivation-effect", dep_effect,
                               &o->deprivation_effect)))
        return rc;
    o->write_outcome = !no_outcome;
    o->write_true_risk = truth;
    return CLI_OK;
}

static int run(int argc, char **argv)
{
    ristra_synth_options o = RISTRA_SYNTH_OPTIONS_INIT;
    const char *output;
    int rc = parse_options(&o, &output, argc, argv);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    rc = ristra_synth_write(output, &o);
    if (rc == RISTRA_EINVAL) /* the library is the one place that knows the limits */
        return cli_usage_error("synth", USAGE, "%s", ristra_last_error());
    if (rc)
        return cli_fail("synth", rc, "cannot write %s", output);
    return CLI_OK;
}

const cli_command cli_cmd_synth = { "synth", "write a synthetic registered population", run };
