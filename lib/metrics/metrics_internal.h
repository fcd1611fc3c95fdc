/* Discrimination and calibration metrics on arrays of risks and outcomes. */
#ifndef RISTRA_METRICS_INTERNAL_H
#define RISTRA_METRICS_INTERNAL_H

#include <stdint.h>

/* The area under the ROC curve of scores against 0/1 outcomes: the
 * probability that a random positive scores above a random negative, ties
 * counting one half (the Mann-Whitney statistic), exact, in O(n log n).
 * NaN when there are no positives or no negatives. */
double ristra__auroc(const double *score, const uint8_t *outcome, int64_t n);

#endif
