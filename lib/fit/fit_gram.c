/* The weighted cross-product of one block of IRLS rows, g += a'a, for the
 * tall and skinny blocks of a fit (a thousand rows of some tens of
 * columns). OpenBLAS's dsyrk copies both operands into packed panels
 * before its kernel runs, a third of its time on such blocks; these
 * kernels read the block where it lies instead. A tile of g (8 rows by up
 * to 24 columns) stays in registers while 64 rows of the block, which fit
 * in L1, stream through it; each tile's sum is then added into g. Only
 * the upper triangle is computed, apart from the few entries below the
 * diagonal inside the diagonal tiles, which are not written.
 *
 * The order of summation (row order within 64-row groups, groups added in
 * row order) differs from dsyrk's, so results agree with it to rounding,
 * not bit for bit; it depends only on the block, never on the thread
 * count. RISTRA_FORCE_ISA=scalar (or a CPU without AVX2 and FMA) keeps
 * OpenBLAS's dsyrk: the reference the
 * vector kernels are tested against (tests/unit/test_fit.c). */
#include <cblas.h>
#include <string.h>

#include "../common/cpu_internal.h"
#include "fit_internal.h"

/* OpenBLAS 0.3.21 keeps dsyrk on the calling thread for n < 100
 * (interface/syrk.c) and dgemm for m * n * k <= 65536 * 4
 * (interface/gemm.c); wider systems are built from tiles that satisfy both. */
enum { SYRK_SINGLE_THREAD_N = 100, TILE = 64 };

/* Rows per group: 64 rows of up to 48 doubles stay in a 32 KB L1. Rows
 * are padded to a multiple of 8 doubles, one AVX-512 vector. */
enum { GROUP_ROWS = 64, PAD = 8 };

static void gram_add_blas(double *g, const double *a, int64_t rows, int64_t lda, int64_t q1)
{
    if (q1 < SYRK_SINGLE_THREAD_N) {
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, (blasint)q1, (blasint)rows, 1.0, a,
                    (blasint)lda, 1.0, g, (blasint)q1);
        return;
    }
    for (int64_t j0 = 0; j0 < q1; j0 += TILE) {
        int64_t nj = q1 - j0 < TILE ? q1 - j0 : TILE;
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, (blasint)nj, (blasint)rows, 1.0,
                    a + j0, (blasint)lda, 1.0, g + j0 * q1 + j0, (blasint)q1);
        for (int64_t i0 = 0; i0 < j0; i0 += TILE)
            for (int64_t k0 = 0; k0 < rows; k0 += TILE) {
                int64_t nk = rows - k0 < TILE ? rows - k0 : TILE;
                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, TILE, (blasint)nj,
                            (blasint)nk, 1.0, a + k0 * lda + i0, (blasint)lda, a + k0 * lda + j0,
                            (blasint)lda, 1.0, g + j0 * q1 + i0, (blasint)q1);
            }
    }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* One tile: rows i0 to i0 + LANES - 1 of g by NJ columns, one vector a
 * column. The strip a[k, i0..] is one vector and each a[k, j] a broadcast;
 * lanes past q1 read the block's zero padding. (One vector a column, not
 * two: GCC then keeps the sums in registers rather than also storing them
 * every row.) */
#define UNROLL _Pragma("GCC unroll 32")
#define DEFINE_TILE(FN, TARGET, VEC, LANES, LOAD, BCAST, FMA, ZERO, ADD_TO, NJ)                 \
    TARGET static void FN(double *g, int64_t q1, const double *a, int64_t rows, int64_t lda,    \
                          int64_t i0, int64_t j0)                                               \
    {                                                                                           \
        VEC acc[NJ];                                                                            \
        UNROLL for (int jj = 0; jj < NJ; jj++)                                                  \
            acc[jj] = ZERO();                                                                   \
        const double *si = a + i0, *sj = a + j0; /* constant offsets from here */              \
        for (int64_t k = 0; k < rows; k++, si += lda, sj += lda) {                              \
            VEC s = LOAD(si);                                                                   \
            UNROLL for (int jj = 0; jj < NJ; jj++)                                              \
                acc[jj] = FMA(s, BCAST(sj + jj), acc[jj]);                                      \
        }                                                                                       \
        UNROLL for (int jj = 0; jj < NJ; jj++) {                                                \
            int64_t j = j0 + jj, top = j + 1 < q1 ? j + 1 : q1; /* rows i0..top-1 of column j */ \
            if (j < q1) /* past q1: the padding */                                              \
                ADD_TO(g + j * q1 + i0, top - i0, acc[jj]);                                     \
        }                                                                                       \
    }

#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f")))

AVX2 static inline __m256d bcast256(const double *p)
{
    return _mm256_broadcast_sd(p);
}

AVX512 static inline __m512d bcast512(const double *p)
{
    return _mm512_set1_pd(*p);
}

/* g[0..n-1] += the first n lanes of v (n may be <= 0 or more than the
 * lanes): the tile's part of the upper triangle, and nothing past it. */
AVX2 static inline void add_to256(double *g, int64_t n, __m256d v)
{
    if (n >= 4) {
        _mm256_storeu_pd(g, _mm256_add_pd(_mm256_loadu_pd(g), v));
        return;
    }
    double t[4];
    _mm256_storeu_pd(t, v);
    for (int64_t l = 0; l < n; l++)
        g[l] += t[l];
}

AVX512 static inline void add_to512(double *g, int64_t n, __m512d v)
{
    __mmask8 m = n >= 8 ? 0xff : n <= 0 ? 0 : (__mmask8)((1u << n) - 1);
    _mm512_mask_storeu_pd(g, m, _mm512_add_pd(_mm512_maskz_loadu_pd(m, g), v));
}

/* AVX2: 16 registers, so strips of 4 rows by 12 columns; AVX-512: 32
 * registers, strips of 8 rows by 24 columns. Narrower tiles finish each
 * strip. */
#define TILE2(NJ) DEFINE_TILE(tile2_##NJ, AVX2, __m256d, 4, _mm256_loadu_pd, bcast256, \
                              _mm256_fmadd_pd, _mm256_setzero_pd, add_to256, NJ)
#define TILE5(NJ) DEFINE_TILE(tile5_##NJ, AVX512, __m512d, 8, _mm512_loadu_pd, bcast512, \
                              _mm512_fmadd_pd, _mm512_setzero_pd, add_to512, NJ)
TILE2(12)
TILE2(8)
TILE2(4)
TILE2(2)
TILE2(1)
TILE5(24)
TILE5(16)
TILE5(8)
TILE5(4)
TILE5(2)
TILE5(1)

typedef void tile_fn(double *, int64_t, const double *, int64_t, int64_t, int64_t, int64_t);

typedef struct tile_set {
    int strip;
    int width[6];  /* decreasing, down to 1 */
    tile_fn *fn[6];
} tile_set;

static const tile_set TILES_AVX2 = { 4,
                                     { 12, 8, 4, 2, 1 },
                                     { tile2_12, tile2_8, tile2_4, tile2_2, tile2_1 } };
static const tile_set TILES_AVX512 = { 8,
                                       { 24, 16, 8, 4, 2, 1 },
                                       { tile5_24, tile5_16, tile5_8, tile5_4, tile5_2, tile5_1 } };

/* Each strip of rows of g, from its diagonal to the end of the padding
 * (column lda - 1), is cut into the widest tiles that fit: a tile narrower
 * than 8 columns waits on its few sums' FMA latency, so running on through
 * the zero padding costs less than a narrow tile for the last columns. */
static void gram_add_tiles(double *g, const double *a, int64_t rows, int64_t lda, int64_t q1,
                           const tile_set *ts)
{
    for (int64_t r0 = 0; r0 < rows; r0 += GROUP_ROWS) {
        int64_t nr = rows - r0 < GROUP_ROWS ? rows - r0 : GROUP_ROWS;
        const double *b = a + r0 * lda;
        for (int64_t i0 = 0; i0 < q1; i0 += ts->strip)
            for (int64_t j0 = i0, t = 0; j0 < lda;) {
                while (ts->width[t] > lda - j0)
                    t++;
                ts->fn[t](g, q1, b, nr, lda, i0, j0);
                j0 += ts->width[t];
            }
    }
}
#endif

int64_t ristra__fit_gram_lda(int64_t q1)
{
    return (q1 + PAD - 1) / PAD * PAD;
}

void ristra__fit_gram_add(double *g, const double *a, int64_t rows, int64_t lda, int64_t q1,
                          int isa)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (isa == RISTRA__ISA_AVX512) {
        gram_add_tiles(g, a, rows, lda, q1, &TILES_AVX512);
        return;
    }
    if (isa == RISTRA__ISA_AVX2 && __builtin_cpu_supports("fma")) {
        gram_add_tiles(g, a, rows, lda, q1, &TILES_AVX2);
        return;
    }
#endif
    (void)isa;
    gram_add_blas(g, a, rows, lda, q1);
}
