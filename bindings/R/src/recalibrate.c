/* .Call glue for ristra_model_recalibrate() (a model's calibration block
 * refitted on local outcomes) and ristra_model_calibration(). */
#include <stdint.h>

#include <R.h>
#include <Rinternals.h>

#include <ristra/ristra.h>
#include <ristra/calibrate.h>

#include "ristra_r.h"

/* margin: the model's margins of the rows used (double); outcome: double,
 * 0 or 1 by the library's rule (ristra_outcomes_encode); method: a
 * ristra_recalibrate_method; texts: character(3) population description,
 * date, model version (NA for NULL). Returns the new model's external
 * pointer. */
SEXP ristra_r_recalibrate(SEXP ptr, SEXP margin, SEXP outcome, SEXP method, SEXP texts)
{
    const ristra_model *model = rr_model_of(ptr);
    if (TYPEOF(margin) != REALSXP || TYPEOF(outcome) != REALSXP)
        rr_invalid("margin and outcome must be double vectors");
    R_xlen_t n = XLENGTH(margin);
    if (XLENGTH(outcome) != n)
        rr_invalid("outcome has %lld values for %lld margins", (long long)XLENGTH(outcome),
                 (long long)n);
    if (!Rf_isString(texts) || XLENGTH(texts) != 3)
        rr_invalid("texts must be character(3)");
    ristra_recalibrate_options opts = RISTRA_RECALIBRATE_OPTIONS_INIT;
    const char **fields[] = { &opts.population_description, &opts.date, &opts.model_version };
    for (int i = 0; i < 3; i++)
        *fields[i] = STRING_ELT(texts, i) == NA_STRING
                         ? NULL
                         : Rf_translateCharUTF8(STRING_ELT(texts, i));
    uint8_t *y = (uint8_t *)R_alloc((size_t)n + 1, 1);
    if (ristra_outcomes_encode(y, REAL(outcome), (int64_t)n, "outcome"))
        rr_fail(RISTRA_EINVAL);

    SEXP out_ptr = PROTECT(rr_new_model_ptr());
    ristra_model *out = NULL;
    int rc = ristra_model_recalibrate(&out, model, REAL(margin), y, (int64_t)n,
                                      Rf_asInteger(method), &opts);
    if (rc)
        rr_fail(rc);
    R_SetExternalPtrAddr(out_ptr, out);
    UNPROTECT(1);
    return out_ptr;
}

/* The model's calibration block: c(intercept, slope), or NULL without one. */
SEXP ristra_r_calibration(SEXP ptr)
{
    ristra_calibration c = RISTRA_CALIBRATION_INIT;
    int rc = ristra_model_calibration(&c, rr_model_of(ptr));
    if (rc)
        rr_fail(rc);
    if (!c.present)
        return R_NilValue;
    SEXP out = PROTECT(Rf_allocVector(REALSXP, 2));
    REAL(out)[0] = c.intercept;
    REAL(out)[1] = c.slope;
    SEXP names = PROTECT(Rf_allocVector(STRSXP, 2));
    SET_STRING_ELT(names, 0, Rf_mkChar("intercept"));
    SET_STRING_ELT(names, 1, Rf_mkChar("slope"));
    Rf_setAttrib(out, R_NamesSymbol, names);
    UNPROTECT(2);
    return out;
}
