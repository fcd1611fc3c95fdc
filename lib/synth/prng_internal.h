/* Random numbers for the synthetic population: counter-based splitmix64
 * streams and the few samplers the generator needs. Our own, not rand(),
 * so that a seed gives the same population on every platform and build. */
#ifndef RISTRA_SYNTH_PRNG_INTERNAL_H
#define RISTRA_SYNTH_PRNG_INTERNAL_H

#include <stdint.h>

/* One independent stream. Each patient (and each practice) gets its own,
 * keyed by (seed, purpose, index), so a row depends on nothing generated
 * before it: the output cannot depend on the order or the threads that
 * produce it. */
typedef struct ristra__rng {
    uint64_t state;
} ristra__rng;

/* Stream purposes: distinct keys so that, say, patient 7 and practice 7
 * never share a stream. */
enum { RISTRA__RNG_PATIENT = 1, RISTRA__RNG_PRACTICE = 2, RISTRA__RNG_LAYOUT = 3 };

/* splitmix64's finaliser: a bijective 64-bit mix (Stafford variant 13). */
static inline uint64_t ristra__mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline ristra__rng ristra__rng_stream(uint64_t seed, uint64_t purpose, uint64_t index)
{
    ristra__rng r;
    r.state = ristra__mix64(ristra__mix64(seed ^ (purpose << 56)) + index * 0x9e3779b97f4a7c15ull);
    return r;
}

static inline uint64_t ristra__rng_next(ristra__rng *r)
{
    return ristra__mix64(r->state += 0x9e3779b97f4a7c15ull);
}

/* Uniform on [0, 1) with 53 random bits. */
static inline double ristra__rng_uniform(ristra__rng *r)
{
    return (double)(ristra__rng_next(r) >> 11) * 0x1.0p-53;
}

static inline int ristra__rng_bernoulli(ristra__rng *r, double p)
{
    return ristra__rng_uniform(r) < p;
}

/* Uniform integer in [0, n), n >= 1 (Lemire's multiply-shift; the bias of
 * at most n / 2^64 is far below anything the generator could show). */
static inline uint32_t ristra__rng_below(ristra__rng *r, uint32_t n)
{
    return (uint32_t)(((ristra__rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Standard normal (Marsaglia's polar method). */
double ristra__rng_normal(ristra__rng *r);

/* Poisson(mean) by inversion; mean is at most a few tens here. */
int ristra__rng_poisson(ristra__rng *r, double mean);

/* Binomial(n, p) by inversion, for small n. */
int ristra__rng_binomial(ristra__rng *r, int n, double p);

/* An index into cumulative[0..n) (increasing, last = 1): the first i with
 * u < cumulative[i]. */
int ristra__rng_categorical(ristra__rng *r, const double *cumulative, int n);

#endif
