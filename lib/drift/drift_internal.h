/* Drift between two runs: each file read into a side (drift_read.c), the
 * figures compared (drift.c), written as CSV and a summary (drift_write.c). */
#ifndef RISTRA_DRIFT_INTERNAL_H
#define RISTRA_DRIFT_INTERNAL_H

#include "ristra/drift.h"

/* One file's usable rows. */
typedef struct ristra__drift_side {
    const char *path;
    int64_t n, cap, n_cols;
    double *values;            /* n x n_cols, NaN = missing */
    double *risk;              /* n */
    uint8_t *outcome;          /* n: 0, 1, 2 = unknown; NULL without outcomes */
    int32_t *practice;         /* n: index into codes */
    char **codes;              /* n_codes practice codes (owned) */
    int32_t n_codes;
} ristra__drift_side;

/* Reads (and with a model, scores) a file. Without a model, the value
 * column is "risk" and the risks are those values. */
int ristra__drift_read(ristra__drift_side *s, const char *path, const ristra_model *model,
                       const ristra_drift_options *o);
void ristra__drift_side_free(ristra__drift_side *s);

/* *path_out (free()): the file a run's manifest records, its input (role
 * NULL) or its output of a role, checked to be unchanged since (its
 * SHA-256). RISTRA_EFORMAT, RISTRA_EINVAL (changed), RISTRA_EIO. */
int ristra__drift_recorded_file(char **path_out, const char *manifest, const char *role);

struct ristra_drift {
    int64_t n_rows, cap;
    ristra_drift_row *rows;
    char **strings;            /* owned subjects */
    int64_t n_strings, strings_cap;
    char *baseline_path, *current_path;
    int64_t n_baseline, n_current;
    int has_outcome;
};

#endif
