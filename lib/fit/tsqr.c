/* Tall-skinny QR: folding rows into an R factor, for the QR solve of IRLS.
 *
 * This is LAPACK's dtpqrt with l = 0 (blocked Householder QR of [R; B],
 * panels of reflections by dlarfg, dgemv and dger, trailing columns by
 * dtprfb), except that each panel's triangular factor T is formed here:
 * dtpqrt2 forms it with dtrmv, which OpenBLAS 0.3.21 always spreads over
 * its own threads (interface/trmv.c has no size threshold), and these
 * updates run on ristra's worker threads. Every other call is sized under
 * OpenBLAS's single-thread limits: rows go in slices of fewer than 9216
 * elements (gemv), and panels are narrow enough for dtprfb's dtrmm
 * (m * n < 256 * 4, interface/trsm.c) and dgemm (m * n * k <= 65536 * 4,
 * interface/gemm.c). */
#include <cblas.h>
#include <lapacke.h>

#include "../common/error_internal.h"
#include "fit_internal.h"

enum { GEMV_SINGLE_THREAD_ELEMENTS = 2304 * 4, TRMM_SINGLE_THREAD_ELEMENTS = 256 * 4, PANEL = 16 };

static int64_t panel_width(int64_t n)
{
    int64_t nb = (TRMM_SINGLE_THREAD_ELEMENTS - 1) / n;
    nb = nb > PANEL ? PANEL : nb;
    nb = nb > n ? n : nb;
    return nb < 1 ? 1 : nb;
}

size_t ristra__tsqr_work_doubles(int64_t n)
{
    return (size_t)(2 * PANEL * n + n);
}

/* Reflection k of the panel starting at column i0: annihilates b[:, i]
 * against r[i, i], applies it to the panel's later columns and adds its
 * column to the panel's T (dtpqrt2's loop). */
static void reflect(double *r, int64_t n, double *b, int64_t m, int64_t ldb, int64_t i0,
                    int64_t ib, int64_t k, double *t, int64_t ldt, double *tmp)
{
    const int64_t i = i0 + k, rest = i0 + ib - i - 1;
    double tau = 0.0;
    LAPACKE_dlarfg_work((lapack_int)(m + 1), &r[i * n + i], &b[i * ldb], 1, &tau);
    if (rest > 0) {
        for (int64_t j = 0; j < rest; j++)
            tmp[j] = r[(i + 1 + j) * n + i];
        cblas_dgemv(CblasColMajor, CblasTrans, (blasint)m, (blasint)rest, 1.0, b + (i + 1) * ldb,
                    (blasint)ldb, b + i * ldb, 1, 1.0, tmp, 1);
        for (int64_t j = 0; j < rest; j++)
            r[(i + 1 + j) * n + i] -= tau * tmp[j];
        cblas_dger(CblasColMajor, (blasint)m, (blasint)rest, -tau, b + i * ldb, 1, tmp, 1,
                   b + (i + 1) * ldb, (blasint)ldb);
    }
    /* T[0:k, k] = T[0:k, 0:k] (-tau B[:, i0:i]' B[:, i]); T[k, k] = tau */
    if (k > 0) {
        cblas_dgemv(CblasColMajor, CblasTrans, (blasint)m, (blasint)k, -tau, b + i0 * ldb,
                    (blasint)ldb, b + i * ldb, 1, 0.0, tmp, 1);
        for (int64_t a = 0; a < k; a++) {
            double s = 0.0;
            for (int64_t c = a; c < k; c++)
                s += t[c * ldt + a] * tmp[c];
            t[k * ldt + a] = s;
        }
    }
    t[k * ldt + k] = tau;
}

/* [r; b] = Q [r'; 0] for m <= the slice limit rows of b. */
static int update(double *r, int64_t n, double *b, int64_t m, int64_t ldb, double *work)
{
    const int64_t nb = panel_width(n);
    double *t = work, *w = t + PANEL * n, *tmp = w + PANEL * n;
    for (int64_t i0 = 0; i0 < n; i0 += nb) {
        const int64_t ib = n - i0 < nb ? n - i0 : nb;
        for (int64_t k = 0; k < ib; k++)
            reflect(r, n, b, m, ldb, i0, ib, k, t, nb, tmp);
        if (i0 + ib < n &&
            LAPACKE_dtprfb_work(LAPACK_COL_MAJOR, 'L', 'T', 'F', 'C', (lapack_int)m,
                                (lapack_int)(n - i0 - ib), (lapack_int)ib, 0, b + i0 * ldb,
                                (lapack_int)ldb, t, (lapack_int)nb, r + (i0 + ib) * n + i0,
                                (lapack_int)n, b + (i0 + ib) * ldb, (lapack_int)ldb, w,
                                (lapack_int)ib) != 0)
            return ristra__error(RISTRA_ERROR, "ristra_fit_logistic: dtprfb failed");
    }
    return RISTRA_OK;
}

int ristra__tsqr_rows(double *r, int64_t n, double *b, int64_t m, int64_t ldb, double *work)
{
    int64_t slice = (GEMV_SINGLE_THREAD_ELEMENTS - 1) / n;
    slice = slice < 1 ? 1 : slice;
    for (int64_t i0 = 0; i0 < m; i0 += slice) {
        int rc = update(r, n, b + i0, m - i0 < slice ? m - i0 : slice, ldb, work);
        if (rc)
            return rc;
    }
    return RISTRA_OK;
}
