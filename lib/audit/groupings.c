/* The groupings of a population (age band, sex, deprivation, any coded
 * column): one rule, used by the audit, ristra evaluate and the bindings. */
#include <math.h>
#include <stdio.h>

#include "ristra/audit.h"
#include "../common/error_internal.h"

static const double AGE_BAND_START[] = { 0, 18, 45, 65, 75, 85 };
static const char *const AGE_BANDS[] = { "0-17", "18-44", "45-64", "65-74", "75-84", "85+" };
enum { N_AGE_BANDS = 6 };

static int32_t deprivation_decile(double v)
{
    return v >= 1 && v <= 10 && v == floor(v) ? (int32_t)v : RISTRA_GROUP_UNKNOWN;
}

int32_t ristra_group_label(int grouping, double v)
{
    int32_t label = RISTRA_GROUP_UNKNOWN;
    switch (grouping) {
    case RISTRA_GROUPING_AGE_BAND:
        for (int b = 0; b < N_AGE_BANDS; b++)
            if (v >= AGE_BAND_START[b])
                label = b;
        return label;
    case RISTRA_GROUPING_SEX:
        return v == 1.0 ? 1 : v == 0.0 ? 0 : RISTRA_GROUP_UNKNOWN;
    case RISTRA_GROUPING_DEPRIVATION_DECILE:
        return deprivation_decile(v);
    case RISTRA_GROUPING_DEPRIVATION_QUINTILE:
        label = deprivation_decile(v);
        return label == RISTRA_GROUP_UNKNOWN ? label : (label + 1) / 2;
    case RISTRA_GROUPING_VALUE:
        return v == floor(v) && v > (double)INT32_MIN && v <= (double)INT32_MAX
                   ? (int32_t)v
                   : RISTRA_GROUP_UNKNOWN;
    default:
        return RISTRA_GROUP_UNKNOWN;
    }
}

int ristra_group_name(char *out, size_t size, int grouping, int32_t label)
{
    if (!out || size == 0)
        return ristra__error(RISTRA_EINVAL, "ristra_group_name: %s",
                             out ? "size is 0" : "out is NULL");
    int n;
    if (label == RISTRA_GROUP_UNKNOWN)
        n = snprintf(out, size, "unknown");
    else if (grouping == RISTRA_GROUPING_AGE_BAND && label >= 0 && label < N_AGE_BANDS)
        n = snprintf(out, size, "%s", AGE_BANDS[label]);
    else if (grouping == RISTRA_GROUPING_SEX)
        n = snprintf(out, size, "%s", label ? "female" : "male");
    else if (grouping == RISTRA_GROUPING_DEPRIVATION_DECILE)
        n = snprintf(out, size, "decile %d", (int)label);
    else if (grouping == RISTRA_GROUPING_DEPRIVATION_QUINTILE)
        n = snprintf(out, size, "quintile %d", (int)label);
    else
        n = snprintf(out, size, "%d", (int)label);
    if (n < 0 || (size_t)n >= size) {
        out[0] = '\0';
        return ristra__error(RISTRA_EINVAL, "ristra_group_name: the name does not fit in %zu "
                             "bytes", size);
    }
    return n;
}
