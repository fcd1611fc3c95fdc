/* .Call glue for ristra_evaluate(): every figure is read out into R vectors
 * at once; the evaluation itself stays in an external pointer (freed by
 * its finalizer) for the calibration plot. */
#include <stdint.h>

#include <R.h>
#include <Rinternals.h>

#include <ristra/ristra.h>

#include "ristra_r.h"

static SEXP evaluation_tag(void)
{
    static SEXP tag = NULL;
    if (!tag)
        tag = Rf_install("ristra_evaluation");
    return tag;
}

static void evaluation_finalize(SEXP ptr)
{
    ristra_evaluation_free(R_ExternalPtrAddr(ptr));
    R_ClearExternalPtr(ptr);
}

static SEXP columns(int n_cols, const char **names, const SEXPTYPE *types, R_xlen_t n_rows)
{
    SEXP out = PROTECT(rr_named_list(n_cols, names));
    for (int c = 0; c < n_cols; c++)
        SET_VECTOR_ELT(out, c, Rf_allocVector(types[c], n_rows));
    UNPROTECT(1);
    return out;
}

#define INT_AT(list, c, i) INTEGER(VECTOR_ELT(list, c))[i]
#define REAL_AT(list, c, i) REAL(VECTOR_ELT(list, c))[i]

static SEXP summaries(const ristra_evaluation *ev, int64_t n_groups)
{
    static const char *names[] = {
        "group", "n", "events", "observed_rate", "mean_risk", "expected", "oe_ratio", "auroc",
        "auroc_variance", "auroc_ci_lower", "auroc_ci_upper", "average_precision", "brier",
        "calibration_in_the_large", "calibration_intercept", "calibration_slope",
        "calibration_slope_intercept" };
    SEXPTYPE types[17] = { INTSXP };
    for (int c = 1; c < 17; c++)
        types[c] = REALSXP;
    SEXP out = PROTECT(columns(17, names, types, (R_xlen_t)n_groups + 1));
    for (int64_t g = -1; g < n_groups; g++) {
        ristra_group_summary s = RISTRA_GROUP_SUMMARY_INIT;
        int rc = ristra_evaluation_summary(&s, ev, g);
        if (rc)
            rr_fail(rc);
        const double values[] = { (double)s.n, (double)s.events, s.observed_rate, s.mean_risk,
                                  s.expected, s.oe_ratio, s.auroc, s.auroc_variance,
                                  s.auroc_ci_lower, s.auroc_ci_upper, s.average_precision,
                                  s.brier, s.calibration_in_the_large, s.calibration_intercept,
                                  s.calibration_slope, s.calibration_slope_intercept };
        R_xlen_t i = (R_xlen_t)(g + 1);
        INT_AT(out, 0, i) = (int)g;
        for (int c = 1; c < 17; c++)
            REAL_AT(out, c, i) = values[c - 1];
    }
    UNPROTECT(1);
    return out;
}

static SEXP bins(const ristra_evaluation *ev, int64_t n_groups)
{
    static const char *names[] = { "group", "bin", "n", "events", "min_risk", "max_risk",
                                   "mean_risk", "observed_rate", "expected", "oe_ratio",
                                   "observed_lower", "observed_upper" };
    SEXPTYPE types[12] = { INTSXP, INTSXP };
    for (int c = 2; c < 12; c++)
        types[c] = REALSXP;
    int64_t n_bins = ristra_evaluation_n_bins(ev);
    SEXP out = PROTECT(columns(12, names, types, (R_xlen_t)((n_groups + 1) * n_bins)));
    R_xlen_t i = 0;
    for (int64_t g = -1; g < n_groups; g++)
        for (int64_t b = 0; b < n_bins; b++, i++) {
            ristra_calibration_bin s = RISTRA_CALIBRATION_BIN_INIT;
            int rc = ristra_evaluation_bin(&s, ev, g, b);
            if (rc)
                rr_fail(rc);
            const double values[] = { (double)s.n, (double)s.events, s.min_risk, s.max_risk,
                                      s.mean_risk, s.observed_rate, s.expected, s.oe_ratio,
                                      s.observed_lower, s.observed_upper };
            INT_AT(out, 0, i) = (int)g;
            INT_AT(out, 1, i) = (int)b + 1;
            for (int c = 2; c < 12; c++)
                REAL_AT(out, c, i) = values[c - 2];
        }
    UNPROTECT(1);
    return out;
}

static SEXP cut_points(const ristra_evaluation *ev, int64_t n_groups)
{
    static const char *names[] = { "group", "fraction", "n_flagged", "events_flagged",
                                   "threshold", "sensitivity", "ppv" };
    const SEXPTYPE types[7] = { INTSXP, REALSXP, REALSXP, REALSXP, REALSXP, REALSXP, REALSXP };
    int64_t n_cuts = ristra_evaluation_n_cut_points(ev);
    SEXP out = PROTECT(columns(7, names, types, (R_xlen_t)((n_groups + 1) * n_cuts)));
    R_xlen_t i = 0;
    for (int64_t g = -1; g < n_groups; g++)
        for (int64_t k = 0; k < n_cuts; k++, i++) {
            ristra_cut_point_summary s = RISTRA_CUT_POINT_SUMMARY_INIT;
            int rc = ristra_evaluation_cut_point(&s, ev, g, k);
            if (rc)
                rr_fail(rc);
            const double values[] = { s.fraction, (double)s.n_flagged, (double)s.events_flagged,
                                      s.threshold, s.sensitivity, s.ppv };
            INT_AT(out, 0, i) = (int)g;
            for (int c = 1; c < 7; c++)
                REAL_AT(out, c, i) = values[c - 1];
        }
    UNPROTECT(1);
    return out;
}

/* risk: double; outcome: integer (0, 1; anything else, NA included, is
 * passed as 2 so that the library refuses it naming the row); groups: NULL
 * or integer codes 0..k-1. Returns list(ptr, summary, bins, cut_points),
 * each table a list of columns whose "group" is -1 for everyone. */
/* The library's default tiers (ristra_default_tiers()), for R's checks. */
SEXP ristra_r_default_tiers(void)
{
    const double *cuts;
    int64_t n = ristra_default_tiers(&cuts);
    SEXP out = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)n));
    for (int64_t k = 0; k < n; k++)
        REAL(out)[k] = cuts[k];
    UNPROTECT(1);
    return out;
}

SEXP ristra_r_evaluate(SEXP risk, SEXP outcome, SEXP groups, SEXP cuts, SEXP n_bins,
                       SEXP confidence_level, SEXP flag_scope, SEXP n_threads)
{
    if (TYPEOF(risk) != REALSXP || TYPEOF(outcome) != REALSXP)
        rr_invalid("risk and outcome must be double");
    R_xlen_t n = XLENGTH(risk);
    if (XLENGTH(outcome) != n)
        rr_invalid("outcome has %lld values for %lld risks", (long long)XLENGTH(outcome),
                 (long long)n);
    if (!Rf_isNull(groups) && (TYPEOF(groups) != INTSXP || XLENGTH(groups) != n))
        rr_invalid("groups must be %lld integer codes", (long long)n);
    if (!Rf_isNull(cuts) &&
        (TYPEOF(cuts) != REALSXP || XLENGTH(cuts) > RISTRA_EVALUATE_MAX_CUT_POINTS))
        rr_invalid("cut_points must hold at most %d numbers", RISTRA_EVALUATE_MAX_CUT_POINTS);

    ristra_evaluate_options opts = RISTRA_EVALUATE_OPTIONS_INIT;
    static const double none = 0.0;   /* non-NULL when there are no cut-points */
    if (!Rf_isNull(cuts)) {           /* NULL: the library's default tiers */
        opts.n_cut_points = XLENGTH(cuts);
        opts.cut_points = XLENGTH(cuts) ? REAL(cuts) : &none;
    }
    opts.n_bins = Rf_asInteger(n_bins);
    opts.confidence_level = Rf_asReal(confidence_level);
    opts.flag_scope = Rf_asInteger(flag_scope);
    opts.n_threads = Rf_asInteger(n_threads);

    uint8_t *y = (uint8_t *)R_alloc((size_t)n + 1, 1);
    if (ristra_outcomes_encode(y, REAL(outcome), (int64_t)n, "outcome"))
        rr_fail(RISTRA_EINVAL);
    SEXP ptr = PROTECT(R_MakeExternalPtr(NULL, evaluation_tag(), R_NilValue));
    R_RegisterCFinalizerEx(ptr, evaluation_finalize, TRUE);
    ristra_evaluation *ev = NULL;
    int rc = ristra_evaluate(&ev, REAL(risk), y, (int64_t)n,
                             Rf_isNull(groups) ? NULL : (const int32_t *)INTEGER(groups), &opts);
    if (rc)
        rr_fail(rc);
    R_SetExternalPtrAddr(ptr, ev);

    int64_t n_groups = ristra_evaluation_n_groups(ev);
    static const char *names[] = { "ptr", "summary", "bins", "cut_points" };
    SEXP out = PROTECT(rr_named_list(4, names));
    SET_VECTOR_ELT(out, 0, ptr);
    SET_VECTOR_ELT(out, 1, summaries(ev, n_groups));
    SET_VECTOR_ELT(out, 2, bins(ev, n_groups));
    SET_VECTOR_ELT(out, 3, cut_points(ev, n_groups));
    UNPROTECT(2);
    return out;
}

/* Writes the calibration plot of group index `group` (-1: everyone). */
/* The evaluation an R object holds, or an R error saying why there is none. */
static const ristra_evaluation *evaluation_of(SEXP evaluation)
{
    if (TYPEOF(evaluation) != EXTPTRSXP || R_ExternalPtrTag(evaluation) != evaluation_tag())
        rr_invalid("not a ristra evaluation");
    const ristra_evaluation *ev = R_ExternalPtrAddr(evaluation);
    if (!ev)
        rr_invalid("this evaluation is no longer available (it does not survive saveRDS() or "
                 "a new session): run ristra_evaluate() again");
    return ev;
}

SEXP ristra_r_evaluation_svg(SEXP evaluation, SEXP group, SEXP path, SEXP title)
{
    const ristra_evaluation *ev = evaluation_of(evaluation);
    int rc = ristra_evaluation_write_calibration_svg(ev, (int64_t)Rf_asInteger(group),
                                                     rr_string_arg(path, "path"),
                                                     rr_optional_string(title, "title"));
    if (rc)
        rr_fail(rc);
    return R_NilValue;
}

/* by: NULL or a string, the first column's value for group rows; names:
 * NULL or one name per group, in group order. */
SEXP ristra_r_evaluation_csv(SEXP evaluation, SEXP path, SEXP by, SEXP names)
{
    const ristra_evaluation *ev = evaluation_of(evaluation);
    const char **group_names = NULL;
    if (!Rf_isNull(names)) {
        if (!Rf_isString(names))
            rr_invalid("names must be a character vector");
        group_names = (const char **)R_alloc((size_t)XLENGTH(names) + 1, sizeof *group_names);
        for (R_xlen_t i = 0; i < XLENGTH(names); i++)
            group_names[i] = Rf_translateCharUTF8(STRING_ELT(names, i));
    }
    int rc = ristra_evaluation_write_csv(ev, rr_string_arg(path, "path"),
                                         rr_optional_string(by, "by"), group_names);
    if (rc)
        rr_fail(rc);
    return R_NilValue;
}
