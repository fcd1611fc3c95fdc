/*
 * bench_gbdt: scores the same rows with the same model through XGBoost's C
 * API (XGBoosterPredictFromDense) and through ristra, in one process, and
 * reports ns per row per tree for each and their ratio. Driven by
 * bench_gbdt.py, which makes the data and the models.
 *
 *   bench_gbdt DATA.f32 ROWS FEATURES XGBOOST.json RISTRA.json TREES THREADS REPEATS
 *
 * DATA.f32 holds ROWS x FEATURES float32 values, row-major, NaN = missing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ristra/ristra.h>
#include <xgboost/c_api.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#define XGB_CHECK(call)                                                                        \
    do {                                                                                       \
        if ((call) != 0) {                                                                     \
            fprintf(stderr, "xgboost: %s\n", XGBGetLastError());                               \
            exit(1);                                                                           \
        }                                                                                      \
    } while (0)

int main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "usage: %s DATA.f32 ROWS FEATURES XGBOOST.json RISTRA.json TREES THREADS REPEATS\n",
                argv[0]);
        return 2;
    }
    const int64_t rows = atoll(argv[2]), nf = atoll(argv[3]), trees = atoll(argv[6]);
    const int threads = atoi(argv[7]), repeats = atoi(argv[8]);
    float *x = malloc((size_t)(rows * nf) * sizeof *x);
    FILE *f = fopen(argv[1], "rb");
    if (!x || !f || fread(x, sizeof *x, (size_t)(rows * nf), f) != (size_t)(rows * nf)) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(f);

    /* XGBoost */
    BoosterHandle booster;
    XGB_CHECK(XGBoosterCreate(NULL, 0, &booster));
    XGB_CHECK(XGBoosterLoadModel(booster, argv[4]));
    char nthread[16];
    snprintf(nthread, sizeof nthread, "%d", threads);
    XGB_CHECK(XGBoosterSetParam(booster, "nthread", nthread));
    char array[256], config[256];
    snprintf(array, sizeof array,
             "{\"data\": [%llu, true], \"shape\": [%lld, %lld], \"typestr\": \"<f4\", \"version\": 3}",
             (unsigned long long)(uintptr_t)x, (long long)rows, (long long)nf);
    snprintf(config, sizeof config,
             "{\"type\": 1, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
             "\"strict_shape\": false, \"missing\": NaN, \"cache_id\": 0}");
    float *xgb_margin = malloc((size_t)rows * sizeof *xgb_margin);
    double *t_xgb = malloc((size_t)repeats * sizeof *t_xgb);
    for (int k = 0; k <= repeats; k++) { /* the first call configures XGBoost: not timed */
        bst_ulong const *shape;
        bst_ulong dim;
        const float *out;
        double t0 = now();
        XGB_CHECK(XGBoosterPredictFromDense(booster, array, config, NULL, &shape, &dim, &out));
        double t1 = now();
        if (k > 0)
            t_xgb[k - 1] = t1 - t0;
        memcpy(xgb_margin, out, (size_t)rows * sizeof *xgb_margin);
    }

    /* ristra */
    ristra_model *model = NULL;
    if (ristra_model_load(&model, argv[5]) != RISTRA_OK) {
        fprintf(stderr, "ristra: %s\n", ristra_last_error());
        return 1;
    }
    ristra_score_options opts = RISTRA_SCORE_OPTIONS_INIT;
    opts.n_threads = threads;
    double *margin = malloc((size_t)rows * sizeof *margin);
    double *t_ristra = malloc((size_t)repeats * sizeof *t_ristra);
    for (int k = 0; k <= repeats; k++) {
        double t0 = now();
        int rc = ristra_model_score(NULL, margin, NULL, model, x, RISTRA_FLOAT32, rows, nf, nf, 1, &opts);
        double t1 = now();
        if (rc != RISTRA_OK) {
            fprintf(stderr, "ristra: %s\n", ristra_last_error());
            return 1;
        }
        if (k > 0)
            t_ristra[k - 1] = t1 - t0;
    }

    double max_diff = 0;
    int64_t identical = 0;
    for (int64_t r = 0; r < rows; r++) {
        double d = fabs(margin[r] - (double)xgb_margin[r]);
        if (d > max_diff)
            max_diff = d;
        identical += (float)margin[r] == xgb_margin[r];
    }
    double mx = median(t_xgb, repeats), mr = median(t_ristra, repeats);
    double scale = 1e9 / ((double)rows * (double)trees);
    printf("{\"threads\": %d, \"rows\": %lld, \"trees\": %lld, \"xgboost_s\": %.4f, \"ristra_s\": %.4f, "
           "\"xgboost_ns_per_row_tree\": %.3f, \"ristra_ns_per_row_tree\": %.3f, \"ratio\": %.2f, "
           "\"max_abs_margin_diff\": %.3g, \"identical_rows\": %lld}\n",
           threads, (long long)rows, (long long)trees, mx, mr, mx * scale, mr * scale, mx / mr,
           max_diff, (long long)identical);
    XGBoosterFree(booster);
    ristra_model_free(model);
    free(x);
    free(xgb_margin);
    free(margin);
    free(t_xgb);
    free(t_ristra);
    return 0;
}
