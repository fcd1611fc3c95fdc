/* A fit becomes a native logistic model: coefficients, feature metadata
 * from the training data, and metadata that says what the model is and
 * what it was fitted on. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ristra/fit.h"
#include "ristra/version.h"
#include "../common/error_internal.h"
#include "../common/struct_version_internal.h"
#include "../model/model_internal.h"
#include "fit_internal.h"

static const char FN[] = "ristra_fit_to_model";

static const ristra_fit_model_options DEFAULTS = RISTRA_FIT_MODEL_OPTIONS_INIT;

int ristra_fit_model_options_init(ristra_fit_model_options *opts, int version)
{
    return ristra__struct_init(opts, version, &DEFAULTS, &ristra__info_fit_model_options,
                               "ristra_fit_model_options_init");
}

static int is_date(const char *s)
{
    static const char pattern[] = "dddd-dd-dd";
    for (size_t i = 0; i < sizeof pattern - 1; i++)
        if (pattern[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != '-')
            return 0;
    return s[sizeof pattern - 1] == '\0';
}

static int check_names(const ristra_fit *fit)
{
    if (!fit->names)
        return ristra__error(RISTRA_EINVAL,
                             "%s: the fit has no feature names (set "
                             "ristra_fit_options.feature_names when fitting)",
                             FN);
    for (int64_t j = 0; j < fit->n_cols; j++) {
        if (fit->names[j][0] == '\0')
            return ristra__error(RISTRA_EINVAL, "%s: feature name %lld is empty", FN,
                                 (long long)j);
        for (int64_t k = 0; k < j; k++)
            if (strcmp(fit->names[k], fit->names[j]) == 0)
                return ristra__error(RISTRA_EINVAL,
                                     "%s: duplicate feature name \"%s\" (columns %lld and %lld)",
                                     FN, fit->names[j], (long long)k, (long long)j);
    }
    return RISTRA_OK;
}

static int check_model_options(const ristra_fit_model_options *o)
{
    const char *missing = !o->name ? "name" : !o->outcome ? "outcome"
                          : !o->intended_use              ? "intended_use"
                                                          : NULL;
    if (missing)
        return ristra__error(RISTRA_EINVAL, "%s: opts->%s is required", FN, missing);
    if (o->horizon_days <= 0)
        return ristra__error(RISTRA_EINVAL, "%s: opts->horizon_days is %lld (expected > 0)", FN,
                             (long long)o->horizon_days);
    if (o->missing_policy != RISTRA_MISSING_REJECT && o->missing_policy != RISTRA_MISSING_IMPUTE)
        return ristra__error(RISTRA_EINVAL,
                             "%s: opts->missing_policy is %d (expected RISTRA_MISSING_REJECT or "
                             "RISTRA_MISSING_IMPUTE)",
                             FN, o->missing_policy);
    if (o->training_range != 0 && o->training_range != 1)
        return ristra__error(RISTRA_EINVAL, "%s: opts->training_range is %d (expected 0 or 1)",
                             FN, o->training_range);
    if (o->fitted_date && !is_date(o->fitted_date))
        return ristra__error(RISTRA_EINVAL, "%s: opts->fitted_date \"%s\" is not YYYY-MM-DD", FN,
                             o->fitted_date);
    return RISTRA_OK;
}

static void put(json_t *obj, const char *key, json_t *value, int *failed)
{
    if (!value || json_object_set_new(obj, key, value) != 0)
        *failed = 1;
}

/* Whole numbers (counts) as JSON integers, everything else as reals. */
static json_t *number(double v)
{
    if (v == nearbyint(v) && fabs(v) < 9007199254740992.0)
        return json_integer((json_int_t)v);
    return json_real(v);
}

static json_t *population_json(const ristra_fit *fit, const ristra_fit_model_options *o,
                               const char *date, int *failed)
{
    json_t *pop = json_object();
    if (!pop) {
        *failed = 1;
        return NULL;
    }
    char method[96];
    snprintf(method, sizeof method, "maximum likelihood, IRLS (ristra %s)", RISTRA_VERSION_STRING);
    if (o->population_description)
        put(pop, "description", json_string(o->population_description), failed);
    put(pop, "n", json_integer((json_int_t)fit->n_used), failed);
    put(pop, "n_rows", json_integer((json_int_t)fit->n_rows), failed);
    put(pop, "events", number(fit->sum_wy), failed);
    put(pop, "event_rate", json_real(fit->sum_wy / fit->sum_w), failed);
    put(pop, "weighted", json_boolean(fit->weighted), failed);
    put(pop, "sum_weights", number(fit->sum_w), failed);
    put(pop, "l2", json_real(fit->l2), failed);
    put(pop, "deviance", json_real(fit->deviance), failed);
    put(pop, "null_deviance", json_real(fit->null_deviance), failed);
    put(pop, "aic", json_real(fit->aic), failed);
    put(pop, "iterations", json_integer(fit->iterations), failed);
    put(pop, "fitted", json_string(date), failed);
    put(pop, "method", json_string(method), failed);
    return pop;
}

static char *metadata_text(const ristra_fit *fit, const ristra_fit_model_options *o)
{
    char today[16];
    const char *date = o->fitted_date;
    if (!date) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(today, sizeof today, "%Y-%m-%d", &tm);
        date = today;
    }
    int failed = 0;
    json_t *meta = json_object();
    if (!meta)
        return NULL;
    put(meta, "name", json_string(o->name), &failed);
    put(meta, "version", json_string(o->model_version ? o->model_version : "1.0.0"), &failed);
    put(meta, "outcome", json_string(o->outcome), &failed);
    put(meta, "horizon_days", json_integer((json_int_t)o->horizon_days), &failed);
    put(meta, "intended_use", json_string(o->intended_use), &failed);
    put(meta, "training_population", population_json(fit, o, date, &failed), &failed);
    char *text = failed ? NULL : json_dumps(meta, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(meta);
    return text;
}

static int fill_feature(ristra__feature *f, const ristra_fit *fit, int64_t j,
                        const ristra_fit_model_options *o)
{
    const char *description = o->descriptions && o->descriptions[j] ? o->descriptions[j] : "";
    const char *unit = o->units && o->units[j] ? o->units[j] : "";
    f->name = strdup(fit->names[j]);
    f->description = strdup(description);
    f->unit = strdup(unit);
    if (!f->name || !f->description || !f->unit)
        return ristra__oom();
    f->lo = o->training_range ? fit->col_min[j] : -INFINITY;
    f->hi = o->training_range ? fit->col_max[j] : INFINITY;
    f->missing_policy = o->missing_policy;
    f->impute = o->missing_policy == RISTRA_MISSING_IMPUTE ? fit->col_mean[j] : NAN;
    return RISTRA_OK;
}

int ristra_fit_to_model(ristra_model **out, const ristra_fit *fit,
                        const ristra_fit_model_options *caller_opts)
{
    if (out)
        *out = NULL;
    if (!out || !fit || !caller_opts)
        return ristra__error(RISTRA_EINVAL, "%s: %s is NULL", FN,
                             !out ? "out" : !fit ? "fit" : "opts");
    ristra_fit_model_options full;
    const ristra_fit_model_options *opts = &full;
    int rc = ristra__struct_load(&full, caller_opts, &DEFAULTS, &ristra__info_fit_model_options,
                                 FN);
    if (!rc)
        rc = check_model_options(opts);
    if (!rc)
        rc = check_names(fit);
    if (rc)
        return rc;
    ristra_model *m = ristra__model_new(fit->n_cols);
    if (!m)
        return ristra__oom();
    m->kind = RISTRA_MODEL_LOGISTIC;
    m->intercept = fit->intercept ? fit->intercept_value : 0.0;
    m->coef = malloc((size_t)(fit->n_cols > 0 ? fit->n_cols : 1) * sizeof *m->coef);
    m->reference = malloc((size_t)(fit->n_cols > 0 ? fit->n_cols : 1) * sizeof *m->reference);
    m->metadata_json = metadata_text(fit, opts);
    rc = m->coef && m->reference && m->metadata_json ? RISTRA_OK : ristra__oom();
    for (int64_t j = 0; !rc && j < fit->n_cols; j++) {
        m->coef[j] = fit->coef[j];
        m->reference[j] = fit->col_mean[j]; /* what explanations measure from */
        rc = fill_feature(&m->features[j], fit, j, opts);
    }
    if (rc) {
        ristra_model_free(m);
        return rc;
    }
    *out = m;
    return RISTRA_OK;
}
