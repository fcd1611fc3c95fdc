/* The audit, drift and the report for R: each one call of libristra
 * (ristra_score_file with an audit or a report; ristra_drift_compute). The
 * figures are the library's; R only labels them (R/audit.R). */
#include <stdlib.h>
#include <string.h>

#include "ristra_r.h"

/* by: the extra grouping columns (character, may be empty). */
static void audit_options(ristra_audit_options *ao, SEXP by)
{
    if (!Rf_isString(by))
        rr_invalid("by must be a character vector of column names");
    ristra_audit_options_init(ao, RISTRA_AUDIT_OPTIONS_VERSION);
    R_xlen_t n = XLENGTH(by);
    const char **cols = (const char **)R_alloc((size_t)n + 1, sizeof *cols);
    for (R_xlen_t i = 0; i < n; i++) {
        if (STRING_ELT(by, i) == NA_STRING)
            rr_invalid("by must not hold NA");
        cols[i] = Rf_translateCharUTF8(STRING_ELT(by, i));
    }
    ao->group_columns = cols;
    ao->n_group_columns = n;
}

static void run(const ristra_model *m, const char *input, ristra_score_file_options *o)
{
    ristra_score_result *result = NULL;
    int rc = ristra_score_file(&result, m, input, NULL, o);
    if (rc)
        rr_fail(rc);
    ristra_score_result_free(result);
}

/* The audit CSV written to audit_path (R reads it into a data frame). */
SEXP ristra_r_audit(SEXP model, SEXP input, SEXP audit_path, SEXP by, SEXP threads)
{
    const ristra_model *m = rr_model_of(model);
    ristra_audit_options ao;
    audit_options(&ao, by);
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    o.audit_path = rr_string_arg(audit_path, "audit_path");
    o.audit = &ao;
    o.manifest_path = "";
    o.n_threads = Rf_asInteger(threads);
    run(m, rr_string_arg(input, "input"), &o);
    return R_NilValue;
}

/* The report pages in dir; returns the practices' codes (their pages are
 * practice-<code>.html beside index.html). texts: title, audit path,
 * manifest path, baseline manifest (NA: none). */
SEXP ristra_r_report(SEXP model, SEXP input, SEXP dir, SEXP by, SEXP texts, SEXP flags)
{
    const ristra_model *m = rr_model_of(model);
    if (!Rf_isString(texts) || XLENGTH(texts) != 4)
        rr_invalid("texts must be character(4)");
    if (TYPEOF(flags) != INTSXP || XLENGTH(flags) != 2)
        rr_invalid("flags must be integer(2)");
    ristra_audit_options ao;
    audit_options(&ao, by);
    ristra_report_options ro;
    ristra_report_options_init(&ro, RISTRA_REPORT_OPTIONS_VERSION);
    ro.suppress_practice = INTEGER(flags)[0];
    const char *t[4];
    for (int i = 0; i < 4; i++)
        t[i] = STRING_ELT(texts, i) == NA_STRING ? NULL : Rf_translateCharUTF8(STRING_ELT(texts, i));
    ro.title = t[0];
    ro.baseline_manifest = t[3];
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    o.audit = &ao;
    o.audit_path = t[1];
    o.manifest_path = t[2] ? t[2] : "";
    o.report_dir = rr_string_arg(dir, "directory");
    o.report = &ro;
    o.n_threads = INTEGER(flags)[1];
    ristra_score_result *result = NULL;
    int rc = ristra_score_file(&result, m, rr_string_arg(input, "input"), NULL, &o);
    if (rc)
        rr_fail(rc);
    ristra_score_totals totals = RISTRA_SCORE_TOTALS_INIT;
    ristra_score_result_totals(&totals, result);
    SEXP codes = PROTECT(Rf_allocVector(STRSXP, totals.n_practices));
    for (int32_t i = 0; i < totals.n_practices; i++) {
        ristra_practice_summary s = RISTRA_PRACTICE_SUMMARY_INIT;
        ristra_score_result_practice(&s, result, i);
        SET_STRING_ELT(codes, i, rr_utf8(s.practice));
    }
    ristra_score_result_free(result);
    UNPROTECT(1);
    return codes;
}

static void drift_finalize(SEXP ptr)
{
    ristra_drift_free((ristra_drift *)R_ExternalPtrAddr(ptr));
    R_ClearExternalPtr(ptr);
}

static const char *const FLAG_NAMES[] = { "", "moderate", "major", "changed" };

/* The rows of a drift as columns of a list. */
static SEXP drift_columns(const ristra_drift *d)
{
    int64_t n = ristra_drift_n_rows(d);
    static const char *names[] = { "measure", "subject", "baseline", "current", "change",
                                   "lower", "upper", "flag" };
    SEXP cols = PROTECT(rr_named_list(8, names));
    for (int j = 0; j < 8; j++)
        SET_VECTOR_ELT(cols, j, Rf_allocVector(j < 2 || j == 7 ? STRSXP : REALSXP, (R_xlen_t)n));
    for (int64_t i = 0; i < n; i++) {
        ristra_drift_row r = RISTRA_DRIFT_ROW_INIT;
        int rc = ristra_drift_row_get(&r, d, i);
        if (rc)
            rr_fail(rc);
        SET_STRING_ELT(VECTOR_ELT(cols, 0), i, rr_utf8(r.measure));
        SET_STRING_ELT(VECTOR_ELT(cols, 1), i, rr_utf8(r.subject));
        double v[5] = { r.baseline, r.current, r.change, r.lower, r.upper };
        for (int j = 0; j < 5; j++)
            REAL(VECTOR_ELT(cols, 2 + j))[i] = v[j];
        int f = r.flag >= 0 && r.flag <= 3 ? r.flag : 0;
        SET_STRING_ELT(VECTOR_ELT(cols, 7), i, rr_utf8(FLAG_NAMES[f]));
    }
    UNPROTECT(1);
    return cols;
}

static const char *path_at(SEXP paths, R_xlen_t i, const char *what)
{
    if (STRING_ELT(paths, i) == NA_STRING)
        rr_invalid("%s must be a file name", what);
    const char *expanded = R_ExpandFileName(Rf_translateChar(STRING_ELT(paths, i)));
    size_t len = strlen(expanded);
    char *copy = R_alloc(len + 1, 1);
    memcpy(copy, expanded, len + 1);
    return copy;
}

/* paths: baseline, current, output (NA: none); model NULL: two lists;
 * flags: bins, threads, whether baseline and current are manifests. */
SEXP ristra_r_drift(SEXP model, SEXP paths, SEXP outcome_column, SEXP flags)
{
    const ristra_model *m = Rf_isNull(model) ? NULL : rr_model_of(model);
    if (!Rf_isString(paths) || XLENGTH(paths) != 3)
        rr_invalid("paths must be character(3)");
    if (TYPEOF(flags) != INTSXP || XLENGTH(flags) != 3)
        rr_invalid("flags must be integer(3)");
    ristra_drift_options o;
    ristra_drift_options_init(&o, RISTRA_DRIFT_OPTIONS_VERSION);
    o.n_bins = INTEGER(flags)[0];
    o.n_threads = INTEGER(flags)[1];
    o.outcome_column = rr_optional_string(outcome_column, "outcome_column");
    SEXP holder = PROTECT(R_MakeExternalPtr(NULL, R_NilValue, R_NilValue));
    R_RegisterCFinalizerEx(holder, drift_finalize, TRUE);
    ristra_drift *d = NULL;
    const char *baseline = path_at(paths, 0, "baseline"), *current = path_at(paths, 1, "current");
    int rc = INTEGER(flags)[2] ? ristra_drift_compute_manifests(&d, m, baseline, current, &o)
                               : ristra_drift_compute(&d, m, baseline, current, &o);
    if (rc)
        rr_fail(rc);
    R_SetExternalPtrAddr(holder, d);
    if (STRING_ELT(paths, 2) != NA_STRING &&
        (rc = ristra_drift_write_csv(d, path_at(paths, 2, "output"))))
        rr_fail(rc);
    int64_t len = ristra_drift_summary(NULL, 0, d);
    char *text = R_alloc((size_t)len + 1, 1);
    ristra_drift_summary(text, (size_t)len + 1, d);
    static const char *names[] = { "rows", "summary", "n_flagged" };
    SEXP out = PROTECT(rr_named_list(3, names));
    SET_VECTOR_ELT(out, 0, drift_columns(d));
    SET_VECTOR_ELT(out, 1, Rf_ScalarString(rr_utf8(text)));
    SET_VECTOR_ELT(out, 2, Rf_ScalarInteger((int)ristra_drift_n_flagged(d)));
    UNPROTECT(2);
    return out;
}
