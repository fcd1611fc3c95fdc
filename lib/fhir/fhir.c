/* The scored list as FHIR R4 RiskAssessment resources (NDJSON or one
 * Bundle), written straight from the stratified list: the resources share
 * everything but the subject, the probability, the tier and the note, so
 * the shared parts are formatted once, as escaped JSON text. The mapping
 * is documented in docs/fhir.md. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/error_internal.h"
#include "../common/struct_version_internal.h"
#include "../io/number_format_internal.h"
#include "fhir_internal.h"

int ristra_fhir_options_init(ristra_fhir_options *opts, int version)
{
    static const ristra_fhir_options defaults = RISTRA_FHIR_OPTIONS_INIT;
    return ristra__struct_init(opts, version, &defaults, &ristra__info_fhir_options,
                               "ristra_fhir_options_init");
}

int ristra__fhir_check(const ristra_fhir_options *o)
{
    static const char fn[] = "ristra_score_file: opts->fhir";
    if (!o)
        return RISTRA_OK;
    if (o->version < 1 || o->version > RISTRA_FHIR_OPTIONS_VERSION)
        return ristra__error(RISTRA_EINVAL, "%s->version is %d (expected 1 to %d)", fn,
                             o->version, RISTRA_FHIR_OPTIONS_VERSION);
    if (o->format != RISTRA_FHIR_NDJSON && o->format != RISTRA_FHIR_BUNDLE)
        return ristra__error(RISTRA_EINVAL, "%s->format is %d (expected 1 or 2)", fn,
                             o->format);
    if (o->identifier_system && !o->identifier_system[0])
        return ristra__error(RISTRA_EINVAL, "%s->identifier_system is empty", fn);
    static const char *const statuses[] = { "registered", "preliminary", "final", "amended",
                                            "corrected", "cancelled", "entered-in-error",
                                            "unknown" };
    int known = !o->status;
    for (size_t k = 0; k < sizeof statuses / sizeof *statuses && !known; k++)
        known = strcmp(o->status, statuses[k]) == 0;
    if (!known)
        return ristra__error(RISTRA_EINVAL, "%s->status is \"%s\" (expected an "
                             "ObservationStatus: final, preliminary, amended, ...)", fn,
                             o->status);
    if (o->occurrence_time < 0)
        return ristra__error(RISTRA_EINVAL, "%s->occurrence_time is negative", fn);
    return RISTRA_OK;
}

/* ------------------------------------------------------------ JSON text */

typedef struct text {
    char *data;
    size_t len, cap;
} text;

static int put(text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *d = realloc(t->data, cap);
        if (!d)
            return ristra__oom();
        t->data = d, t->cap = cap;
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = '\0';
    return RISTRA_OK;
}

static int puts_(text *t, const char *s)
{
    return put(t, s, strlen(s));
}

/* A JSON string, quoted and escaped (UTF-8 passes through). */
static int put_string(text *t, const char *s)
{
    int rc = put(t, "\"", 1);
    for (; *s && !rc; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        if (c == '"' || c == '\\')
            esc[0] = '\\', esc[1] = (char)c, esc[2] = '\0';
        else if (c < 0x20)
            snprintf(esc, sizeof esc, "\\u%04x", c);
        else
            esc[0] = (char)c, esc[1] = '\0';
        rc = puts_(t, esc);
    }
    return rc ? rc : put(t, "\"", 1);
}

/* ------------------------------------------------------------ the shared parts */

typedef struct shared {
    text head;     /* {"resourceType":...,"status":...,"subject":{"identifier":{"system":..,"value":" */
    text middle;   /* "}},"occurrenceDateTime":...,"method":...,"code":...,"prediction":[{"outcome":..,"probabilityDecimal": */
    text tail;     /* ,"whenPeriod":{...}, ... up to the qualitativeRisk */
    char start[32], end[32];
    const char *outcome;
} shared;

static void iso_time(char *buf, size_t size, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *meta_string(json_t *meta, const char *key, const char *otherwise)
{
    const char *s = json_string_value(json_object_get(meta, key));
    return s && *s ? s : otherwise;
}

static int make_shared(shared *sh, const ristra_fhir_options *o, const ristra_model *model)
{
    json_t *meta = json_loads(ristra_model_metadata(model), 0, NULL);
    const char *name = meta_string(meta, "name", "ristra model");
    const char *version = meta_string(meta, "version", "");
    const char *outcome = meta_string(meta, "outcome", "emergency hospital admission");
    json_t *h = json_object_get(meta, "horizon_days");
    double horizon = json_is_number(h) ? json_number_value(h) : 365.0;
    int64_t when = o->occurrence_time ? o->occurrence_time : (int64_t)time(NULL);
    iso_time(sh->start, sizeof sh->start, when);
    iso_time(sh->end, sizeof sh->end, when + (int64_t)llround(horizon * 86400.0));
    char method[512], code[512];
    snprintf(method, sizeof method, "%s%s%s", name, *version ? " " : "", version);
    snprintf(code, sizeof code, "Risk of %s within %g days", outcome, horizon);
    int rc = puts_(&sh->head, "{\"resourceType\":\"RiskAssessment\",\"status\":");
    if (!rc) rc = put_string(&sh->head, o->status ? o->status : "final");
    if (!rc) rc = puts_(&sh->head, ",\"subject\":{\"identifier\":{\"system\":");
    if (!rc)
        rc = put_string(&sh->head, o->identifier_system ? o->identifier_system
                                                        : RISTRA_FHIR_NHS_NUMBER_SYSTEM);
    if (!rc) rc = puts_(&sh->head, ",\"value\":\"");
    if (!rc) rc = puts_(&sh->middle, "\"}},\"occurrenceDateTime\":");
    if (!rc) rc = put_string(&sh->middle, sh->start);
    if (!rc) rc = puts_(&sh->middle, ",\"method\":{\"text\":");
    if (!rc) rc = put_string(&sh->middle, method);
    if (!rc) rc = puts_(&sh->middle, "},\"code\":{\"text\":");
    if (!rc) rc = put_string(&sh->middle, code);
    if (!rc) rc = puts_(&sh->middle, "},\"prediction\":[{\"outcome\":{\"text\":");
    if (!rc) rc = put_string(&sh->middle, outcome);
    if (!rc) rc = puts_(&sh->middle, "},\"probabilityDecimal\":");
    if (!rc) rc = puts_(&sh->tail, ",\"whenPeriod\":{\"start\":");
    if (!rc) rc = put_string(&sh->tail, sh->start);
    if (!rc) rc = puts_(&sh->tail, ",\"end\":");
    if (!rc) rc = put_string(&sh->tail, sh->end);
    if (!rc) rc = puts_(&sh->tail, "},\"qualitativeRisk\":{\"coding\":[{\"system\":"
                                   "\"http://terminology.hl7.org/CodeSystem/risk-probability\","
                                   "\"code\":\"");
    json_decref(meta);
    return rc;
}

static void free_shared(shared *sh)
{
    free(sh->head.data), free(sh->middle.data), free(sh->tail.data);
}

/* The HL7 risk-probability code of a tier: the tighter half of the tiers
 * "high", the rest "moderate", no tier "low". */
static const char *risk_code(int tier, int n_tiers)
{
    if (tier >= n_tiers)
        return "low";
    return 2 * tier < n_tiers ? "high" : "moderate";
}

/* ------------------------------------------------------------ one resource */

static int put_resource(text *t, const shared *sh, const ristra__fhir_list *l,
                        const ristra__practice_stats *ps, int64_t rank, int64_t at)
{
    const ristra__stratification *st = l->st;
    char num[RISTRA__NUMBER_TEXT_MAX], nhs[16], note[256], why[2048];
    int tier = ristra__tier_of(ps, st->n_tiers, rank);
    const int64_t patient = st->order[at];
    snprintf(nhs, sizeof nhs, "%010llu", (unsigned long long)l->nhs_number[patient]);
    int rc = put(t, sh->head.data, sh->head.len);
    /* a pseudonym is [0-9A-Za-z_-] only (the reader checked): no escaping */
    if (!rc) rc = puts_(t, l->token ? l->token[patient] : nhs);
    if (!rc) rc = put(t, sh->middle.data, sh->middle.len);
    if (!rc) rc = put(t, num, ristra__format_double(num, ristra__stratified_risk(st, at)));
    if (!rc) rc = put(t, sh->tail.data, sh->tail.len);
    if (!rc) rc = puts_(t, risk_code(tier, st->n_tiers));
    if (!rc) rc = puts_(t, "\"}],\"text\":");
    if (!rc) rc = put_string(t, l->tier_name[tier]);
    if (!rc) rc = puts_(t, "}");
    if (l->rationale)
        l->rationale(l->rationale_ctx, patient, why, sizeof why);
    if (!rc && l->rationale && why[0]) {
        rc = puts_(t, ",\"rationale\":");
        if (!rc) rc = put_string(t, why);
    }
    snprintf(note, sizeof note,
             "Rank %lld of %lld registered patients scored at practice %s; tier: ",
             (long long)rank, (long long)ps->list_size, l->practice_code[ps->practice]);
    if (!rc) rc = puts_(t, "}],\"note\":[{\"text\":");
    text nt = { NULL, 0, 0 };
    if (!rc) rc = puts_(&nt, note);
    if (!rc) rc = puts_(&nt, l->tier_name[tier]);
    if (!rc) rc = put_string(t, nt.data);
    free(nt.data);
    return rc ? rc : puts_(t, "}]}");
}

int ristra__fhir_write(ristra__output *o, const ristra_fhir_options *opts,
                       const ristra__fhir_list *l)
{
    ristra_fhir_options defaults = RISTRA_FHIR_OPTIONS_INIT;
    const ristra_fhir_options *f = opts ? opts : &defaults;
    int bundle = f->format == RISTRA_FHIR_BUNDLE;
    shared sh;
    memset(&sh, 0, sizeof sh);
    text t = { NULL, 0, 0 };
    int rc = make_shared(&sh, f, l->model);
    if (!rc && bundle)
        rc = puts_(&t, "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[");
    int64_t written = 0;
    for (int32_t p = 0; p < l->st->n_practices && !rc; p++) {
        const ristra__practice_stats *ps = &l->st->practice[p];
        for (int64_t j = 0; j < ps->list_size && !rc; j++) {
            if (bundle)
                rc = puts_(&t, written ? ",{\"resource\":" : "{\"resource\":");
            if (!rc)
                rc = put_resource(&t, &sh, l, ps, j + 1, ps->first + j);
            if (!rc)
                rc = puts_(&t, bundle ? "}" : "\n");
            written++;
            if (!rc && t.len >= 1 << 16) {
                rc = ristra__output_write(o, t.data, t.len);
                t.len = 0;
            }
        }
    }
    if (!rc && bundle)
        rc = puts_(&t, "]}\n");
    if (!rc && t.len)
        rc = ristra__output_write(o, t.data, t.len);
    free(t.data);
    free_shared(&sh);
    return rc;
}
