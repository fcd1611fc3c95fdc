/*
 * ristra: scoring a dense block of patients.
 *
 * Row r, feature j of a block is x[r * row_stride + j * col_stride]
 * (strides in elements), in the model's feature order (see
 * ristra_model_feature()): row-major (C, numpy's default) is col_stride 1
 * and row_stride >= n_cols; column-major (R matrices and data frames,
 * Fortran-ordered numpy arrays) is row_stride 1 and col_stride >= n_rows.
 * Both layouts give bit-identical results. Every function of the API that
 * takes a dense block of patients (ristra_model_score(), the explain
 * functions) takes the same pair of strides, in this order. NaN means missing
 * and follows the feature's missing policy. Scoring never modifies the
 * model, so one model may be scored from any number of threads at once.
 */
#ifndef RISTRA_SCORE_H
#define RISTRA_SCORE_H

#include "ristra/model.h"

RISTRA_BEGIN_DECL

/**
 * Per-row status written by the scorers and the population reader.
 * Values are pinned. A row with a non-zero status is not scored: its
 * probability and margin are NaN, and no other row is affected.
 */
typedef enum ristra_row_status {
    RISTRA_ROW_OK = 0,              /**< scored */
    RISTRA_ROW_MISSING = 1,         /**< a feature whose policy is "reject" is missing */
    RISTRA_ROW_OUT_OF_RANGE = 2,    /**< a value lies outside its feature's valid range */
    RISTRA_ROW_NOT_NUMERIC = 3,     /**< a field is not a number (population files) */
    RISTRA_ROW_BAD_NHS_NUMBER = 4,  /**< the NHS number is not 10 digits with a valid check digit */
    RISTRA_ROW_FIELD_COUNT = 5,     /**< the row has the wrong number of fields */
    RISTRA_ROW_DUPLICATE = 6,       /**< the identifier appeared earlier in the file */
    RISTRA_ROW_BAD_PRACTICE = 7,    /**< the practice code is empty or not an ODS code */
    RISTRA_ROW_BAD_OUTCOME = 8,     /**< the outcome field is present but not 0 or 1 */
    /**
     * The model's margin for the row is not finite (the trees' float32 sum
     * overflowed, or a huge value met a coefficient): no risk can be given.
     * @since 2.0.0
     */
    RISTRA_ROW_NOT_FINITE = 9,
    /**
     * Fewer of the row's features are present than the model's
     * min_present_features: too little is known to give a risk (an empty
     * record is not a low-risk or a high-risk patient). ristra_model_check_row()
     * says how many were present. @since 2.0.0
     */
    RISTRA_ROW_INSUFFICIENT_DATA = 10,
    /**
     * The identifier is not a pseudonym (16 to 64 of [0-9A-Za-z_-]) in a
     * run whose id_kind is RISTRA_ID_PSEUDONYM. @since 2.0.0
     */
    RISTRA_ROW_BAD_PSEUDONYM = 11
} ristra_row_status;

/**
 * A short static description of a row status, e.g. "value out of range".
 * Never NULL.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API const char *ristra_row_status_string(int status);

/** Options for ristra_model_score(). */
typedef struct ristra_score_options {
    int version;      /**< RISTRA_SCORE_OPTIONS_VERSION */
    /**
     * Threads to split the rows over. 1 (the default) scores on the
     * calling thread only, the right choice inside a server that already
     * runs one request per thread. 0 means one thread per CPU available to
     * the process. Either way OpenBLAS never adds threads of its own.
     */
    int n_threads;
} ristra_score_options;

#define RISTRA_SCORE_OPTIONS_VERSION 1
#define RISTRA_SCORE_OPTIONS_INIT { RISTRA_SCORE_OPTIONS_VERSION, 1 }

/**
 * Fills opts with the defaults of the given struct version.
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_score_options_init(ristra_score_options *opts, int version);

/**
 * Scores n_rows patients.
 *
 * The margin is the model's raw log-odds (the linear predictor, or the
 * sum of the trees' leaves plus the base score), before any calibration.
 * The probability applies the calibration block, if the model has one, and
 * then the link: p = 1 / (1 + exp(-(cal_intercept + cal_slope * margin))).
 *
 * @param[out] prob_out    n_rows probabilities, or NULL if not wanted.
 * @param[out] margin_out  n_rows margins, or NULL if not wanted.
 * @param[out] status_out  n_rows ristra_row_status values, or NULL.
 *                         At least one of the three must be non-NULL.
 * @param model       the model.
 * @param x           the block (float or double, see dtype); may be NULL
 *                    only when n_rows is 0.
 * @param dtype       RISTRA_FLOAT32 or RISTRA_FLOAT64.
 * @param n_rows      number of rows (>= 0).
 * @param n_cols      number of columns; must equal ristra_model_n_features().
 * @param row_stride  distance between rows, in elements (>= 1).
 * @param col_stride  distance between columns, in elements (>= 1): 1 for
 *                    row-major, the column length for column-major. The
 *                    strides must not make two elements share an address
 *                    (row_stride >= n_cols * col_stride or col_stride >=
 *                    n_rows * row_stride).
 * @param opts        NULL for the defaults.
 * @return RISTRA_OK (even if some rows were rejected: see status_out);
 *         RISTRA_EINVAL (NULL pointers, negative n_rows, n_cols that does
 *         not match the model, strides below 1 or overlapping, bad
 *         dtype, unknown options version: the message names the
 *         argument); RISTRA_ENOMEM.
 *         On error nothing is written to the outputs.
 * @thread_safety Safe: any number of threads may score with one model at once.
 * @since 1.0.0; col_stride since 2.0.0
 */
RISTRA_API int ristra_model_score(double *prob_out, double *margin_out, int32_t *status_out,
                                  const ristra_model *model, const void *x, ristra_dtype dtype,
                                  int64_t n_rows, int64_t n_cols, int64_t row_stride,
                                  int64_t col_stride, const ristra_score_options *opts);

/** Why one row has the status it has (see ristra_model_check_row()). */
typedef struct ristra_row_check {
    int version;          /**< RISTRA_ROW_CHECK_VERSION, set by the caller */
    int32_t status;       /**< the ristra_row_status ristra_model_score() gives the row */
    /**
     * The feature that decided a per-feature status (the first missing
     * required, out-of-range or reader-rejected value, in feature order);
     * -1 for RISTRA_ROW_OK, RISTRA_ROW_INSUFFICIENT_DATA and
     * RISTRA_ROW_NOT_FINITE.
     */
    int64_t feature;
    int64_t n_present;    /**< features present (not NaN) in the row */
    int64_t n_needed;     /**< the model's min_present_features (0: no minimum) */
} ristra_row_check;

#define RISTRA_ROW_CHECK_VERSION 1
#define RISTRA_ROW_CHECK_INIT { RISTRA_ROW_CHECK_VERSION, 0, -1, 0, 0 }

/**
 * Explains one row's status, so that a GP system can tell its user which
 * field to fix: the status ristra_model_score() gives the row, the feature
 * that caused it and how many features were present.
 *
 * @param[out] out  filled in; out->version must be set (RISTRA_ROW_CHECK_INIT).
 * @param model     the model.
 * @param row       n_cols values in feature order (float or double).
 * @param dtype     RISTRA_FLOAT32 or RISTRA_FLOAT64.
 * @param n_cols    must equal ristra_model_n_features().
 * @return RISTRA_OK; RISTRA_EINVAL (NULL pointers, n_cols that does not
 *         match, bad dtype, unknown out->version); RISTRA_ENOMEM.
 * @thread_safety Safe: any number of threads may use one model at once.
 * @since 2.0.0
 */
RISTRA_API int ristra_model_check_row(ristra_row_check *out, const ristra_model *model,
                                      const void *row, ristra_dtype dtype, int64_t n_cols);

RISTRA_END_DECL

#endif /* RISTRA_SCORE_H */
