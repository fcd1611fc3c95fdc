/* Drift between two runs named by their manifests (docs/score-output.md,
 * "The run record"): the files a manifest records, checked against the
 * SHA-256 it records before they are compared, so that drift is computed
 * on exactly what the runs read (or wrote). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/drift.h"
#include "../common/digest_internal.h"
#include "../common/error_internal.h"
#include "drift_internal.h"

/* The record of the input (role NULL) or of the output of a role. */
static json_t *find_record(json_t *doc, const char *role)
{
    if (!role)
        return json_object_get(doc, "input");
    size_t i;
    json_t *o, *found = NULL;
    json_array_foreach(json_object_get(doc, "outputs"), i, o) {
        const char *r = json_string_value(json_object_get(o, "role"));
        if (r && strcmp(r, role) == 0)
            found = o;
    }
    return found;
}

int ristra__drift_recorded_file(char **path_out, const char *manifest, const char *role)
{
    *path_out = NULL;
    json_error_t err;
    json_t *doc = json_load_file(manifest, 0, &err);
    if (!doc)
        return ristra__error(RISTRA_EFORMAT, "%s: not a run manifest: %s (line %d)", manifest,
                             err.text, err.line);
    json_t *rec = json_is_integer(json_object_get(doc, "ristra_manifest"))
                      ? find_record(doc, role) : NULL;
    const char *path = json_string_value(json_object_get(rec, "path"));
    const char *sha = json_string_value(json_object_get(rec, "sha256"));
    int rc = RISTRA_OK;
    char hex[RISTRA__SHA256_HEX];
    if (!path || !sha)
        rc = ristra__error(RISTRA_EFORMAT, "%s: the manifest records no %s with a path and "
                           "SHA-256", manifest, role ? "ranked list (output)" : "input file");
    if (!rc)
        rc = ristra__sha256_file(path, hex, NULL);
    if (!rc && strcmp(hex, sha) != 0)
        rc = ristra__error(RISTRA_EINVAL, "%s: %s has changed since that run (its SHA-256 is "
                           "%s; the manifest records %s)", manifest, path, hex, sha);
    if (!rc && !(*path_out = strdup(path)))
        rc = ristra__oom();
    json_decref(doc);
    return rc;
}

int ristra_drift_compute_manifests(ristra_drift **out, const ristra_model *model,
                                   const char *baseline_manifest, const char *current_manifest,
                                   const ristra_drift_options *opts)
{
    if (out)
        *out = NULL;
    if (!out || !baseline_manifest || !current_manifest)
        return ristra__error(RISTRA_EINVAL, "ristra_drift_compute_manifests: %s is NULL",
                             !out ? "out" : !baseline_manifest ? "baseline_manifest"
                                                               : "current_manifest");
    const char *role = model ? NULL : "output";
    char *baseline = NULL, *current = NULL;
    int rc = ristra__drift_recorded_file(&baseline, baseline_manifest, role);
    if (!rc)
        rc = ristra__drift_recorded_file(&current, current_manifest, role);
    if (!rc)
        rc = ristra_drift_compute(out, model, baseline, current, opts);
    free(baseline), free(current);
    return rc;
}
