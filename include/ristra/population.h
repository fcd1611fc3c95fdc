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
 * The reader (ristra_population_open / _read) streams a file in blocks of
 * rows ready for ristra_model_score(), with every row checked and a status
 * and a reason for each row that cannot be used. The nightly batch built
 * on it (score, rank, tier, write) is in ristra/batch.h. GP systems, the
 * command-line tool and the Python and R bindings all use this reader.
 */
#ifndef RISTRA_POPULATION_H
#define RISTRA_POPULATION_H

#include "ristra/identifiers.h"
#include "ristra/model.h"
#include "ristra/score.h"

RISTRA_BEGIN_DECL

/** A population file being read. Not thread-safe: one thread at a time. */
typedef struct ristra_population ristra_population;

/** Options for ristra_population_open(). */
typedef struct ristra_population_options {
    int version;                   /**< RISTRA_POPULATION_OPTIONS_VERSION */
    /**
     * The identifier column; NULL (the default): the column of id_kind
     * (ristra_id_kind_column(): "nhs_number" or "pseudonym").
     */
    const char *id_column;
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
    int64_t block_rows;            /**< rows per block; 0 (default) = 16384 */
    int check_duplicates;          /**< 1 (default): reject a repeated NHS number */
    /** Threads that parse a block; 1 (default), 0 = one per CPU. */
    int n_threads;
    /**
     * The kind of identifier (a ristra_id_kind): RISTRA_ID_NHS (the
     * default; 0 means it too) or RISTRA_ID_PSEUDONYM. @since 2.0.0
     */
    int id_kind;
} ristra_population_options;

#define RISTRA_POPULATION_OPTIONS_VERSION 1
#define RISTRA_POPULATION_OPTIONS_INIT                                                       \
    { RISTRA_POPULATION_OPTIONS_VERSION, NULL, "practice", NULL, 0, NULL, 0, NULL, 0, 0, 1, 1, \
      RISTRA_ID_NHS }

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
 * @return as ristra_population_open() (RISTRA_EIO only from a gzip buffer
 *         that cannot be inflated).
 * @thread_safety Safe; the buffer and the model must outlive the reader.
 * @since 1.0.0
 */
RISTRA_API int ristra_population_open_buffer(ristra_population **out, const void *data,
                                             size_t size, const char *source_name,
                                             const ristra_model *model,
                                             const ristra_population_options *opts);

/**
 * Reads one patient's values for a model, typed as names and texts (the
 * what-if calculator: `ristra explain --values age=82,copd=1`), exactly as
 * the reader reads a row of a population file: each named feature's text
 * is checked as a number, against its valid range and missing policy, with
 * the reader's reject words; features not named are missing; then the
 * model's own row check (too few features present) applies.
 * @param[out] x_out       the model's n_features values as the reader gives
 *                         them (NaN = missing; imputed where the policy says);
 *                         written only when *status_out is RISTRA_ROW_OK.
 * @param[out] status_out  RISTRA_ROW_OK, or the row status that would reject
 *                         the row in a file.
 * @param[out] reason      when rejected, why, in the rejects file's words
 *                         (reason_size bytes at most); may be NULL with 0.
 * @return RISTRA_OK (also for a rejected row: see *status_out);
 *         RISTRA_ENOTFOUND (a name that is not one of the model's features:
 *         the message names it); RISTRA_EINVAL (NULL, a name given twice);
 *         RISTRA_ENOMEM.
 * @thread_safety Safe; the model may be shared.
 * @since 2.0.0
 */
RISTRA_API int ristra_population_read_values(double *x_out, int32_t *status_out, char *reason,
                                             size_t reason_size, const ristra_model *model,
                                             const char *const *names,
                                             const char *const *values, int64_t n);

/**
 * Closes a reader and frees everything it holds (blocks, reject strings).
 * NULL is a no-op.
 * @thread_safety No other thread may be using the reader.
 * @since 1.0.0
 */
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
    /**
     * the NHS number as a 10-digit integer; 0 when it is not valid. NULL
     * when the run's id_kind is RISTRA_ID_PSEUDONYM (see identifier).
     */
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
    /**
     * For id_kind RISTRA_ID_PSEUDONYM: n_rows NUL-terminated identifier
     * fields as written (a usable row's is its pseudonym); NULL for NHS
     * numbers. @since 2.0.0
     */
    const char *const *identifier;
} ristra_population_block;

#define RISTRA_POPULATION_BLOCK_VERSION 1
#define RISTRA_POPULATION_BLOCK_INIT                                                       \
    { RISTRA_POPULATION_BLOCK_VERSION, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL }

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
 * @return RISTRA_OK; RISTRA_EINVAL (NULL, bad version, row out of range);
 *         RISTRA_ENOMEM.
 * @thread_safety One thread at a time per reader (it writes the strings
 *         into the reader's own scratch).
 * @since 1.0.0
 */
RISTRA_API int ristra_population_reject_info(ristra_population_reject *out,
                                             const ristra_population *pop, int64_t row);

/**
 * @return the number of distinct valid practice codes seen so far; 0 for NULL.
 * @thread_safety One thread at a time per reader.
 * @since 1.0.0
 */
RISTRA_API int32_t ristra_population_n_practices(const ristra_population *pop);

/**
 * @return the practice code with this index (valid until the reader is
 *         closed), or NULL when out of range or pop is NULL.
 * @thread_safety One thread at a time per reader.
 * @since 1.0.0
 */
RISTRA_API const char *ristra_population_practice(const ristra_population *pop, int32_t index);

/**
 * Progress: bytes of the file consumed so far (compressed bytes for a
 * gzip file) and its size (0 when unknown, as for a pipe).
 * @return RISTRA_OK, or RISTRA_EINVAL for a NULL argument.
 * @thread_safety One thread at a time per reader.
 * @since 1.0.0
 */
RISTRA_API int ristra_population_progress(uint64_t *bytes_done, uint64_t *bytes_total,
                                          const ristra_population *pop);

RISTRA_END_DECL

#endif /* RISTRA_POPULATION_H */
