/* ristra inspect MODEL: what a model file holds. */
#include <math.h>
#include <stdio.h>

#include <ristra/ristra.h>

#include "cli.h"

static const char USAGE[] =
    "usage: ristra inspect MODEL\n"
    "\n"
    "Prints the model's kind, metadata, features (unit, valid range, missing\n"
    "policy) and, for tree models, the number of trees and their depth.\n";

static void print_bound(double b)
{
    if (isinf(b))
        printf("%s", b < 0 ? "-inf" : "inf");
    else
        printf("%g", b);
}

static int run(int argc, char **argv)
{
    const char *pos[1];
    int npos;
    cli_option opts[] = { { NULL, NULL, NULL } };
    int rc = cli_parse("inspect", USAGE, argc, argv, opts, pos, 1, &npos);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    if (npos != 1)
        return cli_usage_error("inspect", USAGE, "expected one MODEL file");

    ristra_model *m = NULL;
    rc = ristra_model_load(&m, pos[0]);
    if (rc)
        return cli_fail("inspect", rc, "cannot load the model");
    int kind = ristra_model_kind(m);
    printf("file:      %s\n", cli_esc(pos[0]));
    printf("kind:      %s\n", ristra_model_kind_string(kind));
    printf("metadata:  %s\n", ristra_model_metadata(m));
    if (kind == RISTRA_MODEL_GBDT) {
        ristra_tree_summary ts = RISTRA_TREE_SUMMARY_INIT;
        ristra_model_trees(&ts, m);
        printf("trees:     %lld (max depth %lld, %lld nodes, %lld categorical splits)\n",
               (long long)ts.n_trees, (long long)ts.max_depth, (long long)ts.n_nodes,
               (long long)ts.n_categorical);
    }
    int64_t nf = ristra_model_n_features(m);
    printf("features:  %lld\n", (long long)nf);
    int64_t need = ristra_model_min_present(m);
    if (need > 0)
        printf("min present: %lld of %lld features (rows with fewer are not scored: "
               "insufficient data)\n", (long long)need, (long long)nf);
    else
        printf("min present: none (a row with every feature missing is scored)\n");
    for (int64_t j = 0; j < nf; j++) {
        ristra_feature_info f = RISTRA_FEATURE_INFO_INIT;
        ristra_model_feature(&f, m, j);
        printf("  %3lld  %-28s  unit=%s  range=[", (long long)j, cli_esc(f.name),
               cli_esc(f.unit[0] ? f.unit : "-"));
        print_bound(f.valid_min);
        printf(", ");
        print_bound(f.valid_max);
        printf("]  missing=%s", ristra_missing_policy_string(f.missing_policy));
        if (f.missing_policy == RISTRA_MISSING_IMPUTE)
            printf("(%g)", f.impute_value);
        if (f.required && f.missing_policy != RISTRA_MISSING_REJECT)
            printf(" required");
        if (f.description[0])
            printf("  %s", cli_esc(f.description));
        printf("\n");
    }
    ristra_model_free(m);
    return CLI_OK;
}

const cli_command cli_cmd_inspect = { "inspect", "describe a model file", run };
