/* ristra_model_recalibrate(): a model's calibration block refitted on local
 * outcomes with the calibration fits of lib/metrics (the same Newton fits
 * that ristra_evaluate() reports as calibration intercept and slope), and
 * the record of it in the model's metadata. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ristra/calibrate.h"
#include "ristra/version.h"
#include "../common/error_internal.h"
#include "../common/struct_version_internal.h"
#include "../metrics/metrics_internal.h"
#include "model_internal.h"

static const char FN[] = "ristra_model_recalibrate";

int ristra_model_calibration(ristra_calibration *out, const ristra_model *model)
{
    static const char fn[] = "ristra_model_calibration";
    if (!model)
        return ristra__error(RISTRA_EINVAL, "%s: model is NULL", fn);
    ristra_calibration c = RISTRA_CALIBRATION_INIT;
    c.present = model->has_calibration;
    c.intercept = model->has_calibration ? model->cal_intercept : 0.0;
    c.slope = model->has_calibration ? model->cal_slope : 1.0;
    return ristra__struct_store(out, &c, &ristra__info_calibration, fn);
}

static const ristra_recalibrate_options DEFAULTS = RISTRA_RECALIBRATE_OPTIONS_INIT;

int ristra_recalibrate_options_init(ristra_recalibrate_options *opts, int version)
{
    return ristra__struct_init(opts, version, &DEFAULTS, &ristra__info_recalibrate_options,
                               "ristra_recalibrate_options_init");
}

/* The two digits at s (no sign, no space), or -1. */
static int two_digits(const char *s)
{
    if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'))
        return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* "YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ssZ", fields in range (a leap second
 * allowed; days are not checked against the month). */
static int is_utc_date(const char *s)
{
    size_t len = strlen(s);
    if (len != 10 && len != 20)
        return 0;
    if (two_digits(s) < 0 || two_digits(s + 2) < 0 || s[4] != '-' || s[7] != '-')
        return 0;
    int month = two_digits(s + 5), day = two_digits(s + 8);
    if (month < 1 || month > 12 || day < 1 || day > 31)
        return 0;
    if (len == 10)
        return 1;
    int hour = two_digits(s + 11), minute = two_digits(s + 14), second = two_digits(s + 17);
    return s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == 'Z' && hour >= 0
           && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second <= 60;
}

static int check_arguments(ristra_model **out, const ristra_model *model, const double *margin,
                           const uint8_t *outcome, int64_t n, int method,
                           const ristra_recalibrate_options *o)
{
    const char *null = !out ? "out" : !model ? "model" : !margin ? "margin"
                       : !outcome            ? "outcome"
                                             : NULL;
    if (null)
        return ristra__error(RISTRA_EINVAL, "%s: %s is NULL", FN, null);
    if (!o)
        return ristra__error(RISTRA_EINVAL,
                             "%s: opts is NULL (it carries the required population description)",
                             FN);
    if (n < 1)
        return ristra__error(RISTRA_EINVAL, "%s: n is %lld (expected >= 1)", FN, (long long)n);
    if (method != RISTRA_RECALIBRATE_INTERCEPT && method != RISTRA_RECALIBRATE_LOGISTIC)
        return ristra__error(RISTRA_EINVAL,
                             "%s: method is %d (expected RISTRA_RECALIBRATE_INTERCEPT or "
                             "RISTRA_RECALIBRATE_LOGISTIC)",
                             FN, method);
    if (!o->population_description || !o->population_description[0])
        return ristra__error(RISTRA_EINVAL,
                             "%s: opts->population_description is required (say whose "
                             "outcomes these are)",
                             FN);
    if (o->date && !is_utc_date(o->date))
        return ristra__error(RISTRA_EINVAL,
                             "%s: opts->date \"%s\" is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ",
                             FN, o->date);
    return RISTRA_OK;
}

/* Checks the data row by row and counts the events. */
static int check_data(int64_t *events, const double *margin, const uint8_t *outcome, int64_t n)
{
    int64_t e = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(margin[i]))
            return ristra__error(RISTRA_EINVAL,
                                 "%s: margin[%lld] is %g (every margin must be finite: pass only "
                                 "rows scored with status RISTRA_ROW_OK)",
                                 FN, (long long)i, margin[i]);
        if (outcome[i] > 1)
            return ristra__error(RISTRA_EINVAL, "%s: outcome[%lld] is %d (expected 0 or 1)", FN,
                                 (long long)i, outcome[i]);
        e += outcome[i];
    }
    *events = e;
    if (e == 0 || e == n)
        return ristra__error(RISTRA_ENUMERIC,
                             "%s: the %lld patients have no %s, so no calibration can be fitted",
                             FN, (long long)n, e == 0 ? "events" : "non-events");
    return RISTRA_OK;
}

/* The fit itself: a (and b, for the logistic method) on the current
 * log-odds z[i] = c0 + c1 margin[i]. */
static int fit_block(double *a, double *b, const double *z, const uint8_t *outcome, int64_t n,
                     int method)
{
    *b = 1.0;
    if (method == RISTRA_RECALIBRATE_INTERCEPT) {
        ristra__fit_calibration_intercept(a, z, outcome, n);
        if (isnan(*a))
            return ristra__error(RISTRA_ENUMERIC,
                                 "%s: the calibration intercept fit did not converge", FN);
        return RISTRA_OK;
    }
    if (ristra__calibration_separated(z, outcome, n)) {
        double lo = z[0], hi = z[0];
        for (int64_t i = 1; i < n; i++) {
            lo = z[i] < lo ? z[i] : lo;
            hi = z[i] > hi ? z[i] : hi;
        }
        if (lo == hi)
            return ristra__error(RISTRA_ENUMERIC,
                                 "%s: every patient has the same predicted risk, so no "
                                 "calibration slope can be fitted (use the intercept method)",
                                 FN);
        return ristra__error(RISTRA_ENUMERIC,
                             "%s: the predicted risks separate the outcomes completely (every "
                             "event ranks at or above every non-event, or the reverse), so the "
                             "calibration slope is infinite (use the intercept method)",
                             FN);
    }
    ristra__fit_calibration_slope(a, b, z, outcome, n);
    if (isnan(*a) || isnan(*b))
        return ristra__error(RISTRA_ENUMERIC,
                             "%s: the calibration slope fit did not converge", FN);
    if (!(*b > 0))
        return ristra__error(RISTRA_ENUMERIC,
                             "%s: the fitted calibration slope is %.6g: the model's ranking of "
                             "risk is %s on this population; refit the model rather than "
                             "recalibrate it",
                             FN, *b, *b < 0 ? "reversed" : "absent");
    return RISTRA_OK;
}

static void put(json_t *obj, const char *key, json_t *value, int *failed)
{
    if (!value || json_object_set_new(obj, key, value) != 0)
        *failed = 1;
}

static json_t *block_json(double intercept, double slope, int *failed)
{
    json_t *o = json_object();
    if (!o) {
        *failed = 1;
        return NULL;
    }
    put(o, "intercept", json_real(intercept), failed);
    put(o, "slope", json_real(slope), failed);
    return o;
}

typedef struct recalibration {
    int method;
    int64_t n, events;
    double a, b;                    /* the fit on the current log-odds */
    ristra_calibration before;
    double intercept, slope;        /* the new block */
} recalibration;

static json_t *record_json(const recalibration *r, const ristra_recalibrate_options *o,
                           const char *date, const char *old_version, int *failed)
{
    json_t *rec = json_object(), *pop = json_object();
    if (!rec || !pop) {
        json_decref(rec);
        json_decref(pop);
        *failed = 1;
        return NULL;
    }
    char software[64];
    snprintf(software, sizeof software, "ristra %s", RISTRA_VERSION_STRING);
    put(rec, "method",
        json_string(r->method == RISTRA_RECALIBRATE_INTERCEPT ? "intercept" : "logistic"), failed);
    put(rec, "date", json_string(date), failed);
    put(pop, "description", json_string(o->population_description), failed);
    put(pop, "n", json_integer((json_int_t)r->n), failed);
    put(pop, "events", json_integer((json_int_t)r->events), failed);
    put(rec, "population", pop, failed);
    put(rec, "fit", block_json(r->a, r->b, failed), failed);
    put(rec, "calibration_before",
        r->before.present ? block_json(r->before.intercept, r->before.slope, failed)
                          : json_null(),
        failed);
    put(rec, "calibration_after", block_json(r->intercept, r->slope, failed), failed);
    if (old_version)
        put(rec, "model_version_before", json_string(old_version), failed);
    put(rec, "software", json_string(software), failed);
    return rec;
}

/* Appends the record to metadata.recalibration (made an array if it is
 * absent; a free-form value already there becomes its first element). */
static int add_record(json_t *meta, json_t *rec)
{
    json_t *history = json_object_get(meta, "recalibration");
    if (!history || !json_is_array(history)) {
        json_t *list = json_array();
        if (list && history && json_array_append(list, history) != 0) {
            json_decref(list);
            list = NULL;
        }
        /* json_object_set_new() frees list when it fails */
        if (!list || json_object_set_new(meta, "recalibration", list) != 0) {
            json_decref(rec);
            return -1;
        }
        history = list;
    }
    return json_array_append_new(history, rec);
}

static int rewrite_document(json_t *doc, const recalibration *r,
                            const ristra_recalibrate_options *o)
{
    char now[32];
    const char *date = o->date;
    if (!date) {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
        date = now;
    }
    int failed = 0;
    json_t *meta = json_object_get(doc, "metadata");
    json_t *old = meta ? json_object_get(meta, "version") : NULL;
    const char *old_version = o->model_version && json_is_string(old) ? json_string_value(old)
                                                                     : NULL;
    json_t *rec = meta ? record_json(r, o, date, old_version, &failed) : NULL;
    if (!rec || failed) {
        json_decref(rec);
        return ristra__oom();
    }
    if (add_record(meta, rec) != 0) /* takes rec, even when it fails */
        return ristra__oom();
    if (o->model_version)
        put(meta, "version", json_string(o->model_version), &failed);
    put(doc, "calibration", block_json(r->intercept, r->slope, &failed), &failed);
    return failed ? ristra__oom() : RISTRA_OK;
}

int ristra_model_recalibrate(ristra_model **out, const ristra_model *model, const double *margin,
                             const uint8_t *outcome, int64_t n, int method,
                             const ristra_recalibrate_options *opts)
{
    if (out)
        *out = NULL;
    ristra_recalibrate_options full;
    int rc = ristra__struct_load(&full, opts, &DEFAULTS, &ristra__info_recalibrate_options, FN);
    if (!rc)
        rc = check_arguments(out, model, margin, outcome, n, method, opts ? &full : NULL);
    opts = &full;
    recalibration r = { method, n, 0, NAN, NAN, RISTRA_CALIBRATION_INIT, NAN, NAN };
    if (!rc)
        rc = check_data(&r.events, margin, outcome, n);
    if (rc)
        return rc;
    ristra_model_calibration(&r.before, model);
    double *z = malloc((size_t)n * sizeof *z);
    if (!z)
        return ristra__oom();
    for (int64_t i = 0; i < n; i++)
        z[i] = r.before.intercept + r.before.slope * margin[i];
    rc = fit_block(&r.a, &r.b, z, outcome, n, method);
    free(z);
    if (rc)
        return rc;
    /* logit P = a + b (c0 + c1 m) = (a + b c0) + (b c1) m */
    r.intercept = r.a + r.b * r.before.intercept;
    r.slope = r.b * r.before.slope;
    if (!isfinite(r.intercept) || !isfinite(r.slope))
        return ristra__error(RISTRA_ENUMERIC, "%s: the new calibration block is not finite", FN);

    /* A copy through the native format: every kind of model, and exactly
     * the model that saving and loading the result would give. */
    json_t *doc = ristra__model_to_json(model);
    if (!doc)
        return ristra__oom();
    rc = rewrite_document(doc, &r, opts);
    if (!rc)
        rc = ristra__model_from_json(out, doc, "<recalibrated model>");
    json_decref(doc);
    return rc;
}
