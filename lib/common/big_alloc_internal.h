/* Memory for big arrays: one entry per patient, megabytes each. */
#ifndef RISTRA_BIG_ALLOC_INTERNAL_H
#define RISTRA_BIG_ALLOC_INTERNAL_H

#include <stddef.h>

/* Like malloc(), but blocks of 2 MiB and more are mapped on their own,
 * aligned to 2 MiB, with transparent huge pages asked for (madvise
 * MADV_HUGEPAGE; the kernel may decline). Fresh memory costs a page fault
 * per page touched, which on a virtual machine takes microseconds: a
 * ranking of a million patients touches some 40 MB, ten thousand 4 KiB
 * pages but twenty 2 MiB ones. Free with ristra__big_free() and the same
 * size; NULL on failure. */
void *ristra__big_alloc(size_t bytes);

/* Frees a block from ristra__big_alloc(bytes). NULL is a no-op. */
void ristra__big_free(void *p, size_t bytes);

/* Resizes a block from ristra__big_alloc(old_bytes), keeping its first
 * min(old, new) bytes: mapped blocks are remapped (no copy, so the old and
 * the new never both hold the patients), small ones copied. NULL on
 * failure, with p still valid. */
void *ristra__big_realloc(void *p, size_t old_bytes, size_t new_bytes);

#endif
