/* Non-standard JSON: the text is rewritten into standard JSON that jansson
 * parses (non-finite tokens become marker strings, a real that would round
 * differently through double becomes its float's exact decimal), with a
 * record of each rewrite so that errors still point into the original. */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/common.h"
#include "../common/error_internal.h"
#include "json_nonstd_internal.h"

/* The marker strings, each starting with a NUL byte. */
static const char NAN_MARK[] = "\0NaN";
static const char POS_INF_MARK[] = "\0+Infinity";
static const char NEG_INF_MARK[] = "\0-Infinity";

json_t *ristra__json_nonfinite_new(double v)
{
    if (isnan(v))
        return json_stringn(NAN_MARK, sizeof NAN_MARK - 1);
    if (isinf(v))
        return v > 0 ? json_stringn(POS_INF_MARK, sizeof POS_INF_MARK - 1)
                     : json_stringn(NEG_INF_MARK, sizeof NEG_INF_MARK - 1);
    return json_real(v);
}

int ristra__json_nonfinite_value(const json_t *v, double *out)
{
    if (!json_is_string(v) || json_string_length(v) < 1 || json_string_value(v)[0] != '\0')
        return 0;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n == sizeof NAN_MARK - 1 && memcmp(s, NAN_MARK, n) == 0)
        *out = NAN;
    else if (n == sizeof POS_INF_MARK - 1 && memcmp(s, POS_INF_MARK, n) == 0)
        *out = INFINITY;
    else if (n == sizeof NEG_INF_MARK - 1 && memcmp(s, NEG_INF_MARK, n) == 0)
        *out = -INFINITY;
    else
        return 0;
    return 1;
}

/* ------------------------------------------------------------ rewriting */

typedef struct rewrite {
    size_t from, from_len; /* in the original text */
    size_t to, to_len;     /* in the rewritten text */
} rewrite;

typedef struct rewriter {
    const char *text;
    size_t size, pos;
    char *out;
    size_t len, cap;
    rewrite *rw;
    size_t n_rw, cap_rw;
    const char *source;
    int flags;
    locale_t c_locale;
} rewriter;

static int grow(rewriter *w, size_t extra)
{
    if (w->len + extra <= w->cap)
        return RISTRA_OK;
    size_t cap = w->cap ? w->cap : 1024;
    while (cap < w->len + extra)
        cap *= 2;
    char *p = realloc(w->out, cap);
    if (!p)
        return ristra__oom();
    w->out = p;
    w->cap = cap;
    return RISTRA_OK;
}

static int emit(rewriter *w, const char *s, size_t n)
{
    int rc = grow(w, n);
    if (rc)
        return rc;
    memcpy(w->out + w->len, s, n);
    w->len += n;
    return RISTRA_OK;
}

/* Replaces the from_len bytes at w->pos by s. */
static int replace(rewriter *w, size_t from_len, const char *s, size_t n)
{
    if (w->n_rw == w->cap_rw) {
        size_t cap = w->cap_rw ? 2 * w->cap_rw : 16;
        rewrite *p = realloc(w->rw, cap * sizeof *p);
        if (!p)
            return ristra__oom();
        w->rw = p;
        w->cap_rw = cap;
    }
    w->rw[w->n_rw++] = (rewrite){ w->pos, from_len, w->len, n };
    w->pos += from_len;
    return emit(w, s, n);
}

/* Line and column (1-based, in bytes) of an offset into the original. */
static void line_col(const char *text, size_t size, size_t at, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at && i < size; i++) {
        if (text[i] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

static int syntax_error(const rewriter *w, size_t at, const char *what)
{
    int line, col;
    line_col(w->text, w->size, at, &line, &col);
    return ristra__error(RISTRA_EFORMAT, "%s: line %d, column %d: invalid JSON: %s", w->source,
                         line, col, what);
}

static int match(const rewriter *w, const char *word)
{
    size_t n = strlen(word);
    return w->size - w->pos >= n && memcmp(w->text + w->pos, word, n) == 0;
}

/* A string literal, copied as it is; \u0000 is refused so that the marker
 * strings cannot be forged. Unterminated strings are left to jansson. */
static int copy_string(rewriter *w)
{
    size_t i = w->pos + 1;
    while (i < w->size && w->text[i] != '"') {
        if (w->text[i] == '\\' && i + 1 < w->size) {
            if (w->text[i + 1] == 'u' && w->size - i >= 6 && memcmp(w->text + i + 2, "0000", 4) == 0)
                return syntax_error(w, i, "NUL characters (\\u0000) are not allowed in strings");
            i++;
        }
        i++;
    }
    if (i < w->size)
        i++;
    int rc = emit(w, w->text + w->pos, i - w->pos);
    w->pos = i;
    return rc;
}

/* Is d, a double, exactly halfway between two adjacent floats? Only then
 * can rounding the decimal to double first change the float. */
static int is_float_midpoint(double d)
{
    float f = (float)d;
    if ((double)f == d || !isfinite(f))
        return 0;
    float g = nextafterf(f, d > (double)f ? INFINITY : -INFINITY);
    return d - (double)f == (double)g - d;
}

static int is_number_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

static int copy_number(rewriter *w)
{
    size_t end = w->pos;
    int real = 0;
    while (end < w->size && is_number_char(w->text[end])) {
        real |= w->text[end] == '.' || w->text[end] == 'e' || w->text[end] == 'E';
        end++;
    }
    size_t n = end - w->pos;
    if (!real || !(w->flags & RISTRA__JSON_FLOAT32_REALS)) {
        int rc = emit(w, w->text + w->pos, n);
        w->pos = end;
        return rc;
    }
    char token[128];
    if (n >= sizeof token)
        return syntax_error(w, w->pos, "a number with more than 127 characters");
    memcpy(token, w->text + w->pos, n);
    token[n] = '\0';
    locale_t previous = uselocale(w->c_locale);
    char *stop;
    double d = strtod(token, &stop);
    float f = (float)d;
    if (stop == token + n && is_float_midpoint(d))
        f = strtof(token, NULL);
    uselocale(previous);
    if (f == (float)d) { /* also when malformed: jansson will say why */
        int rc = emit(w, token, n);
        w->pos = end;
        return rc;
    }
    char exact[40];
    int len = snprintf(exact, sizeof exact, "%.17g", (double)f);
    if (!strpbrk(exact, ".e")) /* keep it a real */
        len = snprintf(exact, sizeof exact, "%.1f", (double)f);
    return replace(w, n, exact, (size_t)len);
}

static const char NAN_JSON[] = "\"\\u0000NaN\"";
static const char POS_INF_JSON[] = "\"\\u0000+Infinity\"";
static const char NEG_INF_JSON[] = "\"\\u0000-Infinity\"";

static int rewrite_all(rewriter *w)
{
    int rc = RISTRA_OK;
    while (!rc && w->pos < w->size) {
        char c = w->text[w->pos];
        if (c == '"')
            rc = copy_string(w);
        else if (c == 'N' && match(w, "NaN"))
            rc = replace(w, 3, NAN_JSON, sizeof NAN_JSON - 1);
        else if (c == 'I' && match(w, "Infinity"))
            rc = replace(w, 8, POS_INF_JSON, sizeof POS_INF_JSON - 1);
        else if (c == '-' && match(w, "-Infinity"))
            rc = replace(w, 9, NEG_INF_JSON, sizeof NEG_INF_JSON - 1);
        else if (c == '-' || (c >= '0' && c <= '9'))
            rc = copy_number(w);
        else { /* copy up to the next byte that may start a token */
            size_t end = w->pos + 1;
            while (end < w->size && !strchr("\"NI-0123456789", w->text[end]))
                end++;
            rc = emit(w, w->text + w->pos, end - w->pos);
            w->pos = end;
        }
    }
    return rc;
}

/* Maps an offset in the rewritten text back to the original. */
static size_t original_offset(const rewriter *w, size_t at)
{
    size_t lo = 0, hi = w->n_rw;
    while (lo < hi) { /* the first rewrite that starts after at */
        size_t mid = (lo + hi) / 2;
        if (w->rw[mid].to <= at)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return at;
    const rewrite *r = &w->rw[lo - 1];
    if (at < r->to + r->to_len)
        return r->from;
    return r->from + r->from_len + (at - r->to - r->to_len);
}

int ristra__json_parse_nonstd(json_t **out, const char *text, size_t size, const char *source,
                              int flags)
{
    *out = NULL;
    rewriter w = { .text = text, .size = size, .source = source, .flags = flags };
    w.c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!w.c_locale)
        return ristra__oom();
    int rc = grow(&w, size + 1);
    if (!rc)
        rc = rewrite_all(&w);
    freelocale(w.c_locale);
    if (!rc) {
        json_error_t err;
        *out = json_loadb(w.out, w.len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
        if (!*out && json_error_code(&err) == json_error_out_of_memory)
            rc = ristra__oom();
        else if (!*out)
            rc = syntax_error(&w, original_offset(&w, err.position > 0 ? (size_t)err.position : 0),
                              err.text);
    }
    free(w.out);
    free(w.rw);
    return rc;
}
