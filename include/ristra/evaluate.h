/*
 * ristra: clinical validation of predicted risks against observed outcomes.
 *
 * ristra_evaluate() takes n predicted risks, n 0/1 outcomes and optional
 * integer group labels (practice, age band, sex, deprivation decile, ...)
 * and computes, for all patients together and for each group alone:
 * discrimination (AUROC with its DeLong confidence interval, average
 * precision), accuracy (Brier score), calibration (calibration-in-the-large,
 * calibration intercept and slope, observed and expected by risk bin) and
 * the yield of each tier cut-point (patients flagged, sensitivity, PPV).
 *
 * Ordering rule used throughout: patients are ranked by risk, highest
 * first; patients with equal risk keep their input order (the earlier row
 * ranks higher). Every figure that depends on order (tier flags) follows
 * this rule; every figure that can avoid it (AUROC, average precision,
 * calibration bins) treats tied risks as one block and does not depend on
 * input order at all.
 *
 * The exact definitions (which match scikit-learn and R's pROC, and are
 * checked against them in tests/parity/test_metrics_parity.py) are in the
 * doc comments below and in README.md, "Evaluating a model".
 */
#ifndef RISTRA_EVALUATE_H
#define RISTRA_EVALUATE_H

#include "ristra/common.h"

RISTRA_BEGIN_DECL

/** The results of ristra_evaluate(). Opaque; immutable once made. */
typedef struct ristra_evaluation ristra_evaluation;

/**
 * The most tier cut-points one evaluation takes in this release (a limit,
 * not part of the ABI: the cut-points are passed by pointer).
 */
#define RISTRA_EVALUATE_MAX_CUT_POINTS 16

/**
 * The default tiers of every function that takes tier cut-points
 * (ristra_score_file(), ristra_evaluate(), drift): top 0.5%, 2%, 5% and
 * 20% of the list, that is 0.005, 0.02, 0.05, 0.20.
 * @param[out] cut_points_out  if not NULL, receives the cut-points
 *                             (static storage, never freed).
 * @return their number (4).
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int64_t ristra_default_tiers(const double **cut_points_out);

/**
 * Reads tier cut-points written as text, the one reader behind every
 * front end's --tiers: comma-separated, each a fraction ("0.02") or a
 * percentage ("2%") of the list, blanks around a piece ignored, each in
 * (0, 1]. The order is kept (ristra_score_file() then requires it to
 * increase; ristra_evaluate() takes any order).
 * @param[out] out    up to max cut-points.
 * @param[out] n_out  how many were read (0 on error).
 * @return RISTRA_OK; RISTRA_EINVAL (NULL, an empty piece, a piece that is
 *         not a number or not in (0, 1], more than max pieces: the message
 *         names the piece).
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_tiers_parse(double *out, int64_t max, int64_t *n_out, const char *text);

/**
 * Outcomes as ristra_evaluate() and ristra_model_recalibrate() take them
 * (uint8_t 0 or 1), from doubles as the front ends hold them (a 0/1
 * column; true and false as 1 and 0). The one rule for every front end:
 * 0 and 1 only, nothing rounded or cast. The first other value is refused
 * and named as what it is: NaN a missing outcome (leave those patients
 * out), 0.027 or 2 not an outcome.
 * @param[out] out  n outcomes (untouched on error).
 * @param y         n values.
 * @param name      what the message calls y ("y_true", "outcome"); NULL: "outcome".
 * @return RISTRA_OK; RISTRA_EINVAL (NULL out or y with n > 0, n < 0, or a
 *         value other than 0 or 1: the message is "<name>[i] is ..." with
 *         no function name before it, fit to show a user as it is).
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_outcomes_encode(uint8_t *out, const double *y, int64_t n, const char *name);

/** The most calibration bins one evaluation takes. */
#define RISTRA_EVALUATE_MAX_BINS 1000

/**
 * Which patients count as flagged at a cut-point when the figures are for a
 * group. Values are pinned. The overall figures are the same either way.
 */
typedef enum ristra_flag_scope {
    /**
     * Each group is ranked on its own: the top ceil(c * n_group) of the
     * group are flagged, as when every practice case-manages its own top
     * 2% (the enhanced-service rule). A group's figures are then exactly
     * those ristra_evaluate() gives for that group's rows alone.
     */
    RISTRA_FLAG_WITHIN_GROUP = 1,
    /**
     * Patients are ranked over the whole population: the top ceil(c * n)
     * of everyone are flagged, and each group reports how many of its
     * members that one list holds (the fairness question: does a single
     * list serve women, older patients, deprived areas equally well).
     */
    RISTRA_FLAG_OVERALL = 2
} ristra_flag_scope;

/** Options for ristra_evaluate(). */
typedef struct ristra_evaluate_options {
    int version;          /**< RISTRA_EVALUATE_OPTIONS_VERSION */
    /**
     * Number of cut-points in cut_points (0 to RISTRA_EVALUATE_MAX_CUT_POINTS);
     * not read when cut_points is NULL.
     */
    int64_t n_cut_points;
    /**
     * Tier cut-points as fractions of the list, each in (0, 1], in any
     * order; NULL (the default) for 0.005, 0.02, 0.05, 0.20 (top 0.5%,
     * 2%, 5%, 20%). At cut-point c the top k = ceil(c * n) patients are
     * flagged (by the ordering rule above), where c * n is computed in
     * double precision and anything within a relative 1e-12 above an
     * integer counts as that integer, so that 0.07 of 100 patients flags
     * 7, not 8.
     */
    const double *cut_points;
    /** Calibration bins (1 to RISTRA_EVALUATE_MAX_BINS); default 10 (deciles). */
    int n_bins;
    /** Confidence level of the intervals, in (0, 1); default 0.95. */
    double confidence_level;
    /** A ristra_flag_scope; default RISTRA_FLAG_WITHIN_GROUP. */
    int flag_scope;
    /**
     * Threads to split the groups over. 1 (the default) works on the
     * calling thread only; 0 means one thread per CPU available to the
     * process. Results do not depend on it.
     */
    int n_threads;
} ristra_evaluate_options;

#define RISTRA_EVALUATE_OPTIONS_VERSION 1
#define RISTRA_EVALUATE_OPTIONS_INIT                                                         \
    { RISTRA_EVALUATE_OPTIONS_VERSION, 0, NULL, 10, 0.95, RISTRA_FLAG_WITHIN_GROUP, 1 }

/**
 * Fills opts with the defaults of the given struct version (for bindings
 * that cannot use the _INIT macro).
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_evaluate_options_init(ristra_evaluate_options *opts, int version);

/**
 * Evaluates n predicted risks against n observed outcomes, for everyone
 * and for each group.
 *
 * A figure that is undefined for the patients it covers is NaN, never an
 * error: AUROC, its interval and average precision need at least one
 * event and one non-event (the DeLong variance and interval need two of
 * each); the calibration intercept and slope need both outcomes and a
 * finite fit (see ristra_evaluation_summary); ratios with a zero
 * denominator are NaN.
 *
 * @param[out] out  the evaluation; free it with ristra_evaluation_free().
 *                  Set to NULL on failure.
 * @param risk     n predicted risks, each in [0, 1].
 * @param outcome  n observed outcomes, each 0 or 1.
 * @param n        number of patients (>= 1).
 * @param group    n group labels (any int32 values), or NULL for no groups.
 *                 Groups are numbered 0, 1, ... in ascending label order.
 * @param opts     NULL for the defaults.
 * @return RISTRA_OK; RISTRA_EINVAL (NULL risk, outcome or out; n < 1; a
 *         risk that is NaN or outside [0, 1]; an outcome other than 0 or 1:
 *         the message names the first offending row, counting from 0;
 *         unknown options version; a cut-point outside (0, 1], n_cut_points,
 *         n_bins, confidence_level or flag_scope out of range: the message
 *         names the option); RISTRA_ENOMEM.
 * @thread_safety Safe: reads its inputs only.
 * @since 1.0.0
 */
RISTRA_API int ristra_evaluate(ristra_evaluation **out, const double *risk,
                               const uint8_t *outcome, int64_t n, const int32_t *group,
                               const ristra_evaluate_options *opts);

/**
 * Frees an evaluation. NULL is a no-op.
 * @thread_safety Not with other calls on the same evaluation.
 * @since 1.0.0
 */
RISTRA_API void ristra_evaluation_free(ristra_evaluation *evaluation);

/** The group index that selects the figures for all patients together. */
#define RISTRA_EVALUATION_OVERALL (-1)

/**
 * Number of groups (distinct labels; 0 when ristra_evaluate() had no
 * group labels), or -1 for a NULL evaluation.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int64_t ristra_evaluation_n_groups(const ristra_evaluation *evaluation);

/**
 * Number of calibration bins per group (the n_bins option), or -1 for NULL.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int64_t ristra_evaluation_n_bins(const ristra_evaluation *evaluation);

/**
 * Number of cut-points per group (the n_cut_points option), or -1 for NULL.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int64_t ristra_evaluation_n_cut_points(const ristra_evaluation *evaluation);

/**
 * The headline figures of one group (or of everyone).
 *
 * Notation: n patients with risks p_i and outcomes y_i; E = sum y_i
 * events; logit(p) = log(p / (1 - p)), with p first clamped to
 * [1e-15, 1 - 1e-15] so that risks of exactly 0 or 1 stay finite.
 */
typedef struct ristra_group_summary {
    int version;        /**< RISTRA_GROUP_SUMMARY_VERSION, set by the caller */
    int32_t label;      /**< the group's label; 0 for the overall figures */
    int64_t n;          /**< patients */
    int64_t events;     /**< patients with outcome 1 */
    double observed_rate;  /**< E / n */
    double mean_risk;      /**< sum p_i / n */
    double expected;       /**< sum p_i: the events the model expects */
    double oe_ratio;       /**< E / sum p_i (observed : expected); NaN when sum p_i = 0 */
    /**
     * Area under the ROC curve: the probability that a random event has a
     * higher risk than a random non-event, ties counting one half
     * (sklearn.metrics.roc_auc_score; pROC's auc()).
     */
    double auroc;
    /**
     * DeLong's variance of the AUROC: S10 / E + S01 / (n - E), where S10
     * and S01 are the sample variances (denominators E - 1 and n - E - 1)
     * of the events' and non-events' placement values (DeLong, DeLong &
     * Clarke-Pearson 1988), computed exactly with ties from midranks
     * (Sun & Xu 2014). NaN with fewer than two events or non-events.
     */
    double auroc_variance;
    /**
     * The confidence interval of pROC's ci.auc(method = "delong"):
     * auroc + sqrt(variance) * qnorm((1 - level) / 2) and
     * auroc + sqrt(variance) * qnorm(1 - (1 - level) / 2), each clipped
     * to [0, 1].
     */
    double auroc_ci_lower;
    double auroc_ci_upper;    /**< see auroc_ci_lower */
    /**
     * Average precision, the step-wise area under the precision-recall
     * curve without interpolation, tied risks forming one step:
     * sum over distinct risks t, highest first, of
     * (events with risk t / E) * (events with risk >= t / patients with
     * risk >= t) (sklearn.metrics.average_precision_score). NaN when E = 0
     * (scikit-learn 1.2 returns 0 with a warning there).
     */
    double average_precision;
    /** Brier score: sum (p_i - y_i)^2 / n (sklearn.metrics.brier_score_loss). */
    double brier;
    /** Calibration-in-the-large on the risk scale: observed_rate - mean_risk. */
    double calibration_in_the_large;
    /**
     * Calibration intercept: the maximum-likelihood a in
     * logit P(y = 1) = a + logit(p), the slope fixed at 1 (R:
     * glm(y ~ 1 + offset(logit(p)), family = binomial)). 0 when the
     * model is calibrated in the large; NaN when E = 0 or E = n.
     */
    double calibration_intercept;
    /**
     * Calibration slope: the maximum-likelihood b in
     * logit P(y = 1) = a + b * logit(p) (R: glm(y ~ logit(p),
     * family = binomial)). Below 1, the risks are too extreme; above 1,
     * too modest. NaN when no finite fit exists: E = 0 or E = n, or the
     * outcomes are separated by risk (the highest logit(p) among
     * non-events is at most the lowest among events, or the reverse; this
     * includes all logit(p) equal).
     */
    double calibration_slope;
    /** The intercept a fitted together with calibration_slope (NaN with it). */
    double calibration_slope_intercept;
} ristra_group_summary;

#define RISTRA_GROUP_SUMMARY_VERSION 1
#define RISTRA_GROUP_SUMMARY_INIT                                                       \
    { RISTRA_GROUP_SUMMARY_VERSION, 0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,   \
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0 }

/**
 * The headline figures of group number group (0 to n_groups - 1, in
 * ascending label order) or, with RISTRA_EVALUATION_OVERALL, of everyone.
 * @param[out] out  filled in; out->version must be set
 *                  (RISTRA_GROUP_SUMMARY_INIT).
 * @return RISTRA_OK; RISTRA_EINVAL (NULL, group out of range, unknown
 *         out->version).
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_evaluation_summary(ristra_group_summary *out,
                                         const ristra_evaluation *evaluation, int64_t group);

/**
 * One calibration bin of a group. Bins hold equal numbers of patients by
 * rank of risk, lowest risks in bin 0, with tied risks kept together: a
 * patient goes to bin floor(B * L / n), where B is the number of bins and
 * L the number of patients in the group with a strictly lower risk. With
 * no ties every bin holds n / B patients (give or take one); a block of
 * tied risks lands whole in the bin where its lowest rank falls, so a bin
 * may hold more, and another may be empty (n = 0, figures NaN).
 */
typedef struct ristra_calibration_bin {
    int version;        /**< RISTRA_CALIBRATION_BIN_VERSION, set by the caller */
    int64_t n;          /**< patients in the bin */
    int64_t events;     /**< of whom with outcome 1 */
    double min_risk;    /**< lowest risk in the bin */
    double max_risk;    /**< highest risk in the bin */
    double mean_risk;   /**< mean predicted risk */
    double observed_rate;  /**< events / n */
    double expected;       /**< sum of the bin's risks */
    double oe_ratio;       /**< events / expected (observed : expected); NaN when expected = 0 */
    /**
     * Wilson score interval of observed_rate at the confidence level,
     * without continuity correction (R: prop.test(events, n,
     * correct = FALSE)$conf.int).
     */
    double observed_lower;
    double observed_upper;  /**< see observed_lower */
} ristra_calibration_bin;

#define RISTRA_CALIBRATION_BIN_VERSION 1
#define RISTRA_CALIBRATION_BIN_INIT                                                          \
    { RISTRA_CALIBRATION_BIN_VERSION, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0 }

/**
 * Calibration bin number bin (0 to n_bins - 1, lowest risks first) of a
 * group, or of everyone with RISTRA_EVALUATION_OVERALL.
 * @param[out] out  filled in; out->version must be set (RISTRA_CALIBRATION_BIN_INIT).
 * @return RISTRA_OK; RISTRA_EINVAL (NULL, group or bin out of range,
 *         unknown out->version).
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_evaluation_bin(ristra_calibration_bin *out,
                                     const ristra_evaluation *evaluation, int64_t group,
                                     int64_t bin);

/**
 * What one tier cut-point flags in a group. The flagged patients are the
 * first n_flagged of the group in the ordering rule (risk descending, then
 * input order): the group's own top ceil(c * n_group) with
 * RISTRA_FLAG_WITHIN_GROUP, the group's members among everyone's top
 * ceil(c * n) with RISTRA_FLAG_OVERALL. When tied risks straddle the cut,
 * the earlier rows are the ones flagged.
 */
typedef struct ristra_cut_point_summary {
    int version;            /**< RISTRA_CUT_POINT_SUMMARY_VERSION, set by the caller */
    double fraction;        /**< the cut-point c */
    int64_t n_flagged;      /**< patients flagged */
    int64_t events_flagged; /**< flagged patients with outcome 1 (true positives) */
    double threshold;       /**< lowest risk among the flagged; NaN when none are */
    double sensitivity;     /**< events_flagged / events; NaN when the group has no events */
    double ppv;             /**< events_flagged / n_flagged; NaN when none are flagged */
} ristra_cut_point_summary;

#define RISTRA_CUT_POINT_SUMMARY_VERSION 1
#define RISTRA_CUT_POINT_SUMMARY_INIT                                                        \
    { RISTRA_CUT_POINT_SUMMARY_VERSION, 0.0, 0, 0, 0.0, 0.0, 0.0 }

/**
 * Cut-point number index (0 to n_cut_points - 1, in the order of the
 * options) of a group, or of everyone with RISTRA_EVALUATION_OVERALL.
 * @param[out] out  filled in; out->version must be set
 *                  (RISTRA_CUT_POINT_SUMMARY_INIT).
 * @return RISTRA_OK; RISTRA_EINVAL (NULL, group or index out of range,
 *         unknown out->version).
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_evaluation_cut_point(ristra_cut_point_summary *out,
                                           const ristra_evaluation *evaluation, int64_t group,
                                           int64_t index);

/**
 * Writes a calibration plot of a group (or of everyone) as a
 * self-contained SVG file: each non-empty bin's observed rate against its
 * mean predicted risk, a circle whose area grows with the bin's size, the
 * Wilson interval as an error bar, and the diagonal of perfect
 * calibration. Both axes share one range, from 0 to a round number just
 * above the largest figure plotted. Each circle carries the bin's figures
 * as data-bin, data-n, data-events, data-mean-risk and data-observed-rate
 * attributes. The file is written to a temporary file and renamed over
 * path only when complete.
 * @param title  the plot's title (UTF-8; escaped for XML), or NULL for
 *               "Calibration" followed by the group's label.
 * @return RISTRA_OK; RISTRA_EINVAL (NULL evaluation or path, group out of
 *         range); RISTRA_EIO (cannot write or rename: the message names
 *         the file); RISTRA_ENOMEM.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_evaluation_write_calibration_svg(const ristra_evaluation *evaluation,
                                                       int64_t group, const char *path,
                                                       const char *title);

/**
 * Writes the figures of every group as CSV, one row each: first "all"
 * (everyone), then each group in the evaluation's order. Columns: by,
 * group, n, events, observed_rate, mean_risk, expected, oe_ratio, auroc,
 * auroc_variance, auroc_ci_lower, auroc_ci_upper, average_precision,
 * brier, calibration_in_the_large, calibration_intercept,
 * calibration_slope, calibration_slope_intercept, oe_bin_1.., and
 * flagged_C%, events_flagged_C%, sensitivity_C%, ppv_C% for each
 * cut-point C. An undefined figure is written NA. The file is written to
 * a temporary file, synced and renamed over path only when complete.
 * @param by           the first column's value for the group rows (e.g.
 *                     "practice"); NULL: "group".
 * @param group_names  ristra_evaluation_n_groups() names, in group order
 *                     (e.g. from ristra_group_name()); may be NULL
 *                     without groups.
 * @return RISTRA_OK; RISTRA_EINVAL (NULL evaluation or path, groups
 *         without names); RISTRA_EIO (cannot write or rename: the message
 *         names the file); RISTRA_ENOMEM.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_evaluation_write_csv(const ristra_evaluation *evaluation, const char *path,
                                           const char *by, const char *const *group_names);

RISTRA_END_DECL

#endif /* RISTRA_EVALUATE_H */
