/* ristra convert --from xgboost IN OUT: another engine's model file as a
 * native ristra model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>
#include <ristra/xgboost.h>

#include "cli.h"

static const char USAGE[] =
    "usage: ristra convert --from xgboost IN OUT [options]\n"
    "\n"
    "Imports an XGBoost model (JSON or UBJSON, plain or gzip; binary:logistic,\n"
    "reg:logistic or binary:logitraw; gbtree or gblinear) and writes it as a\n"
    "native ristra model, gzip-compressed when OUT ends in .gz. The native model\n"
    "scores exactly as XGBoost does. Multi-class, DART, ranking and other\n"
    "objectives are refused.\n"
    "\n"
    "options:\n"
    "  --feature-names A,B,C   feature names, for models saved without them\n"
    "  --name TEXT             the model's name (default: IN's file name)\n"
    "  --model-version TEXT    the model's own version (default: unversioned)\n"
    "  --outcome TEXT          what it predicts (default: unknown)\n"
    "  --horizon-days N        the prediction window in days (default: 365)\n"
    "  --intended-use TEXT     who may use it for what (default: says it was\n"
    "                          imported and must be validated before clinical use)\n"
    "  --training-population TEXT  the data it was trained on\n"
    "  --all-trees             keep every tree of a model that stopped early\n"
    "                          (default: those up to best_iteration, as\n"
    "                          XGBClassifier.predict_proba() uses)\n"
    "  --min-present N         rows with fewer than N features present are not\n"
    "                          scored (insufficient data); default 1, 0 for none\n"
    "\n"
    "Metadata left to a default is listed in the model's \"defaulted\" member.\n";

static int convert(const char *in, const char *out, const ristra_xgboost_options *o)
{
    ristra_model *m = NULL;
    int rc = ristra_model_import_xgboost(&m, in, o);
    if (rc)
        return cli_fail("convert", rc, "cannot import %s", in);
    ristra_save_options save = RISTRA_SAVE_OPTIONS_INIT;
    rc = ristra_model_save(m, out, &save);
    if (rc) {
        ristra_model_free(m);
        return cli_fail("convert", rc, "cannot write %s", out);
    }
    ristra_tree_summary ts = RISTRA_TREE_SUMMARY_INIT;
    ristra_model_trees(&ts, m);
    if (ristra_model_kind(m) == RISTRA_MODEL_GBDT)
        printf("%s -> %s: gbdt, %lld features, %lld trees (max depth %lld)\n", cli_esc(in),
               cli_esc(out),
               (long long)ristra_model_n_features(m), (long long)ts.n_trees,
               (long long)ts.max_depth);
    else
        printf("%s -> %s: logistic, %lld features\n", cli_esc(in), cli_esc(out),
               (long long)ristra_model_n_features(m));
    ristra_model_free(m);
    return CLI_OK;
}

static int run(int argc, char **argv)
{
    const char *from = NULL, *names = NULL, *horizon = NULL, *min_present = NULL;
    ristra_xgboost_options o = RISTRA_XGBOOST_OPTIONS_INIT;
    const char *pos[2];
    int npos;
    cli_option opts[] = {
        { "from", &from, NULL },
        { "feature-names", &names, NULL },
        { "name", &o.name, NULL },
        { "model-version", &o.model_version, NULL },
        { "outcome", &o.outcome, NULL },
        { "horizon-days", &horizon, NULL },
        { "intended-use", &o.intended_use, NULL },
        { "training-population", &o.training_population, NULL },
        { "all-trees", NULL, &o.all_trees },
        { "min-present", &min_present, NULL },
        { NULL, NULL, NULL },
    };
    int rc = cli_parse("convert", USAGE, argc, argv, opts, pos, 2, &npos);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    if (!from)
        return cli_usage_error("convert", USAGE, "--from is required (supported: xgboost)");
    if (strcmp(from, "xgboost") != 0)
        return cli_usage_error("convert", USAGE, "cannot convert from \"%s\" (supported: xgboost)",
                               from);
    if (npos != 2)
        return cli_usage_error("convert", USAGE, "expected IN and OUT files");
    if (horizon) {
        if ((rc = cli_parse_int64("convert", "--horizon-days", horizon, &o.horizon_days)))
            return rc;
        if (o.horizon_days <= 0)
            return cli_usage_error("convert", USAGE, "--horizon-days must be a positive number "
                                   "of days, got %s", horizon);
    }
    if (min_present) {
        if ((rc = cli_parse_int64("convert", "--min-present", min_present,
                                  &o.min_present_features)))
            return rc;
        if (o.min_present_features < 0)
            return cli_usage_error("convert", USAGE, "--min-present must be 0 or more, got %s",
                                   min_present);
        if (o.min_present_features == 0)
            o.min_present_features = -1; /* the library's "no minimum" */
    }
    char *copy = NULL;
    const char **list = NULL;
    if (names) {
        copy = strdup(names);
        list = copy ? cli_split_list(copy, &o.n_feature_names) : NULL;
        if (!list) {
            free(copy);
            return cli_fail("convert", 0, "out of memory");
        }
        o.feature_names = list;
    }
    rc = convert(pos[0], pos[1], &o);
    free(list);
    free(copy);
    return rc;
}

const cli_command cli_cmd_convert = { "convert", "import another engine's model (XGBoost)", run };
