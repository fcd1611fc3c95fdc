/* The run record (manifest_internal.h). JSON through jansson, the library
 * the model files already use; SHA-256 through lib/common/digest.c. */
#define _GNU_SOURCE
#include "../common/digest_internal.h"
#include "manifest_internal.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ristra/version.h"
#include "../common/error_internal.h"
#include "../model/model_internal.h"

/* Bumped when a key changes meaning; keys may be added without a bump. */
enum { MANIFEST_VERSION = 1 };

struct ristra__manifest {
    json_t *doc;
};

static json_t *utc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char buf[96];
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    return json_string(buf);
}

int ristra__manifest_set(ristra__manifest *m, const char *key, json_t *value)
{
    if (!value || json_object_set_new(m->doc, key, value) != 0)
        return ristra__oom();
    return RISTRA_OK;
}

int ristra__manifest_new(ristra__manifest **out, const char *command)
{
    *out = NULL;
    ristra__manifest *m = calloc(1, sizeof *m);
    if (!m || !(m->doc = json_object())) {
        free(m);
        return ristra__oom();
    }
    int rc = ristra__manifest_set(m, "ristra_manifest", json_integer(MANIFEST_VERSION));
    if (!rc)
        rc = ristra__manifest_set(m, "ristra_version", json_string(RISTRA_VERSION_STRING));
    if (!rc)
        rc = ristra__manifest_set(m, "command", json_string(command));
    if (!rc)
        rc = ristra__manifest_set(m, "started_utc", utc_now());
    if (rc) {
        ristra__manifest_free(m);
        return rc;
    }
    *out = m;
    return RISTRA_OK;
}

void ristra__manifest_free(ristra__manifest *m)
{
    if (!m)
        return;
    json_decref(m->doc);
    free(m);
}

/* A string of the model's metadata, or null. */
static json_t *metadata_string(json_t *meta, const char *key)
{
    json_t *v = json_object_get(meta, key);
    return json_is_string(v) ? json_string(json_string_value(v)) : json_null();
}

int ristra__manifest_set_model(ristra__manifest *m, const ristra_model *model)
{
    json_t *meta = json_loads(model->metadata_json ? model->metadata_json : "{}", 0, NULL);
    json_t *o = json_object();
    if (!meta || !o) {
        json_decref(meta);
        json_decref(o);
        return ristra__oom();
    }
    const char *kind = ristra_model_kind_string(model->kind);
    int bad = json_object_set_new(o, "name", metadata_string(meta, "name")) ||
              json_object_set_new(o, "version", metadata_string(meta, "version")) ||
              json_object_set_new(o, "kind", json_string(kind)) ||
              json_object_set_new(o, "format_version", json_integer(model->format_version)) ||
              json_object_set_new(o, "sha256", model->file_sha256[0]
                                                    ? json_string(model->file_sha256)
                                                    : json_null()) ||
              json_object_set_new(o, "size", json_integer(model->file_size)) ||
              json_object_set_new(o, "path", model->file_path ? json_string(model->file_path)
                                                               : json_null());
    json_decref(meta);
    if (bad) {
        json_decref(o);
        return ristra__oom();
    }
    return ristra__manifest_set(m, "model", o);
}

char *ristra__absolute_path(const char *path)
{
    if (strcmp(path, "-") == 0 || path[0] == '/')
        return strdup(path);
    char *copy = strdup(path), *copy2 = strdup(path);
    char *dir = copy ? realpath(dirname(copy), NULL) : NULL;
    char *out = NULL;
    if (dir && copy2) {
        const char *base = basename(copy2);
        size_t n = strlen(dir) + strlen(base) + 2;
        if ((out = malloc(n)))
            snprintf(out, n, "%s/%s", strcmp(dir, "/") ? dir : "", base);
    } else if (copy2) {
        out = strdup(path); /* the directory is gone: keep what was given */
    }
    free(dir), free(copy), free(copy2);
    return out;
}

static json_t *file_record(const char *role, const char *path, int64_t size, const char *sha256)
{
    char *abs = ristra__absolute_path(path);
    json_t *o = abs ? json_pack("{s:s, s:s, s:I, s:s}", "role", role, "path", abs, "size",
                                (json_int_t)size, "sha256", sha256)
                    : NULL;
    free(abs);
    return o;
}

int ristra__manifest_set_input(ristra__manifest *m, const char *path, ristra__stream *s)
{
    char hex[65];
    uint64_t size = 0;
    int rc = ristra__stream_digest(s, hex, &size);
    if (rc)
        return rc;
    json_t *o = file_record("input", path, (int64_t)size, hex);
    if (o)
        json_object_del(o, "role");
    return ristra__manifest_set(m, "input", o);
}

char *ristra__manifest_default_path(const char *output)
{
    if (!output || strcmp(output, "-") == 0)
        return NULL;
    size_t n = strlen(output) + sizeof ".manifest.json";
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s.manifest.json", output);
    return p;
}

static int record_outputs(ristra__manifest *m, const ristra__commit *set,
                          const char *const *roles)
{
    json_t *list = json_array();
    if (!list)
        return ristra__oom();
    int rc = ristra__manifest_set(m, "outputs", list);
    for (int i = 0; !rc && i < ristra__commit_count(set); i++) {
        ristra__output *o = ristra__commit_output(set, i);
        char hex[65];
        int64_t size = 0;
        rc = ristra__output_digest(o, hex, &size);
        if (rc)
            break;
        const char *role = roles && roles[i] ? roles[i] : "output";
        if (json_array_append_new(list, file_record(role, ristra__output_path(o), size, hex)))
            rc = ristra__oom();
    }
    return rc;
}

/* The SHA-256 of the manifest's bytes, as they will be on disk. */
static int text_digest(const char *text, char hex[RISTRA__SHA256_HEX])
{
    uint8_t raw[RISTRA__SHA256_BYTES];
    ristra__sha256 *h = ristra__sha256_new();
    int rc = h ? ristra__sha256_update(h, text, strlen(text)) : ristra__oom();
    if (!rc)
        rc = ristra__sha256_update(h, "\n", 1);
    if (!rc)
        rc = ristra__sha256_final(h, raw, hex);
    ristra__sha256_free(h);
    return rc;
}

int ristra__manifest_seal(ristra__manifest *m, ristra__commit *set, const char *const *roles,
                          const char *path, int mode, char hex[RISTRA__SHA256_HEX])
{
    if (hex)
        hex[0] = '\0';
    int rc = ristra__commit_finish(set);
    if (!rc && path)
        rc = record_outputs(m, set, roles);
    if (!rc && path)
        rc = ristra__manifest_set(m, "finished_utc", utc_now());
    char *text = NULL;
    if (!rc && path && !(text = json_dumps(m->doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                                       JSON_REAL_PRECISION(17))))
        rc = ristra__oom();
    ristra__output *o = NULL;
    if (!rc && path)
        rc = ristra__output_open_mode(&o, path, 0, mode);
    if (!rc && o)
        rc = ristra__output_write(o, text, strlen(text));
    if (!rc && o)
        rc = ristra__output_write(o, "\n", 1);
    if (!rc && o && hex)
        rc = text_digest(text, hex);
    free(text);
    if (rc) {
        ristra__output_abort(o);
        return rc;
    }
    return ristra__commit_add(set, o);
}

int ristra__manifest_commit(ristra__manifest *m, ristra__commit *set, const char *const *roles,
                            const char *path, int mode)
{
    int rc = ristra__manifest_seal(m, set, roles, path, mode, NULL);
    return rc ? rc : ristra__commit_run(set);
}

const char *ristra__manifest_started(const ristra__manifest *m)
{
    return json_string_value(json_object_get(m->doc, "started_utc"));
}
