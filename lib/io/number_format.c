/* Shortest round-trip text for doubles without printf.
 *
 * A ranked list prints three doubles per patient; snprintf and a strtod
 * check per candidate precision would cost more than scoring the patient.
 * For the magnitudes the writers print (risks, percentiles, sums), the
 * exact decimal expansion fits in 128-bit integers: x = m * 2^-s, and
 * x * 10^k = N + r / 2^s with N the 17 leading digits. Rounding N to p
 * digits and deciding whether that decimal reads back as x are then exact
 * integer comparisons against the rounding interval of x (half an ulp
 * either side, ties to the even mantissa, as strtod rounds). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "number_format_internal.h"

__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;

static const uint64_t POW10[20] = {
    UINT64_C(1),
    UINT64_C(10),
    UINT64_C(100),
    UINT64_C(1000),
    UINT64_C(10000),
    UINT64_C(100000),
    UINT64_C(1000000),
    UINT64_C(10000000),
    UINT64_C(100000000),
    UINT64_C(1000000000),
    UINT64_C(10000000000),
    UINT64_C(100000000000),
    UINT64_C(1000000000000),
    UINT64_C(10000000000000),
    UINT64_C(100000000000000),
    UINT64_C(1000000000000000),
    UINT64_C(10000000000000000),
    UINT64_C(100000000000000000),
    UINT64_C(1000000000000000000),
    UINT64_C(10000000000000000000),
};

static const uint64_t HIDDEN_BIT = UINT64_C(1) << 52;
static const uint64_t FRACTION_MASK = (UINT64_C(1) << 52) - 1;

/* floor(e * log10(2)) for |e| < 1650, in integers (78913 / 2^18 ~ log10 2). */
static int floor_log10_pow2(int e)
{
    return (int)(((int64_t)e * 78913) >> 18);
}

/* 10^k for 0 <= k <= 38. */
static u128 pow10_128(int k)
{
    return k <= 19 ? (u128)POW10[k] : (u128)POW10[19] * POW10[k - 19];
}

static size_t format_with_printf(char *buf, double x)
{
    for (int p = 15;; p++) {
        snprintf(buf, RISTRA__NUMBER_TEXT_MAX, "%.*g", p, x);
        if (p == 17 || strtod(buf, NULL) == x)
            return strlen(buf);
    }
}

/* Two digits at a time. */
static const char PAIRS[201] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";

/* Writes the n decimal digits of v (leading zeros included) so that the
 * last lands at end[-1]. Digits go straight to their places: building
 * them in a buffer and copying it costs a store-forwarding stall. */
static void put_digits(char *end, uint64_t v, int n)
{
    while (n >= 2) {
        unsigned two = (unsigned)(v % 100);
        v /= 100;
        end -= 2;
        memcpy(end, PAIRS + 2 * two, 2);
        n -= 2;
    }
    if (n)
        end[-1] = (char)('0' + v % 10);
}

/* Writes the p-digit integer q (10^(p-1) <= q < 10^p), whose first digit
 * has decimal exponent e, as printf's %.{p}g would. */
static size_t emit_g(char *buf, uint64_t q, int p, int e)
{
    int nd = p; /* significant digits once trailing zeros go */
    while (nd > 1 && q % 10 == 0) {
        q /= 10;
        nd--;
    }
    char *o = buf;
    if (e < -4 || e >= p) {
        uint64_t first = q / POW10[nd - 1];
        *o++ = (char)('0' + first);
        if (nd > 1) {
            *o++ = '.';
            put_digits(o + nd - 1, q - first * POW10[nd - 1], nd - 1);
            o += nd - 1;
        }
        *o++ = 'e';
        *o++ = e < 0 ? '-' : '+';
        int a = e < 0 ? -e : e;
        if (a >= 100)
            *o++ = (char)('0' + a / 100);
        *o++ = (char)('0' + a / 10 % 10);
        *o++ = (char)('0' + a % 10);
    } else if (e >= 0) {
        int whole = e + 1;
        if (nd <= whole) { /* an integer: the digits, then zeros */
            put_digits(o + nd, q, nd);
            memset(o + nd, '0', (size_t)(whole - nd));
            o += whole;
        } else {
            int frac = nd - whole;
            uint64_t hi = q / POW10[frac];
            put_digits(o + whole, hi, whole);
            o[whole] = '.';
            put_digits(o + nd + 1, q - hi * POW10[frac], frac);
            o += nd + 1;
        }
    } else {
        *o++ = '0';
        *o++ = '.';
        memset(o, '0', (size_t)(-e - 1));
        o += -e - 1;
        put_digits(o + nd, q, nd);
        o += nd;
    }
    *o = '\0';
    return (size_t)(o - buf);
}

/* The exact path for finite x > 0; returns 0 when x is outside its range. */
static size_t format_exact(char *buf, double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int biased = (int)(bits >> 52) & 0x7ff;
    if (biased == 0 || biased == 0x7ff)
        return 0;
    uint64_t m = (bits & FRACTION_MASK) | HIDDEN_BIT;
    int s = 1075 - biased; /* x = m * 2^-s */
    if (s < 0 || s > 100)
        return 0;
    /* k such that 10^16 <= x * 10^k < 10^17, starting from an estimate
     * through the binary exponent that is at most one off. */
    int k = 16 - floor_log10_pow2(52 - s);
    u128 product = 0;
    uint64_t n17 = 0;
    for (int tries = 0;; tries++) {
        if (k < 0 || k > 22 || tries > 3)
            return 0; /* m * 10^k must stay below 2^128 */
        product = (u128)m * pow10_128(k);
        u128 lead = product >> s;
        if (lead >= POW10[17])
            k--;
        else if (lead < POW10[16])
            k++;
        else {
            n17 = (uint64_t)lead;
            break;
        }
    }
    const u128 r = s ? product & (((u128)1 << s) - 1) : 0; /* x * 10^k = n17 + r / 2^s */
    const u128 ten_k = pow10_128(k);
    const int even = (m & 1) == 0;
    /* Half the gap to the next double below is half as wide at a power of two. */
    const u128 half_up = 2 * ten_k, half_down = m == HIDDEN_BIT && biased > 1 ? ten_k : 2 * ten_k;
    for (int p = 15; p <= 17; p++) {
        const uint64_t unit = POW10[17 - p];
        /* constant divisors, so that the compiler multiplies */
        uint64_t q = p == 15 ? n17 / 100 : p == 16 ? n17 / 10 : n17;
        uint64_t rem = n17 - q * unit;
        /* Round to nearest, ties to even: compare rem + r / 2^s with unit / 2. */
        u128 twice_rest = ((u128)rem << (s + 1)) + (r << 1), unit_scaled = (u128)unit << s;
        if (twice_rest > unit_scaled || (twice_rest == unit_scaled && (q & 1)))
            q++;
        /* 4 * 2^s * (candidate - x * 10^k) against the half-gaps scaled alike
         * (the half-gap is 10^k * 2^-s / 2 in these units before scaling). */
        i128 diff = ((i128)(q * unit) - (i128)n17) * ((i128)1 << (s + 2)) - (i128)(r << 2);
        int reads_back = diff >= 0 ? ((u128)diff < half_up || ((u128)diff == half_up && even))
                                   : ((u128)-diff < half_down || ((u128)-diff == half_down && even));
        if (!reads_back)
            continue;
        int e = 16 - k;
        if (q == POW10[p]) {
            q = POW10[p - 1];
            e++;
        }
        return emit_g(buf, q, p, e);
    }
    return 0; /* 17 digits always read back; not reached */
}

size_t ristra__format_double(char *buf, double x)
{
    if (x < 0 && isfinite(x)) {
        buf[0] = '-';
        size_t n = format_exact(buf + 1, -x);
        if (n)
            return n + 1;
    } else if (x > 0) {
        size_t n = format_exact(buf, x);
        if (n)
            return n;
    }
    return format_with_printf(buf, x);
}

size_t ristra__format_int64(char *buf, int64_t v)
{
    char tmp[24];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t len = 0;
    if (v < 0)
        buf[len++] = '-';
    while (n > 0)
        buf[len++] = tmp[--n];
    buf[len] = '\0';
    return len;
}
