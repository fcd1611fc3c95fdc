/* Fuzz target: the native model loader. Any input must either load or fail
 * with an error code and a message, never crash or leak; a model that loads
 * must save and load back to the same bytes, and score without error: a
 * row scored OK has a finite risk in [0, 1] (score_check.h). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>

#include "score_check.h"

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
    fuzz_check_scores(m, data, size);
    ristra_free(a);
    ristra_free(b);
    ristra_model_free(m2);
    ristra_model_free(m);
    return 0;
}
