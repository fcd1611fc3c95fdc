/* The link step: margin (log-odds) -> probability, through the model's
 * calibration block when it has one. */
#ifndef RISTRA_LINK_INTERNAL_H
#define RISTRA_LINK_INTERNAL_H

#include <stdint.h>

#include "../model/model_internal.h"

/* prob[r] = sigmoid(cal_intercept + cal_slope * margin[r]), computed in
 * double (without calibration, cal_intercept = 0 and cal_slope = 1). */
void ristra__link_logit(double *prob, const double *margin, int64_t n, const ristra_model *m);

/* The logistic function, accurate in both tails. */
double ristra__sigmoid(double z);

#endif
