/* Big arrays in transparent huge pages (see big_alloc_internal.h). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "big_alloc_internal.h"

enum { HUGE_PAGE = 2 * 1024 * 1024, BIG = 4 * 1024 * 1024 };

void *ristra__big_alloc(size_t bytes)
{
    if (bytes < BIG)
        return malloc(bytes ? bytes : 1);
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    /* Whole huge pages inside the block only; a refusal (THP off) is fine. */
    (void)madvise(p, bytes & ~(size_t)(HUGE_PAGE - 1), MADV_HUGEPAGE);
#endif
    return p;
}

void *ristra__big_realloc(void *p, size_t old_bytes, size_t new_bytes)
{
    if (new_bytes < BIG && old_bytes < BIG)
        return realloc(p, new_bytes ? new_bytes : 1);
    void *q = ristra__big_alloc(new_bytes);
    if (!q)
        return NULL;
    if (p)
        memcpy(q, p, old_bytes < new_bytes ? old_bytes : new_bytes);
    free(p);
    return q;
}
