/* Fuzz target: the native model loader. Any input must either load or fail
 * with an error code and a message, never crash or leak; a model that loads
 * must save and load back to the same bytes, and score without error. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ristra_model *m = NULL;
    int rc = ristra_model_load_buffer(&m, data, size, "fuzz");
    if (rc != RISTRA_OK) {
        if (m != NULL || rc >= 0 || ristra_last_error()[0] == '\0')
            abort();
        return 0;
    }
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    ristra_model *m2 = NULL;
    if (ristra_model_save_buffer(&a, &na, m, NULL) != RISTRA_OK ||
        ristra_model_load_buffer(&m2, a, na, "fuzz-resaved") != RISTRA_OK ||
        ristra_model_save_buffer(&b, &nb, m2, NULL) != RISTRA_OK || na != nb ||
        memcmp(a, b, na) != 0)
        abort();
    int64_t nf = ristra_model_n_features(m);
    double *x = calloc((size_t)(nf > 0 ? nf : 1) * 2, sizeof *x);
    if (x) {
        for (int64_t j = 0; j < nf; j++)
            x[nf + j] = NAN;
        double p[2];
        int32_t st[2];
        if (ristra_model_score(p, NULL, st, m, x, RISTRA_FLOAT64, 2, nf, nf, 1, NULL) != RISTRA_OK)
            abort();
    }
    free(x);
    ristra_free(a);
    ristra_free(b);
    ristra_model_free(m2);
    ristra_model_free(m);
    return 0;
}
