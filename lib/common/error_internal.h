/* Thread-local error messages behind ristra_last_error(). */
#ifndef RISTRA_ERROR_INTERNAL_H
#define RISTRA_ERROR_INTERNAL_H

#include "ristra/common.h"

#if defined(__GNUC__)
#  define RISTRA__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define RISTRA__PRINTF(f, a)
#endif

/* Records a message for ristra_last_error() and returns code, so that a
 * failure reads as: return ristra__error(RISTRA_EINVAL, "x: %s", why); */
int ristra__error(int code, const char *fmt, ...) RISTRA__PRINTF(2, 3);

/* Prepends context ("file.json: ") to the current message and returns code. */
int ristra__error_prefix(int code, const char *fmt, ...) RISTRA__PRINTF(2, 3);

/* Shorthand for the out-of-memory error. */
int ristra__oom(void);

#endif
