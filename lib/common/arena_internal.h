/* A string arena: copies of short texts handed out to a caller and all
 * freed together. A string once handed out never moves: when the arena is
 * full a larger one is started and the old one is chained behind it until
 * the next reset. */
#ifndef RISTRA_ARENA_INTERNAL_H
#define RISTRA_ARENA_INTERNAL_H

#include <stddef.h>

/* Zero-initialise ({0}) for an empty arena. */
typedef struct ristra__arena {
    char *head;          /* newest chunk; its first bytes link to the older chunk */
    size_t len, cap;     /* bytes used and usable in the newest chunk */
} ristra__arena;

/* Copies text[0..n) with a terminating NUL; NULL when out of memory (the
 * caller reports it). */
const char *ristra__arena_put(ristra__arena *a, const char *text, size_t n);

/* Invalidates every string handed out: frees all chunks but the newest,
 * which is kept (empty) for reuse. */
void ristra__arena_reset(ristra__arena *a);

/* Frees everything and leaves an empty arena. */
void ristra__arena_free(ristra__arena *a);

#endif
