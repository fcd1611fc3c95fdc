/* Fuzz target: the population reader. Any bytes must either be read to the
 * end or stop with an error code and a message, never crash or leak; every
 * row is either usable (a valid NHS number and practice) or has a status
 * and a reason. The input is read twice: against a model (range and
 * missing-value checks) and by column names with tiny blocks and two
 * threads (block and thread boundaries). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char MODEL[] =
    "{\"format\": \"ristra-model\", \"format_version\": 1, \"kind\": \"logistic\","
    " \"metadata\": {\"name\": \"fuzz\", \"version\": \"1\", \"outcome\": \"o\","
    "  \"horizon_days\": 365, \"intended_use\": \"fuzzing\", \"training_population\": {}},"
    " \"features\": ["
    "  {\"name\": \"age\", \"valid_range\": [0, 120], \"missing\": {\"policy\": \"reject\"}},"
    "  {\"name\": \"imd_decile\", \"valid_range\": [1, 10], \"missing\": {\"policy\": \"impute\", \"value\": 5}}"
    " ], \"link\": \"logit\", \"logistic\": {\"intercept\": -3, \"coefficients\": [0.03, -0.1]}}";

static void read_all(const uint8_t *data, size_t size, const ristra_model *model,
                     const ristra_population_options *o)
{
    ristra_population *pop = NULL;
    int rc = ristra_population_open_buffer(&pop, data, size, "fuzz.csv", model, o);
    if (rc != RISTRA_OK) {
        if (pop != NULL || rc >= 0 || ristra_last_error()[0] == '\0')
            abort();
        return;
    }
    ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
    int64_t rows = 0;
    while ((rc = ristra_population_read(&b, pop)) == RISTRA_OK && b.n_rows > 0) {
        if (b.first_row != rows)
            abort();
        for (int64_t r = 0; r < b.n_rows; r++) {
            ristra_population_reject rj = RISTRA_POPULATION_REJECT_INIT;
            if (ristra_population_reject_info(&rj, pop, r) != RISTRA_OK)
                abort();
            if (b.status[r] == RISTRA_ROW_OK) {
                if (b.nhs_number[r] == 0 || b.practice[r] < 0 || rj.reason[0] != '\0' ||
                    !ristra_population_practice(pop, b.practice[r]))
                    abort();
            } else if (rj.reason[0] == '\0' || b.line[r] < 2) {
                abort();
            }
        }
        rows += b.n_rows;
    }
    if (rc != RISTRA_OK && (rc >= 0 || ristra_last_error()[0] == '\0'))
        abort();
    uint64_t done = 0, total = 0;
    if (ristra_population_progress(&done, &total, pop) != RISTRA_OK)
        abort();
    ristra_population_close(pop);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ristra_model *model;
    if (!model && ristra_model_load_buffer(&model, MODEL, sizeof MODEL - 1, "model") != RISTRA_OK)
        abort();
    ristra_population_options o = RISTRA_POPULATION_OPTIONS_INIT;
    o.outcome_column = "y";
    read_all(data, size, model, &o);

    const char *cols[] = { "age", "imd_decile" };
    const char *extra[] = { "female" };
    ristra_population_options c = RISTRA_POPULATION_OPTIONS_INIT;
    c.columns = cols;
    c.n_columns = 2;
    c.extra_columns = extra;
    c.n_extra = 1;
    c.block_rows = 3;
    c.n_threads = 2;
    read_all(data, size, NULL, &c);
    return 0;
}
