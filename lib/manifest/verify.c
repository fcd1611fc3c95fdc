/* ristra_manifest_verify(): re-hash what a manifest names. */
#include <string.h>

#include <jansson.h>

#include "ristra/manifest.h"
#include "../common/digest_internal.h"
#include "../common/error_internal.h"

static int check_file(const char *role, json_t *rec, ristra_verify_fn fn, void *ctx,
                      int64_t *n_changed, const char *manifest_path)
{
    const char *path = json_string_value(json_object_get(rec, "path"));
    const char *want = json_string_value(json_object_get(rec, "sha256"));
    json_t *size = json_object_get(rec, "size");
    if (!path || !want || !json_is_integer(size))
        return ristra__error(RISTRA_EFORMAT, "%s: a %s entry lacks path, size or sha256",
                             manifest_path, role);
    int status = RISTRA_VERIFY_NOT_CHECKED;
    if (strcmp(path, "-") != 0) {
        char got[RISTRA__SHA256_HEX];
        int64_t got_size = -1;
        int rc = ristra__sha256_file(path, got, &got_size);
        if (rc == RISTRA_ENOMEM)
            return rc;
        status = rc ? RISTRA_VERIFY_MISSING
                 : got_size == (int64_t)json_integer_value(size) && !strcmp(got, want)
                     ? RISTRA_VERIFY_SAME
                     : RISTRA_VERIFY_CHANGED;
    }
    if (status == RISTRA_VERIFY_CHANGED || status == RISTRA_VERIFY_MISSING)
        (*n_changed)++;
    if (fn)
        fn(ctx, role, path, status);
    return RISTRA_OK;
}

int ristra_manifest_verify(int64_t *n_changed, const char *manifest_path, ristra_verify_fn fn,
                           void *ctx)
{
    if (!n_changed || !manifest_path)
        return ristra__error(RISTRA_EINVAL, "ristra_manifest_verify: %s is NULL",
                             n_changed ? "manifest_path" : "n_changed");
    *n_changed = 0;
    json_error_t err;
    json_t *doc = json_load_file(manifest_path, JSON_REJECT_DUPLICATES, &err);
    if (!doc)
        return ristra__error(err.line < 1 ? RISTRA_EIO : RISTRA_EFORMAT, "%s: %s", manifest_path,
                             err.text);
    int rc = RISTRA_OK;
    json_t *outputs = json_object_get(doc, "outputs");
    if (!json_is_integer(json_object_get(doc, "ristra_manifest")) || !json_is_array(outputs))
        rc = ristra__error(RISTRA_EFORMAT, "%s: not a ristra manifest (no ristra_manifest "
                           "version or outputs list)", manifest_path);
    /* the model first (a model built in memory has no file to check) */
    json_t *model = json_object_get(doc, "model");
    if (!rc && json_is_string(json_object_get(model, "path")))
        rc = check_file("model", model, fn, ctx, n_changed, manifest_path);
    json_t *input = json_object_get(doc, "input");
    if (!rc && json_is_object(input))
        rc = check_file("input", input, fn, ctx, n_changed, manifest_path);
    size_t i;
    json_t *rec;
    json_array_foreach(outputs, i, rec) {
        if (rc)
            break;
        const char *role = json_string_value(json_object_get(rec, "role"));
        rc = check_file(role ? role : "output", rec, fn, ctx, n_changed, manifest_path);
    }
    json_decref(doc);
    return rc;
}
