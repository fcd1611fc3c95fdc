/* predict(m, d, type = "contrib"): ristra_model_explain() over the rows of
 * a data.frame or matrix, into an n x (features + 1) matrix. */
#include <string.h>

#include "ristra_r.h"

SEXP ristra_r_explain(SEXP ptr, SEXP x, SEXP columns, SEXP n_threads)
{
    const ristra_model *model = rr_model_of(ptr);
    R_xlen_t k = (R_xlen_t)ristra_model_n_features(model);
    if (TYPEOF(columns) != INTSXP || XLENGTH(columns) != k)
        rr_invalid("columns must be %lld integer indices", (long long)k);
    const double **cols = (const double **)R_alloc((size_t)k, sizeof *cols);
    R_xlen_t n = rr_column_pointers(cols, x, columns, k);
    ristra_explain_options opts = RISTRA_EXPLAIN_OPTIONS_INIT;
    opts.n_threads = Rf_asInteger(n_threads);
    /* The library reads the columns in place (column-major: row stride 1,
     * column stride n) when they are consecutive, else a copy of them. */
    const double *block = k > 0 ? cols[0] : NULL;
    if (k > 0 && !rr_consecutive_columns(cols, k, n)) {
        double *copy = (double *)R_alloc((size_t)n * (size_t)k + 1, sizeof *copy);
        for (R_xlen_t j = 0; j < k; j++)
            memcpy(copy + j * n, cols[j], (size_t)n * sizeof *copy);
        block = copy;
    }
    double *rows = (double *)R_alloc((size_t)n * (size_t)(k + 1) + 1, sizeof *rows);
    int rc = ristra_model_explain(rows, NULL, model, block, RISTRA_FLOAT64, (int64_t)n,
                                  (int64_t)k, 1, (int64_t)(n > 0 ? n : 1), &opts);
    if (rc)
        rr_fail(rc);
    SEXP out = PROTECT(Rf_allocMatrix(REALSXP, (int)n, (int)(k + 1)));
    double *o = REAL(out);
    for (R_xlen_t i = 0; i < n; i++)  /* R matrices are column-major; NaN rows become NA */
        for (R_xlen_t j = 0; j <= k; j++) {
            double v = rows[i * (k + 1) + j];
            o[j * n + i] = ISNAN(v) ? NA_REAL : v;
        }
    SEXP names = PROTECT(Rf_allocVector(STRSXP, k + 1));
    for (R_xlen_t j = 0; j < k; j++) {
        ristra_feature_info f = RISTRA_FEATURE_INFO_INIT;
        ristra_model_feature(&f, model, (int64_t)j);
        SET_STRING_ELT(names, j, Rf_mkCharCE(f.name, CE_UTF8));
    }
    SET_STRING_ELT(names, k, Rf_mkChar("bias"));
    SEXP dimnames = PROTECT(Rf_allocVector(VECSXP, 2));
    SET_VECTOR_ELT(dimnames, 1, names);
    Rf_setAttrib(out, R_DimNamesSymbol, dimnames);
    UNPROTECT(3);
    return out;
}
