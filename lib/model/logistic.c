/* Logistic scoring: the linear predictor by OpenBLAS gemv on row blocks. */
#include <cblas.h>
#include <string.h>

#include "logistic_internal.h"

/* OpenBLAS's interface/gemv.c: m * n < 2304 * GEMM_MULTITHREAD_THRESHOLD
 * (4 by default) keeps the call single-threaded. */
enum { OPENBLAS_GEMV_SINGLE_THREAD_ELEMENTS = 2304 * 4, MAX_BLOCK_ROWS = 256 };

int64_t ristra__logistic_block_rows(int64_t n_features)
{
    int64_t rows = n_features > 0 ? (OPENBLAS_GEMV_SINGLE_THREAD_ELEMENTS - 1) / n_features : MAX_BLOCK_ROWS;
    if (rows > MAX_BLOCK_ROWS)
        rows = MAX_BLOCK_ROWS;
    rows -= rows % RISTRA__LOGISTIC_ROW_MULTIPLE;
    return rows > 0 ? rows : RISTRA__LOGISTIC_ROW_MULTIPLE;
}

void ristra__logistic_margin(double *margin, const ristra_model *m, double *x, int64_t n)
{
    const int64_t k = RISTRA__LOGISTIC_ROW_MULTIPLE;
    const int64_t padded = (n + k - 1) / k * k;
    memset(x + n * m->n_features, 0, (size_t)((padded - n) * m->n_features) * sizeof *x);
    for (int64_t r = 0; r < padded; r++)
        margin[r] = m->intercept;
    if (n == 0 || m->n_features == 0)
        return;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)padded, (blasint)m->n_features, 1.0, x,
                (blasint)m->n_features, m->coef, 1, 1.0, margin, 1);
}
