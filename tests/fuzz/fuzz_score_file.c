/* Fuzz target: ristra_score_file() end to end on a small population file
 * (the input bytes), with the rejects and the summary written: a run
 * either succeeds or fails with an error code and a message, never
 * crashes or leaks; on success every row is scored or rejected, and every
 * practice's mean risk is in [0, 1]. The files go to a private temporary
 * directory removed at exit. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ristra/ristra.h>
#include <ristra/batch.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char MODEL[] =
    "{\"format\": \"ristra-model\", \"format_version\": 1, \"kind\": \"gbdt\","
    " \"metadata\": {\"name\": \"fuzz\", \"version\": \"1\", \"outcome\": \"o\","
    "  \"horizon_days\": 365, \"intended_use\": \"fuzzing\", \"training_population\": {}},"
    " \"features\": ["
    "  {\"name\": \"age\", \"valid_range\": [0, 120], \"missing\": {\"policy\": \"native\"}},"
    "  {\"name\": \"n_ltc\", \"valid_range\": [0, 20], \"missing\": {\"policy\": \"reject\"}}"
    " ], \"min_present_features\": 1, \"link\": \"logit\","
    " \"gbdt\": {\"semantics\": \"xgboost\", \"base_margin\": -2, \"trees\": ["
    "  {\"left\": [1, -1, -1], \"right\": [2, -1, -1], \"feature\": [0, -1, -1],"
    "   \"value\": [65, -0.5, 1.25], \"default_left\": [1, 0, 0]}]}}";

static char dir[64];

static void remove_dir(void)
{
    static const char *const names[] = { "in.csv", "out.csv", "rejects.csv", "summary.csv" };
    char path[128];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void check_result(const ristra_score_result *res)
{
    ristra_score_totals t = RISTRA_SCORE_TOTALS_INIT;
    if (ristra_score_result_totals(&t, res) != RISTRA_OK || t.n_scored + t.n_rejected != t.n_rows ||
        (t.n_scored > 0 && !(t.expected >= 0 && t.expected <= (double)t.n_scored)))
        abort();
    for (int32_t k = 0; k < t.n_practices; k++) {
        ristra_practice_summary s = RISTRA_PRACTICE_SUMMARY_INIT;
        if (ristra_score_result_practice(&s, res, k) != RISTRA_OK)
            abort();
        if (s.list_size > 0 && !(s.mean_risk >= 0.0 && s.mean_risk <= 1.0))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ristra_model *model;
    if (!model) {
        if (ristra_model_load_buffer(&model, MODEL, sizeof MODEL - 1, "model") != RISTRA_OK)
            abort();
        strcpy(dir, "/tmp/ristra-fuzz-XXXXXX");
        if (!mkdtemp(dir))
            abort();
        atexit(remove_dir);
    }
    char in[128], out[128], rejects[128], summary[128];
    snprintf(in, sizeof in, "%s/in.csv", dir);
    snprintf(out, sizeof out, "%s/out.csv", dir);
    snprintf(rejects, sizeof rejects, "%s/rejects.csv", dir);
    snprintf(summary, sizeof summary, "%s/summary.csv", dir);
    FILE *f = fopen(in, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    o.rejects_path = rejects;
    o.summary_path = summary;
    o.n_threads = 1;
    ristra_score_result *res = NULL;
    int rc = ristra_score_file(&res, model, in, out, &o);
    if (rc != RISTRA_OK) {
        if (res != NULL || rc >= 0 || ristra_last_error()[0] == '\0')
            abort();
        return 0;
    }
    check_result(res);
    ristra_score_result_free(res);
    return 0;
}
