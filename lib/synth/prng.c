/* Samplers over splitmix64 streams (see prng_internal.h). */
#include <math.h>

#include "prng_internal.h"

double ristra__rng_normal(ristra__rng *r)
{
    for (;;) {
        double u = 2.0 * ristra__rng_uniform(r) - 1.0;
        double v = 2.0 * ristra__rng_uniform(r) - 1.0;
        double s = u * u + v * v;
        if (s > 0.0 && s < 1.0)
            return u * sqrt(-2.0 * log(s) / s); /* the pair's second value is dropped */
    }
}

int ristra__rng_poisson(ristra__rng *r, double mean)
{
    if (!(mean > 0.0))
        return 0;
    double u = ristra__rng_uniform(r);
    double p = exp(-mean);
    double cdf = p;
    int k = 0;
    /* The cap only matters if exp(-mean) underflows, which the generator's
     * means (a few tens at most) never reach. */
    while (u >= cdf && k < 1000) {
        k++;
        p *= mean / k;
        cdf += p;
    }
    return k;
}

int ristra__rng_binomial(ristra__rng *r, int n, double p)
{
    if (!(p > 0.0))
        return 0;
    if (p >= 1.0)
        return n;
    double u = ristra__rng_uniform(r);
    double q = 1.0 - p;
    double pk = pow(q, n);
    double cdf = pk;
    int k = 0;
    while (u >= cdf && k < n) {
        pk *= (double)(n - k) / (double)(k + 1) * p / q;
        k++;
        cdf += pk;
    }
    return k;
}

int ristra__rng_categorical(ristra__rng *r, const double *cumulative, int n)
{
    double u = ristra__rng_uniform(r);
    for (int i = 0; i < n - 1; i++)
        if (u < cumulative[i])
            return i;
    return n - 1;
}
