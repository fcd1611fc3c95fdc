/* A growing text buffer written with printf formats, for files built in
 * memory before they are written in one go (plots, CSV summaries). */
#ifndef RISTRA_TEXT_INTERNAL_H
#define RISTRA_TEXT_INTERNAL_H

#include <stddef.h>

#include "error_internal.h"

/* Zero-initialise ({0}) for an empty text. */
typedef struct ristra__text {
    char *p;
    size_t len, cap;
    int failed;      /* out of memory (or a format error): nothing more is added */
} ristra__text;

/* Appends the formatted text; on failure sets t->failed. */
void ristra__text_put(ristra__text *t, const char *fmt, ...) RISTRA__PRINTF(2, 3);

#endif
