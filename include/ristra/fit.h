/*
 * ristra: fitting a logistic regression model by maximum likelihood.
 *
 * ristra_fit_logistic() fits a dense block the way R's
 * glm(y ~ ., family = binomial(), weights = w) does: the same iteratively
 * reweighted least squares (IRLS) from the same starting values, stopped by
 * the same deviance criterion, so that its coefficients and standard errors
 * are R's (see "Fitting a logistic model" in README.md for the numerical
 * method). Where R would return a fit with NA coefficients or warnings
 * (aliased columns, perfect separation, no convergence), ristra refuses
 * with a message that names the columns involved.
 *
 * ristra_fit_to_model() turns a fit into a native logistic ristra_model
 * with its feature metadata and training-population summary filled in,
 * ready for ristra_model_save() and ristra_model_score().
 */
#ifndef RISTRA_FIT_H
#define RISTRA_FIT_H

#include "ristra/model.h"

RISTRA_BEGIN_DECL

/** A fitted logistic regression. Opaque; immutable once fitted. */
typedef struct ristra_fit ristra_fit;

/** How each IRLS step is solved. Values are pinned. */
typedef enum ristra_fit_solver {
    /** Cholesky factorisation of the weighted cross-product, falling back to
     *  a QR factorisation of the weighted design when the cross-product is
     *  ill-conditioned (the default). */
    RISTRA_FIT_SOLVER_AUTO = 0,
    RISTRA_FIT_SOLVER_CHOLESKY = 1,   /**< reported by ristra_fit_describe() only */
    /** Always QR of the weighted design: slower, never squares the
     *  condition number. */
    RISTRA_FIT_SOLVER_QR = 2
} ristra_fit_solver;

/** Options for ristra_fit_logistic(). */
typedef struct ristra_fit_options {
    int version;        /**< RISTRA_FIT_OPTIONS_VERSION */
    /** 1 (default): the model has an intercept, which is never penalised;
     *  0: no intercept (R's y ~ . - 1). */
    int intercept;
    /**
     * L2 penalty lambda >= 0 (default 0: plain maximum likelihood). The fit
     * minimises
     *     deviance(b) / 2 + lambda / 2 * sum_j b_j^2
     * = -loglik(b) + lambda / 2 * sum_j b_j^2,
     * where the sum runs over the feature coefficients (never the
     * intercept) on the scale of the columns as given, and the deviance is
     * R's binomial deviance with the case weights. This is scikit-learn's
     * LogisticRegression(C = 1 / lambda) objective. With lambda > 0 the
     * convergence test uses the penalised deviance, standard errors come
     * from the inverse of the penalised cross-product, and aliased columns
     * are allowed (the penalty makes the solution unique).
     */
    double l2;
    int max_iter;       /**< IRLS iterations allowed (R's maxit; default 25, >= 1) */
    /** Convergence: |dev - dev_old| / (|dev| + 0.1) < tol, R's rule with
     *  R's default epsilon 1e-8 (> 0). */
    double tol;
    /** Threads to split the rows over: 1 (default) or more; 0 = one per
     *  CPU available. The result is bit-for-bit the same for every thread
     *  count; OpenBLAS never adds threads of its own inside the row loop. */
    int n_threads;
    int solver;         /**< a ristra_fit_solver: AUTO (default) or QR */
    /** NULL (default), or n_cols feature names, copied into the fit. Used
     *  to name columns in error messages, and required by
     *  ristra_fit_to_model(). Without names, messages say "column j". */
    const char *const *feature_names;
} ristra_fit_options;

#define RISTRA_FIT_OPTIONS_VERSION 1
#define RISTRA_FIT_OPTIONS_INIT { RISTRA_FIT_OPTIONS_VERSION, 1, 0.0, 25, 1e-8, 1, 0, NULL }

/**
 * Fills opts with the defaults of the given struct version.
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_fit_options_init(ristra_fit_options *opts, int version);

/**
 * Fits a logistic regression by maximum likelihood (IRLS, as R's glm.fit).
 *
 * Row r, column j is x[r * row_stride + j]. Every value must be finite:
 * the fit never drops rows silently, so a NaN (missing value) or infinity
 * is an error that names its row and column; impute or remove such rows
 * first. y[r] is the outcome, 0 or 1, or a proportion in [0, 1] when
 * weights count trials (R's binomial with prior weights). weights[r] >= 0
 * are case (prior) weights as in glm(weights = ); NULL means all 1. Rows
 * with weight 0 take no part in the fit (as in R), but their values must
 * still be finite.
 *
 * @param[out] out  the fit; free with ristra_fit_free(). NULL on failure.
 * @param x         n_rows x n_cols values, row-major with row_stride.
 * @param n_rows    number of rows (>= 1).
 * @param n_cols    number of feature columns (>= 0; 0 with an intercept
 *                  fits the intercept alone).
 * @param row_stride distance between rows in elements (>= n_cols).
 * @param y         n_rows outcomes.
 * @param weights   n_rows case weights, or NULL.
 * @param opts      NULL for the defaults.
 * @return RISTRA_OK;
 *   RISTRA_EINVAL: a NULL pointer, bad size or option (the message names
 *     the argument); a non-finite x, y or weight, y outside [0, 1], a
 *     negative weight (the message names the row and column); no row
 *     with a positive weight;
 *   RISTRA_ENUMERIC: a column that is constant over the weighted rows
 *     while the model has an intercept (named); columns that are exact
 *     (to R's tolerance 1e-11) linear combinations of the columns before
 *     them, which R would report as NA coefficients (all named; only when
 *     l2 is 0); an outcome with no events or no non-events; a column
 *     that separates the outcome on its own (events on one side of a
 *     threshold, non-events on the other, ties allowed: quasi-complete
 *     separation, for which no finite estimate exists; checked before
 *     fitting when the model has an intercept and l2 is 0); fitted
 *     probabilities numerically 0 or 1 at the end (R's warning: perfect
 *     or quasi-perfect separation by a combination of columns, or a
 *     predictor too extreme to trust; the message names the columns with
 *     the largest |coefficient| x observed range); no convergence within
 *     max_iter iterations (the message gives the last relative deviance
 *     change);
 *   RISTRA_ENOMEM.
 * @thread_safety Safe: fits on different threads are independent. The
 *   caller's arrays are only read.
 * @since 1.0.0
 */
RISTRA_API int ristra_fit_logistic(ristra_fit **out, const double *x, int64_t n_rows,
                                   int64_t n_cols, int64_t row_stride, const double *y,
                                   const double *weights, const ristra_fit_options *opts);

/**
 * Frees a fit. NULL is a no-op.
 * @thread_safety No other thread may be using the fit.
 * @since 1.0.0
 */
RISTRA_API void ristra_fit_free(ristra_fit *fit);

/** Summary of a fit (see ristra_fit_describe()). */
typedef struct ristra_fit_summary {
    int version;            /**< RISTRA_FIT_SUMMARY_VERSION, set by the caller */
    int64_t n_cols;         /**< feature columns */
    int has_intercept;      /**< 1 if the model has an intercept */
    double intercept;       /**< the intercept; 0 without one */
    double intercept_se;    /**< its standard error; 0 without one */
    int64_t n_rows;         /**< rows passed in */
    int64_t n_used;         /**< rows with a positive weight (R's n.ok) */
    double sum_weights;     /**< sum of the weights (n_rows when unweighted) */
    double events;          /**< sum of weight x y */
    double deviance;        /**< R's residual deviance (without the penalty) */
    double null_deviance;   /**< R's null deviance */
    /** R's AIC: -2 log-likelihood (binomial, with R's rounding of the
     *  weights) + 2 x number of coefficients; not adjusted for a penalty. */
    double aic;
    int64_t df_residual;    /**< n_used - number of coefficients */
    int64_t df_null;        /**< n_used - has_intercept */
    int iterations;         /**< IRLS iterations (R's iter) */
    /** |dev - dev_old| / (|dev| + 0.1) at the last iteration (< tol) */
    double last_change;
    double l2;              /**< the penalty used */
    int solver;             /**< ristra_fit_solver of the last step: CHOLESKY or QR */
} ristra_fit_summary;

#define RISTRA_FIT_SUMMARY_VERSION 1
#define RISTRA_FIT_SUMMARY_INIT { RISTRA_FIT_SUMMARY_VERSION, 0, 0, 0.0, 0.0, 0, 0, 0.0, 0.0, \
                                  0.0, 0.0, 0.0, 0, 0, 0, 0.0, 0.0, 0 }

/**
 * Summarises a fit.
 * @param[out] out  filled in; out->version must be set (RISTRA_FIT_SUMMARY_INIT).
 * @return RISTRA_OK; RISTRA_EINVAL (NULL, unknown out->version).
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_fit_describe(ristra_fit_summary *out, const ristra_fit *fit);

/**
 * The feature coefficients and their standard errors, in column order
 * (n_cols values each; the intercept is in ristra_fit_describe()).
 * Standard errors are R's summary.glm ones: square roots of the diagonal
 * of the inverse of the weighted cross-product X'WX (plus the penalty)
 * from the last IRLS step.
 * @param[out] coef_out  n_cols coefficients, or NULL.
 * @param[out] se_out    n_cols standard errors, or NULL.
 * @return RISTRA_OK; RISTRA_EINVAL (NULL fit).
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_fit_coefficients(double *coef_out, double *se_out, const ristra_fit *fit);

/**
 * The Wald test of each term, as R's summary(glm)'s coefficient table
 * gives it: z = estimate / standard error and the two-sided normal
 * p = erfc(|z| / sqrt(2)). The terms are the intercept first (when the fit
 * has one), then the n_cols features in column order, so each array holds
 * has_intercept + n_cols values. A term whose standard error is not
 * positive (a coefficient held at 0 by the penalty, say) gets NaN for both.
 * @param[out] z_out  the z values, or NULL.
 * @param[out] p_out  the p values, or NULL.
 * @return RISTRA_OK; RISTRA_EINVAL (NULL fit).
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_fit_wald(double *z_out, double *p_out, const ristra_fit *fit);

/** Options for ristra_fit_to_model(): what the model is and is for. */
typedef struct ristra_fit_model_options {
    int version;                 /**< RISTRA_FIT_MODEL_OPTIONS_VERSION */
    const char *name;            /**< metadata.name (required) */
    const char *model_version;   /**< metadata.version; NULL means "1.0.0" */
    const char *outcome;         /**< metadata.outcome (required) */
    int64_t horizon_days;        /**< metadata.horizon_days (required, > 0) */
    const char *intended_use;    /**< metadata.intended_use (required) */
    /** metadata.training_population.description; NULL for none */
    const char *population_description;
    /** NULL, or n_cols feature descriptions (NULL entries for none) */
    const char *const *descriptions;
    /** NULL, or n_cols units (NULL entries for none) */
    const char *const *units;
    /**
     * What a scored patient's missing value does: RISTRA_MISSING_REJECT
     * (default: the fit saw no missing values, so the model does not guess)
     * or RISTRA_MISSING_IMPUTE (the weighted training mean of the feature).
     */
    int missing_policy;
    /**
     * 1 (default): each feature's valid range is the [min, max] seen in the
     * rows with positive weight, so that the model refuses to extrapolate
     * (out-of-range patients get RISTRA_ROW_OUT_OF_RANGE); 0: unbounded.
     */
    int training_range;
    /** metadata.training_population.fitted, "YYYY-MM-DD"; NULL for
     *  today's date (UTC). */
    const char *fitted_date;
} ristra_fit_model_options;

#define RISTRA_FIT_MODEL_OPTIONS_VERSION 1
#define RISTRA_FIT_MODEL_OPTIONS_INIT { RISTRA_FIT_MODEL_OPTIONS_VERSION, NULL, NULL, NULL, 0, \
                                        NULL, NULL, NULL, NULL, RISTRA_MISSING_REJECT, 1, NULL }

/**
 * Fills opts with the defaults of the given struct version.
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_fit_model_options_init(ristra_fit_model_options *opts, int version);

/**
 * Builds a native logistic model from a fit: the fit's intercept and
 * coefficients, its feature names (from ristra_fit_options.feature_names),
 * the descriptions, units, missing policy and valid ranges chosen in
 * opts, no calibration, and metadata with opts' name, version, outcome,
 * horizon and intended use, plus metadata.training_population:
 *   description, n (rows with positive weight), n_rows, events (sum of
 *   weight x y), event_rate (events / sum of weights), weighted (bool),
 *   sum_weights, l2, deviance, null_deviance, aic, iterations, fitted
 *   (the date) and method ("maximum likelihood, IRLS (ristra VERSION)").
 * The model scores exactly the fit's linear predictor.
 * @param[out] out  the model; free with ristra_model_free(). NULL on failure.
 * @return RISTRA_OK; RISTRA_EINVAL (NULL argument, a fit made without
 *   feature names, duplicate or empty names, a missing required field,
 *   horizon_days <= 0, unknown missing policy or options version; the
 *   message names the field); RISTRA_ENOMEM.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_fit_to_model(ristra_model **out, const ristra_fit *fit,
                                   const ristra_fit_model_options *opts);

RISTRA_END_DECL

#endif /* RISTRA_FIT_H */
