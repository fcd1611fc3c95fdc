/*
 * ristra: registered population files.
 *
 * A population file is CSV (RFC 4180: a header line, fields separated by
 * commas, fields that hold commas, quotes or line breaks in double quotes,
 * a quote inside them doubled; LF or CRLF line ends; an optional UTF-8
 * byte-order mark), plain or gzip-compressed (recognised by its first
 * bytes, never by its name). One row per registered patient, with an NHS
 * number column, a practice column and one column per model feature,
 * matched by name; other columns are ignored. The full rules are in
 * docs/population-files.md.
 *
 * Two layers:
 *   - the reader (ristra_population_open / _read) streams a file in blocks
 *     of rows ready for ristra_model_score(), with every row checked and
 *     a status and a reason for each row that cannot be used;
 *   - ristra_score_file() is the nightly batch: read, score, rank within
 *     each practice and overall, assign risk tiers and write the ranked
 *     list, the rejects and a per-practice summary.
 * GP systems, the command-line tool and the Python and R bindings all use
 * these same functions.
 */
#ifndef RISTRA_POPULATION_H
#define RISTRA_POPULATION_H

#include "ristra/model.h"
#include "ristra/score.h"

RISTRA_BEGIN_DECL

/** A population file being read. Not thread-safe: one thread at a time. */
typedef struct ristra_population ristra_population;

/** Options for ristra_population_open(). */
typedef struct ristra_population_options {
    int version;                   /**< RISTRA_POPULATION_OPTIONS_VERSION */
    const char *id_column;         /**< NHS number column; default "nhs_number" */
    const char *practice_column;   /**< practice (ODS code) column; default "practice" */
    /**
     * The outcome column (0/1, empty for unknown), or NULL (the default)
     * not to read outcomes.
     */
    const char *outcome_column;
    /**
     * 1: a file without the outcome column is an error. 0 (the default):
     * such a file is read without outcomes (block.outcome is NULL).
     */
    int outcome_required;
    /**
     * The value columns, in order, when there is no model (for fitting):
     * n_columns names. NULL (the default) means the model's features.
     * Exactly one of model and columns must be given.
     */
    const char *const *columns;
    int64_t n_columns;
    /**
     * Further numeric columns read alongside (for example "age", "female"
     * and "imd_decile" to evaluate by subgroup): n_extra names, values in
     * block.extra. A non-numeric value rejects the row; empty is NaN.
     */
    const char *const *extra_columns;
    int64_t n_extra;
    int64_t block_rows;            /**< rows per block; 0 (default) = 65536 */
    int check_duplicates;          /**< 1 (default): reject a repeated NHS number */
    /** Threads that parse a block; 1 (default), 0 = one per CPU. */
    int n_threads;
} ristra_population_options;

#define RISTRA_POPULATION_OPTIONS_VERSION 1
#define RISTRA_POPULATION_OPTIONS_INIT                                                       \
    { RISTRA_POPULATION_OPTIONS_VERSION, "nhs_number", "practice", NULL, 0, NULL, 0, NULL, 0, \
      0, 1, 1 }

/**
 * Fills opts with the defaults of the given struct version.
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_population_options_init(ristra_population_options *opts, int version);

/**
 * Opens a population file and reads its header.
 *
 * With a model, the value columns are the model's features, found by name,
 * and every value is checked against its feature: a value outside the
 * valid range, or a missing value whose policy is "reject", rejects the
 * row (a missing value to impute stays NaN: scoring imputes it).
 *
 * @param[out] out  the reader; close it with ristra_population_close().
 *                  NULL on failure.
 * @param path      the file.
 * @param model     the model whose features to read, or NULL with
 *                  opts->columns.
 * @param opts      NULL for the defaults.
 * @return RISTRA_OK; RISTRA_EINVAL (bad arguments or options);
 *         RISTRA_EIO (cannot open or read); RISTRA_EFORMAT (no header,
 *         empty file, unreadable gzip, duplicate header names);
 *         RISTRA_ENOTFOUND (required columns absent: the message names
 *         every one of them and the file); RISTRA_ENOMEM.
 * @thread_safety Safe; the model must outlive the reader.
 * @since 1.0.0
 */
RISTRA_API int ristra_population_open(ristra_population **out, const char *path,
                                      const ristra_model *model,
                                      const ristra_population_options *opts);

/**
 * As ristra_population_open(), over a buffer holding a file's bytes (plain
 * or gzip). The buffer must outlive the reader. source_name (NULL:
 * "<buffer>") names it in messages.
 * @since 1.0.0
 */
RISTRA_API int ristra_population_open_buffer(ristra_population **out, const void *data,
                                             size_t size, const char *source_name,
                                             const ristra_model *model,
                                             const ristra_population_options *opts);

/** Closes a reader. NULL is a no-op. @since 1.0.0 */
RISTRA_API void ristra_population_close(ristra_population *pop);

/**
 * One block of rows. The arrays belong to the reader and stay valid until
 * the next ristra_population_read() or ristra_population_close().
 */
typedef struct ristra_population_block {
    int version;               /**< RISTRA_POPULATION_BLOCK_VERSION */
    int64_t n_rows;            /**< rows in this block; 0 at the end of the file */
    int64_t n_cols;            /**< value columns (the model's features, or opts->columns) */
    /** n_rows x n_cols, row-major, in feature order; NaN = missing. */
    const double *values;
    /** n_rows ristra_row_status values; a rejected row's values are NaN. */
    const int32_t *status;
    /** the NHS number as a 10-digit integer; 0 when it is not valid. */
    const uint64_t *nhs_number;
    /** practice index for ristra_population_practice(); -1 when not valid. */
    const int32_t *practice;
    /** 0, 1 or NaN (empty); NULL when the file has no outcome column. */
    const double *outcome;
    /** n_rows x n_extra, row-major; NULL when no extra columns were asked for. */
    const double *extra;
    /** the line of the file each row starts on (the header is line 1). */
    const int64_t *line;
    int64_t first_row;         /**< data rows in the file before this block */
} ristra_population_block;

#define RISTRA_POPULATION_BLOCK_VERSION 1
#define RISTRA_POPULATION_BLOCK_INIT                                                       \
    { RISTRA_POPULATION_BLOCK_VERSION, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 }

/**
 * Reads the next block. Rows that cannot be used (see ristra_row_status:
 * a bad NHS number or practice code, a value that is not a number or out
 * of range, the wrong number of fields, a repeated NHS number, an outcome
 * that is not 0 or 1) are in the block with a non-zero status; the reading
 * goes on. At the end of the file, out->n_rows is 0.
 *
 * @param[out] out  the block; out->version must be set (use the _INIT macro).
 * @return RISTRA_OK; RISTRA_EFORMAT when the file cannot be read as a
 *         whole (an unterminated quote at the end, a truncated or corrupt
 *         gzip stream, a NUL byte): the message names the file and line;
 *         RISTRA_EIO; RISTRA_ENOMEM. After an error the reader only closes.
 * @thread_safety One thread at a time per reader.
 * @since 1.0.0
 */
RISTRA_API int ristra_population_read(ristra_population_block *out, ristra_population *pop);

/** Why a row of the current block was rejected. */
typedef struct ristra_population_reject {
    int version;               /**< RISTRA_POPULATION_REJECT_VERSION */
    int64_t line;              /**< line the row starts on */
    int32_t status;            /**< the ristra_row_status */
    const char *nhs_number;    /**< the NHS number field as written ("" if absent) */
    const char *practice;      /**< the practice field as written ("" if absent) */
    /** e.g. "field \"age\": \"212\" is outside the valid range [0, 110]" */
    const char *reason;
} ristra_population_reject;

#define RISTRA_POPULATION_REJECT_VERSION 1
#define RISTRA_POPULATION_REJECT_INIT { RISTRA_POPULATION_REJECT_VERSION, 0, 0, NULL, NULL, NULL }

/**
 * Describes row `row` (0-based, within the current block). For a row with
 * status RISTRA_ROW_OK the reason is "". The strings stay valid until the
 * next ristra_population_read().
 * @return RISTRA_OK; RISTRA_EINVAL (NULL, bad version, row out of range).
 * @since 1.0.0
 */
RISTRA_API int ristra_population_reject_info(ristra_population_reject *out,
                                             const ristra_population *pop, int64_t row);

/** Number of distinct valid practice codes seen so far. @since 1.0.0 */
RISTRA_API int32_t ristra_population_n_practices(const ristra_population *pop);

/** The practice code with this index, or NULL when out of range. @since 1.0.0 */
RISTRA_API const char *ristra_population_practice(const ristra_population *pop, int32_t index);

/**
 * Progress: bytes of the file consumed so far (compressed bytes for a
 * gzip file) and its size (0 when unknown, as for a pipe).
 * @since 1.0.0
 */
RISTRA_API int ristra_population_progress(uint64_t *bytes_done, uint64_t *bytes_total,
                                          const ristra_population *pop);

/* ------------------------------------------------------------------ */
/* The batch: score a population file into a ranked, tiered list.      */

/** The most tiers ristra_score_file() assigns. */
#define RISTRA_MAX_TIERS 8

/**
 * Progress callback: patients read so far and bytes of input consumed of
 * bytes_total (0 when unknown). Called from the thread that called
 * ristra_score_file(), after each block. A non-zero return stops the run
 * (RISTRA_ECANCELLED) and nothing is written.
 */
typedef int (*ristra_progress_fn)(void *ctx, int64_t patients, uint64_t bytes_done,
                                  uint64_t bytes_total);

/** Options for ristra_score_file(). */
typedef struct ristra_score_file_options {
    int version;                   /**< RISTRA_SCORE_FILE_OPTIONS_VERSION */
    /**
     * How to read the input. columns and extra_columns must be NULL. The
     * default outcome column is "emergency_admission_next_12m", read when
     * present (observed admissions and AUROC in the summary).
     */
    ristra_population_options population;
    /** Rejected rows, CSV (line, nhs_number, practice, status, reason); NULL: none. */
    const char *rejects_path;
    /** Per-practice summary, CSV; NULL: none. */
    const char *summary_path;
    /**
     * Tier cut-points as fractions of each practice's list, strictly
     * increasing, in (0, 1]: a patient is in the first tier whose cut c
     * satisfies rank_in_practice <= ceil(c * list_size). Default (n_tiers
     * 0): 0.005, 0.02, 0.05, 0.20.
     */
    int n_tiers;
    double tier_cut_points[RISTRA_MAX_TIERS];
    /** Tier names; NULL entries (the default) give "top 0.5%" and so on. */
    const char *tier_names[RISTRA_MAX_TIERS];
    /** Name of the tier of patients in no tier; NULL: "-". */
    const char *untiered_name;
    /** Threads for parsing and scoring; 0 (default) = one per CPU. */
    int n_threads;
    /** -1 (default): gzip the output when its name ends in ".gz"; 0 never; 1 always. */
    int gzip_output;
    ristra_progress_fn progress;   /**< NULL: none */
    void *progress_ctx;
} ristra_score_file_options;

#define RISTRA_SCORE_FILE_OPTIONS_VERSION 1
#define RISTRA_SCORE_FILE_OPTIONS_INIT                                                       \
    { RISTRA_SCORE_FILE_OPTIONS_VERSION,                                                     \
      { RISTRA_POPULATION_OPTIONS_VERSION, "nhs_number", "practice",                         \
        "emergency_admission_next_12m", 0, NULL, 0, NULL, 0, 0, 1, 1 },                     \
      NULL, NULL, 0, { 0 }, { NULL }, NULL, 0, -1, NULL, NULL }

/** @return RISTRA_OK, or RISTRA_EINVAL. @since 1.0.0 */
RISTRA_API int ristra_score_file_options_init(ristra_score_file_options *opts, int version);

/** What a ristra_score_file() run did. Opaque; immutable. */
typedef struct ristra_score_result ristra_score_result;

/**
 * Scores every patient of a population file and writes the ranked list:
 * one row per scored patient, sorted by practice code and then by rank,
 * with columns nhs_number, practice, risk, rank_in_practice,
 * percentile_in_practice, percentile_overall, tier. Ranks order patients
 * by risk, highest first; equal risks are ordered by NHS number, so the
 * output does not depend on the order of the input rows. percentile =
 * 100 * rank / n (the highest-risk patient of 1,000 is at 0.1).
 *
 * Every output file is written to a temporary file and renamed into place
 * only when the whole run has succeeded: a failed or cancelled run leaves
 * no output, no rejects and no summary, and any older files untouched.
 *
 * @param[out] out  what the run did (counts, per-practice summary); free
 *                  with ristra_score_result_free(). May be NULL if not wanted.
 * @param output    the ranked list; NULL to write none (only the result).
 * @return RISTRA_OK (even when rows were rejected); the reader's errors;
 *         RISTRA_EIO (cannot write); RISTRA_ECANCELLED; RISTRA_EINVAL.
 * @thread_safety Safe; the model may be shared.
 * @since 1.0.0
 */
RISTRA_API int ristra_score_file(ristra_score_result **out, const ristra_model *model,
                                 const char *input, const char *output,
                                 const ristra_score_file_options *opts);

/** Frees a result. NULL is a no-op. @since 1.0.0 */
RISTRA_API void ristra_score_result_free(ristra_score_result *result);

/** Totals of a run. */
typedef struct ristra_score_totals {
    int version;               /**< RISTRA_SCORE_TOTALS_VERSION */
    int64_t n_rows;            /**< data rows read */
    int64_t n_scored;          /**< rows scored */
    int64_t n_rejected;        /**< rows rejected */
    int32_t n_practices;       /**< practices with at least one scored patient */
    int n_tiers;
    int64_t tier_count[RISTRA_MAX_TIERS];  /**< patients in each tier (the tightest tier only) */
    int has_outcome;           /**< 1 when the input had the outcome column */
    double expected;           /**< sum of risks */
    int64_t observed;          /**< patients with outcome 1 (-1 without outcomes) */
} ristra_score_totals;

#define RISTRA_SCORE_TOTALS_VERSION 1
#define RISTRA_SCORE_TOTALS_INIT { RISTRA_SCORE_TOTALS_VERSION, 0, 0, 0, 0, 0, { 0 }, 0, 0.0, -1 }

/** @return RISTRA_OK or RISTRA_EINVAL. @since 1.0.0 */
RISTRA_API int ristra_score_result_totals(ristra_score_totals *out,
                                          const ristra_score_result *result);

/** One practice's line of the summary. */
typedef struct ristra_practice_summary {
    int version;               /**< RISTRA_PRACTICE_SUMMARY_VERSION */
    const char *practice;      /**< ODS code; valid while the result lives */
    int64_t list_size;         /**< patients scored */
    int64_t n_rejected;        /**< rows rejected that named this practice */
    int64_t tier_count[RISTRA_MAX_TIERS];
    double mean_risk;
    double expected;           /**< sum of risks: expected admissions */
    int64_t observed;          /**< outcome 1 among the scored; -1 without outcomes */
    double observed_expected;  /**< observed / expected; NaN without outcomes */
    double auroc;              /**< NaN without outcomes or without both outcomes */
} ristra_practice_summary;

#define RISTRA_PRACTICE_SUMMARY_VERSION 1
#define RISTRA_PRACTICE_SUMMARY_INIT                                                         \
    { RISTRA_PRACTICE_SUMMARY_VERSION, NULL, 0, 0, { 0 }, 0.0, 0.0, -1, 0.0, 0.0 }

/**
 * The summary of practice `index`, 0 <= index < totals.n_practices, in
 * practice-code order (the order of the summary file).
 * @return RISTRA_OK or RISTRA_EINVAL.
 * @since 1.0.0
 */
RISTRA_API int ristra_score_result_practice(ristra_practice_summary *out,
                                            const ristra_score_result *result, int32_t index);

/** The name of tier k (0 <= k < n_tiers), or NULL. @since 1.0.0 */
RISTRA_API const char *ristra_score_result_tier_name(const ristra_score_result *result, int k);

RISTRA_END_DECL

#endif /* RISTRA_POPULATION_H */
