/* The run record: a JSON manifest written beside a run's outputs and
 * committed with them (last, so that a manifest on disk means the outputs
 * it names were all renamed into place). What it holds is in
 * docs/score-output.md, "The run record". It never holds patient data:
 * counts, hashes, paths, options and the model's identity only.
 *
 * For any command that writes patient data (score, explain, ...):
 *     ristra__manifest_new(&m, "explain");
 *     ristra__manifest_set_model(m, model);
 *     ristra__manifest_set_input(m, path, stream);     (hashed as it was read)
 *     ristra__manifest_set(m, "options", json);        (any object of yours)
 *     ... write the outputs into a ristra__commit set ...
 *     ristra__manifest_commit(m, set, manifest_path, mode);  (finishes, hashes,
 *                                                     adds the manifest, commits)
 *     ristra__manifest_free(m); */
#ifndef RISTRA_MANIFEST_INTERNAL_H
#define RISTRA_MANIFEST_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "ristra/model.h"
#include "../io/output_internal.h"
#include "../io/stream_internal.h"

typedef struct ristra__manifest ristra__manifest;

/* Starts a record of the command (e.g. "score"); the UTC start is now. */
int ristra__manifest_new(ristra__manifest **out, const char *command);
void ristra__manifest_free(ristra__manifest *m);

/* The model's name, version, kind, format_version, file SHA-256 and size. */
int ristra__manifest_set_model(ristra__manifest *m, const ristra_model *model);
/* The input: its path (absolute when a file), size and SHA-256, from the
 * stream that read it (ristra__stream_digest: call after the last read). */
int ristra__manifest_set_input(ristra__manifest *m, const char *path, ristra__stream *s);
/* Sets a top-level key to value (the manifest takes the reference). */
int ristra__manifest_set(ristra__manifest *m, const char *key, json_t *value);

/* The default manifest path for an output: "<output>.manifest.json"; NULL
 * when output is NULL or "-". A new string (free()). */
char *ristra__manifest_default_path(const char *output);

/* Finishes every output of the set, records each one's role (roles[i] for
 * the i-th output; NULL: "output"), path, size and SHA-256, the UTC end,
 * then adds the manifest at path (file mode: see ristra__output_open_mode)
 * as the set's last output and commits the set. path NULL: no manifest,
 * the set is committed as it is. */
int ristra__manifest_commit(ristra__manifest *m, ristra__commit *set, const char *const *roles,
                            const char *path, int mode);

/* ristra__manifest_commit() but for the last step: the manifest is added
 * to the set (its SHA-256, lower-case hex, in hex when not NULL; "" when
 * path is NULL) and the caller may add outputs that show that hash (the
 * manifest cannot list them) before ristra__commit_run(). */
int ristra__manifest_seal(ristra__manifest *m, ristra__commit *set, const char *const *roles,
                          const char *path, int mode, char hex[65]);

/* The UTC start of the run ("2026-12-02T03:40:01Z"), valid while m lives. */
const char *ristra__manifest_started(const ristra__manifest *m);

/* path made absolute (its directory resolved; the file need not exist);
 * "-" stays "-". A new string, or NULL when out of memory. */
char *ristra__absolute_path(const char *path);

#endif
