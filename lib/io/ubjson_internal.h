/* UBJSON (Universal Binary JSON, big-endian) as XGBoost writes it: objects,
 * arrays with or without a count, typed arrays ("[$d#L<n>" and the like),
 * strings, integers, float32/float64, true/false/null. Decoded into a
 * jansson tree so that the same reader serves JSON text and UBJSON. */
#ifndef RISTRA_UBJSON_INTERNAL_H
#define RISTRA_UBJSON_INTERNAL_H

#include <stddef.h>
#include <jansson.h>

/* Strict: a malformed, truncated or over-deep document, an unknown
 * marker, a count larger than the bytes left, invalid UTF-8, a NUL in a
 * string, a duplicate key or bytes after the value are RISTRA_EFORMAT
 * naming source and the byte offset. Non-finite floats become the marker
 * values of json_nonstd_internal.h. Memory is bounded by the input: every
 * element needs at least one byte of it. */
int ristra__ubjson_parse(json_t **out, const void *data, size_t size, const char *source);

/* Does data look like UBJSON rather than JSON text (an object whose first
 * key starts with a UBJSON length marker)? */
int ristra__ubjson_sniff(const void *data, size_t size);

#endif
