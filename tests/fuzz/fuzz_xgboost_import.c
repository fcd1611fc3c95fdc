/* Fuzz target: the XGBoost importer (JSON text, UBJSON, gzip). Any input
 * must either import or fail with an error code and a message, never
 * crash or leak; a model that imports must save as a native model that
 * loads back to the same bytes, and score without error: a row scored OK
 * has a finite risk in [0, 1] (score_check.h). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>
#include <ristra/xgboost.h>

#include "score_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_NAMES = 4096 };

static void check_failure(int rc, const ristra_model *m)
{
    if (m != NULL || rc >= 0 || ristra_last_error()[0] == '\0')
        abort();
}

/* Models without feature names need the caller's: as many as the error
 * says the model has. Returns 1 when the error was about something else. */
static int import_named(ristra_model **m, const uint8_t *data, size_t size)
{
    long long n = 0;
    const char *said = strstr(ristra_last_error(), "does not name its ");
    if (!said || sscanf(said, "does not name its %lld features", &n) != 1 || n < 1 ||
        n > MAX_NAMES)
        return 1;
    char(*text)[16] = malloc((size_t)n * sizeof *text);
    const char **names = malloc((size_t)n * sizeof *names);
    int rc = RISTRA_ENOMEM;
    if (text && names) {
        for (long long j = 0; j < n; j++) {
            snprintf(text[j], sizeof text[j], "f%lld", j);
            names[j] = text[j];
        }
        ristra_xgboost_options o = RISTRA_XGBOOST_OPTIONS_INIT;
        o.feature_names = names;
        o.n_feature_names = n;
        rc = ristra_model_import_xgboost_buffer(m, data, size, "fuzz", &o);
    }
    free(text);
    free(names);
    return rc;
}

static void check_model(const ristra_model *m)
{
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    ristra_model *m2 = NULL;
    if (ristra_model_save_buffer(&a, &na, m, NULL) != RISTRA_OK ||
        ristra_model_load_buffer(&m2, a, na, "fuzz-saved") != RISTRA_OK ||
        ristra_model_save_buffer(&b, &nb, m2, NULL) != RISTRA_OK || na != nb ||
        memcmp(a, b, na) != 0)
        abort();
    fuzz_check_scores(m, NULL, 0);
    ristra_free(a);
    ristra_free(b);
    ristra_model_free(m2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ristra_model *m = NULL;
    int rc = ristra_model_import_xgboost_buffer(&m, data, size, "fuzz", NULL);
    if (rc == RISTRA_EINVAL) {
        check_failure(rc, m);
        rc = import_named(&m, data, size);
    }
    if (rc != RISTRA_OK) {
        if (rc != 1)
            check_failure(rc, m);
        return 0;
    }
    check_model(m);
    ristra_model_free(m);
    return 0;
}
