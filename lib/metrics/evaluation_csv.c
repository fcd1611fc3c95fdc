/* The figures of an evaluation as CSV (public API in
 * include/ristra/evaluate.h), one row for everyone and one per group,
 * written through the library's output files (temporary file, fsync,
 * rename). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/evaluate.h"
#include "../common/error_internal.h"
#include "../common/text_internal.h"
#include "../io/output_internal.h"

/* An undefined figure is written NA, as R writes it. */
static void number(ristra__text *t, double v)
{
    if (isnan(v))
        ristra__text_put(t, ",NA");
    else
        ristra__text_put(t, ",%.17g", v);
}

static void header(ristra__text *t, const ristra_evaluation *e)
{
    ristra__text_put(t, "by,group,n,events,observed_rate,mean_risk,expected,oe_ratio,auroc,auroc_variance,"
           "auroc_ci_lower,auroc_ci_upper,average_precision,brier,calibration_in_the_large,"
           "calibration_intercept,calibration_slope,calibration_slope_intercept");
    for (int64_t b = 0; b < ristra_evaluation_n_bins(e); b++)
        ristra__text_put(t, ",oe_bin_%lld", (long long)b + 1);
    for (int64_t c = 0; c < ristra_evaluation_n_cut_points(e); c++) {
        ristra_cut_point_summary p = RISTRA_CUT_POINT_SUMMARY_INIT;
        ristra_evaluation_cut_point(&p, e, RISTRA_EVALUATION_OVERALL, c);
        double pct = 100 * p.fraction;
        ristra__text_put(t, ",flagged_%g%%,events_flagged_%g%%,sensitivity_%g%%,ppv_%g%%", pct, pct, pct, pct);
    }
    ristra__text_put(t, "\n");
}

static void row(ristra__text *t, const ristra_evaluation *e, int64_t k, const char *by,
                const char *name)
{
    ristra_group_summary s = RISTRA_GROUP_SUMMARY_INIT;
    ristra_evaluation_summary(&s, e, k);
    ristra__text_put(t, "%s,\"%s\",%lld,%lld", by, name, (long long)s.n, (long long)s.events);
    const double v[] = { s.observed_rate, s.mean_risk, s.expected, s.oe_ratio, s.auroc,
                         s.auroc_variance, s.auroc_ci_lower, s.auroc_ci_upper,
                         s.average_precision, s.brier, s.calibration_in_the_large,
                         s.calibration_intercept, s.calibration_slope,
                         s.calibration_slope_intercept };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        number(t, v[i]);
    for (int64_t b = 0; b < ristra_evaluation_n_bins(e); b++) {
        ristra_calibration_bin c = RISTRA_CALIBRATION_BIN_INIT;
        ristra_evaluation_bin(&c, e, k, b);
        number(t, c.oe_ratio);
    }
    for (int64_t c = 0; c < ristra_evaluation_n_cut_points(e); c++) {
        ristra_cut_point_summary p = RISTRA_CUT_POINT_SUMMARY_INIT;
        ristra_evaluation_cut_point(&p, e, k, c);
        ristra__text_put(t, ",%lld,%lld", (long long)p.n_flagged, (long long)p.events_flagged);
        number(t, p.sensitivity);
        number(t, p.ppv);
    }
    ristra__text_put(t, "\n");
}

int ristra_evaluation_write_csv(const ristra_evaluation *e, const char *path, const char *by,
                                const char *const *group_names)
{
    const char *fn = "ristra_evaluation_write_csv";
    int64_t ng = ristra_evaluation_n_groups(e);
    if (!e || !path)
        return ristra__error(RISTRA_EINVAL, "%s: %s is NULL", fn, e ? "path" : "evaluation");
    if (ng > 0 && !group_names)
        return ristra__error(RISTRA_EINVAL, "%s: the evaluation has groups: name them", fn);
    ristra__text t = { 0 };
    header(&t, e);
    row(&t, e, RISTRA_EVALUATION_OVERALL, "all", "all");
    for (int64_t k = 0; k < ng; k++)
        row(&t, e, k, by ? by : "group", group_names[k] ? group_names[k] : "");
    ristra__output *o = NULL;
    int rc = t.failed ? ristra__oom() : ristra__output_open(&o, path, 0);
    if (!rc && (rc = ristra__output_write(o, t.p, t.len)))
        ristra__output_abort(o);
    else if (!rc)
        rc = ristra__output_commit(o);
    free(t.p);
    return rc;
}
