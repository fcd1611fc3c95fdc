/*
 * ristra: run manifests. Every ristra_score_file() run (and `ristra
 * explain`) writes a JSON manifest beside its outputs, committed with them:
 * the ristra version, UTC start and end, the options, the model's identity
 * and file hash, the input's path, size and SHA-256, row counts by status,
 * tier counts, and each output's path, size and SHA-256; no patient data.
 * ristra_manifest_verify() re-hashes the files a manifest names.
 * The keys are listed in docs/score-output.md, "The run record".
 */
#ifndef RISTRA_MANIFEST_H
#define RISTRA_MANIFEST_H

#include "ristra/common.h"

RISTRA_BEGIN_DECL

/** What ristra_manifest_verify() found for one file. Values are pinned. */
typedef enum ristra_verify_status {
    RISTRA_VERIFY_SAME = 0,        /**< same size and SHA-256 as recorded */
    RISTRA_VERIFY_CHANGED = 1,     /**< the file is there but its bytes differ */
    RISTRA_VERIFY_MISSING = 2,     /**< the file cannot be read (gone, renamed, no permission) */
    RISTRA_VERIFY_NOT_CHECKED = 3  /**< standard input or output: nothing to re-read */
} ristra_verify_status;

/**
 * Called once per file the manifest names, in its order: the model file
 * (when the model was loaded from one), the input, then each output. role
 * is "model", "input", "output", "rejects", "summary", ...; path
 * is the absolute path recorded; status a ristra_verify_status. The
 * strings are valid during the call only.
 */
typedef void (*ristra_verify_fn)(void *ctx, const char *role, const char *path, int status);

/**
 * Re-hashes every file a manifest names (the model file, the input and
 * the outputs) and compares size and SHA-256 with the record.
 * @param[out] n_changed  files CHANGED or MISSING (0: everything as recorded).
 * @param manifest_path   the manifest (JSON).
 * @param fn              called per file; may be NULL.
 * @return RISTRA_OK (even when files changed: see n_changed); RISTRA_EIO
 *         (the manifest cannot be read); RISTRA_EFORMAT (not a ristra
 *         manifest: the message says what is wrong); RISTRA_EINVAL (NULL).
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_manifest_verify(int64_t *n_changed, const char *manifest_path,
                                      ristra_verify_fn fn, void *ctx);

RISTRA_END_DECL

#endif /* RISTRA_MANIFEST_H */
