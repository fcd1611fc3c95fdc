/* Splitting work over threads without oversubscribing the machine. */
#ifndef RISTRA_PARALLEL_INTERNAL_H
#define RISTRA_PARALLEL_INTERNAL_H

#include <stdint.h>

#include "cpu_internal.h"

/* Resolves a caller's thread option: 0 means ristra__cpu_count(); the
 * result is never more than one thread per min_items_per_thread items. */
int ristra__resolve_threads(int requested, int64_t n_items, int64_t min_items_per_thread);

/* The one rule for every n_threads option: 0 to RISTRA_MAX_THREADS.
 * RISTRA_OK, or RISTRA_EINVAL with "<fn>: opts->n_threads is N (expected
 * 0 to 1024)". */
int ristra__check_threads(int n_threads, const char *fn);

/* Calls fn(ctx, begin, end, thread_index) over [0, n_items) split into
 * n_threads contiguous ranges, the first on the calling thread. Returns
 * the first non-zero value returned by fn (in thread order). A range whose
 * thread cannot be started runs on the calling thread instead. */
typedef int (*ristra__range_fn)(void *ctx, int64_t begin, int64_t end, int thread_index);
int ristra__parallel_for(int64_t n_items, int n_threads, ristra__range_fn fn, void *ctx);

#endif
