/* One shared model scored from 8 threads at once (the API promises that
 * any number of threads may score with one model): each thread's output
 * must equal, bit for bit, the single-threaded reference. Built with
 * ThreadSanitizer by `make tsan` (ctest label "tsan"), where any data race
 * inside the library fails the run; in other builds it is a plain test. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>

enum { THREADS = 8, ROWS = 9000, ROUNDS = 3 };

typedef struct job {
    const ristra_model *model;
    const double *x;
    int64_t nf;
    int n_threads;       /* ristra's own threads inside each call */
    double prob[ROWS], margin[ROWS];
    int32_t status[ROWS];
    int rc;
} job;

static void *score(void *arg)
{
    job *j = arg;
    ristra_score_options o = RISTRA_SCORE_OPTIONS_INIT;
    o.n_threads = j->n_threads;
    for (int round = 0; round < ROUNDS && !j->rc; round++)
        j->rc = ristra_model_score(j->prob, j->margin, j->status, j->model, j->x,
                                   RISTRA_FLOAT64, ROWS, j->nf, j->nf, 1, &o);
    return NULL;
}

/* Rows with every kind of value: ordinary, missing, out of range. */
static double *make_rows(const ristra_model *m, int64_t nf)
{
    double *x = malloc((size_t)(ROWS * nf) * sizeof *x);
    uint64_t s = 0x9E3779B97F4A7C15u;
    for (int64_t i = 0; x && i < ROWS * nf; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        ristra_feature_info f = RISTRA_FEATURE_INFO_INIT;
        ristra_model_feature(&f, m, i % nf);
        double lo = isfinite(f.valid_min) ? f.valid_min : -5, hi = isfinite(f.valid_max) ? f.valid_max : 5;
        double u = (double)(s >> 11) / 9007199254740992.0;
        x[i] = (s & 31) == 0 ? NAN : lo + (hi - lo) * u;
    }
    return x;
}

static int check_model(const char *path)
{
    ristra_model *m = NULL;
    if (ristra_model_load(&m, path) != RISTRA_OK) {
        fprintf(stderr, "%s\n", ristra_last_error());
        return 1;
    }
    int64_t nf = ristra_model_n_features(m);
    double *x = make_rows(m, nf);
    job *ref = calloc(1, sizeof *ref), *jobs = calloc(THREADS, sizeof *jobs);
    int failures = !x || !ref || !jobs;
    if (!failures) {
        *ref = (job){ .model = m, .x = x, .nf = nf, .n_threads = 1 };
        score(ref);
        failures += ref->rc != RISTRA_OK;
        pthread_t tid[THREADS];
        for (int t = 0; t < THREADS; t++) {
            jobs[t] = (job){ .model = m, .x = x, .nf = nf, .n_threads = 1 + (t % 2) };
            failures += pthread_create(&tid[t], NULL, score, &jobs[t]) != 0;
        }
        for (int t = 0; t < THREADS; t++) {
            pthread_join(tid[t], NULL);
            if (jobs[t].rc != RISTRA_OK ||
                memcmp(jobs[t].prob, ref->prob, sizeof ref->prob) != 0 ||
                memcmp(jobs[t].margin, ref->margin, sizeof ref->margin) != 0 ||
                memcmp(jobs[t].status, ref->status, sizeof ref->status) != 0) {
                fprintf(stderr, "%s: thread %d differs from the single-threaded reference\n",
                        path, t);
                failures++;
            }
        }
    }
    printf("%s: %d threads x %d rounds x %d rows: %s\n", path, THREADS, ROUNDS, ROWS,
           failures ? "FAILED" : "identical");
    free(ref);
    free(jobs);
    free(x);
    ristra_model_free(m);
    return failures != 0;
}

int main(int argc, char **argv)
{
    int failures = 0;
    for (int i = 1; i < argc; i++)
        failures += check_model(argv[i]);
    return failures != 0 || argc < 2;
}
