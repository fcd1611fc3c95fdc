/*
 * ristra: explaining scores. Each patient's margin (log-odds) is split
 * into one contribution per feature plus a bias, exactly:
 *
 *   margin = bias + sum_j contribution_j
 *
 * - gbdt models: exact path-dependent TreeSHAP with XGBoost's semantics
 *   (cover = the training sum of hessians of each node), what XGBoost's
 *   Booster.predict(pred_contribs=True) returns. The bias is base_margin
 *   plus each tree's cover-weighted mean leaf value.
 * - logistic models: contribution_j = coefficient_j * (x_j - reference_j),
 *   where reference_j is the training mean `ristra fit` stores in the
 *   model (models/FORMAT.md, logistic.reference); the bias is
 *   intercept + sum_j coefficient_j * reference_j. An imputed value is
 *   explained as the value the model used (the imputed one).
 *
 * Calibration. With a calibration block (intercept a, slope b) the final
 * margin is a + b * m, where m is the model's own margin. Explanations
 * are of the final margin: every contribution is multiplied by b and the
 * bias becomes a + b * bias, so rows still sum to the log-odds of the
 * probability ristra_model_score() reports.
 *
 * The block follows ristra_model_score()'s conventions (see score.h).
 */
#ifndef RISTRA_EXPLAIN_H
#define RISTRA_EXPLAIN_H

#include "ristra/model.h"
#include "ristra/score.h"

RISTRA_BEGIN_DECL

/** Options for ristra_model_explain(). @since 2.0.0 */
typedef struct ristra_explain_options {
    int version;      /**< RISTRA_EXPLAIN_OPTIONS_VERSION */
    /**
     * Threads to split the rows over: 1 (the default) explains on the
     * calling thread only; 0 means one thread per CPU available to the
     * process. @since 2.0.0
     */
    int n_threads;
} ristra_explain_options;

#define RISTRA_EXPLAIN_OPTIONS_VERSION 1
#define RISTRA_EXPLAIN_OPTIONS_INIT { RISTRA_EXPLAIN_OPTIONS_VERSION, 1 }

/**
 * Fills opts with the defaults of the given struct version.
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_explain_options_init(ristra_explain_options *opts, int version);

/**
 * Whether the model can be explained: a gbdt model needs every node's
 * cover (files converted before ristra 2.0 may lack them), a logistic
 * model its reference values.
 * @return RISTRA_OK; RISTRA_EINVAL (NULL model); RISTRA_EUNSUPPORTED (the
 *         message says what is missing and how to get it).
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_model_explainable(const ristra_model *model);

/**
 * Explains n_rows patients: row r, feature j of the block is
 * x[r * row_stride + j * col_stride], as for ristra_model_score().
 *
 * @param[out] contrib_out  n_rows x (n_features + 1) doubles, row-major:
 *                          row r, feature j at contrib_out[r * (n_features
 *                          + 1) + j], the bias last. A rejected row (see
 *                          status_out) is all NaN.
 * @param[out] status_out   n_rows ristra_row_status values, or NULL.
 * @param model       the model.
 * @param x           the block (float or double, see dtype); may be NULL
 *                    only when n_rows is 0.
 * @param dtype       RISTRA_FLOAT32 or RISTRA_FLOAT64.
 * @param n_rows      number of rows (>= 0).
 * @param n_cols      number of columns; must equal ristra_model_n_features().
 * @param row_stride  distance between rows, in elements (>= 1).
 * @param col_stride  distance between columns, in elements (>= 1): 1 for
 *                    row-major, the column length for column-major; the
 *                    strides must not make two elements share an address
 *                    (see ristra_model_score()).
 * @param opts        NULL for the defaults.
 * @return RISTRA_OK (even if some rows were rejected); RISTRA_EINVAL (NULL
 *         pointers, negative n_rows, n_cols that does not match the model,
 *         strides below 1 or overlapping, bad dtype, unknown options
 *         version: the message names the argument);
 *         RISTRA_EUNSUPPORTED (see ristra_model_explainable()); RISTRA_ENOMEM.
 *         On error nothing is written to the outputs.
 * @thread_safety Safe: any number of threads may explain with one model
 *         at once (the first call on a gbdt model builds its explanation
 *         tables once, under an atomic publish).
 * @since 2.0.0
 */
RISTRA_API int ristra_model_explain(double *contrib_out, int32_t *status_out,
                                    const ristra_model *model, const void *x, ristra_dtype dtype,
                                    int64_t n_rows, int64_t n_cols, int64_t row_stride,
                                    int64_t col_stride, const ristra_explain_options *opts);

RISTRA_END_DECL

#endif /* RISTRA_EXPLAIN_H */
