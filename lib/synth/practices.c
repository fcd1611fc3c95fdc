/* Practices: codes, list sizes and deprivation profiles (the assumptions
 * and their sources are in examples/data/README.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/common.h"
#include "../common/error_internal.h"
#include "practices_internal.h"
#include "prng_internal.h"

/* Spread of list sizes: lognormal with this sigma gives England's shape
 * (median ~0.9 of the mean, most lists between a quarter and three times
 * the mean). */
#define LIST_SIZE_SIGMA 0.5

/* First letters of GP practice codes in England (historic NHS regions),
 * and the share of practices with the newer "Y" codes. */
static const char REGION_LETTERS[] = "ABCDEFGHJKLMNP";
#define Y_CODE_SHARE 0.05

/* Up to this many practices, codes look like one area's (one region
 * letter, three "8x" authority prefixes); up to NATIONAL_MAX like
 * England's; beyond that (only stress tests) any letter and five digits. */
enum { LOCAL_MAX = 1000, NATIONAL_MAX = 50000 };

typedef struct code_set {
    uint32_t *slots;      /* 0 = empty, else code value + 1 */
    uint32_t mask;
} code_set;

static uint32_t code_value(const char *code)
{
    return (uint32_t)(code[0] - 'A') * 100000u + (uint32_t)atoi(code + 1);
}

/* Inserts code; returns 0 if it was already there. */
static int code_set_insert(code_set *s, const char *code)
{
    uint32_t v = code_value(code) + 1;
    uint32_t i = (uint32_t)ristra__mix64(v) & s->mask;
    while (s->slots[i]) {
        if (s->slots[i] == v)
            return 0;
        i = (i + 1) & s->mask;
    }
    s->slots[i] = v;
    return 1;
}

typedef struct area {
    char letter;
    char authority[3];   /* the digit after "8" in this area's codes */
} area;

static area pick_area(uint64_t seed)
{
    ristra__rng r = ristra__rng_stream(seed, RISTRA__RNG_LAYOUT, 2);
    area a;
    a.letter = REGION_LETTERS[ristra__rng_below(&r, sizeof REGION_LETTERS - 1)];
    for (int i = 0; i < 3; i++) {
        char d;
        do
            d = (char)('1' + ristra__rng_below(&r, 9));
        while (memchr(a.authority, d, (size_t)i));
        a.authority[i] = d;
    }
    return a;
}

static void draw_code(char code[8], ristra__rng *r, const area *a, int64_t n_practices)
{
    uint32_t number;
    if (n_practices > NATIONAL_MAX) {
        code[0] = (char)('A' + ristra__rng_below(r, 26));
        number = ristra__rng_below(r, 100000);
    } else if (ristra__rng_bernoulli(r, Y_CODE_SHARE)) {
        code[0] = 'Y';
        number = ristra__rng_below(r, 10000); /* Y0dddd */
    } else if (n_practices > LOCAL_MAX) {
        code[0] = REGION_LETTERS[ristra__rng_below(r, sizeof REGION_LETTERS - 1)];
        number = 80000 + 1000 * (1 + ristra__rng_below(r, 9)) + ristra__rng_below(r, 1000);
    } else {
        code[0] = a->letter;
        number = 80000 + 1000 * (uint32_t)(a->authority[ristra__rng_below(r, 3)] - '0') +
                 ristra__rng_below(r, 1000);
    }
    for (int i = 5; i >= 1; i--, number /= 10)
        code[i] = (char)('0' + number % 10);
    code[6] = '\0';
}

/* Every practice gets one patient, and the other n_patients - n_practices
 * are shared in proportion to lognormal weights by rounding the running
 * total: the boundaries never decrease, so every size is >= 1, and the
 * last is pinned, so the sizes sum exactly to n_patients. */
static void assign_sizes(ristra__synth_practice *p, const double *weight, int64_t n,
                         int64_t n_patients)
{
    double total = 0.0;
    for (int64_t k = 0; k < n; k++)
        total += weight[k];
    int64_t spare = n_patients - n, previous = 0;
    double running = 0.0;
    for (int64_t k = 0; k < n; k++) {
        running += weight[k];
        int64_t boundary = (int64_t)floor((double)spare * running / total + 0.5);
        if (k == n - 1 || boundary > spare)
            boundary = spare;
        p[k].size = 1 + boundary - previous;
        previous = boundary;
    }
}

static int by_code(const void *a, const void *b)
{
    return strcmp(((const ristra__synth_practice *)a)->code,
                  ((const ristra__synth_practice *)b)->code);
}

int ristra__synth_practices(ristra__synth_practice **out, int64_t n_practices,
                            int64_t n_patients, uint64_t seed)
{
    *out = NULL;
    size_t n = (size_t)n_practices;
    uint32_t capacity = 16;
    while (capacity < 4 * n)
        capacity *= 2;
    ristra__synth_practice *p = calloc(n, sizeof *p);
    double *weight = malloc(n * sizeof *weight);
    code_set set = { calloc(capacity, sizeof *set.slots), capacity - 1 };
    if (!p || !weight || !set.slots) {
        free(p);
        free(weight);
        free(set.slots);
        return ristra__oom();
    }
    area a = pick_area(seed);
    for (size_t k = 0; k < n; k++) {
        ristra__rng r = ristra__rng_stream(seed, RISTRA__RNG_PRACTICE, k);
        weight[k] = exp(LIST_SIZE_SIGMA * ristra__rng_normal(&r));
        p[k].affluence = ristra__rng_normal(&r);
        do
            draw_code(p[k].code, &r, &a, n_practices);
        while (!code_set_insert(&set, p[k].code));
    }
    free(set.slots);
    assign_sizes(p, weight, n_practices, n_patients);
    free(weight);
    qsort(p, n, sizeof *p, by_code);
    int64_t first = 0;
    for (size_t k = 0; k < n; k++) {
        p[k].first = first;
        first += p[k].size;
    }
    *out = p;
    return RISTRA_OK;
}
