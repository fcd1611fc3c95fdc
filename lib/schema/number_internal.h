/* Decimal numbers in population files, parsed exactly and without the
 * C locale: the same text always gives the same double, correctly rounded. */
#ifndef RISTRA_NUMBER_INTERNAL_H
#define RISTRA_NUMBER_INTERNAL_H

#include <stddef.h>

/* What ristra__parse_number() returns besides 1 (a number) and 0 (not one). */
enum {
    RISTRA__NUMBER_OVERFLOW = -1,  /* a decimal too large in magnitude for a double (1e400) */
    RISTRA__NUMBER_NO_MEMORY = -2  /* a very long decimal could not be copied */
};

/* Parses s[0..n) as a decimal number: optional sign, digits with an
 * optional '.', optional exponent (e.g. "3", "-0.25", "1e-3", ".5"), of
 * any length, correctly rounded. Surrounding spaces are allowed. Infinity,
 * NaN, hexadecimal and anything else are not numbers. Returns 1 and sets
 * *out; 0 for text that is not a number; RISTRA__NUMBER_OVERFLOW for a
 * decimal beyond the largest double (*out untouched);
 * RISTRA__NUMBER_NO_MEMORY. */
int ristra__parse_number(const char *s, size_t n, double *out);

#endif
