/* ristra_report_from_manifest(): the report of a recorded run, read again.
 *
 * The manifest names the model file and the input with their SHA-256 and
 * records every option of the run; both files are checked against the
 * record before anything is read, the run is repeated with its own
 * options, writing the report only, and its counts are checked against the
 * record. A report therefore shows exactly the run its manifest describes,
 * or nothing. */
#include <string.h>

#include "ristra/batch.h"
#include "ristra/report.h"
#include "../common/digest_internal.h"
#include "../common/error_internal.h"
#include "../manifest/manifest_internal.h"
#include "score_file_internal.h"

static const char FN[] = "ristra_report_from_manifest";

/* Everything the repeated run needs, pointing into the manifest's JSON. */
typedef struct recorded {
    json_t *doc;
    const char *model_path, *model_sha256, *input_path, *input_sha256;
    ristra_score_file_options so;
    ristra_population_options po;
    ristra_audit_options ao;
    double cuts[RISTRA_MAX_TIERS];
    const char *names[RISTRA_MAX_TIERS];
    const char *columns[64];
} recorded;

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int missing(const char *manifest, const char *what)
{
    return ristra__error(RISTRA_EFORMAT, "%s: %s: the manifest has no %s", FN, manifest, what);
}

static int read_tiers(recorded *r, json_t *opts, const char *manifest)
{
    json_t *tiers = json_object_get(opts, "tiers"), *t;
    size_t k;
    if (!json_is_array(tiers) || json_array_size(tiers) < 1 ||
        json_array_size(tiers) > RISTRA_MAX_TIERS)
        return missing(manifest, "options.tiers");
    json_array_foreach(tiers, k, t) {
        json_t *cut = json_object_get(t, "cut_point");
        if (!json_is_number(cut) || !str(t, "name"))
            return missing(manifest, "cut_point and name in each of options.tiers");
        r->cuts[k] = json_number_value(cut);
        r->names[k] = str(t, "name");
    }
    r->so.n_tiers = (int64_t)json_array_size(tiers);
    r->so.tier_cut_points = r->cuts;
    r->so.tier_names = r->names;
    r->so.untiered_name = str(opts, "untiered_name");
    return RISTRA_OK;
}

static int read_audit(recorded *r, json_t *opts, const char *manifest)
{
    json_t *a = json_object_get(opts, "audit");
    r->so.audit = &r->ao;
    if (!json_is_object(a))
        return RISTRA_OK; /* the run had no audit: the report's defaults */
    r->ao.age_column = str(a, "age_column");
    r->ao.sex_column = str(a, "sex_column");
    r->ao.deprivation_column = str(a, "deprivation_column");
    r->ao.by_practice = json_is_true(json_object_get(a, "by_practice"));
    if (json_is_number(json_object_get(a, "confidence_level")))
        r->ao.confidence_level = json_number_value(json_object_get(a, "confidence_level"));
    json_t *cols = json_object_get(a, "group_columns"), *c;
    size_t k;
    if (json_array_size(cols) > sizeof r->columns / sizeof *r->columns)
        return missing(manifest, "a usable options.audit.group_columns");
    json_array_foreach(cols, k, c) {
        if (!(r->columns[k] = json_string_value(c)))
            return missing(manifest, "strings in options.audit.group_columns");
    }
    r->ao.group_columns = r->columns;
    r->ao.n_group_columns = (int64_t)json_array_size(cols);
    return RISTRA_OK;
}

static int read_record(recorded *r, const char *manifest)
{
    json_error_t err;
    if (!(r->doc = json_load_file(manifest, JSON_REJECT_DUPLICATES, &err)))
        return ristra__error(err.line < 1 ? RISTRA_EIO : RISTRA_EFORMAT, "%s: %s: %s", FN,
                             manifest, err.text);
    json_t *model = json_object_get(r->doc, "model"), *input = json_object_get(r->doc, "input");
    json_t *opts = json_object_get(r->doc, "options");
    r->model_path = str(model, "path"), r->model_sha256 = str(model, "sha256");
    r->input_path = str(input, "path"), r->input_sha256 = str(input, "sha256");
    if (!r->model_path || !r->model_sha256)
        return missing(manifest, "model file (model.path and model.sha256)");
    if (!r->input_path || !r->input_sha256 || !strcmp(r->input_path, "-"))
        return missing(manifest, "input file (input.path and input.sha256; not standard input)");
    if (!json_is_object(opts))
        return missing(manifest, "options");
    ristra_score_file_options so = RISTRA_SCORE_FILE_OPTIONS_INIT;
    ristra_population_options po = RISTRA_POPULATION_OPTIONS_INIT;
    ristra_audit_options ao = RISTRA_AUDIT_OPTIONS_INIT;
    r->so = so, r->po = po, r->ao = ao;
    r->po.id_column = str(opts, "id_column");
    r->po.practice_column = str(opts, "practice_column");
    r->po.outcome_column = str(opts, "outcome_column");
    r->po.outcome_required = json_is_true(json_object_get(opts, "outcome_required"));
    r->po.check_duplicates = json_is_true(json_object_get(opts, "check_duplicates"));
    if (!(r->po.id_kind = ristra_id_kind_from_string(str(opts, "id_kind"))))
        return missing(manifest, "known options.id_kind");
    r->so.population = &r->po;
    r->so.n_threads = (int)json_integer_value(json_object_get(opts, "n_threads"));
    r->so.max_reject_rate = json_number_value(json_object_get(opts, "max_reject_rate"));
    r->so.min_scored = json_integer_value(json_object_get(opts, "min_scored"));
    int rc = read_tiers(r, opts, manifest);
    return rc ? rc : read_audit(r, opts, manifest);
}

/* path's bytes must be those the run read. */
static int same_file(const char *path, const char *want, const char *what)
{
    char got[RISTRA__SHA256_HEX];
    int64_t size;
    int rc = ristra__sha256_file(path, got, &size);
    if (rc == RISTRA_ENOMEM)
        return rc;
    if (rc)
        return ristra__error(RISTRA_EIO, "%s: the %s %s cannot be read", FN, what, path);
    if (strcmp(got, want) != 0)
        return ristra__error(RISTRA_EFORMAT, "%s: the %s %s has changed since the run (SHA-256 "
                             "%s, the manifest records %s): nothing written", FN, what, path,
                             got, want);
    return RISTRA_OK;
}

int ristra_report_from_manifest(const char *manifest, const char *directory,
                                const ristra_report_options *opts)
{
    if (!manifest || !directory)
        return ristra__error(RISTRA_EINVAL, "%s: %s is NULL", FN,
                             manifest ? "directory" : "manifest");
    recorded r;
    memset(&r, 0, sizeof r);
    int rc = read_record(&r, manifest);
    if (!rc)
        rc = same_file(r.model_path, r.model_sha256, "model file");
    if (!rc)
        rc = same_file(r.input_path, r.input_sha256, "input");
    ristra_model *model = NULL;
    if (!rc)
        rc = ristra_model_load(&model, r.model_path);
    char manifest_sha[RISTRA__SHA256_HEX];
    int64_t size;
    if (!rc)
        rc = ristra__sha256_file(manifest, manifest_sha, &size);
    ristra_score_result *result = NULL;
    if (!rc) {
        r.so.report_dir = directory;
        r.so.report = opts;
        r.so.manifest_path = ""; /* the run is recorded already */
        ristra__recorded_run rec = { manifest_sha, str(r.doc, "started_utc") };
        rc = ristra__score_file_recorded(&result, model, r.input_path, NULL, &r.so, &rec);
    }
    json_t *rows = json_object_get(r.doc, "rows");
    ristra_score_totals t = RISTRA_SCORE_TOTALS_INIT;
    if (!rc && !ristra_score_result_totals(&t, result) &&
        (t.n_rows != json_integer_value(json_object_get(rows, "read")) ||
         t.n_scored != json_integer_value(json_object_get(rows, "scored"))))
        rc = ristra__error(RISTRA_ERROR, "%s: the run read again gave %lld rows and %lld scored, "
                           "the manifest records others", FN, (long long)t.n_rows,
                           (long long)t.n_scored);
    ristra_score_result_free(result);
    ristra_model_free(model);
    json_decref(r.doc);
    return rc;
}
