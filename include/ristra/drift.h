/*
 * ristra: drift between two runs.
 *
 * ristra_drift_compute() reads two population files (a baseline and a
 * current one) with the same model, or two ranked lists, and measures
 * what changed: the population stability index (PSI) of the risk and of
 * every model feature, the missingness of every feature, list and tier
 * sizes per practice and, when both files have outcomes, the change in
 * AUROC (with a DeLong interval on the difference), calibration-in-the-
 * large and calibration slope. Definitions and flags: docs/drift.md.
 */
#ifndef RISTRA_DRIFT_H
#define RISTRA_DRIFT_H

#include "ristra/model.h"

RISTRA_BEGIN_DECL

/** Options for ristra_drift_compute(). */
typedef struct ristra_drift_options {
    int version;                /**< RISTRA_DRIFT_OPTIONS_VERSION */
    const char *id_column;      /**< default "nhs_number" */
    const char *practice_column; /**< default "practice" */
    /** Read when present in both files; NULL: none. Default "emergency_admission_next_12m". */
    const char *outcome_column;
    /** PSI bins: baseline quantiles (1 to 100; default 10). */
    int n_bins;
    /** PSI at or above this is flagged "moderate" (default 0.1). */
    double psi_moderate;
    /** PSI at or above this is flagged "major" (default 0.25). */
    double psi_major;
    /** A change in the share missing of a feature of at least this is flagged (default 0.05). */
    double missing_change;
    /** Confidence level of the AUROC interval, in (0, 1); default 0.95. */
    double confidence_level;
    /** Threads for reading and scoring; 0 (default) = one per CPU. */
    int n_threads;
} ristra_drift_options;

#define RISTRA_DRIFT_OPTIONS_VERSION 1
#define RISTRA_DRIFT_OPTIONS_INIT                                                            \
    { RISTRA_DRIFT_OPTIONS_VERSION, "nhs_number", "practice", "emergency_admission_next_12m", \
      10, 0.1, 0.25, 0.05, 0.95, 0 }

/**
 * Fills opts with the defaults of the given struct version.
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_drift_options_init(ristra_drift_options *opts, int version);

/** The result of ristra_drift_compute(). Opaque; immutable. */
typedef struct ristra_drift ristra_drift;

/**
 * Compares two files. With a model, both are population files read with
 * its features and scored by it (rows that cannot be scored are left
 * out). With model NULL, both are ranked lists (ristra score's output):
 * their "risk" column is compared, and list and tier sizes by practice.
 *
 * @param[out] out  the result; free with ristra_drift_free(). NULL on failure.
 * @return RISTRA_OK; the reader's errors (RISTRA_EIO, RISTRA_EFORMAT,
 *         RISTRA_ENOTFOUND: the message names the file); RISTRA_EINVAL
 *         (bad arguments or options, a file with no usable row);
 *         RISTRA_ENOMEM.
 * @thread_safety Safe; the model may be shared.
 * @since 2.0.0
 */
RISTRA_API int ristra_drift_compute(ristra_drift **out, const ristra_model *model,
                                    const char *baseline, const char *current,
                                    const ristra_drift_options *opts);

/**
 * ristra_drift_compute() on two runs named by their manifests (the JSON
 * run records ristra_score_file() writes; ristra/manifest.h): with a
 * model, the population files the runs read (each manifest's "input");
 * with model NULL, the ranked lists they wrote (the output of role
 * "output"). Each file's SHA-256 is checked against the one its manifest
 * records before anything is compared, so the drift is that of exactly
 * what the runs saw.
 *
 * @param[out] out  the result; free with ristra_drift_free(). NULL on failure.
 * @return as ristra_drift_compute(); RISTRA_EFORMAT (not a manifest, or
 *         one that records no such file); RISTRA_EINVAL (NULL arguments,
 *         or a file changed since its run: the message names it and both
 *         hashes); RISTRA_EIO (a file cannot be read).
 * @thread_safety Safe; the model may be shared.
 * @since 2.0.0
 */
RISTRA_API int ristra_drift_compute_manifests(ristra_drift **out, const ristra_model *model,
                                              const char *baseline_manifest,
                                              const char *current_manifest,
                                              const ristra_drift_options *opts);

/**
 * Frees a result. NULL is a no-op.
 * @thread_safety No other thread may be using it.
 * @since 2.0.0
 */
RISTRA_API void ristra_drift_free(ristra_drift *drift);

/** What a figure's flag says. Values are pinned. */
typedef enum ristra_drift_flag {
    RISTRA_DRIFT_NONE = 0,
    RISTRA_DRIFT_MODERATE = 1,  /**< PSI in [psi_moderate, psi_major) */
    RISTRA_DRIFT_MAJOR = 2,     /**< PSI >= psi_major */
    RISTRA_DRIFT_CHANGED = 3    /**< missingness moved by missing_change or more; AUROC interval excludes 0 */
} ristra_drift_flag;

/** One figure of the comparison. */
typedef struct ristra_drift_row {
    int version;            /**< RISTRA_DRIFT_ROW_VERSION, set by the caller */
    /**
     * "psi", "missing_share", "list_size", "tier_size" (subject
     * "<practice> <tier>"), "mean_risk", "auroc", "calibration_in_the_large",
     * "calibration_slope", "rows_scored"
     */
    const char *measure;
    /** "risk", a feature's name, a practice code, "area" */
    const char *subject;
    double baseline;        /**< NaN when not applicable (PSI) */
    double current;         /**< the figure now (for PSI: the PSI) */
    double change;          /**< current - baseline (NaN for PSI) */
    double lower, upper;    /**< interval on the change (AUROC only; else NaN) */
    int flag;               /**< a ristra_drift_flag */
} ristra_drift_row;

#define RISTRA_DRIFT_ROW_VERSION 1
#define RISTRA_DRIFT_ROW_INIT { RISTRA_DRIFT_ROW_VERSION, NULL, NULL, 0, 0, 0, 0, 0, 0 }

/**
 * @return the number of rows, or -1 for NULL.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int64_t ristra_drift_n_rows(const ristra_drift *drift);

/**
 * Row i (0 <= i < n_rows); the strings live as long as the result.
 * @return RISTRA_OK or RISTRA_EINVAL.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_drift_row_get(ristra_drift_row *out, const ristra_drift *drift,
                                    int64_t i);

/**
 * @return the number of rows with a flag (0: nothing crossed a flag), or
 *         -1 for NULL.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int64_t ristra_drift_n_flagged(const ristra_drift *drift);

/**
 * Writes every row as CSV (measure,subject,baseline,current,change,lower,
 * upper,flag), to a temporary file renamed over path when complete.
 * @return RISTRA_OK; RISTRA_EINVAL; RISTRA_EIO (the message names the file).
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_drift_write_csv(const ristra_drift *drift, const char *path);

/**
 * A short readable summary (a few lines: the files, the flags raised),
 * NUL-terminated, into buf as snprintf does.
 * @return the length of the whole summary (write again with a larger buf
 *         when it is >= size); -1 for NULL drift.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int64_t ristra_drift_summary(char *buf, size_t size, const ristra_drift *drift);

RISTRA_END_DECL

#endif /* RISTRA_DRIFT_H */
