/* The arithmetic sweep of evaluate_whole() (irls.c) in AVX-512 registers,
 * eight rows at a time: GCC leaves the scalar loop's four divisions and
 * square root unvectorised at the baseline ISA (sqrt may set errno).
 * Same formulas in the same order as the scalar loop, which stays the
 * reference (RISTRA_FORCE_ISA=scalar or avx2; tests/unit/test_fit.c
 * compares the whole-weights path with the row-by-row one under each). */
#include <float.h>

#include "fit_internal.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

AVX512 int64_t ristra__fit_sweep_avx512(double *sw, double *res, double *t, const double *eta,
                                        const double *w, const double *y, int64_t nr,
                                        double first, double thresh)
{
    const __m512d one = _mm512_set1_pd(1.0), zero = _mm512_setzero_pd();
    const __m512d eps = _mm512_set1_pd(DBL_EPSILON), lo = _mm512_set1_pd(10 * DBL_EPSILON);
    const __m512d hi = _mm512_set1_pd(1 - 10 * DBL_EPSILON), f = _mm512_set1_pd(first);
    const __m512d th = _mm512_set1_pd(thresh), mth = _mm512_set1_pd(-thresh);
    int64_t extreme = 0;
    for (int64_t i = 0; i < nr; i += 8) {
        __mmask8 m = nr - i >= 8 ? 0xff : (__mmask8)((1u << (nr - i)) - 1);
        __m512d e = _mm512_maskz_loadu_pd(m, eta + i), ti = _mm512_maskz_loadu_pd(m, t + i);
        __m512d wv = w ? _mm512_maskz_loadu_pd(m, w + i) : one;
        __m512d yv = _mm512_maskz_loadu_pd(m, y + i);
        __mmask8 clamped = _mm512_cmp_pd_mask(e, mth, _CMP_LT_OQ) |
                           _mm512_cmp_pd_mask(e, th, _CMP_GT_OQ);
        __mmask8 used = m & _mm512_cmp_pd_mask(wv, zero, _CMP_GT_OQ);
        __m512d opt = _mm512_add_pd(one, ti);
        __m512d mu = _mm512_div_pd(ti, opt);
        __m512d mu_eta = _mm512_mask_blend_pd(clamped, _mm512_div_pd(ti, _mm512_mul_pd(opt, opt)),
                                              eps);
        __m512d r = _mm512_div_pd(_mm512_sub_pd(yv, mu), mu_eta);
        __m512d omu = _mm512_sub_pd(one, mu);
        __m512d v = _mm512_div_pd(_mm512_mul_pd(wv, _mm512_mul_pd(mu_eta, mu_eta)),
                                  _mm512_mul_pd(mu, omu));
        __m512d s = _mm512_maskz_sqrt_pd(used, v);
        __mmask8 ext = used & (_mm512_cmp_pd_mask(mu, hi, _CMP_GT_OQ) |
                               _mm512_cmp_pd_mask(mu, lo, _CMP_LT_OQ));
        extreme += __builtin_popcount(ext);
        _mm512_mask_storeu_pd(sw + i, m, s);
        _mm512_mask_storeu_pd(res + i, m, _mm512_mul_pd(s, _mm512_add_pd(_mm512_mul_pd(f, e), r)));
        __mmask8 event = _mm512_cmp_pd_mask(yv, zero, _CMP_NEQ_UQ);
        _mm512_mask_storeu_pd(t + i, m, _mm512_mask_blend_pd(event, omu, mu));
    }
    return extreme;
}
#endif
