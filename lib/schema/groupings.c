/* The standard groupings of patients (public API in
 * include/ristra/collect.h): what an age, a sex code or an IMD decile
 * means as a group, decided once for every front end. */
#include <math.h>
#include <stdio.h>

#include "ristra/collect.h"
#include "../common/error_internal.h"

/* The first age of each band, and its name. */
static const double AGE_BAND_START[] = { 0, 18, 45, 65, 75, 85 };
static const char *const AGE_BANDS[] = { "0-17", "18-44", "45-64", "65-74", "75-84", "85+" };
enum { N_AGE_BANDS = 6 };

static int32_t label_of(int grouping, double v)
{
    int32_t label = -1;
    switch (grouping) {
    case RISTRA_GROUP_AGE_BAND:
        for (int b = 0; b < N_AGE_BANDS; b++)
            if (v >= AGE_BAND_START[b])
                label = b;
        return label;
    case RISTRA_GROUP_SEX:
        return v == 1.0 ? 1 : v == 0.0 ? 0 : -1;
    case RISTRA_GROUP_DEPRIVATION_DECILE:
        return v >= 1 && v <= 10 && v == floor(v) ? (int32_t)v : -1;
    case RISTRA_GROUP_DEPRIVATION_QUINTILE:
        return v >= 1 && v <= 10 && v == floor(v) ? (int32_t)(v + 1) / 2 : -1;
    default: /* RISTRA_GROUP_COLUMN */
        return v >= 0 && v <= INT32_MAX && v == floor(v) ? (int32_t)v : -1;
    }
}

int ristra_group_labels(int32_t *out, int grouping, const double *values, int64_t n,
                        int64_t stride)
{
    const char *fn = "ristra_group_labels";
    if (!out || (!values && n > 0) || n < 0 || stride < 1)
        return ristra__error(RISTRA_EINVAL, "%s: NULL arrays, n < 0 or stride < 1", fn);
    if (grouping < RISTRA_GROUP_AGE_BAND || grouping > RISTRA_GROUP_COLUMN)
        return ristra__error(RISTRA_EINVAL,
                             "%s: grouping %d is not one of age band, sex, deprivation or "
                             "column (practices: ristra_collected_group)",
                             fn, grouping);
    for (int64_t i = 0; i < n; i++)
        out[i] = label_of(grouping, values[i * stride]);
    return RISTRA_OK;
}

int ristra_group_label_name(char *buf, size_t cap, int grouping, int32_t label)
{
    const char *fn = "ristra_group_label_name";
    if (!buf || cap == 0)
        return ristra__error(RISTRA_EINVAL, "%s: buf is NULL or cap is 0", fn);
    int ok = (label == -1 && grouping >= RISTRA_GROUP_PRACTICE) ||
             (grouping == RISTRA_GROUP_AGE_BAND && label >= 0 && label < N_AGE_BANDS) ||
             (grouping == RISTRA_GROUP_SEX && (label == 0 || label == 1)) ||
             (grouping == RISTRA_GROUP_DEPRIVATION_DECILE && label >= 1 && label <= 10) ||
             (grouping == RISTRA_GROUP_DEPRIVATION_QUINTILE && label >= 1 && label <= 5) ||
             (grouping == RISTRA_GROUP_COLUMN && label >= 0);
    if (!ok || grouping > RISTRA_GROUP_COLUMN)
        return ristra__error(RISTRA_EINVAL, "%s: label %d of grouping %d has no name", fn,
                             (int)label, grouping);
    if (label < 0)
        snprintf(buf, cap, "unknown");
    else if (grouping == RISTRA_GROUP_AGE_BAND)
        snprintf(buf, cap, "%s", AGE_BANDS[label]);
    else if (grouping == RISTRA_GROUP_SEX)
        snprintf(buf, cap, "%s", label ? "female" : "male");
    else if (grouping == RISTRA_GROUP_DEPRIVATION_DECILE)
        snprintf(buf, cap, "decile %d", (int)label);
    else if (grouping == RISTRA_GROUP_DEPRIVATION_QUINTILE)
        snprintf(buf, cap, "quintile %d", (int)label);
    else
        snprintf(buf, cap, "%d", (int)label);
    return RISTRA_OK;
}
