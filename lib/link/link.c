/* Links and calibration. */
#include <math.h>

#include "link_internal.h"

double ristra__sigmoid(double z)
{
    if (z >= 0)
        return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

void ristra__link_logit(double *prob, const double *margin, int64_t n, const ristra_model *m)
{
    const double a = m->has_calibration ? m->cal_intercept : 0.0;
    const double b = m->has_calibration ? m->cal_slope : 1.0;
    for (int64_t r = 0; r < n; r++)
        prob[r] = ristra__sigmoid(a + b * margin[r]);
}
