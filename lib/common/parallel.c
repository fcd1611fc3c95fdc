/* Threads for scoring and fitting: contiguous row ranges, one per thread.
 *
 * Threads are started per call rather than pooled: calls that are worth
 * splitting take milliseconds, thread start-up takes microseconds, and an
 * embedded library should leave no threads behind in its host. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>

#include "ristra/common.h"
#include "cpu_internal.h"
#include "error_internal.h"
#include "parallel_internal.h"

int ristra__resolve_threads(int requested, int64_t n_items, int64_t min_items_per_thread)
{
    if (min_items_per_thread < 1)
        min_items_per_thread = 1;
    int64_t useful = n_items / min_items_per_thread;
    if (useful <= 1 || requested == 1)
        return 1; /* small calls never look at the machine */
    int n = requested > 0 ? requested : ristra__cpu_count();
    return n > useful ? (int)useful : n;
}

int ristra__check_threads(int n_threads, const char *fn)
{
    if (n_threads >= 0 && n_threads <= RISTRA_MAX_THREADS)
        return RISTRA_OK;
    return ristra__error(RISTRA_EINVAL, "%s: opts->n_threads is %d (expected 0 to %d, 0 for "
                         "one per CPU)", fn, n_threads, RISTRA_MAX_THREADS);
}

typedef struct range_job {
    ristra__range_fn fn;
    void *ctx;
    int64_t begin, end;
    int index;
    int result;
} range_job;

static void *run_job(void *arg)
{
    range_job *job = arg;
    job->result = job->fn(job->ctx, job->begin, job->end, job->index);
    return NULL;
}

int ristra__parallel_for(int64_t n_items, int n_threads, ristra__range_fn fn, void *ctx)
{
    if (n_threads <= 1 || n_items <= 1)
        return fn(ctx, 0, n_items, 0);
    if (n_threads > n_items)
        n_threads = (int)n_items;

    range_job *jobs = calloc((size_t)n_threads, sizeof *jobs);
    pthread_t *tids = calloc((size_t)n_threads, sizeof *tids);
    char *started = calloc((size_t)n_threads, 1);
    if (!jobs || !tids || !started) {
        free(jobs);
        free(tids);
        free(started);
        return fn(ctx, 0, n_items, 0);
    }
    for (int t = 0; t < n_threads; t++) {
        jobs[t].fn = fn;
        jobs[t].ctx = ctx;
        jobs[t].begin = n_items * t / n_threads;
        jobs[t].end = n_items * (t + 1) / n_threads;
        jobs[t].index = t;
    }
    for (int t = 1; t < n_threads; t++)
        started[t] = pthread_create(&tids[t], NULL, run_job, &jobs[t]) == 0;
    run_job(&jobs[0]);
    /* A range whose thread could not start runs here, in order. */
    for (int t = 1; t < n_threads; t++) {
        if (started[t])
            pthread_join(tids[t], NULL);
        else
            run_job(&jobs[t]);
    }
    int result = 0;
    for (int t = 0; t < n_threads && result == 0; t++)
        result = jobs[t].result;
    free(jobs);
    free(tids);
    free(started);
    return result;
}
