/* CSV text fields: quoting, the formula guard and control escapes
 * (csv_text_internal.h). */
#include "csv_text_internal.h"

#include <stdlib.h>
#include <string.h>

static int is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

static int needs_guard(const char *s, size_t n)
{
    if (n == 0 || s[0] == '\0' || !strchr("=+-@\t\r", s[0]))
        return 0;
    return !(n == 1 && s[0] == '-');
}

static char *put_control(char *o, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    *o++ = '\\';
    *o++ = 'x';
    *o++ = hex[c >> 4];
    *o++ = hex[c & 15];
    return o;
}

char *ristra__csv_put_text(char *o, const char *s, size_t n, int flags)
{
    const int escape = flags & RISTRA__CSV_ESCAPE_CONTROLS;
    int guard = needs_guard(s, n);
    if (guard && escape && is_control((unsigned char)s[0]))
        guard = 0; /* a leading tab or CR becomes "\x09": harmless already */
    int quote = guard;
    for (size_t i = 0; i < n && !quote; i++) {
        unsigned char c = (unsigned char)s[i];
        quote = c == ',' || c == '"' || (!escape && (c == '\r' || c == '\n'));
    }
    if (quote)
        *o++ = '"';
    if (guard)
        *o++ = '\'';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (escape && is_control(c)) {
            o = put_control(o, c);
            continue;
        }
        if (c == '"')
            *o++ = '"';
        *o++ = (char)c;
    }
    if (quote)
        *o++ = '"';
    return o;
}

char *ristra__csv_text(const char *s, int flags)
{
    size_t n = strlen(s);
    char *f = malloc(RISTRA__CSV_TEXT_BOUND(n) + 1);
    if (!f)
        return NULL;
    *ristra__csv_put_text(f, s, n, flags) = '\0';
    return f;
}

char *ristra__escape_controls(const char *s)
{
    size_t n = strlen(s);
    char *f = malloc(4 * n + 1), *o = f;
    if (!f)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (is_control((unsigned char)s[i]))
            o = put_control(o, (unsigned char)s[i]);
        else
            *o++ = s[i];
    }
    *o = '\0';
    return f;
}
