/* .Call glue for ristra_model_import_xgboost() (XGBoost models as native
 * ones) and ristra_synth_write() (synthetic populations). */
#include <stdint.h>
#include <string.h>

#include <R.h>
#include <Rinternals.h>

#include <ristra/ristra.h>
#include <ristra/xgboost.h>

#include "ristra_r.h"

/* src: a file name or a raw vector of a model file's bytes; feature_names:
 * NULL or a character vector; meta: character(5) name, model_version,
 * outcome, intended_use, training_population (NA for the default);
 * horizon_days: a number, or NA for the default. Returns the model's
 * external pointer. */
SEXP ristra_r_convert_xgboost(SEXP src, SEXP feature_names, SEXP meta, SEXP horizon_days)
{
    ristra_xgboost_options opts = RISTRA_XGBOOST_OPTIONS_INIT;
    if (!Rf_isNull(feature_names)) {
        if (!Rf_isString(feature_names))
            rr_invalid("feature_names must be a character vector");
        R_xlen_t n = XLENGTH(feature_names);
        const char **names = (const char **)R_alloc((size_t)n + 1, sizeof *names);
        for (R_xlen_t i = 0; i < n; i++) {
            if (STRING_ELT(feature_names, i) == NA_STRING)
                rr_invalid("feature_names[%lld] is NA", (long long)i + 1);
            names[i] = Rf_translateCharUTF8(STRING_ELT(feature_names, i));
        }
        opts.feature_names = names;
        opts.n_feature_names = (int64_t)n;
    }
    if (!Rf_isString(meta) || XLENGTH(meta) != 5)
        rr_invalid("meta must be character(5)");
    const char **fields[] = { &opts.name, &opts.model_version, &opts.outcome,
                              &opts.intended_use, &opts.training_population };
    for (int i = 0; i < 5; i++)
        *fields[i] = STRING_ELT(meta, i) == NA_STRING
                         ? NULL
                         : Rf_translateCharUTF8(STRING_ELT(meta, i));
    double horizon = Rf_asReal(horizon_days);
    if (!ISNAN(horizon)) {
        if (horizon != (double)(int64_t)horizon)
            rr_invalid("horizon_days must be a whole number of days");
        opts.horizon_days = (int64_t)horizon;
    }
    /* horizon_days is c(horizon, min_present, all_trees): NA = default */
    if (Rf_isReal(horizon_days) && XLENGTH(horizon_days) == 3) {
        double need = REAL(horizon_days)[1], all = REAL(horizon_days)[2];
        if (!ISNAN(need)) {
            if (need < 0 || need != (double)(int64_t)need)
                Rf_error("min_present must be a whole number >= 0");
            opts.min_present_features = need > 0 ? (int64_t)need : -1;
        }
        opts.all_trees = !ISNAN(all) && all != 0;
    }

    SEXP ptr = PROTECT(rr_new_model_ptr());
    ristra_model *model = NULL;
    int rc;
    if (TYPEOF(src) == RAWSXP)
        rc = ristra_model_import_xgboost_buffer(&model, RAW(src), (size_t)XLENGTH(src),
                                                opts.name ? opts.name : "<raw vector>", &opts);
    else
        rc = ristra_model_import_xgboost(&model, rr_string_arg(src, "src"), &opts);
    if (rc)
        rr_fail(rc);
    R_SetExternalPtrAddr(ptr, model);
    UNPROTECT(1);
    return ptr;
}

/* ristra_synth_write(): a synthetic population file. numbers: double(3)
 * patients, practices, seed; flags: integer(3) outcome, true_risk, gzip_level. */
SEXP ristra_r_synth(SEXP path, SEXP numbers, SEXP flags)
{
    if (TYPEOF(numbers) != REALSXP || XLENGTH(numbers) != 3 || TYPEOF(flags) != INTSXP ||
        XLENGTH(flags) != 3)
        rr_invalid("numbers must be double(3) and flags integer(3)");
    ristra_synth_options opts = RISTRA_SYNTH_OPTIONS_INIT;
    const double *v = REAL(numbers);
    for (int i = 0; i < 3; i++)
        if (ISNAN(v[i]) || v[i] < 0 || v[i] != (double)(int64_t)v[i])
            rr_invalid("patients, practices and seed must be whole numbers >= 0");
    opts.n_patients = (int64_t)v[0];
    opts.n_practices = (int64_t)v[1];
    opts.seed = (uint64_t)v[2];
    opts.write_outcome = INTEGER(flags)[0];
    opts.write_true_risk = INTEGER(flags)[1];
    opts.gzip_level = INTEGER(flags)[2];
    int rc = ristra_synth_write(rr_string_arg(path, "path"), &opts);
    if (rc)
        rr_fail(rc);
    return R_NilValue;
}

SEXP ristra_r_pseudonymise(SEXP paths, SEXP encoding, SEXP length)
{
    if (!Rf_isString(paths) || XLENGTH(paths) != 3 || TYPEOF(length) != INTSXP ||
        XLENGTH(length) != 1)
        rr_invalid("paths must be character(3) and length integer(1)");
    ristra_pseudonymise_options opts = RISTRA_PSEUDONYMISE_OPTIONS_INIT;
    const char *enc = rr_string_arg(encoding, "encoding");
    if (!(opts.encoding = ristra_pseudonym_encoding_from_string(enc)))
        rr_invalid("encoding must be \"base64url\" or \"hex\", not \"%s\"", enc);
    opts.length = INTEGER(length)[0];
    ristra_pseudonymise_totals t = RISTRA_PSEUDONYMISE_TOTALS_INIT;
    for (int i = 0; i < 3; i++)
        if (STRING_ELT(paths, i) == NA_STRING)
            rr_invalid("input, output and key_file must be file names");
    int rc = ristra_pseudonymise_file(&t, Rf_translateCharUTF8(STRING_ELT(paths, 0)),
                                      Rf_translateCharUTF8(STRING_ELT(paths, 1)),
                                      Rf_translateCharUTF8(STRING_ELT(paths, 2)), &opts);
    if (rc)
        rr_fail(rc);
    SEXP out = PROTECT(Rf_allocVector(REALSXP, 3));
    REAL(out)[0] = (double)t.n_rows;
    REAL(out)[1] = (double)t.n_pseudonymised;
    REAL(out)[2] = (double)t.n_invalid;
    UNPROTECT(1);
    return out;
}
