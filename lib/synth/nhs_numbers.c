/* A bijective pseudo-random walk over the NHS number test range.
 *
 * A four-round Feistel network over 20 bits is a permutation of
 * [0, 2^20) for any round keys; "cycle walking" (applying it again while
 * the result is >= 10^6) turns it into a permutation of the 10^6 tails.
 * Visiting tails 0, 1, 2, ... through it and skipping the ~1/11 whose
 * check value is 10 gives every valid test number exactly once, with no
 * table and no visible order. */
#include "../schema/identifiers_internal.h"
#include "nhs_numbers_internal.h"
#include "prng_internal.h"

enum { HALF_BITS = 10, HALF_MASK = (1 << HALF_BITS) - 1 };

void ristra__nhs_walk_init(ristra__nhs_walk *w, uint64_t seed)
{
    ristra__rng r = ristra__rng_stream(seed, RISTRA__RNG_LAYOUT, 1);
    for (int i = 0; i < 4; i++)
        w->keys[i] = ristra__rng_next(&r);
    w->position = 0;
}

static uint32_t feistel(const ristra__nhs_walk *w, uint32_t x)
{
    uint32_t left = x >> HALF_BITS, right = x & HALF_MASK;
    for (int i = 0; i < 4; i++) {
        uint32_t f = (uint32_t)ristra__mix64(right ^ w->keys[i]) & HALF_MASK;
        uint32_t t = right;
        right = left ^ f;
        left = t;
    }
    return (left << HALF_BITS) | right;
}

uint32_t ristra__nhs_walk_permute(const ristra__nhs_walk *w, uint32_t tail)
{
    uint32_t y = feistel(w, tail);
    while (y >= RISTRA__NHS_TEST_TAILS)
        y = feistel(w, y);
    return y;
}

int ristra__nhs_walk_next(ristra__nhs_walk *w, char out[10])
{
    while (w->position < RISTRA__NHS_TEST_TAILS) {
        uint32_t tail = ristra__nhs_walk_permute(w, w->position++);
        int digits[9] = { 9, 9, 9 };
        for (int i = 8; i >= 3; i--, tail /= 10)
            digits[i] = (int)(tail % 10);
        int check = ristra__nhs_check_digit(digits);
        if (check < 0)
            continue;
        for (int i = 0; i < 9; i++)
            out[i] = (char)('0' + digits[i]);
        out[9] = (char)('0' + check);
        return 1;
    }
    return 0;
}
