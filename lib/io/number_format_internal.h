/* Numbers as text for the CSV writers: the shortest decimal that reads
 * back as the same double, and integers, both without printf. */
#ifndef RISTRA_NUMBER_FORMAT_INTERNAL_H
#define RISTRA_NUMBER_FORMAT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Room for any text the functions below write, with its NUL. */
enum { RISTRA__NUMBER_TEXT_MAX = 32 };

/* Writes x as the first of printf's "%.15g", "%.16g" and "%.17g" that
 * strtod() reads back as exactly x (byte for byte the same text), NUL-
 * terminated, into buf (RISTRA__NUMBER_TEXT_MAX bytes); returns its
 * length. Finite x in [1e-6, 2^53) in magnitude (risks, percentiles,
 * sums of risks) take an exact integer path with no printf; others go
 * through snprintf. NaN and infinities come out as printf writes them. */
size_t ristra__format_double(char *buf, double x);

/* Writes v in decimal, NUL-terminated; returns its length. */
size_t ristra__format_int64(char *buf, int64_t v);

#endif
