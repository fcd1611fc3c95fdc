/* Big arrays in transparent huge pages (see big_alloc_internal.h).
 *
 * Big blocks are mapped directly rather than taken from malloc: malloc
 * serves them from its heap once its mmap threshold has grown, and heap
 * pages that were touched and trimmed fault in again 4 KiB at a time. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "big_alloc_internal.h"

enum { HUGE_PAGE = 2 * 1024 * 1024 };

/* Whole huge pages: a part page at the end would fault in 4 KiB at a time
 * (at most 2 MiB more per block, and only once touched). */
static size_t mapped_size(size_t bytes)
{
    return (bytes + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
}

void *ristra__big_alloc(size_t bytes)
{
    if (bytes < HUGE_PAGE)
        return malloc(bytes ? bytes : 1);
    if (bytes > SIZE_MAX - 2 * (size_t)HUGE_PAGE)
        return NULL;
    size_t size = mapped_size(bytes);
    /* Map a huge page more than needed, then unmap the ends so that the
     * block starts on a 2 MiB boundary. */
    char *raw = mmap(NULL, size + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    uintptr_t start = ((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    char *p = (char *)start;
    if (p > raw)
        munmap(raw, (size_t)(p - raw));
    size_t tail = (size_t)(raw + size + HUGE_PAGE - (p + size));
    if (tail)
        munmap(p + size, tail);
#ifdef MADV_HUGEPAGE
    (void)madvise(p, size, MADV_HUGEPAGE); /* a refusal (THP off) is fine */
#endif
    return p;
}

void ristra__big_free(void *p, size_t bytes)
{
    if (!p)
        return;
    if (bytes < HUGE_PAGE)
        free(p);
    else
        munmap(p, mapped_size(bytes));
}

void *ristra__big_realloc(void *p, size_t old_bytes, size_t new_bytes)
{
    if (!p)
        return ristra__big_alloc(new_bytes);
    if (old_bytes >= HUGE_PAGE && new_bytes >= HUGE_PAGE) {
        /* The pages move without being copied or touched. */
        void *q = mremap(p, mapped_size(old_bytes), mapped_size(new_bytes), MREMAP_MAYMOVE);
        if (q == MAP_FAILED)
            return NULL;
#ifdef MADV_HUGEPAGE
        (void)madvise(q, mapped_size(new_bytes), MADV_HUGEPAGE);
#endif
        return q;
    }
    void *q = ristra__big_alloc(new_bytes);
    if (!q)
        return NULL;
    memcpy(q, p, old_bytes < new_bytes ? old_bytes : new_bytes);
    ristra__big_free(p, old_bytes);
    return q;
}
