/* Logistic regression fitting: the fit object, the data checks, the IRLS
 * row passes and the linear solves shared by fit.c, irls.c, fit_solve.c
 * and fit_model.c. */
#ifndef RISTRA_FIT_INTERNAL_H
#define RISTRA_FIT_INTERNAL_H

#include <stdint.h>

#include "ristra/fit.h"

struct ristra_fit {
    int64_t n_cols;
    int intercept;
    double intercept_value, intercept_se;
    double *coef, *se;              /* n_cols each */
    char **names;                   /* n_cols, or NULL */
    /* per feature, over rows with positive weight */
    double *col_min, *col_max, *col_mean;   /* mean weighted by the case weights */
    int64_t n_rows, n_used;
    int weighted;
    double sum_w, sum_wy;
    double deviance, null_deviance, aic, last_change, l2;
    int iterations, solver;
};

/* How the rows are cut: blocks (each split into sub-blocks of gemv_rows,
 * small enough for OpenBLAS to run a gemv on the calling thread), chunks of
 * whole blocks with fixed row ranges (one partial sum each, added in chunk
 * order), contiguous runs of chunks per thread. Depends on n and the width
 * only, never on the thread count. */
typedef struct ristra__fit_layout {
    int64_t block_rows, gemv_rows, chunk_rows, n_chunks;
    int n_threads;
} ristra__fit_layout;

/* q1: coefficients + 1 (the working response column). */
void ristra__fit_layout_init(ristra__fit_layout *l, int64_t n, int64_t q1, int requested_threads);

/* The caller's block and what the checks learnt about it. */
typedef struct ristra__fit_data {
    const double *x, *y, *w;        /* w NULL: all weights 1 */
    int64_t n, p, stride;
    int intercept;
    const char *const *names;       /* p names, or NULL */
    /* filled by ristra__fit_check() */
    ristra__fit_layout layout;
    int64_t n_used;
    double sum_w, sum_wy;
    double lchoose_sum;             /* sum of log choose(round(w), round(w y)), for the AIC */
    /* 1 when every weight is whole and every y is 0 or 1: R's binomial
     * log-likelihood is then -deviance / 2 + lchoose_sum */
    int loglik_from_deviance;
    double ylogy_sum;               /* sum of w (y log y + (1 - y) log(1 - y)), for the null deviance */
    double *min, *max, *mean;       /* p each */
    double *min0, *max0;            /* p each: over rows with y < 1 (some non-event) */
    double *min1, *max1;            /* p each: over rows with y > 0 (some event) */
} ristra__fit_data;

/* "name" or "column j" for messages, in a caller's buffer. */
const char *ristra__fit_column_name(char *buf, size_t size, const ristra__fit_data *d, int64_t j);

/* Validates every value (finite x, y in [0, 1], weights >= 0, some positive
 * weight) and fills the column statistics; the error names the first bad
 * row in row order. Allocates min..max1 (freed by ristra__fit_data_free). */
int ristra__fit_check(ristra__fit_data *d, int n_threads);
void ristra__fit_data_free(ristra__fit_data *d);

/* Columns that separate the outcome on their own (every event row on one
 * side of a threshold, every non-event row on the other, ties allowed):
 * writes their names to list and returns how many. */
int64_t ristra__fit_separating(char *list, size_t size, const ristra__fit_data *d);

/* ---------------------------------------------------------------- QR */

/* r (n x n, upper, column-major) := the R factor of [r; b], b being m rows
 * of n columns, column-major with leading dimension ldb (overwritten).
 * Single-threaded for any size; work holds ristra__tsqr_work_doubles(n). */
int ristra__tsqr_rows(double *r, int64_t n, double *b, int64_t m, int64_t ldb, double *work);
size_t ristra__tsqr_work_doubles(int64_t n);

/* ---------------------------------------------------------------- cross-products */

/* The row stride of a block for ristra__fit_gram_add: q1 rounded up to a
 * multiple of 8. */
int64_t ristra__fit_gram_lda(int64_t q1);

/* g (q1 x q1, column-major, upper triangle) += a'a, a being rows x q1,
 * row-major with row stride lda = ristra__fit_gram_lda(q1), columns q1 to
 * lda - 1 zero. isa (RISTRA__ISA_*) picks the kernel: AVX2 or AVX-512
 * tiles (fit_gram.c), or OpenBLAS's dsyrk for RISTRA__ISA_SCALAR. The
 * entries below the diagonal are not touched. */
void ristra__fit_gram_add(double *g, const double *a, int64_t rows, int64_t lda, int64_t q1,
                          int isa);

/* ---------------------------------------------------------------- solves */

/* Coefficients are solved for in the centred parametrisation: column 0 is
 * the intercept (when there is one) and column k >= 1 holds x_j - mean_j,
 * which makes the cross-product well conditioned for columns such as a
 * calendar year (see README.md). q counts the coefficients; the solver's
 * matrices are column-major q1 x q1 with q1 = q + 1, the last column being
 * the working response. */
typedef struct ristra__fit_solver {
    int64_t q;
    int mode;             /* RISTRA_FIT_SOLVER_CHOLESKY or _QR */
    double l2;
    int first_penalised;  /* 1 with an intercept, else 0 */
    const double *center; /* q entries: 0 for the intercept, else the column means */
    double *factor;       /* q x q upper triangle: A = S U'U S of the last solve */
    double *scale;        /* q: S (the Cholesky equilibration; 1 for QR) */
    double *work;         /* 4 q1 doubles */
    double *tmp;          /* q1 x q1 doubles, then the QR's workspace */
    int *iwork;           /* q ints */
} ristra__fit_solver;

int ristra__fit_solver_init(ristra__fit_solver *s, int64_t q, double l2, int intercept,
                            const double *center, int mode);
void ristra__fit_solver_free(ristra__fit_solver *s);

/* Returned by the Cholesky solve when the system is too ill-conditioned
 * for it (or may be rank deficient): solve it by QR instead. */
#define RISTRA__FIT_NEEDS_QR 1

/* delta = (G + l2 D)^-1 (g - l2 D beta), where gram (q1 x q1, upper) holds
 * G = X'WX and g = X'Wr in its last column. Returns 0,
 * RISTRA__FIT_NEEDS_QR, or an error. */
int ristra__fit_solve_cholesky(ristra__fit_solver *s, double *delta, const double *gram,
                               const double *beta);

/* The same step from r (q1 x q1, upper): the R factor of the QR of the
 * weighted design [X, r]; appends the penalty rows to r. Errors name any
 * columns that are aliased (R's dqrdc2 rule, tolerance 1e-11). */
int ristra__fit_solve_qr(ristra__fit_solver *s, double *delta, double *r, const double *beta,
                         const ristra__fit_data *d);

/* cov (q x q, full) = inverse of the last solve's (penalised) cross-product,
 * for the coefficients of the columns as given (intercept first). */
int ristra__fit_covariance(double *cov, ristra__fit_solver *s);

/* ---------------------------------------------------------------- IRLS */

typedef struct ristra__irls_result {
    double *beta;         /* q: centred parametrisation */
    double *cov;          /* q x q: uncentred parametrisation */
    double deviance, loglik, last_change;
    int iterations, solver;
} ristra__irls_result;

/* evaluate_whole()'s arithmetic sweep (irls.c) in AVX-512: from eta and t =
 * exp(eta) (clamped), writes sqrt(working weight) to sw, sqrt(w) times the
 * working residual (plus first * eta) to res and the fitted probability
 * of the observed outcome over t; returns the rows with a probability
 * numerically 0 or 1. w may be NULL (all 1). */
int64_t ristra__fit_sweep_avx512(double *sw, double *res, double *t, const double *eta,
                                 const double *w, const double *y, int64_t nr, double first,
                                 double thresh);

/* Tests only (not thread-safe): 1 makes every fit evaluate its rows one
 * by one (evaluate_general in irls.c), the reference for the sweeps that
 * whole weights and 0/1 outcomes otherwise get. */
extern int ristra__fit_rowwise_only;

/* Runs IRLS to convergence; on success fills res (beta and cov allocated
 * by the caller with q and q*q entries). */
int ristra__irls(ristra__irls_result *res, const ristra__fit_data *d, const ristra_fit_options *o);

#endif
