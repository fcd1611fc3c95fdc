/* .Call glue between R and libristra's public API. Models live in external
 * pointers whose C finalizer frees them. rr_invalid() longjmps, so it is only
 * ever called when this file owns no C memory: scratch space comes from
 * R_alloc (reclaimed by R) and a model is attached to its external pointer
 * before anything else can fail. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <R.h>
#include <Rinternals.h>
#include <R_ext/Utils.h>

#include <ristra/ristra.h>

#include "ristra_r.h"

/* Rows are transposed into row-major blocks of at most this many values
 * (8 MB): small enough to stay in cache between the transposition and the
 * scoring (1M rows x 7 scored about 3x faster than as one block), large
 * enough for the library to split a block over threads. */
enum { BLOCK_VALUES = 1 << 20 };

SEXP rr_model_tag(void)
{
    static SEXP tag = NULL;
    if (!tag)
        tag = Rf_install("ristra_model");
    return tag;
}

/* Signals the R condition for a library code (R/conditions.R: classed
 * ristra_error_file, ristra_error_invalid, ...) with message. */
static void NORET rr_signal(int rc, const char *message)
{
    SEXP ns = PROTECT(R_FindNamespace(PROTECT(Rf_mkString("ristra"))));
    SEXP code = PROTECT(Rf_ScalarInteger(rc));
    SEXP text = PROTECT(Rf_mkString(message));
    SEXP call = PROTECT(Rf_lang3(Rf_install("ristra_abort"), code, text));
    Rf_eval(call, ns);
    Rf_error("%s", message); /* not reached: ristra_abort() signals */
}

/* Raises the library's message (what failed and where) as an R condition
 * classed by its code. */
void NORET rr_fail(int rc)
{
    const char *message = ristra_last_error();
    rr_signal(rc, message[0] ? message : ristra_strerror(rc));
}

/* An invalid argument found here, as ristra_error_invalid. */
void NORET rr_invalid(const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    rr_signal(RISTRA_EINVAL, message);
}

static void model_finalize(SEXP ptr)
{
    ristra_model_free(R_ExternalPtrAddr(ptr));
    R_ClearExternalPtr(ptr);
}

const ristra_model *rr_model_of(SEXP ptr)
{
    if (TYPEOF(ptr) != EXTPTRSXP || R_ExternalPtrTag(ptr) != rr_model_tag())
        rr_invalid("not a ristra model");
    const ristra_model *model = R_ExternalPtrAddr(ptr);
    if (!model)
        rr_invalid("this ristra model is no longer loaded (models do not survive saveRDS() or "
                 "a new session): load it again with ristra_load()");
    return model;
}

/* A copy (R_alloc) of a path with ~ expanded: R_ExpandFileName's buffer
 * is static, and some calls take several paths. */
const char *rr_string_arg(SEXP x, const char *what)
{
    if (!Rf_isString(x) || XLENGTH(x) != 1 || STRING_ELT(x, 0) == NA_STRING)
        rr_invalid("%s must be a single string", what);
    const char *expanded = R_ExpandFileName(Rf_translateChar(STRING_ELT(x, 0)));
    size_t len = strlen(expanded);
    char *copy = R_alloc(len + 1, 1);
    memcpy(copy, expanded, len + 1);
    return copy;
}

const char *rr_optional_string(SEXP x, const char *what)
{
    if (Rf_isNull(x))
        return NULL;
    if (!Rf_isString(x) || XLENGTH(x) != 1)
        rr_invalid("%s must be a single string or NULL", what);
    if (STRING_ELT(x, 0) == NA_STRING)
        return NULL;
    return Rf_translateCharUTF8(STRING_ELT(x, 0));
}

SEXP rr_utf8(const char *s)
{
    return Rf_mkCharCE(s, CE_UTF8);
}

SEXP ristra_r_version(void)
{
    SEXP out = PROTECT(Rf_allocVector(INTSXP, 2));
    INTEGER(out)[0] = ristra_version();
    INTEGER(out)[1] = RISTRA_VERSION_NUMBER;
    SEXP names = PROTECT(Rf_allocVector(STRSXP, 2));
    SET_STRING_ELT(names, 0, Rf_mkChar("library"));
    SET_STRING_ELT(names, 1, Rf_mkChar("headers"));
    Rf_setAttrib(out, R_NamesSymbol, names);
    UNPROTECT(2);
    return out;
}

SEXP rr_new_model_ptr(void)
{
    SEXP ptr = PROTECT(R_MakeExternalPtr(NULL, rr_model_tag(), R_NilValue));
    R_RegisterCFinalizerEx(ptr, model_finalize, TRUE);
    UNPROTECT(1);
    return ptr;
}

SEXP ristra_r_load(SEXP path)
{
    const char *file = rr_string_arg(path, "path");
    SEXP ptr = PROTECT(rr_new_model_ptr());
    ristra_model *model = NULL;
    int rc = ristra_model_load(&model, file);
    if (rc)
        rr_fail(rc);
    R_SetExternalPtrAddr(ptr, model);
    UNPROTECT(1);
    return ptr;
}

SEXP ristra_r_save(SEXP ptr, SEXP path, SEXP gzip, SEXP indent)
{
    const ristra_model *model = rr_model_of(ptr);
    ristra_save_options opts = RISTRA_SAVE_OPTIONS_INIT;
    if (!Rf_isNull(gzip)) /* NULL: the library's rule, gzip when the name ends in .gz */
        opts.gzip = Rf_asLogical(gzip) == TRUE;
    opts.indent = Rf_asInteger(indent);
    int rc = ristra_model_save(model, rr_string_arg(path, "path"), &opts);
    if (rc)
        rr_fail(rc);
    return R_NilValue;
}

SEXP rr_named_list(int n, const char **names)
{
    SEXP list = PROTECT(Rf_allocVector(VECSXP, n));
    SEXP s = PROTECT(Rf_allocVector(STRSXP, n));
    for (int i = 0; i < n; i++)
        SET_STRING_ELT(s, i, Rf_mkChar(names[i]));
    Rf_setAttrib(list, R_NamesSymbol, s);
    UNPROTECT(2);
    return list;
}

SEXP ristra_r_info(SEXP ptr)
{
    const ristra_model *model = rr_model_of(ptr);
    ristra_tree_summary trees = RISTRA_TREE_SUMMARY_INIT;
    int rc = ristra_model_trees(&trees, model);
    if (rc)
        rr_fail(rc);
    static const char *names[] = { "kind", "n_features", "metadata", "n_trees", "max_depth",
                                   "n_nodes", "n_categorical" };
    SEXP out = PROTECT(rr_named_list(7, names));
    int kind = ristra_model_kind(model);
    SET_VECTOR_ELT(out, 0, Rf_mkString(ristra_model_kind_string(kind)));
    SET_VECTOR_ELT(out, 1, Rf_ScalarReal((double)ristra_model_n_features(model)));
    SET_VECTOR_ELT(out, 2, Rf_ScalarString(rr_utf8(ristra_model_metadata(model))));
    SET_VECTOR_ELT(out, 3, Rf_ScalarReal((double)trees.n_trees));
    SET_VECTOR_ELT(out, 4, Rf_ScalarReal((double)trees.max_depth));
    SET_VECTOR_ELT(out, 5, Rf_ScalarReal((double)trees.n_nodes));
    SET_VECTOR_ELT(out, 6, Rf_ScalarReal((double)trees.n_categorical));
    UNPROTECT(1);
    return out;
}


SEXP ristra_r_features(SEXP ptr)
{
    const ristra_model *model = rr_model_of(ptr);
    R_xlen_t n = (R_xlen_t)ristra_model_n_features(model);
    static const char *names[] = { "name", "description", "unit", "valid_min", "valid_max",
                                   "missing_policy", "impute_value" };
    static const SEXPTYPE types[] = { STRSXP, STRSXP, STRSXP, REALSXP, REALSXP, STRSXP, REALSXP };
    SEXP out = PROTECT(rr_named_list(7, names));
    for (int c = 0; c < 7; c++)
        SET_VECTOR_ELT(out, c, Rf_allocVector(types[c], n));
    for (R_xlen_t i = 0; i < n; i++) {
        ristra_feature_info f = RISTRA_FEATURE_INFO_INIT;
        int rc = ristra_model_feature(&f, model, (int64_t)i);
        if (rc)
            rr_fail(rc);
        SET_STRING_ELT(VECTOR_ELT(out, 0), i, rr_utf8(f.name));
        SET_STRING_ELT(VECTOR_ELT(out, 1), i, rr_utf8(f.description));
        SET_STRING_ELT(VECTOR_ELT(out, 2), i, rr_utf8(f.unit));
        REAL(VECTOR_ELT(out, 3))[i] = f.valid_min;
        REAL(VECTOR_ELT(out, 4))[i] = f.valid_max;
        SET_STRING_ELT(VECTOR_ELT(out, 5), i,
                       Rf_mkChar(ristra_missing_policy_string(f.missing_policy)));
        REAL(VECTOR_ELT(out, 6))[i] =
            f.missing_policy == RISTRA_MISSING_IMPUTE ? f.impute_value : NA_REAL;
    }
    UNPROTECT(1);
    return out;
}

/* Points cols[j] at the j-th model feature's values: column columns[j] of a
 * double matrix, or element columns[j] of a list of double vectors (a
 * data.frame's columns). Returns the number of rows. */
R_xlen_t rr_column_pointers(const double **cols, SEXP x, SEXP columns, R_xlen_t k)
{
    const int *index = INTEGER(columns);
    if (TYPEOF(x) == REALSXP && Rf_isMatrix(x)) {
        R_xlen_t n = Rf_nrows(x), ncol = Rf_ncols(x);
        for (R_xlen_t j = 0; j < k; j++) {
            if (index[j] < 1 || index[j] > ncol)
                rr_invalid("column index %d is outside the matrix", index[j]);
            cols[j] = REAL(x) + (R_xlen_t)(index[j] - 1) * n;
        }
        return n;
    }
    if (TYPEOF(x) != VECSXP)
        rr_invalid("x must be a double matrix or a list of double vectors");
    R_xlen_t n = 0;
    for (R_xlen_t j = 0; j < k; j++) {
        if (index[j] < 1 || index[j] > XLENGTH(x))
            rr_invalid("column index %d is outside the list", index[j]);
        SEXP v = VECTOR_ELT(x, index[j] - 1);
        if (TYPEOF(v) != REALSXP)
            rr_invalid("column %d is not a double vector", index[j]);
        if (j == 0)
            n = XLENGTH(v);
        else if (XLENGTH(v) != n)
            rr_invalid("columns have different lengths");
        cols[j] = REAL(v);
    }
    return n;
}

/* 1 when the k feature columns are consecutive columns of one block, each n
 * long (a matrix whose columns are the model's, in order): the library then
 * reads the block in place, column-major. */
int rr_consecutive_columns(const double *const *cols, R_xlen_t k, R_xlen_t n)
{
    for (R_xlen_t j = 1; j < k; j++)
        if (cols[j] != cols[0] + j * n)
            return 0;
    return 1;
}

/* Scores the rows of x (see column_pointers) in model feature order: in
 * place when the columns are consecutive, else with each chunk's columns
 * copied side by side. Either way the block is column-major
 * (row stride 1, column stride the chunk's length): no transpose.
 * Returns list(value, status): the probability (or the margin when
 * margin is TRUE), NA for rows not scored, and every row's status. */
SEXP ristra_r_score(SEXP ptr, SEXP x, SEXP columns, SEXP margin, SEXP n_threads)
{
    const ristra_model *model = rr_model_of(ptr);
    R_xlen_t k = (R_xlen_t)ristra_model_n_features(model);
    if (TYPEOF(columns) != INTSXP || XLENGTH(columns) != k)
        rr_invalid("columns must be %lld integer indices", (long long)k);
    const double **cols = (const double **)R_alloc((size_t)k, sizeof *cols);
    R_xlen_t n = rr_column_pointers(cols, x, columns, k);
    int want_margin = Rf_asLogical(margin) == TRUE;
    ristra_score_options opts = RISTRA_SCORE_OPTIONS_INIT;
    opts.n_threads = Rf_asInteger(n_threads);

    SEXP value = PROTECT(Rf_allocVector(REALSXP, n));
    SEXP status = PROTECT(Rf_allocVector(INTSXP, n));
    int in_place = k > 0 && rr_consecutive_columns(cols, k, n);
    R_xlen_t chunk = k > 0 && BLOCK_VALUES / k > 0 ? BLOCK_VALUES / k : 1;
    double *block = in_place ? NULL
                             : (double *)R_alloc((size_t)(n < chunk ? n : chunk) * (size_t)k + 1,
                                                 sizeof *block);
    for (R_xlen_t r0 = 0; r0 < n; r0 += chunk) {
        R_xlen_t rows = n - r0 < chunk ? n - r0 : chunk;
        const double *x0 = in_place ? cols[0] + r0 : block;
        for (R_xlen_t j = 0; !in_place && j < k; j++)
            memcpy(block + j * rows, cols[j] + r0, (size_t)rows * sizeof *block);
        double *out = REAL(value) + r0;
        int rc = ristra_model_score(want_margin ? NULL : out, want_margin ? out : NULL,
                                    (int32_t *)INTEGER(status) + r0, model, x0, RISTRA_FLOAT64,
                                    (int64_t)rows, (int64_t)k, 1,
                                    (int64_t)(in_place ? n : rows), &opts);
        if (rc)
            rr_fail(rc);
        R_CheckUserInterrupt();
    }
    for (R_xlen_t i = 0; i < n; i++)
        if (INTEGER(status)[i] != RISTRA_ROW_OK)
            REAL(value)[i] = NA_REAL;   /* R's missing value rather than NaN */

    static const char *names[] = { "value", "status" };
    SEXP out = PROTECT(rr_named_list(2, names));
    SET_VECTOR_ELT(out, 0, value);
    SET_VECTOR_ELT(out, 1, status);
    UNPROTECT(3);
    return out;
}

SEXP ristra_r_row_status_string(SEXP status)
{
    SEXP codes = PROTECT(Rf_coerceVector(status, INTSXP));
    R_xlen_t n = XLENGTH(codes);
    SEXP out = PROTECT(Rf_allocVector(STRSXP, n));
    for (R_xlen_t i = 0; i < n; i++)
        SET_STRING_ELT(out, i, INTEGER(codes)[i] == NA_INTEGER
                                   ? NA_STRING
                                   : Rf_mkChar(ristra_row_status_string(INTEGER(codes)[i])));
    UNPROTECT(2);
    return out;
}
