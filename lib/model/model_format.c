/* The native model format (models/FORMAT.md): JSON <-> ristra_model. */
#define _GNU_SOURCE /* realpath */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/model.h"
#include "../common/error_internal.h"
#include "../common/hashmap_internal.h"
#include "../common/struct_version_internal.h"
#include "../io/json_read_internal.h"
#include "../io/output_internal.h"
#include "../io/stream_internal.h"
#include "gbdt_internal.h"
#include "model_internal.h"
#include "model_json_internal.h"

static const char FORMAT_NAME[] = "ristra-model";

/* ---------------------------------------------------------------- reading */

static int dup_string(char **out, const char *s)
{
    *out = strdup(s ? s : "");
    return *out ? RISTRA_OK : ristra__oom();
}

/* "valid_range": [lo, hi], either bound null for unbounded. */
static int read_range(ristra__feature *f, ristra__jpath *p, json_t *obj)
{
    json_t *range;
    f->lo = -INFINITY;
    f->hi = INFINITY;
    int rc = ristra__json_array(&range, p, obj, "valid_range", 0);
    if (rc || !range)
        return rc;
    size_t mark = ristra__jpath_key(p, "valid_range");
    if (json_array_size(range) != 2) {
        rc = ristra__jpath_error(p, RISTRA_EFORMAT, "expected [min, max], got %zu elements",
                                 json_array_size(range));
        goto done;
    }
    double bound[2] = { -INFINITY, INFINITY };
    for (size_t i = 0; i < 2 && !rc; i++)
        if (!json_is_null(json_array_get(range, i)))
            rc = ristra__json_number_at(&bound[i], p, range, i);
    if (!rc && !(bound[0] <= bound[1]))
        rc = ristra__jpath_error(p, RISTRA_EFORMAT, "min %.17g is greater than max %.17g",
                                 bound[0], bound[1]);
    f->lo = bound[0];
    f->hi = bound[1];
done:
    ristra__jpath_pop(p, mark);
    return rc;
}

/* "missing": {"policy": "impute", "value": v} | {"policy": "reject"} | {"policy": "native"} */
static int read_missing(ristra__feature *f, ristra__jpath *p, json_t *obj, int kind)
{
    json_t *missing;
    int rc = ristra__json_object(&missing, p, obj, "missing", 1);
    if (rc)
        return rc;
    size_t mark = ristra__jpath_key(p, "missing");
    const char *policy = NULL;
    f->impute = NAN;
    rc = ristra__json_string(&policy, p, missing, "policy", 1);
    if (rc)
        goto done;
    f->missing_policy = ristra_missing_policy_from_string(policy);
    if (f->missing_policy == RISTRA_MISSING_IMPUTE) {
        /* a tree model reads the imputed value as a float32 */
        rc = kind == RISTRA_MODEL_GBDT ? ristra__json_float(&f->impute, p, missing, "value", 1)
                                       : ristra__json_number(&f->impute, p, missing, "value", 1);
    } else if (f->missing_policy == RISTRA_MISSING_NATIVE) {
        if (kind != RISTRA_MODEL_GBDT)
            rc = ristra__jpath_error(p, RISTRA_EFORMAT,
                                     "policy \"native\" is only valid for gbdt models "
                                     "(a logistic model needs \"impute\" or \"reject\")");
    } else if (f->missing_policy != RISTRA_MISSING_REJECT) {
        size_t m2 = ristra__jpath_key(p, "policy");
        rc = ristra__jpath_error(p, RISTRA_EFORMAT,
                                 "unknown policy \"%s\" (expected \"impute\", \"reject\" "
                                 "or \"native\")",
                                 policy);
        ristra__jpath_pop(p, m2);
    }
done:
    ristra__jpath_pop(p, mark);
    return rc;
}

/* "required": true makes a missing value reject the row whatever the
 * policy; policy "reject" implies it. */
static int read_required(ristra__feature *f, ristra__jpath *p, json_t *obj)
{
    json_t *v = json_object_get(obj, "required");
    f->required = f->missing_policy == RISTRA_MISSING_REJECT;
    if (!v)
        return RISTRA_OK;
    if (!json_is_boolean(v)) {
        size_t mark = ristra__jpath_key(p, "required");
        int rc = ristra__jpath_error(p, RISTRA_EFORMAT, "expected true or false, got %s",
                                     ristra__json_type_name(v));
        ristra__jpath_pop(p, mark);
        return rc;
    }
    if (json_is_false(v) && f->required) {
        size_t mark = ristra__jpath_key(p, "required");
        int rc = ristra__jpath_error(p, RISTRA_EFORMAT,
                                     "false contradicts policy \"reject\" (a rejected missing "
                                     "value is required)");
        ristra__jpath_pop(p, mark);
        return rc;
    }
    f->required = json_is_true(v);
    return RISTRA_OK;
}

/* "min_present_features": 0 .. n_features (absent: 0, no minimum). */
static int read_min_present(ristra_model *m, ristra__jpath *p, json_t *doc)
{
    if (!json_object_get(doc, "min_present_features"))
        return RISTRA_OK;
    int64_t v = 0;
    int rc = ristra__json_integer(&v, p, doc, "min_present_features", 1);
    if (!rc && (v < 0 || v > m->n_features)) {
        size_t mark = ristra__jpath_key(p, "min_present_features");
        rc = ristra__jpath_error(p, RISTRA_EFORMAT, "%lld is outside [0, %lld] (the features)",
                                 (long long)v, (long long)m->n_features);
        ristra__jpath_pop(p, mark);
    }
    m->min_present = v;
    return rc;
}

static int read_feature(ristra_model *m, int64_t i, ristra__jpath *p, json_t *obj)
{
    ristra__feature *f = &m->features[i];
    if (!json_is_object(obj))
        return ristra__jpath_error(p, RISTRA_EFORMAT, "expected an object, got %s",
                                   ristra__json_type_name(obj));
    const char *name = NULL, *description = "", *unit = "";
    int rc = ristra__json_string(&name, p, obj, "name", 1);
    if (!rc && name[0] == '\0') {
        size_t mark = ristra__jpath_key(p, "name");
        rc = ristra__jpath_error(p, RISTRA_EFORMAT, "feature name is empty");
        ristra__jpath_pop(p, mark);
    }
    if (!rc)
        rc = ristra__json_string(&description, p, obj, "description", 0);
    if (!rc)
        rc = ristra__json_string(&unit, p, obj, "unit", 0);
    if (!rc)
        rc = read_range(f, p, obj);
    if (!rc)
        rc = read_missing(f, p, obj, m->kind);
    if (!rc)
        rc = read_required(f, p, obj);
    if (!rc && f->missing_policy == RISTRA_MISSING_IMPUTE && !(f->impute >= f->lo && f->impute <= f->hi))
        rc = ristra__jpath_error(p, RISTRA_EFORMAT,
                                 "impute value %.17g lies outside the valid range", f->impute);
    if (!rc)
        rc = dup_string(&f->name, name);
    if (!rc)
        rc = dup_string(&f->description, description);
    if (!rc)
        rc = dup_string(&f->unit, unit);
    return rc;
}

/* Feature i's name must differ from every earlier one: a hash set keeps
 * this linear (a model may have 100,000 features). Only a duplicate pays
 * for the scan that names the earlier feature. */
static int check_unique(const ristra_model *m, ristra__str_set *seen, ristra__jpath *p, int64_t i)
{
    const char *name = m->features[i].name;
    int rc = ristra__str_set_add(seen, name, strlen(name));
    if (rc <= 0)
        return rc;
    int64_t j = 0;
    while (j < i && strcmp(m->features[j].name, name) != 0)
        j++;
    size_t mark = ristra__jpath_key(p, "name");
    rc = ristra__jpath_error(p, RISTRA_EFORMAT,
                             "duplicate feature name \"%s\" (also feature %lld)", name,
                             (long long)j);
    ristra__jpath_pop(p, mark);
    return rc;
}

static int read_features(ristra_model *m, ristra__jpath *p, json_t *features)
{
    ristra__str_set seen = { 0 };
    int rc = RISTRA_OK;
    for (size_t i = 0; !rc && i < json_array_size(features); i++) {
        size_t mark = ristra__jpath_index(p, i);
        rc = read_feature(m, (int64_t)i, p, json_array_get(features, i));
        if (!rc)
            rc = check_unique(m, &seen, p, (int64_t)i);
        ristra__jpath_pop(p, mark);
    }
    ristra__str_set_free(&seen);
    return rc;
}

/* The metadata object: required keys are checked, all keys are kept. */
static int read_metadata(ristra_model *m, ristra__jpath *p, json_t *doc)
{
    json_t *meta;
    int rc = ristra__json_object(&meta, p, doc, "metadata", 1);
    if (rc)
        return rc;
    size_t mark = ristra__jpath_key(p, "metadata");
    static const char *const required_strings[] = { "name", "version", "outcome",
                                                    "intended_use" };
    const char *s;
    for (size_t i = 0; i < sizeof required_strings / sizeof *required_strings && !rc; i++)
        rc = ristra__json_string(&s, p, meta, required_strings[i], 1);
    int64_t horizon = 0;
    if (!rc)
        rc = ristra__json_integer(&horizon, p, meta, "horizon_days", 1);
    if (!rc && horizon <= 0) {
        size_t m2 = ristra__jpath_key(p, "horizon_days");
        rc = ristra__jpath_error(p, RISTRA_EFORMAT, "must be a positive number of days, got %lld",
                                 (long long)horizon);
        ristra__jpath_pop(p, m2);
    }
    json_t *population;
    if (!rc)
        rc = ristra__json_object(&population, p, meta, "training_population", 1);
    ristra__jpath_pop(p, mark);
    if (rc)
        return rc;
    m->metadata_json = json_dumps(meta, JSON_COMPACT | JSON_REAL_PRECISION(17));
    return m->metadata_json ? RISTRA_OK : ristra__oom();
}

static int read_calibration(ristra_model *m, ristra__jpath *p, json_t *doc)
{
    json_t *cal;
    int rc = ristra__json_object(&cal, p, doc, "calibration", 0);
    if (rc || !cal)
        return rc;
    size_t mark = ristra__jpath_key(p, "calibration");
    rc = ristra__json_number(&m->cal_intercept, p, cal, "intercept", 1);
    if (!rc)
        rc = ristra__json_number(&m->cal_slope, p, cal, "slope", 1);
    ristra__jpath_pop(p, mark);
    m->has_calibration = 1;
    return rc;
}

/* "reference" (format_version 2, optional): the values explanations
 * measure each feature from, one per feature. */
static int read_reference(ristra_model *m, ristra__jpath *p, json_t *params)
{
    json_t *ref;
    int rc = ristra__json_array(&ref, p, params, "reference", 0);
    if (rc || !ref)
        return rc;
    size_t mark = ristra__jpath_key(p, "reference");
    if ((int64_t)json_array_size(ref) != m->n_features) {
        rc = ristra__jpath_error(p, RISTRA_EFORMAT, "%zu reference values for %lld features",
                                 json_array_size(ref), (long long)m->n_features);
    } else {
        m->reference = calloc((size_t)(m->n_features > 0 ? m->n_features : 1), sizeof(double));
        if (!m->reference)
            rc = ristra__oom();
        for (int64_t j = 0; !rc && j < m->n_features; j++)
            rc = ristra__json_number_at(&m->reference[j], p, ref, (size_t)j);
    }
    ristra__jpath_pop(p, mark);
    return rc;
}

static int read_logistic(ristra_model *m, ristra__jpath *p, json_t *doc)
{
    json_t *params, *coefs;
    int rc = ristra__json_object(&params, p, doc, "logistic", 1);
    if (rc)
        return rc;
    size_t mark = ristra__jpath_key(p, "logistic");
    rc = ristra__json_number(&m->intercept, p, params, "intercept", 1);
    if (!rc)
        rc = ristra__json_array(&coefs, p, params, "coefficients", 1);
    if (rc)
        goto done;
    size_t m2 = ristra__jpath_key(p, "coefficients");
    if ((int64_t)json_array_size(coefs) != m->n_features) {
        rc = ristra__jpath_error(p, RISTRA_EFORMAT,
                                 "%zu coefficients for %lld features (one per feature needed)",
                                 json_array_size(coefs), (long long)m->n_features);
    } else {
        m->coef = calloc((size_t)(m->n_features > 0 ? m->n_features : 1), sizeof *m->coef);
        if (!m->coef)
            rc = ristra__oom();
        for (int64_t j = 0; !rc && j < m->n_features; j++)
            rc = ristra__json_number_at(&m->coef[j], p, coefs, (size_t)j);
    }
    ristra__jpath_pop(p, m2);
    if (!rc)
        rc = read_reference(m, p, params);
done:
    ristra__jpath_pop(p, mark);
    return rc;
}

static int parse_kind(int *kind, ristra__jpath *p, json_t *doc)
{
    const char *kind_name;
    int rc = ristra__json_string(&kind_name, p, doc, "kind", 1);
    if (rc)
        return rc;
    if (!strcmp(kind_name, ristra_model_kind_string(RISTRA_MODEL_LOGISTIC)))
        *kind = RISTRA_MODEL_LOGISTIC;
    else if (!strcmp(kind_name, ristra_model_kind_string(RISTRA_MODEL_GBDT)))
        *kind = RISTRA_MODEL_GBDT;
    else {
        size_t mark = ristra__jpath_key(p, "kind");
        rc = ristra__jpath_error(p, RISTRA_EUNSUPPORTED,
                                 "unknown model kind \"%s\" (this library reads \"logistic\" "
                                 "and \"gbdt\")",
                                 kind_name);
        ristra__jpath_pop(p, mark);
    }
    return rc;
}

static int check_header(ristra__jpath *p, json_t *doc)
{
    const char *format;
    int64_t version;
    if (!json_is_object(doc))
        return ristra__jpath_error(p, RISTRA_EFORMAT, "expected an object, got %s",
                                   ristra__json_type_name(doc));
    int rc = ristra__json_string(&format, p, doc, "format", 1);
    if (!rc && strcmp(format, FORMAT_NAME) != 0) {
        size_t mark = ristra__jpath_key(p, "format");
        rc = ristra__jpath_error(p, RISTRA_EFORMAT, "expected \"%s\", got \"%s\"", FORMAT_NAME,
                                 format);
        ristra__jpath_pop(p, mark);
    }
    if (!rc)
        rc = ristra__json_integer(&version, p, doc, "format_version", 1);
    if (!rc && (version < 1 || version > RISTRA__FORMAT_VERSION)) {
        size_t mark = ristra__jpath_key(p, "format_version");
        rc = ristra__jpath_error(p, version < 1 ? RISTRA_EFORMAT : RISTRA_EVERSION,
                                 "format_version %lld is %s (this library reads 1 to %d)",
                                 (long long)version,
                                 version < 1 ? "invalid" : "newer than this library: upgrade ristra",
                                 RISTRA__FORMAT_VERSION);
        ristra__jpath_pop(p, mark);
    }
    return rc;
}

static int check_link(ristra__jpath *p, json_t *doc)
{
    const char *link;
    int rc = ristra__json_string(&link, p, doc, "link", 1);
    if (!rc && strcmp(link, "logit") != 0) {
        size_t mark = ristra__jpath_key(p, "link");
        rc = ristra__jpath_error(p, RISTRA_EUNSUPPORTED,
                                 "unknown link \"%s\" (this library supports \"logit\")", link);
        ristra__jpath_pop(p, mark);
    }
    return rc;
}

int ristra__model_from_json(ristra_model **out, json_t *doc, const char *source)
{
    *out = NULL;
    ristra__jpath p;
    ristra__jpath_init(&p, source);
    int kind = 0;
    json_t *features;
    int rc = check_header(&p, doc);
    if (!rc)
        rc = parse_kind(&kind, &p, doc);
    if (!rc)
        rc = ristra__json_array(&features, &p, doc, "features", 1);
    if (rc)
        return rc;
    ristra_model *m = ristra__model_new((int64_t)json_array_size(features));
    if (!m)
        return ristra__oom();
    m->kind = kind;
    m->format_version = (int)json_integer_value(json_object_get(doc, "format_version"));
    size_t mark = ristra__jpath_key(&p, "features");
    rc = read_features(m, &p, features);
    ristra__jpath_pop(&p, mark);
    if (!rc)
        rc = read_min_present(m, &p, doc);
    if (!rc)
        rc = read_metadata(m, &p, doc);
    if (!rc)
        rc = check_link(&p, doc);
    if (!rc)
        rc = read_calibration(m, &p, doc);
    if (!rc && kind == RISTRA_MODEL_LOGISTIC)
        rc = read_logistic(m, &p, doc);
    if (!rc && kind == RISTRA_MODEL_GBDT) {
        json_t *gbdt;
        rc = ristra__json_object(&gbdt, &p, doc, "gbdt", 1);
        if (!rc) {
            size_t m2 = ristra__jpath_key(&p, "gbdt");
            rc = ristra__gbdt_from_json(&m->gbdt, &p, gbdt, m->n_features);
            ristra__jpath_pop(&p, m2);
        }
    }
    if (rc) {
        ristra_model_free(m);
        return rc;
    }
    *out = m;
    return RISTRA_OK;
}

int ristra_load_options_init(ristra_load_options *opts, int version)
{
    static const ristra_load_options defaults = RISTRA_LOAD_OPTIONS_INIT;
    return ristra__struct_init(opts, version, &defaults, &ristra__info_load_options,
                               "ristra_load_options_init");
}

static int max_bytes_of(size_t *max, const ristra_load_options *opts, const char *fn)
{
    static const ristra_load_options defaults = RISTRA_LOAD_OPTIONS_INIT;
    ristra_load_options o;
    int rc = ristra__struct_load(&o, opts, &defaults, &ristra__info_load_options, fn);
    if (rc)
        return rc;
    *max = o.max_bytes ? o.max_bytes : RISTRA_DEFAULT_MAX_MODEL_BYTES;
    return RISTRA_OK;
}

/* Reads, parses and builds: the stream is closed here. A file's model
 * records the file's SHA-256, size and real path (for run manifests, so
 * that `ristra verify` can re-hash the model a run used). */
static int load_stream(ristra_model **out, ristra__stream *s, const char *name, size_t max,
                       int is_file)
{
    char *text = NULL;
    size_t len = 0;
    char sha256[65] = "";
    uint64_t file_size = 0;
    int rc = ristra__stream_read_all_capped(s, &text, &len, max,
                                            "max_bytes in ristra_load_options");
    if (!rc && is_file) /* the bytes just read, hashed as they came */
        rc = ristra__stream_digest(s, sha256, &file_size);
    ristra__stream_close(s);
    if (rc) {
        free(text);
        return rc;
    }
    json_t *doc = NULL;
    rc = ristra__json_parse(&doc, text, len, name);
    free(text);
    if (!rc)
        rc = ristra__model_from_json(out, doc, name);
    if (!rc) {
        memcpy((*out)->file_sha256, sha256, sizeof sha256);
        (*out)->file_size = (int64_t)file_size;
        if (is_file && !((*out)->file_path = realpath(name, NULL)) && errno == ENOMEM) {
            ristra_model_free(*out);
            *out = NULL;
            rc = ristra__oom();
        }
    }
    json_decref(doc);
    return rc;
}

int ristra_model_load_buffer_ex(ristra_model **out, const void *data, size_t size,
                                const char *source_name, const ristra_load_options *opts)
{
    static const char fn[] = "ristra_model_load_buffer";
    if (!out)
        return ristra__error(RISTRA_EINVAL, "%s: out is NULL", fn);
    *out = NULL;
    if (!data && size > 0)
        return ristra__error(RISTRA_EINVAL, "%s: data is NULL", fn);
    size_t max;
    int rc = max_bytes_of(&max, opts, fn);
    if (rc)
        return rc;
    const char *name = source_name ? source_name : "<buffer>";
    ristra__stream *s = NULL;
    rc = ristra__stream_open_memory(&s, data ? data : "", size, name);
    return rc ? rc : load_stream(out, s, name, max, 0);
}

int ristra_model_load_buffer(ristra_model **out, const void *data, size_t size,
                             const char *source_name)
{
    return ristra_model_load_buffer_ex(out, data, size, source_name, NULL);
}

int ristra_model_load_ex(ristra_model **out, const char *path, const ristra_load_options *opts)
{
    if (out)
        *out = NULL;
    if (!out || !path)
        return ristra__error(RISTRA_EINVAL, "ristra_model_load: %s is NULL", out ? "path" : "out");
    size_t max;
    int rc = max_bytes_of(&max, opts, "ristra_model_load");
    if (rc)
        return rc;
    ristra__stream *s = NULL;
    rc = ristra__stream_open_file(&s, path);
    return rc ? rc : load_stream(out, s, path, max, 1);
}

int ristra_model_load(ristra_model **out, const char *path)
{
    return ristra_model_load_ex(out, path, NULL);
}

/* ---------------------------------------------------------------- writing */

/* json_object_set_new() that remembers a failure instead of crashing. */
static void put(json_t *obj, const char *key, json_t *value, int *failed)
{
    if (!value || json_object_set_new(obj, key, value) != 0)
        *failed = 1;
}

static json_t *bound_json(double b)
{
    return isfinite(b) ? json_real(b) : json_null();
}

static json_t *feature_json(const ristra__feature *f, int *failed)
{
    json_t *o = json_object(), *range = json_array(), *missing = json_object();
    if (!o || !range || !missing) {
        json_decref(o);
        json_decref(range);
        json_decref(missing);
        *failed = 1;
        return NULL;
    }
    put(o, "name", json_string(f->name), failed);
    put(o, "description", json_string(f->description), failed);
    put(o, "unit", json_string(f->unit), failed);
    if (json_array_append_new(range, bound_json(f->lo)) ||
        json_array_append_new(range, bound_json(f->hi)))
        *failed = 1;
    put(o, "valid_range", range, failed);
    put(missing, "policy", json_string(ristra_missing_policy_string(f->missing_policy)), failed);
    if (f->missing_policy == RISTRA_MISSING_IMPUTE)
        put(missing, "value", json_real(f->impute), failed);
    put(o, "missing", missing, failed);
    if (f->required && f->missing_policy != RISTRA_MISSING_REJECT)
        put(o, "required", json_true(), failed);
    return o;
}

json_t *ristra__model_to_json(const ristra_model *m)
{
    int failed = 0;
    json_t *doc = json_object();
    json_t *features = json_array();
    if (!doc || !features) {
        json_decref(doc);
        json_decref(features);
        return NULL;
    }
    put(doc, "format", json_string(FORMAT_NAME), &failed);
    put(doc, "format_version", json_integer(RISTRA__FORMAT_VERSION), &failed);
    put(doc, "kind", json_string(m->kind == RISTRA_MODEL_GBDT ? "gbdt" : "logistic"), &failed);
    put(doc, "metadata", json_loads(m->metadata_json, 0, NULL), &failed);
    for (int64_t i = 0; i < m->n_features; i++)
        if (json_array_append_new(features, feature_json(&m->features[i], &failed)))
            failed = 1;
    put(doc, "features", features, &failed);
    if (m->min_present > 0)
        put(doc, "min_present_features", json_integer(m->min_present), &failed);
    put(doc, "link", json_string("logit"), &failed);
    if (m->has_calibration) {
        json_t *cal = json_object();
        if (cal) {
            put(cal, "intercept", json_real(m->cal_intercept), &failed);
            put(cal, "slope", json_real(m->cal_slope), &failed);
        }
        put(doc, "calibration", cal, &failed);
    }
    if (m->kind == RISTRA_MODEL_LOGISTIC) {
        json_t *params = json_object(), *coefs = json_array();
        if (params) {
            put(params, "intercept", json_real(m->intercept), &failed);
            for (int64_t j = 0; coefs && j < m->n_features; j++)
                if (json_array_append_new(coefs, json_real(m->coef[j])))
                    failed = 1;
            put(params, "coefficients", coefs, &failed);
            if (m->reference) {
                json_t *ref = json_array();
                for (int64_t j = 0; ref && j < m->n_features; j++)
                    if (json_array_append_new(ref, json_real(m->reference[j])))
                        failed = 1;
                put(params, "reference", ref, &failed);
            }
        } else {
            json_decref(coefs);
        }
        put(doc, "logistic", params, &failed);
    }
    if (m->kind == RISTRA_MODEL_GBDT)
        put(doc, "gbdt", ristra__gbdt_to_json(m->gbdt), &failed);
    if (failed) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

static int check_save_options(ristra_save_options *resolved, const ristra_save_options *opts,
                              const char *fn)
{
    static const ristra_save_options defaults = RISTRA_SAVE_OPTIONS_INIT;
    int rc = ristra__struct_load(resolved, opts, &defaults, &ristra__info_save_options, fn);
    if (rc)
        return rc;
    if (resolved->indent < 0 || resolved->indent > 31)
        return ristra__error(RISTRA_EINVAL, "%s: opts->indent is %d (expected 0 to 31)", fn,
                             resolved->indent);
    if (resolved->gzip < -1 || resolved->gzip > 1)
        return ristra__error(RISTRA_EINVAL, "%s: opts->gzip is %d (expected -1, 0 or 1)", fn,
                             resolved->gzip);
    return RISTRA_OK;
}

int ristra_save_options_init(ristra_save_options *opts, int version)
{
    static const ristra_save_options defaults = RISTRA_SAVE_OPTIONS_INIT;
    return ristra__struct_init(opts, version, &defaults, &ristra__info_save_options,
                               "ristra_save_options_init");
}

/* The JSON text of a model with a final newline, NUL-terminated: the
 * exact bytes of a plain model file. */
static int dump_text(char **out, size_t *len, const ristra_model *m, const ristra_save_options *o)
{
    json_t *doc = ristra__model_to_json(m);
    if (!doc)
        return ristra__oom();
    size_t flags = JSON_REAL_PRECISION(17) | (o->indent ? JSON_INDENT(o->indent) : JSON_COMPACT);
    char *text = json_dumps(doc, flags);
    json_decref(doc);
    size_t n = text ? strlen(text) : 0;
    char *with_newline = text ? realloc(text, n + 2) : NULL;
    if (!with_newline) {
        free(text);
        return ristra__oom();
    }
    with_newline[n] = '\n';
    with_newline[n + 1] = '\0';
    *out = with_newline;
    *len = n + 1;
    return RISTRA_OK;
}

int ristra_model_save(const ristra_model *model, const char *path,
                      const ristra_save_options *opts)
{
    if (!model || !path)
        return ristra__error(RISTRA_EINVAL, "ristra_model_save: %s is NULL",
                             model ? "path" : "model");
    ristra_save_options o;
    int rc = check_save_options(&o, opts, "ristra_model_save");
    if (rc)
        return rc;
    if (o.gzip < 0) /* the default: the name says */
        o.gzip = ristra__path_is_gz(path);
    char *text;
    size_t len;
    rc = dump_text(&text, &len, model, &o);
    if (rc)
        return rc;
    ristra__output *f = NULL;
    rc = ristra__output_open_mode(&f, path, o.gzip ? 6 : 0, RISTRA__SHARED_MODE); /* no patient data */
    if (!rc) {
        rc = ristra__output_write(f, text, len);
        if (rc)
            ristra__output_abort(f);
        else
            rc = ristra__output_commit(f);
    }
    free(text);
    return rc;
}

int ristra_model_save_buffer(char **out, size_t *size_out, const ristra_model *model,
                             const ristra_save_options *opts)
{
    if (!out || !size_out || !model)
        return ristra__error(RISTRA_EINVAL, "ristra_model_save_buffer: %s is NULL",
                             !out ? "out" : !size_out ? "size_out" : "model");
    *out = NULL;
    *size_out = 0;
    ristra_save_options o;
    int rc = check_save_options(&o, opts, "ristra_model_save_buffer");
    if (rc)
        return rc;
    o.gzip = o.gzip > 0; /* no name: plain unless asked */
    char *text;
    size_t len;
    rc = dump_text(&text, &len, model, &o);
    if (rc || !o.gzip) {
        if (!rc) {
            *out = text;
            *size_out = len;
        }
        return rc;
    }
    rc = ristra__gzip_buffer(out, size_out, text, len);
    free(text);
    return rc;
}
