/* .Call glue for ristra_population_collect(), the call behind fit,
 * evaluate and calibrate, and for ristra_evaluation_write_csv(). The
 * collection is held in an external pointer while it is copied out, so an
 * R error (out of memory) cannot leak it. */
#include <stdint.h>
#include <string.h>

#include <R.h>
#include <Rinternals.h>

#include <ristra/ristra.h>
#include <ristra/collect.h>
#include <ristra/evaluate.h>

#include "ristra_r.h"

static void collected_finalize(SEXP ptr)
{
    ristra_collected_free(R_ExternalPtrAddr(ptr));
    R_ClearExternalPtr(ptr);
}

static SEXP doubles(const double *v, R_xlen_t n)
{
    if (!v)
        return R_NilValue;
    SEXP out = Rf_allocVector(REALSXP, n);
    if (n)
        memcpy(REAL(out), v, (size_t)n * sizeof *v);
    return out;
}

/* An R character vector as a NULL-terminated array of UTF-8 strings. */
static const char **strings(SEXP x, R_xlen_t *n, const char *what)
{
    *n = 0;
    if (Rf_isNull(x))
        return NULL;
    if (!Rf_isString(x))
        rr_invalid("%s must be a character vector", what);
    *n = XLENGTH(x);
    const char **out = (const char **)R_alloc((size_t)*n + 1, sizeof *out);
    for (R_xlen_t i = 0; i < *n; i++) {
        if (STRING_ELT(x, i) == NA_STRING)
            rr_invalid("%s[%lld] is NA", what, (long long)i + 1);
        out[i] = Rf_translateCharUTF8(STRING_ELT(x, i));
    }
    out[*n] = NULL;
    return out;
}

static const char *text_elt(SEXP x, R_xlen_t i)
{
    return STRING_ELT(x, i) == NA_STRING ? NULL : Rf_translateCharUTF8(STRING_ELT(x, i));
}

static SEXP copy_out(const ristra_collected *c, R_xlen_t n_extra)
{
    static const char *names[] = { "risk", "margin", "outcome", "practice", "practice_codes",
                                   "values", "extra", "n_read", "rejected" };
    SEXP out = PROTECT(rr_named_list(9, names));
    R_xlen_t n = (R_xlen_t)ristra_collected_n_rows(c), k = (R_xlen_t)ristra_collected_n_cols(c);
    SET_VECTOR_ELT(out, 0, doubles(ristra_collected_risk(c), n));
    SET_VECTOR_ELT(out, 1, doubles(ristra_collected_margin(c), n));
    SEXP y = PROTECT(Rf_allocVector(INTSXP, n)), p = PROTECT(Rf_allocVector(INTSXP, n));
    const uint8_t *outcome = ristra_collected_outcome(c);
    const int32_t *practice = ristra_collected_practice(c);
    for (R_xlen_t i = 0; i < n; i++) {
        INTEGER(y)[i] = outcome[i] == RISTRA_OUTCOME_UNKNOWN ? NA_INTEGER : outcome[i];
        INTEGER(p)[i] = practice[i] + 1; /* R's 1-based index into practice_codes */
    }
    SET_VECTOR_ELT(out, 2, y);
    SET_VECTOR_ELT(out, 3, p);
    UNPROTECT(2);
    int32_t np = ristra_collected_n_practices(c);
    SEXP codes = PROTECT(Rf_allocVector(STRSXP, np));
    for (int32_t i = 0; i < np; i++)
        SET_STRING_ELT(codes, i, rr_utf8(ristra_collected_practice_code(c, i)));
    SET_VECTOR_ELT(out, 4, codes);
    UNPROTECT(1);
    SET_VECTOR_ELT(out, 5, doubles(ristra_collected_values(c), n * k)); /* row-major */
    SET_VECTOR_ELT(out, 6, doubles(ristra_collected_extra(c), n * n_extra));
    SET_VECTOR_ELT(out, 7, Rf_ScalarReal((double)ristra_collected_n_read(c)));
    SEXP rej = PROTECT(Rf_allocVector(REALSXP, 32));
    for (int s = 0; s < 32; s++)
        REAL(rej)[s] = (double)ristra_collected_n_rejected(c, s);
    SET_VECTOR_ELT(out, 8, rej);
    UNPROTECT(2);
    return out;
}

/* texts: character(5) id_column (NA: default), practice_column,
 * outcome_column (NA: not read), id_kind; columns, extra: NULL or
 * character; flags: integer(4) required_extra, keep_values,
 * keep_unknown_outcome, threads. Returns the collected rows as a list. */
SEXP ristra_r_collect(SEXP model, SEXP input, SEXP texts, SEXP columns, SEXP extra, SEXP flags)
{
    if (!Rf_isString(texts) || XLENGTH(texts) != 4 || TYPEOF(flags) != INTSXP ||
        XLENGTH(flags) != 4)
        rr_invalid("texts must be character(4) and flags integer(4)");
    const ristra_model *m = Rf_isNull(model) ? NULL : rr_model_of(model);
    ristra_population_options po = RISTRA_POPULATION_OPTIONS_INIT;
    if (text_elt(texts, 0))
        po.id_column = text_elt(texts, 0);
    if (text_elt(texts, 1))
        po.practice_column = text_elt(texts, 1);
    po.outcome_column = text_elt(texts, 2);
    const char *kind = text_elt(texts, 3);
    if (!(po.id_kind = ristra_id_kind_from_string(kind)))
        rr_invalid("id_kind must be \"nhs\" or \"pseudonym\", not \"%s\"", kind ? kind : "NA");
    R_xlen_t n_cols, n_extra;
    po.columns = strings(columns, &n_cols, "columns");
    po.n_columns = (int64_t)n_cols;
    po.extra_columns = strings(extra, &n_extra, "extra_columns");
    po.n_extra = (int64_t)n_extra;
    ristra_collect_options o = RISTRA_COLLECT_OPTIONS_INIT;
    o.population = &po;
    o.n_required_extra = INTEGER(flags)[0];
    o.keep_values = INTEGER(flags)[1];
    o.keep_unknown_outcome = INTEGER(flags)[2];
    o.n_threads = po.n_threads = INTEGER(flags)[3];
    SEXP ptr = PROTECT(R_MakeExternalPtr(NULL, R_NilValue, R_NilValue));
    R_RegisterCFinalizerEx(ptr, collected_finalize, TRUE);
    ristra_collected *c = NULL;
    int rc = ristra_population_collect(&c, rr_string_arg(input, "input"), m, &o);
    if (rc)
        rr_fail(rc);
    R_SetExternalPtrAddr(ptr, c);
    SEXP out = copy_out(c, n_extra);
    collected_finalize(ptr);
    UNPROTECT(1);
    return out;
}
