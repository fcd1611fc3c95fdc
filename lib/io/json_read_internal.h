/* Reading JSON documents (through jansson) with errors that name the file
 * and the JSON path of the offending value, e.g.
 *   "model.json: $.features[3].valid_range[0]: expected a number, got a string". */
#ifndef RISTRA_JSON_READ_INTERNAL_H
#define RISTRA_JSON_READ_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "../common/error_internal.h"

typedef struct ristra__jpath {
    const char *source;
    size_t len;
    char buf[480];
} ristra__jpath;

void ristra__jpath_init(ristra__jpath *p, const char *source);
/* Extend the path; each returns a mark for ristra__jpath_pop(). */
size_t ristra__jpath_key(ristra__jpath *p, const char *key);
size_t ristra__jpath_index(ristra__jpath *p, size_t index);
void ristra__jpath_pop(ristra__jpath *p, size_t mark);
/* Sets "source: path: message" and returns code. */
int ristra__jpath_error(const ristra__jpath *p, int code, const char *fmt, ...)
    RISTRA__PRINTF(3, 4);

/* Parses text; a syntax error names the line and column. */
int ristra__json_parse(json_t **out, const char *text, size_t size, const char *source);

/* "an object", "a string", ... for messages. */
const char *ristra__json_type_name(const json_t *v);

/* Member lookups on object obj (at path p). A missing required member is
 * RISTRA_EFORMAT naming it; a missing optional member leaves *out at its
 * default (NULL for objects, arrays and strings). Wrong types are
 * RISTRA_EFORMAT naming the member's path. */
int ristra__json_object(json_t **out, ristra__jpath *p, json_t *obj, const char *key,
                        int required);
int ristra__json_array(json_t **out, ristra__jpath *p, json_t *obj, const char *key,
                       int required);
int ristra__json_string(const char **out, ristra__jpath *p, json_t *obj, const char *key,
                        int required);
/* Any JSON number (integer or real); must be finite. */
int ristra__json_number(double *out, ristra__jpath *p, json_t *obj, const char *key,
                        int required);
int ristra__json_integer(int64_t *out, ristra__jpath *p, json_t *obj, const char *key,
                         int required);
/* The number at array index i (path p names the array). */
int ristra__json_number_at(double *out, ristra__jpath *p, json_t *array, size_t i);
/* The same for values stored as float32 (tree thresholds and leaves, the
 * base margin): also refused, with the path, when not finite as a float. */
int ristra__json_float(double *out, ristra__jpath *p, json_t *obj, const char *key, int required);
int ristra__json_float_at(double *out, ristra__jpath *p, json_t *array, size_t i);

#endif
