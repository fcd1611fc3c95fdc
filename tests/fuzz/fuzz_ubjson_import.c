/* Fuzz target: the UBJSON decoder on its own (any bytes), then the same
 * bytes through the XGBoost importer (which sniffs UBJSON, and gzip).
 * Either decodes or fails with an error code and a message, never crashes
 * or leaks; a model that imports scores with an OK row's risk finite and in
 * [0, 1] (score_check.h). */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>
#include <ristra/ristra.h>
#include <ristra/xgboost.h>

#include "io/ubjson_internal.h"
#include "score_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = NULL;
    int rc = ristra__ubjson_parse(&doc, data, size, "fuzz.ubj");
    if (rc != RISTRA_OK && (doc != NULL || rc >= 0 || ristra_last_error()[0] == '\0'))
        abort();
    if (rc == RISTRA_OK && !doc)
        abort();
    json_decref(doc);

    ristra_model *m = NULL;
    rc = ristra_model_import_xgboost_buffer(&m, data, size, "fuzz.ubj", NULL);
    if (rc != RISTRA_OK) {
        if (m != NULL || rc >= 0 || ristra_last_error()[0] == '\0')
            abort();
        return 0;
    }
    fuzz_check_scores(m, data, size);
    ristra_model_free(m);
    return 0;
}
