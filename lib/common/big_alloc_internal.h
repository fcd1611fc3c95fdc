/* Memory for big arrays: one entry per patient, megabytes each. */
#ifndef RISTRA_BIG_ALLOC_INTERNAL_H
#define RISTRA_BIG_ALLOC_INTERNAL_H

#include <stddef.h>

/* As malloc(), but for sizes of a few MiB and more asks the kernel for
 * transparent huge pages (madvise MADV_HUGEPAGE, where the kernel allows
 * it). Fresh memory costs a page fault per page touched; on a virtual
 * machine a fault takes microseconds, and a 2 MiB page needs one where 4
 * KiB pages need 512. Free with free(). */
void *ristra__big_alloc(size_t bytes);

/* Grows (or shrinks) a block from ristra__big_alloc() to new_bytes,
 * keeping its first min(old_bytes, new_bytes) bytes; like realloc(), on
 * failure returns NULL and leaves p alone. */
void *ristra__big_realloc(void *p, size_t old_bytes, size_t new_bytes);

#endif
