/*
 * bench_gbdt: scores the same rows with the same model through XGBoost's C
 * API (XGBoosterPredictFromDense) and through ristra, in one process, and
 * reports ns per row per tree for each and their ratio. Driven by
 * bench_gbdt.py, which makes the data and the models.
 *
 *   bench_gbdt DATA.f32 ROWS FEATURES XGBOOST.json RISTRA.json TREES THREADS REPEATS [CALLS]
 *
 * With CALLS, also the latency of one patient: CALLS calls of each on one
 * row (single-threaded; medians of 5 passes), and ristra's time per row for
 * calls of 1 to 32 rows.
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

/* CPU time of the whole process: on a shared machine it counts only the
 * time this process ran, so single-threaded ratios stay steady under load. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
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

/* CALLS calls on one row through each library, then ristra on 1 .. MAX_ROWS rows;
 * printed as one JSON line before the main one. */
enum { MAX_ROWS = 32 }; /* past the one-row kernel's limit (20) and 16-row groups */

static void single_rows(BoosterHandle booster, const ristra_model *model, const float *x,
                        int64_t nf, long long calls, const float *xgb_margin)
{
    char array[256], config[256];
    snprintf(array, sizeof array,
             "{\"data\": [%llu, true], \"shape\": [1, %lld], \"typestr\": \"<f4\", \"version\": 3}",
             (unsigned long long)(uintptr_t)x, (long long)nf);
    snprintf(config, sizeof config,
             "{\"type\": 1, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
             "\"strict_shape\": false, \"missing\": NaN, \"cache_id\": 0}");
    XGB_CHECK(XGBoosterSetParam(booster, "nthread", "1"));
    ristra_score_options opts = RISTRA_SCORE_OPTIONS_INIT;
    opts.n_threads = 1;
    double tx[5], tr[5], margin[MAX_ROWS] = { 0 };
    float xgb_one = 0;
    for (int pass = 0; pass < 5; pass++) {
        double c0 = cpu_now();
        for (long long k = 0; k < calls; k++) {
            bst_ulong const *shape;
            bst_ulong dim;
            const float *out;
            XGB_CHECK(XGBoosterPredictFromDense(booster, array, config, NULL, &shape, &dim, &out));
            xgb_one = out[0];
        }
        double c1 = cpu_now();
        for (long long k = 0; k < calls; k++)
            ristra_model_score(NULL, margin, NULL, model, x, RISTRA_FLOAT32, 1, nf, nf, 1, &opts);
        double c2 = cpu_now();
        tx[pass] = (c1 - c0) / (double)calls;
        tr[pass] = (c2 - c1) / (double)calls;
    }
    double per_row[MAX_ROWS + 1];
    for (int n = 1; n <= MAX_ROWS; n++) {
        double t[5];
        long long reps = calls / n > 1000 ? calls / n : 1000;
        for (int pass = 0; pass < 5; pass++) {
            double c0 = cpu_now();
            for (long long k = 0; k < reps; k++)
                ristra_model_score(NULL, margin, NULL, model, x, RISTRA_FLOAT32, n, nf, nf, 1, &opts);
            t[pass] = (cpu_now() - c0) / (double)reps / n;
        }
        per_row[n] = median(t, 5);
    }
    double mx = median(tx, 5), mr = median(tr, 5);
    printf("{\"single_row_calls\": %lld, \"xgboost_us\": %.3f, \"ristra_us\": %.3f, \"ratio\": %.2f, "
           "\"identical\": %s, \"ristra_us_per_row_by_rows\": [",
           calls, mx * 1e6, mr * 1e6, mx / mr,
           (float)margin[0] == xgb_one && xgb_one == xgb_margin[0] ? "true" : "false");
    for (int n = 1; n <= MAX_ROWS; n++)
        printf("%s%.3f", n > 1 ? ", " : "", per_row[n] * 1e6);
    printf("]}\n");
}

int main(int argc, char **argv)
{
    if (argc != 9 && argc != 10) {
        fprintf(stderr, "usage: %s DATA.f32 ROWS FEATURES XGBOOST.json RISTRA.json TREES THREADS REPEATS [CALLS]\n",
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
    double *c_xgb = malloc((size_t)repeats * sizeof *c_xgb);
    for (int k = 0; k <= repeats; k++) { /* the first call configures XGBoost: not timed */
        bst_ulong const *shape;
        bst_ulong dim;
        const float *out;
        double c0 = cpu_now(), t0 = now();
        XGB_CHECK(XGBoosterPredictFromDense(booster, array, config, NULL, &shape, &dim, &out));
        double t1 = now(), c1 = cpu_now();
        if (k > 0) {
            t_xgb[k - 1] = t1 - t0;
            c_xgb[k - 1] = c1 - c0;
        }
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
    double *c_ristra = malloc((size_t)repeats * sizeof *c_ristra);
    for (int k = 0; k <= repeats; k++) {
        double c0 = cpu_now(), t0 = now();
        int rc = ristra_model_score(NULL, margin, NULL, model, x, RISTRA_FLOAT32, rows, nf, nf, 1, &opts);
        double t1 = now(), c1 = cpu_now();
        if (rc != RISTRA_OK) {
            fprintf(stderr, "ristra: %s\n", ristra_last_error());
            return 1;
        }
        if (k > 0) {
            t_ristra[k - 1] = t1 - t0;
            c_ristra[k - 1] = c1 - c0;
        }
    }

    double max_diff = 0;
    int64_t identical = 0;
    for (int64_t r = 0; r < rows; r++) {
        double d = fabs(margin[r] - (double)xgb_margin[r]);
        if (d > max_diff)
            max_diff = d;
        identical += (float)margin[r] == xgb_margin[r];
    }
    if (argc == 10)
        single_rows(booster, model, x, nf, atoll(argv[9]), xgb_margin);

    double mx = median(t_xgb, repeats), mr = median(t_ristra, repeats);
    double cx = median(c_xgb, repeats), cr = median(c_ristra, repeats);
    double scale = 1e9 / ((double)rows * (double)trees);
    printf("{\"threads\": %d, \"rows\": %lld, \"trees\": %lld, \"xgboost_s\": %.4f, \"ristra_s\": %.4f, "
           "\"xgboost_ns_per_row_tree\": %.3f, \"ristra_ns_per_row_tree\": %.3f, \"ratio\": %.2f, "
           "\"xgboost_cpu_ns_per_row_tree\": %.3f, \"ristra_cpu_ns_per_row_tree\": %.3f, "
           "\"cpu_ratio\": %.2f, \"max_abs_margin_diff\": %.3g, \"identical_rows\": %lld}\n",
           threads, (long long)rows, (long long)trees, mx, mr, mx * scale, mr * scale, mx / mr,
           cx * scale, cr * scale, cx / cr, max_diff, (long long)identical);
    XGBoosterFree(booster);
    ristra_model_free(model);
    free(x);
    free(xgb_margin);
    free(margin);
    free(t_xgb);
    free(t_ristra);
    free(c_xgb);
    free(c_ristra);
    return 0;
}
