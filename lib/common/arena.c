/* The string arena (see arena_internal.h). */
#include <stdlib.h>
#include <string.h>

#include "arena_internal.h"

static void free_chain(char *chunk)
{
    while (chunk) {
        char *prev;
        memcpy(&prev, chunk, sizeof prev);
        free(chunk);
        chunk = prev;
    }
}

const char *ristra__arena_put(ristra__arena *a, const char *text, size_t n)
{
    if (a->len + n + 1 > a->cap) {
        size_t cap = (a->cap + n + 1) * 2;
        char *chunk = malloc(cap + sizeof(char *));
        if (!chunk)
            return NULL;
        memcpy(chunk, &a->head, sizeof(char *)); /* link to the previous chunk */
        a->head = chunk;
        a->cap = cap;
        a->len = 0;
    }
    char *dst = a->head + sizeof(char *) + a->len;
    if (n)
        memcpy(dst, text, n);
    dst[n] = '\0';
    a->len += n + 1;
    return dst;
}

void ristra__arena_reset(ristra__arena *a)
{
    if (a->head) {
        char *prev;
        memcpy(&prev, a->head, sizeof prev);
        free_chain(prev);
        char *none = NULL;
        memcpy(a->head, &none, sizeof none);
    }
    a->len = 0;
}

void ristra__arena_free(ristra__arena *a)
{
    free_chain(a->head);
    a->head = NULL;
    a->len = a->cap = 0;
}
