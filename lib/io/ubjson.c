/* A strict UBJSON decoder into jansson trees. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ristra/common.h"
#include "../common/error_internal.h"
#include "json_nonstd_internal.h"
#include "ubjson_internal.h"

/* Far deeper than any model file nests (XGBoost's go 6 levels deep), and
 * shallow enough that the recursion cannot exhaust a thread's stack. */
enum { MAX_DEPTH = 64 };

typedef struct ubj {
    const unsigned char *p;
    size_t n, pos;
    const char *source;
    int depth;
} ubj;

static int fail(const ubj *u, size_t at, const char *fmt, ...) RISTRA__PRINTF(3, 4);

static int fail(const ubj *u, size_t at, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return ristra__error(RISTRA_EFORMAT, "%s: byte %zu: invalid UBJSON: %s", u->source, at, what);
}

static int need(const ubj *u, size_t k, const char *what)
{
    if (u->n - u->pos >= k)
        return RISTRA_OK;
    if (u->pos == u->n)
        return fail(u, u->pos, "truncated: the data ends where %s should be", what);
    return fail(u, u->pos, "truncated: %s needs %zu bytes, %zu left", what, k, u->n - u->pos);
}

static int next_marker(ubj *u, unsigned char *m, const char *what)
{
    int rc = need(u, 1, what);
    if (!rc)
        *m = u->p[u->pos++];
    return rc;
}

static uint64_t big_endian(const unsigned char *b, size_t k)
{
    uint64_t v = 0;
    for (size_t i = 0; i < k; i++)
        v = v << 8 | b[i];
    return v;
}

/* Payload size of a scalar number marker, 0 for anything else. */
static size_t number_size(unsigned char m)
{
    switch (m) {
    case 'i': case 'U': case 'C': return 1;
    case 'I': return 2;
    case 'l': case 'd': return 4;
    case 'L': case 'D': return 8;
    default: return 0;
    }
}

static int is_integer_marker(unsigned char m)
{
    return m == 'i' || m == 'U' || m == 'I' || m == 'l' || m == 'L';
}

/* The number after marker m (whose payload is known to be there). */
static json_t *number_at(const unsigned char *b, unsigned char m, int64_t *as_int)
{
    uint64_t bits = big_endian(b, number_size(m));
    int64_t i;
    switch (m) {
    case 'i': case 'C': i = (int8_t)bits; break;
    case 'U': i = (uint8_t)bits; break;
    case 'I': i = (int16_t)bits; break;
    case 'l': i = (int32_t)bits; break;
    case 'L': i = (int64_t)bits; break;
    case 'd': {
        uint32_t b32 = (uint32_t)bits;
        float f;
        memcpy(&f, &b32, sizeof f);
        return ristra__json_nonfinite_new((double)f);
    }
    default: { /* 'D' */
        double d;
        memcpy(&d, &bits, sizeof d);
        return ristra__json_nonfinite_new(d);
    }
    }
    if (as_int)
        *as_int = i;
    return json_integer((json_int_t)i);
}

/* A count or length: an integer marker and a non-negative value that fits
 * in the bytes left, each element needing at least min_bytes of them. */
static int read_count(ubj *u, size_t *out, size_t min_bytes, const char *what)
{
    size_t at = u->pos;
    unsigned char m;
    int rc = next_marker(u, &m, what);
    if (rc)
        return rc;
    if (!is_integer_marker(m))
        return fail(u, at, "%s must be an integer (i, U, I, l or L), got marker 0x%02x", what, m);
    if ((rc = need(u, number_size(m), what)))
        return rc;
    int64_t v = 0;
    json_decref(number_at(u->p + u->pos, m, &v));
    u->pos += number_size(m);
    if (v < 0)
        return fail(u, at, "%s is negative (%lld)", what, (long long)v);
    if ((uint64_t)v > (u->n - u->pos) / min_bytes)
        return fail(u, at, "truncated: %s is %lld but only %zu bytes are left", what,
                    (long long)v, u->n - u->pos);
    *out = (size_t)v;
    return RISTRA_OK;
}

static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 9;
        if (k == 9 || n - i <= k) /* not a lead byte, or cut short */
            return 0;
        uint32_t cp = k == 0 ? c : c & (0x3fu >> k);
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        static const uint32_t min_cp[] = { 0, 0x80, 0x800, 0x10000 };
        if (cp < min_cp[k] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += k + 1;
    }
    return 1;
}

/* A string's length and bytes (the 'S' marker already read). */
static int read_string(ubj *u, const char **s, size_t *len, const char *what)
{
    size_t at = u->pos;
    char length[64];
    snprintf(length, sizeof length, "the length of %s", what);
    int rc = read_count(u, len, 1, length);
    if (rc)
        return rc;
    *s = (const char *)u->p + u->pos;
    if (memchr(*s, '\0', *len))
        return fail(u, at, "%s contains a NUL byte", what);
    if (!valid_utf8((const unsigned char *)*s, *len))
        return fail(u, at, "%s is not valid UTF-8", what);
    u->pos += *len;
    return RISTRA_OK;
}

static int parse_value(ubj *u, json_t **out);

static int append(json_t *array, json_t *v)
{
    return v && json_array_append_new(array, v) == 0 ? RISTRA_OK : ristra__oom();
}

/* "[$t#n" followed by n packed values of type t. */
static int parse_typed_array(ubj *u, json_t *array)
{
    size_t at = u->pos;
    unsigned char t;
    int rc = next_marker(u, &t, "a typed array's element type");
    if (rc)
        return rc;
    size_t size = number_size(t);
    if (!size || t == 'C')
        return fail(u, at, "typed arrays of marker 0x%02x are not supported", t);
    at = u->pos;
    unsigned char hash;
    if ((rc = next_marker(u, &hash, "'#' after a typed array's type")))
        return rc;
    if (hash != '#')
        return fail(u, at, "expected '#' (a count) after a typed array's type, got 0x%02x", hash);
    size_t count;
    if ((rc = read_count(u, &count, size, "a typed array's count")))
        return rc;
    for (size_t i = 0; i < count && !rc; i++, u->pos += size)
        rc = append(array, number_at(u->p + u->pos, t, NULL));
    return rc;
}

static int parse_array(ubj *u, json_t **out)
{
    json_t *array = *out = json_array();
    if (!array)
        return ristra__oom();
    if (u->pos < u->n && u->p[u->pos] == '$') {
        u->pos++;
        return parse_typed_array(u, array);
    }
    int rc = RISTRA_OK;
    if (u->pos < u->n && u->p[u->pos] == '#') {
        u->pos++;
        size_t count;
        rc = read_count(u, &count, 1, "an array's count");
        for (size_t i = 0; i < count && !rc; i++) {
            json_t *v = NULL;
            rc = parse_value(u, &v);
            if (!rc)
                rc = append(array, v);
            else
                json_decref(v);
        }
        return rc;
    }
    for (;;) {
        if ((rc = need(u, 1, "an array element or ']'")))
            return rc;
        if (u->p[u->pos] == ']') {
            u->pos++;
            return RISTRA_OK;
        }
        json_t *v = NULL;
        rc = parse_value(u, &v);
        if (!rc)
            rc = append(array, v);
        else
            json_decref(v);
        if (rc)
            return rc;
    }
}

static int parse_object(ubj *u, json_t **out)
{
    json_t *obj = *out = json_object();
    if (!obj)
        return ristra__oom();
    for (;;) {
        int rc = need(u, 1, "an object key or '}'");
        if (rc)
            return rc;
        if (u->p[u->pos] == '}') {
            u->pos++;
            return RISTRA_OK;
        }
        size_t at = u->pos;
        const char *key;
        size_t len;
        if ((rc = read_string(u, &key, &len, "an object key")))
            return rc;
        if (json_object_getn(obj, key, len))
            return fail(u, at, "duplicate object key \"%.*s\"", (int)(len < 64 ? len : 64), key);
        json_t *v = NULL;
        rc = parse_value(u, &v);
        if (!rc && json_object_setn_new(obj, key, len, v) != 0)
            rc = ristra__oom();
        else if (rc)
            json_decref(v);
        if (rc)
            return rc;
    }
}

static int parse_value(ubj *u, json_t **out)
{
    *out = NULL;
    size_t at = u->pos;
    unsigned char m;
    int rc = next_marker(u, &m, "a value");
    if (rc)
        return rc;
    switch (m) {
    case '{':
    case '[':
        if (u->depth >= MAX_DEPTH)
            return fail(u, at, "nested more than %d levels deep", MAX_DEPTH);
        u->depth++;
        rc = m == '{' ? parse_object(u, out) : parse_array(u, out);
        u->depth--;
        return rc;
    case 'Z': *out = json_null(); return RISTRA_OK;
    case 'T': *out = json_true(); return RISTRA_OK;
    case 'F': *out = json_false(); return RISTRA_OK;
    case 'S': {
        const char *s;
        size_t len;
        if ((rc = read_string(u, &s, &len, "a string")))
            return rc;
        *out = json_stringn(s, len);
        return *out ? RISTRA_OK : ristra__oom();
    }
    default:
        break;
    }
    size_t size = number_size(m);
    if (!size)
        return fail(u, at, "unknown or unsupported marker 0x%02x%s", m,
                    m == 'H' ? " (high-precision numbers)" : m == 'N' ? " (no-op)" : "");
    if ((rc = need(u, size, "a number")))
        return rc;
    *out = number_at(u->p + u->pos, m, NULL);
    u->pos += size;
    return *out ? RISTRA_OK : ristra__oom();
}

int ristra__ubjson_parse(json_t **out, const void *data, size_t size, const char *source)
{
    ubj u = { data, size, 0, source, 0 };
    json_t *doc = NULL;
    int rc = parse_value(&u, &doc);
    if (!rc && u.pos != u.n)
        rc = fail(&u, u.pos, "trailing data (%zu bytes) after the document", u.n - u.pos);
    if (rc) {
        json_decref(doc);
        doc = NULL;
    }
    *out = doc;
    return rc;
}

int ristra__ubjson_sniff(const void *data, size_t size)
{
    const unsigned char *p = data;
    return size >= 2 && p[0] == '{' && is_integer_marker(p[1]);
}
