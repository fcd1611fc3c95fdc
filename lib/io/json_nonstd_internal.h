/* JSON as numeric libraries write it, beyond RFC 8259: the bare tokens
 * NaN, Infinity and -Infinity, and reals that stand for float32 values
 * (XGBoost's model files). Parsed into jansson trees so that one reader
 * serves this text and UBJSON (ubjson_internal.h) alike. */
#ifndef RISTRA_JSON_NONSTD_INTERNAL_H
#define RISTRA_JSON_NONSTD_INTERNAL_H

#include <stddef.h>
#include <jansson.h>

/* jansson cannot hold NaN or an infinity, so these parsers store a
 * non-finite number as a string holding a NUL byte and then "NaN",
 * "+Infinity" or "-Infinity". The parsers refuse NUL characters in real
 * strings, so such a value never comes from the input's own strings. */
json_t *ristra__json_nonfinite_new(double v);
/* 1 with *out set when v is such a value; 0 otherwise. */
int ristra__json_nonfinite_value(const json_t *v, double *out);

/* With this flag a real (a number with a fraction or an exponent) that
 * XGBoost would read as float32 gives exactly that float when cast with
 * (float): the text is rounded once, as strtof() rounds it in the C
 * locale, never double-rounded through the nearest double (which picks
 * the other float for a decimal just off a midpoint between two floats). */
enum { RISTRA__JSON_FLOAT32_REALS = 1 };

/* Parses text that may use NaN, Infinity and -Infinity as numbers.
 * Errors are RISTRA_EFORMAT naming source and the line and column in the
 * caller's text. */
int ristra__json_parse_nonstd(json_t **out, const char *text, size_t size, const char *source,
                              int flags);

#endif
