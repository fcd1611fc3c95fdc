/* Outcomes from the front ends' doubles: 0 and 1 only. */
#include <math.h>

#include "ristra/evaluate.h"
#include "../common/error_internal.h"

int ristra_outcomes_encode(uint8_t *out, const double *y, int64_t n, const char *name)
{
    const char *what = name ? name : "outcome";
    if (n < 0 || ((!out || !y) && n > 0))
        return ristra__error(RISTRA_EINVAL, "ristra_outcomes_encode: %s",
                             n < 0 ? "n is negative" : !out ? "out is NULL" : "y is NULL");
    for (int64_t i = 0; i < n; i++) {
        if (y[i] == 0.0 || y[i] == 1.0)
            continue;
        if (isnan(y[i]))
            return ristra__error(RISTRA_EINVAL, "%s[%lld] is NaN, a missing outcome: leave "
                                 "patients without an outcome out", what, (long long)i);
        return ristra__error(RISTRA_EINVAL, "%s[%lld] is %g, not an outcome (0 or 1)", what,
                             (long long)i, y[i]);
    }
    for (int64_t i = 0; i < n; i++)
        out[i] = (uint8_t)(y[i] == 1.0);
    return RISTRA_OK;
}
