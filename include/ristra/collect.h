/*
 * ristra: a whole population file collected in memory.
 *
 * ristra_population_collect() runs the flow reader -> schema -> features
 * -> score over a whole file and keeps the rows that can be used, with
 * their margins, risks and outcomes, and counts every row left out by its
 * reason. It is what fitting, evaluating and recalibrating need (every
 * row at once); the command-line tool and the Python and R packages use
 * it for `fit`, `evaluate` and `calibrate`. Rows are labelled by the
 * standard groupings of ristra/audit.h (age band, sex, deprivation decile
 * and quintile, any named column) with ristra_collected_group(), and by
 * practice in code order, so that every front end groups alike.
 */
#ifndef RISTRA_COLLECT_H
#define RISTRA_COLLECT_H

#include "ristra/audit.h"
#include "ristra/population.h"

RISTRA_BEGIN_DECL

/** The outcome of a collected row whose outcome field was empty. */
#define RISTRA_OUTCOME_UNKNOWN 2

/** The rows of a population file that can be used. Immutable: safe to
 * read from several threads once collected. */
typedef struct ristra_collected ristra_collected;

/** Options for ristra_population_collect(). */
typedef struct ristra_collect_options {
    int version;             /**< RISTRA_COLLECT_OPTIONS_VERSION */
    /** How to read the file (columns, outcome, extra columns); NULL: the
     * defaults. Its n_threads is the reader's. */
    const ristra_population_options *population;
    /** 1: keep each used row's values (n_cols per row), e.g. for fitting. */
    int keep_values;
    /** A row whose first n_required_extra extra columns are not all
     * present is left out (RISTRA_LEFT_OUT_MISSING_EXTRA). */
    int64_t n_required_extra;
    /** 1: keep rows whose outcome is unknown (RISTRA_OUTCOME_UNKNOWN);
     * 0 (the default): leave them out (RISTRA_LEFT_OUT_NO_OUTCOME). */
    int keep_unknown_outcome;
    /** Scoring threads (with a model): 0 (default) one per CPU. */
    int n_threads;
} ristra_collect_options;

#define RISTRA_COLLECT_OPTIONS_VERSION 1
#define RISTRA_COLLECT_OPTIONS_INIT { RISTRA_COLLECT_OPTIONS_VERSION, NULL, 0, 0, 0, 0 }

/**
 * Fills opts with the defaults of the given struct version.
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_collect_options_init(ristra_collect_options *opts, int version);

/** Why a row the reader and the scorer accepted is still not collected.
 * Values are pinned. */
typedef enum ristra_left_out {
    RISTRA_LEFT_OUT_MISSING_VALUE = 0, /**< without a model: a value column is empty */
    RISTRA_LEFT_OUT_MISSING_EXTRA = 1, /**< a required extra column is empty */
    RISTRA_LEFT_OUT_NO_OUTCOME = 2     /**< the outcome is unknown */
} ristra_left_out;

/**
 * Reads every row of the population file at path. With a model, rows are
 * read against its features and scored (margins and risks); without one,
 * opts->population->columns are read and a row with any empty value is
 * left out. A row is collected when the reader and the scorer accept it,
 * its first n_required_extra extra columns are present and its outcome is
 * known (or keep_unknown_outcome is set).
 * @param[out] out  the collected rows, to free with ristra_collected_free().
 * @return RISTRA_OK; RISTRA_EINVAL (NULL out or path, bad options);
 *         the errors of ristra_population_open() and ristra_population_read()
 *         (the message names the file); RISTRA_ENOMEM.
 * @thread_safety Safe; the model must not be freed during the call.
 * @since 2.0.0
 */
RISTRA_API int ristra_population_collect(ristra_collected **out, const char *path,
                                         const ristra_model *model,
                                         const ristra_collect_options *opts);

/**
 * Frees what ristra_population_collect() returned. NULL is a no-op.
 * @thread_safety Safe on distinct objects.
 * @since 2.0.0
 */
RISTRA_API void ristra_collected_free(ristra_collected *c);

/**
 * Rows collected (-1 for NULL).
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int64_t ristra_collected_n_rows(const ristra_collected *c);

/**
 * Value columns per row: the model's features, or the population options'
 * columns (-1 for NULL).
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int64_t ristra_collected_n_cols(const ristra_collected *c);

/**
 * The values, n_rows x n_cols row-major, when keep_values was set; else
 * NULL. Borrowed: valid as long as c.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API const double *ristra_collected_values(const ristra_collected *c);

/**
 * The extra columns, n_rows x n_extra row-major (NaN when empty), or NULL
 * when none were asked for. Borrowed.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API const double *ristra_collected_extra(const ristra_collected *c);

/**
 * The risks (with a model; else NULL). Borrowed.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API const double *ristra_collected_risk(const ristra_collected *c);

/**
 * The margins (with a model; else NULL). Borrowed.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API const double *ristra_collected_margin(const ristra_collected *c);

/**
 * The outcomes: 0, 1 or RISTRA_OUTCOME_UNKNOWN, one per row. Borrowed.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API const uint8_t *ristra_collected_outcome(const ristra_collected *c);

/**
 * Each row's practice, as its rank among the file's practice codes in
 * code order (see ristra_collected_practice_code()). Borrowed.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API const int32_t *ristra_collected_practice(const ristra_collected *c);

/**
 * Distinct practice codes in the file (0 for NULL).
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int32_t ristra_collected_n_practices(const ristra_collected *c);

/**
 * The practice code of rank `rank` in code order (strcmp), or NULL when
 * out of range. Borrowed.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API const char *ristra_collected_practice_code(const ristra_collected *c, int32_t rank);

/**
 * Data rows in the file (-1 for NULL).
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int64_t ristra_collected_n_read(const ristra_collected *c);

/**
 * Rows rejected with the given ristra_row_status by the reader or the
 * scorer (0 for RISTRA_ROW_OK, an unknown status or NULL).
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int64_t ristra_collected_n_rejected(const ristra_collected *c, int status);

/**
 * Rows accepted but left out for a ristra_left_out reason (0 for an
 * unknown reason or NULL).
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int64_t ristra_collected_n_left_out(const ristra_collected *c, int reason);

/**
 * Without a model: rows left out because value column j was empty (a
 * row missing several is counted under each). 0 otherwise.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int64_t ristra_collected_n_missing(const ristra_collected *c, int64_t j);

/**
 * Examples of rejected rows, the first few of the file (at most 5).
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_collected_n_examples(const ristra_collected *c);

/**
 * Example i as "line L: reason", or NULL out of range. Borrowed.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API const char *ristra_collected_example(const ristra_collected *c, int i);

/**
 * Labels every collected row by one of the standard groupings of
 * ristra/audit.h (a ristra_grouping: age band, sex, IMD decile or
 * quintile, any whole-number column): out[i] = ristra_group_label(grouping,
 * the row's value of column), RISTRA_GROUP_UNKNOWN when it fits no group.
 * column names the extra column that holds the age, the sex (1 = female),
 * the IMD decile or the values. Practices need no grouping: see
 * ristra_collected_practice().
 * @return RISTRA_OK; RISTRA_EINVAL (NULL out or c);
 *         RISTRA_ENOTFOUND (column is not an extra column of the collection).
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_collected_group(int32_t *out, const ristra_collected *c, int grouping,
                                      const char *column);

RISTRA_END_DECL

#endif
