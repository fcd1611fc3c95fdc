/* Decimal numbers in population files, parsed exactly and without the
 * C locale: the same text always gives the same double, correctly rounded. */
#ifndef RISTRA_NUMBER_INTERNAL_H
#define RISTRA_NUMBER_INTERNAL_H

#include <stddef.h>

/* Parses s[0..n) as a decimal number: optional sign, digits with an
 * optional '.', optional exponent (e.g. "3", "-0.25", "1e-3", ".5").
 * Surrounding spaces are allowed. Infinity, NaN, hexadecimal and anything
 * else are not numbers. Returns 1 and sets *out, or 0. */
int ristra__parse_number(const char *s, size_t n, double *out);

#endif
