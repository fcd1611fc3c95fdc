/* JSON paths for error messages, and typed member lookups. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ristra/common.h"
#include "json_read_internal.h"

void ristra__jpath_init(ristra__jpath *p, const char *source)
{
    p->source = source;
    p->buf[0] = '$';
    p->buf[1] = '\0';
    p->len = 1;
}

/* Appends text to the path, truncating quietly when it gets too long. */
static size_t append(ristra__jpath *p, const char *text)
{
    size_t mark = p->len;
    size_t room = sizeof p->buf - 1 - p->len;
    size_t n = strlen(text);
    if (n > room)
        n = room;
    memcpy(p->buf + p->len, text, n);
    p->len += n;
    p->buf[p->len] = '\0';
    return mark;
}

size_t ristra__jpath_key(ristra__jpath *p, const char *key)
{
    size_t mark = append(p, ".");
    append(p, key);
    return mark;
}

size_t ristra__jpath_index(ristra__jpath *p, size_t index)
{
    char text[32];
    snprintf(text, sizeof text, "[%zu]", index);
    return append(p, text);
}

void ristra__jpath_pop(ristra__jpath *p, size_t mark)
{
    p->len = mark;
    p->buf[mark] = '\0';
}

int ristra__jpath_error(const ristra__jpath *p, int code, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return ristra__error(code, "%s: %s: %s", p->source, p->buf, what);
}

int ristra__json_parse(json_t **out, const char *text, size_t size, const char *source)
{
    json_error_t err;
    *out = json_loadb(text, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
    if (*out)
        return RISTRA_OK;
    if (json_error_code(&err) == json_error_out_of_memory)
        return ristra__oom();
    return ristra__error(RISTRA_EFORMAT, "%s: line %d, column %d: invalid JSON: %s", source,
                         err.line, err.column, err.text);
}

const char *ristra__json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    case JSON_NULL: return "null";
    }
    return "an unknown value";
}

/* Finds obj[key]; *out = NULL when absent (an error if required). */
static int member(json_t **out, ristra__jpath *p, json_t *obj, const char *key, int required)
{
    *out = json_object_get(obj, key);
    if (!*out && required)
        return ristra__jpath_error(p, RISTRA_EFORMAT, "missing required member \"%s\"", key);
    return RISTRA_OK;
}

static int wrong_type(ristra__jpath *p, const char *key, const char *want, const json_t *v)
{
    size_t mark = ristra__jpath_key(p, key);
    int rc = ristra__jpath_error(p, RISTRA_EFORMAT, "expected %s, got %s", want,
                                 ristra__json_type_name(v));
    ristra__jpath_pop(p, mark);
    return rc;
}

int ristra__json_object(json_t **out, ristra__jpath *p, json_t *obj, const char *key,
                        int required)
{
    int rc = member(out, p, obj, key, required);
    if (rc || !*out)
        return rc;
    if (!json_is_object(*out))
        return wrong_type(p, key, "an object", *out);
    return RISTRA_OK;
}

int ristra__json_array(json_t **out, ristra__jpath *p, json_t *obj, const char *key,
                       int required)
{
    int rc = member(out, p, obj, key, required);
    if (rc || !*out)
        return rc;
    if (!json_is_array(*out))
        return wrong_type(p, key, "an array", *out);
    return RISTRA_OK;
}

int ristra__json_string(const char **out, ristra__jpath *p, json_t *obj, const char *key,
                        int required)
{
    json_t *v;
    int rc = member(&v, p, obj, key, required);
    if (rc || !v)
        return rc;
    if (!json_is_string(v))
        return wrong_type(p, key, "a string", v);
    *out = json_string_value(v);
    return RISTRA_OK;
}

int ristra__json_number(double *out, ristra__jpath *p, json_t *obj, const char *key,
                        int required)
{
    json_t *v;
    int rc = member(&v, p, obj, key, required);
    if (rc || !v)
        return rc;
    if (!json_is_number(v))
        return wrong_type(p, key, "a number", v);
    double d = json_number_value(v);
    if (!isfinite(d)) {
        size_t mark = ristra__jpath_key(p, key);
        rc = ristra__jpath_error(p, RISTRA_EFORMAT, "number is not finite");
        ristra__jpath_pop(p, mark);
        return rc;
    }
    *out = d;
    return RISTRA_OK;
}

int ristra__json_integer(int64_t *out, ristra__jpath *p, json_t *obj, const char *key,
                         int required)
{
    json_t *v;
    int rc = member(&v, p, obj, key, required);
    if (rc || !v)
        return rc;
    if (!json_is_integer(v))
        return wrong_type(p, key, "an integer", v);
    *out = (int64_t)json_integer_value(v);
    return RISTRA_OK;
}

int ristra__json_number_at(double *out, ristra__jpath *p, json_t *array, size_t i)
{
    json_t *v = json_array_get(array, i);
    size_t mark = ristra__jpath_index(p, i);
    int rc = RISTRA_OK;
    if (!v || !json_is_number(v))
        rc = ristra__jpath_error(p, RISTRA_EFORMAT, "expected a number, got %s",
                                 v ? ristra__json_type_name(v) : "nothing");
    else if (!isfinite(json_number_value(v)))
        rc = ristra__jpath_error(p, RISTRA_EFORMAT, "number is not finite");
    else
        *out = json_number_value(v);
    ristra__jpath_pop(p, mark);
    return rc;
}

/* A value the kernel holds as float32 must be finite as a float32: 1e39 is
 * a finite double but an infinite float, and two such leaves of opposite
 * sign would make a NaN margin. (p already names the value.) */
static int check_float(ristra__jpath *p, double d)
{
    if (isfinite((float)d))
        return RISTRA_OK;
    return ristra__jpath_error(p, RISTRA_EFORMAT,
                               "%.17g is not finite as a float32 (the precision the model "
                               "is scored in)",
                               d);
}

int ristra__json_float(double *out, ristra__jpath *p, json_t *obj, const char *key, int required)
{
    double d = 0;
    int present = json_object_get(obj, key) != NULL;
    int rc = ristra__json_number(&d, p, obj, key, required);
    if (rc || !present)
        return rc;
    size_t mark = ristra__jpath_key(p, key);
    rc = check_float(p, d);
    ristra__jpath_pop(p, mark);
    if (!rc)
        *out = d;
    return rc;
}

int ristra__json_float_at(double *out, ristra__jpath *p, json_t *array, size_t i)
{
    double d = 0;
    int rc = ristra__json_number_at(&d, p, array, i);
    if (rc)
        return rc;
    size_t mark = ristra__jpath_index(p, i);
    rc = check_float(p, d);
    ristra__jpath_pop(p, mark);
    if (!rc)
        *out = d;
    return rc;
}
