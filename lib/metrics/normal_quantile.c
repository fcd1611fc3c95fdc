/* The standard normal quantile function: Wichura (1988), "Algorithm AS 241:
 * the percentage points of the normal distribution", Applied Statistics
 * 37(3), 477-484, the PPND16 variant (about 16 digits), which is what R's
 * qnorm() computes. The rational functions are evaluated in R's order, so
 * confidence intervals agree with pROC's to the last bit or two. */
#include <math.h>

#include "metrics_internal.h"

/* Horner's rule, highest coefficient first: c[0] * x^(k-1) + ... + c[k-1]. */
static double horner(const double *c, int k, double x)
{
    double acc = c[0];
    for (int i = 1; i < k; i++)
        acc = acc * x + c[i];
    return acc;
}

/* Central region, |p - 0.5| <= 0.425, in r = 0.180625 - q^2. */
static const double central_num[8] = {
    2509.0809287301226727, 33430.575583588128105, 67265.770927008700853,
    45921.953931549871457, 13731.693765509461125, 1971.5909503065514427,
    133.14166789178437745, 3.387132872796366608,
};
static const double central_den[8] = {
    5226.495278852854561, 28729.085735721942674, 39307.89580009271061,
    21213.794301586595867, 5394.1960214247511077, 687.1870074920579083,
    42.313330701600911252, 1.0,
};

/* Intermediate tail, r = sqrt(-log(min(p, 1 - p))) <= 5, in r - 1.6. */
static const double near_num[8] = {
    7.7454501427834140764e-4, 0.0227238449892691845833, 0.24178072517745061177,
    1.27045825245236838258, 3.64784832476320460504, 5.7694972214606914055,
    4.6303378461565452959, 1.42343711074968357734,
};
static const double near_den[8] = {
    1.05075007164441684324e-9, 5.475938084995344946e-4, 0.0151986665636164571966,
    0.14810397642748007459, 0.68976733498510000455, 1.6763848301838038494,
    2.05319162663775882187, 1.0,
};

/* Far tail, r > 5, in r - 5. */
static const double far_num[8] = {
    2.01033439929228813265e-7, 2.71155556874348757815e-5, 0.0012426609473880784386,
    0.026532189526576123093, 0.29656057182850489123, 1.7848265399172913358,
    5.4637849111641143699, 6.6579046435011037772,
};
static const double far_den[8] = {
    2.04426310338993978564e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5,
    7.868691311456132591e-4, 0.0148753612908506148525, 0.13692988092273580531,
    0.59983220655588793769, 1.0,
};

double ristra__normal_quantile(double p)
{
    if (!(p > 0.0 && p < 1.0))
        return p == 0.0 ? -INFINITY : p == 1.0 ? INFINITY : NAN;
    double q = p - 0.5;
    if (fabs(q) <= 0.425) {
        double r = 0.180625 - q * q;
        return q * horner(central_num, 8, r) / horner(central_den, 8, r);
    }
    double r = sqrt(-log(q < 0.0 ? p : 1.0 - p));
    double z;
    if (r <= 5.0) {
        r -= 1.6;
        z = horner(near_num, 8, r) / horner(near_den, 8, r);
    } else {
        r -= 5.0;
        z = horner(far_num, 8, r) / horner(far_den, 8, r);
    }
    return q < 0.0 ? -z : z;
}
