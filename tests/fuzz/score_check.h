/* The property every fuzz harness that scores checks: a row with status
 * OK has a finite risk in [0, 1] and a finite margin; any other row has
 * NaN outputs. Rows: all zeros, all missing, and values taken from the
 * input's own bytes (so the fuzzer can steer them). */
#ifndef RISTRA_FUZZ_SCORE_CHECK_H
#define RISTRA_FUZZ_SCORE_CHECK_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>

static void fuzz_check_scores(const ristra_model *m, const uint8_t *data, size_t size)
{
    enum { ROWS = 3 };
    int64_t nf = ristra_model_n_features(m);
    double *x = calloc((size_t)(nf > 0 ? nf : 1) * ROWS, sizeof *x);
    if (!x)
        return;
    for (int64_t j = 0; j < nf; j++) {
        x[nf + j] = NAN;
        if (size >= sizeof(double)) {
            size_t at = ((size_t)j * sizeof(double)) % (size - sizeof(double) + 1);
            memcpy(&x[2 * nf + j], data + at, sizeof(double));
        }
    }
    double p[ROWS], mg[ROWS];
    int32_t st[ROWS];
    if (ristra_model_score(p, mg, st, m, x, RISTRA_FLOAT64, ROWS, nf, nf, 1, NULL) != RISTRA_OK)
        abort();
    for (int r = 0; r < ROWS; r++) {
        if (st[r] == RISTRA_ROW_OK ? !(p[r] >= 0.0 && p[r] <= 1.0 && isfinite(mg[r]))
                                   : !(isnan(p[r]) && isnan(mg[r])))
            abort();
    }
    free(x);
}

#endif
