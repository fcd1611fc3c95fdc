/*
 * ristra: local recalibration of a model.
 *
 * A model moved to another population usually still ranks patients well
 * but misjudges their level of risk: the local admission rate differs, or
 * the risks are too extreme or too modest. Recalibration keeps the model
 * and refits only its calibration block (models/FORMAT.md, "Calibration")
 * against local outcomes, on the logit scale:
 *
 *   intercept: logit P(y = 1) = a + z          (R: glm(y ~ 1 + offset(z), binomial))
 *   logistic:  logit P(y = 1) = a + b z        (R: glm(y ~ z, binomial))
 *
 * where z = c0 + c1 m is the model's current log-odds (its margin m
 * through its current calibration block c0, c1; z = m without one). The
 * new block composes the fit with the old one: intercept c0 + a, slope c1
 * (intercept method) or intercept a + b c0, slope b c1 (logistic method),
 * so the recalibrated model's risks are exactly the fitted risks of the
 * regression above. The model's metadata records what was done, on which
 * population and when (metadata.recalibration, see models/FORMAT.md).
 */
#ifndef RISTRA_CALIBRATE_H
#define RISTRA_CALIBRATE_H

#include "ristra/model.h"

RISTRA_BEGIN_DECL

/** A model's calibration block (see ristra_model_calibration()). */
typedef struct ristra_calibration {
    int version;         /**< RISTRA_CALIBRATION_VERSION, set by the caller */
    int present;         /**< 1 when the model has a calibration block, else 0 */
    /** probability = 1 / (1 + exp(-(intercept + slope * margin))); 0 without a block */
    double intercept;
    double slope;        /**< 1 without a block */
} ristra_calibration;

#define RISTRA_CALIBRATION_VERSION 1
#define RISTRA_CALIBRATION_INIT { RISTRA_CALIBRATION_VERSION, 0, 0.0, 1.0 }

/**
 * The model's calibration block.
 * @param[out] out  filled in; out->version must be set (RISTRA_CALIBRATION_INIT).
 * @return RISTRA_OK; RISTRA_EINVAL (NULL, unknown out->version).
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_model_calibration(ristra_calibration *out, const ristra_model *model);

/** What ristra_model_recalibrate() refits. Values are pinned. */
typedef enum ristra_recalibrate_method {
    /** calibration-in-the-large: a shift of the log-odds, slope kept */
    RISTRA_RECALIBRATE_INTERCEPT = 1,
    /** logistic recalibration: a new intercept and slope on the log-odds */
    RISTRA_RECALIBRATE_LOGISTIC = 2
} ristra_recalibrate_method;

/** Options for ristra_model_recalibrate(). */
typedef struct ristra_recalibrate_options {
    int version;        /**< RISTRA_RECALIBRATE_OPTIONS_VERSION */
    /**
     * Required: the population whose outcomes were used, in words (for
     * example "Practice lists of NHS Anywhere ICB, outcomes 2024-25").
     * Recorded in metadata.recalibration[].population.description.
     */
    const char *population_description;
    /**
     * When the recalibration happened, in UTC: "YYYY-MM-DD" or
     * "YYYY-MM-DDThh:mm:ssZ" (ISO 8601). NULL (the default) for the
     * current time, "YYYY-MM-DDThh:mm:ssZ". Set it for reproducible output.
     */
    const char *date;
    /** The new model's metadata.version; NULL (the default) keeps the old one. */
    const char *model_version;
} ristra_recalibrate_options;

#define RISTRA_RECALIBRATE_OPTIONS_VERSION 1
#define RISTRA_RECALIBRATE_OPTIONS_INIT { RISTRA_RECALIBRATE_OPTIONS_VERSION, NULL, NULL, NULL }

/**
 * Fills opts with the defaults of the given struct version.
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_recalibrate_options_init(ristra_recalibrate_options *opts, int version);

/**
 * Refits a model's calibration block against local outcomes by maximum
 * likelihood and returns the recalibrated model: a copy of model with the
 * new calibration block and one more entry in metadata.recalibration
 * (method, date, population description, n, events, the fitted a and b,
 * the calibration block before and after, and the library version).
 * The input model is not changed.
 *
 * The inputs are margins, not risks, so that nothing is lost to rounding
 * or clamping in the tails: score the local patients with
 * ristra_model_score() (margin_out) and pass the rows that were scored
 * (status RISTRA_ROW_OK) with a known outcome.
 *
 * The fit is Newton's method to full precision (it agrees with R's glm to
 * 1e-6 or better: tests/parity/test_recalibrate_r_parity.py), so a model
 * recalibrated by the intercept method predicts exactly as many events as
 * were observed on the same patients, and one recalibrated by the logistic
 * method has calibration intercept 0 and slope 1 there.
 *
 * @param[out] out  the recalibrated model; free it with ristra_model_free().
 *                  Set to NULL on failure.
 * @param model     the model to recalibrate (any kind).
 * @param margin    n margins of the model (before calibration), each finite.
 * @param outcome   n observed outcomes, each 0 or 1.
 * @param n         number of patients (>= 1).
 * @param method    a ristra_recalibrate_method.
 * @param opts      required (population_description must be set).
 * @return RISTRA_OK;
 *   RISTRA_EINVAL: a NULL argument, n < 1, an unknown method or options
 *     version, no population description, a date that is not one of the
 *     two forms above (the message names the argument); a non-finite
 *     margin or an outcome other than 0 or 1 (the message names the first
 *     such row, counting from 0);
 *   RISTRA_ENUMERIC: no finite fit exists: no events or no non-events
 *     (both methods); for the logistic method also all log-odds equal, or
 *     the outcomes separated by the log-odds (every event at or above every
 *     non-event, or the reverse); the fit did not converge; or the fitted
 *     slope b is not positive (the model's ranking is reversed or absent
 *     on this population: refit rather than recalibrate);
 *   RISTRA_ENOMEM.
 * @thread_safety Safe: reads its inputs only; the model may be in use by
 *   other threads.
 * @since 1.0.0
 */
RISTRA_API int ristra_model_recalibrate(ristra_model **out, const ristra_model *model,
                                        const double *margin, const uint8_t *outcome,
                                        int64_t n, int method,
                                        const ristra_recalibrate_options *opts);

RISTRA_END_DECL

#endif /* RISTRA_CALIBRATE_H */
