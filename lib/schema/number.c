/* Exact decimal parsing. Most fields of a population file are small
 * integers or short decimals ("0", "73", "0.42"): those take a fast path
 * that is exact (Clinger's: a mantissa below 2^53 times or divided by an
 * exactly representable power of ten is one correctly rounded operation).
 * Anything longer goes to strtod on a copy, after checking that the text
 * holds only decimal characters, so locale and "inf"/"nan"/hex spellings
 * never leak in. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "number_internal.h"

static const double POW10[23] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* strtod on a NUL-terminated copy; the text is already known to be a
 * well-formed decimal, so only a '.' radix matters: strtod in the "C"
 * locale is what the host has unless it called setlocale(), and a
 * non-'.' radix is caught by the end-pointer check. A decimal of any
 * length is converted (correctly rounded, as strtod does): a long one is
 * copied to the heap. One too large for a double is an overflow, not "not
 * a number". */
static int slow_path(const char *s, size_t n, double *out)
{
    char small[128];
    char *buf = n < sizeof small ? small : malloc(n + 1);
    if (!buf)
        return RISTRA__NUMBER_NO_MEMORY;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end = NULL;
    double v = strtod(buf, &end);
    int ok = end == buf + n;
    if (buf != small)
        free(buf);
    if (!ok)
        return 0;
    if (!isfinite(v))
        return RISTRA__NUMBER_OVERFLOW;
    *out = v;
    return 1;
}

int ristra__parse_number(const char *s, size_t n, double *out)
{
    while (n > 0 && s[0] == ' ')
        s++, n--;
    while (n > 0 && s[n - 1] == ' ')
        n--;
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    uint64_t m = 0;
    int digits = 0;   /* significant digits in m */
    int exp10 = 0;
    int seen = 0;     /* any mantissa digit at all */
    int exact = 1;    /* no significant digit was dropped */
    for (; i < n && is_digit(s[i]); i++) {
        int d = s[i] - '0';
        seen = 1;
        if (m == 0 && d == 0)
            continue;
        if (digits < 19) {
            m = m * 10 + (uint64_t)d;
            digits++;
        } else {
            exp10++;
            exact &= d == 0;
        }
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && is_digit(s[i]); i++) {
            int d = s[i] - '0';
            seen = 1;
            if (m == 0 && d == 0) {
                exp10--;
                continue;
            }
            if (digits < 19) {
                m = m * 10 + (uint64_t)d;
                digits++;
                exp10--;
            } else {
                exact &= d == 0;
            }
        }
    }
    if (!seen)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            eneg = s[i++] == '-';
        if (i == n || !is_digit(s[i]))
            return 0;
        int e = 0;
        for (; i < n && is_digit(s[i]); i++)
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
        exp10 += eneg ? -e : e;
    }
    if (i != n)
        return 0;
    if (m == 0) {
        *out = neg ? -0.0 : 0.0;
        return 1;
    }
    if (exact && m <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)m;
        v = exp10 < 0 ? v / POW10[-exp10] : v * POW10[exp10];
        *out = neg ? -v : v;
        return 1;
    }
    return slow_path(s, n, out);
}
