/* .Call glue for ristra_score_file(), the nightly batch. The result is held
 * in an external pointer while it is read out, so an R error (out of
 * memory) cannot leak it. Interrupts (Ctrl-C) are polled from the progress
 * callback, which stops the run cleanly: nothing is written. */
#include <stdint.h>

#include <R.h>
#include <Rinternals.h>

#include <ristra/ristra.h>
#include <ristra/batch.h>

#include "ristra_r.h"

static void result_finalize(SEXP ptr)
{
    ristra_score_result_free(R_ExternalPtrAddr(ptr));
    R_ClearExternalPtr(ptr);
}

typedef struct progress_ctx {
    SEXP fn;            /* an R function(patients, bytes_done, bytes_total), or NULL */
    int interrupted;
    int failed;         /* the function raised an error (the R side catches them first) */
    int stopped;        /* the function asked to stop */
} progress_ctx;

static void check_interrupt(void *unused)
{
    (void)unused;
    R_CheckUserInterrupt();
}

/* Called on R's thread (the one that called ristra_score_file) after each block. */
static int progress(void *data, int64_t patients, uint64_t bytes_done, uint64_t bytes_total)
{
    progress_ctx *ctx = data;
    if (!R_ToplevelExec(check_interrupt, NULL)) {
        ctx->interrupted = 1;
        return 1;
    }
    if (!ctx->fn)
        return 0;
    SEXP call = PROTECT(Rf_lang4(ctx->fn, Rf_ScalarReal((double)patients),
                                 Rf_ScalarReal((double)bytes_done),
                                 Rf_ScalarReal((double)bytes_total)));
    int error = 0;
    SEXP value = R_tryEvalSilent(call, R_GlobalEnv, &error);
    int stop = !error && Rf_asLogical(value) == TRUE;
    UNPROTECT(1);
    ctx->failed |= error;
    ctx->stopped |= stop;
    return error || stop;
}

static const char *path_elt(SEXP x, R_xlen_t i)
{
    if (STRING_ELT(x, i) == NA_STRING)
        return NULL;
    SEXP one = PROTECT(Rf_ScalarString(STRING_ELT(x, i)));
    const char *path = rr_string_arg(one, "path");
    UNPROTECT(1);
    return path;
}

static const char *optional_elt(SEXP x, R_xlen_t i)
{
    return STRING_ELT(x, i) == NA_STRING ? NULL : Rf_translateCharUTF8(STRING_ELT(x, i));
}

/* paths: character(6) input, output, rejects, summary (NA: none), manifest
 * (NA: the default "<output>.manifest.json"; "": none), contributions (NA:
 * none);
 * columns: character(3) id, practice, outcome (NA outcome: not read);
 * tiers: NULL (the default) or cut-points; tier_names: NULL or one per
 * tier (NA: default); untiered_name: NULL or a string; flags: integer(6)
 * threads, outcome_required, check_duplicates, gzip (-1, 0, 1),
 * block_rows, reasons; limits: double(3) max_reject_rate, min_scored, file mode;
 * progress_fn: NULL or a function returning TRUE to stop.
 * Returns list(totals, tier_names, practices), or NULL when the progress
 * function stopped the run. */
/* Checks the arguments and fills the options (files: input, output,
 * rejects, summary). Strings point into R's memory or R_alloc(). */
static void read_options(ristra_score_file_options *opts, ristra_population_options *population,
                         const char *files[4], SEXP paths, SEXP columns, SEXP tiers,
                         SEXP tier_names, SEXP untiered_name, SEXP flags, SEXP limits)
{
    if (!Rf_isString(paths) || XLENGTH(paths) != 6 || STRING_ELT(paths, 0) == NA_STRING)
        rr_invalid("paths must be character(6) with an input file");
    if (TYPEOF(limits) != REALSXP || XLENGTH(limits) != 3)
        rr_invalid("limits must be double(3)");
    if (!Rf_isString(columns) || XLENGTH(columns) != 4)
        rr_invalid("columns must be character(4)");
    if (TYPEOF(flags) != INTSXP || XLENGTH(flags) != 6)
        rr_invalid("flags must be integer(6)");

    for (int i = 0; i < 4; i++)
        files[i] = path_elt(paths, i);
    opts->rejects_path = files[2];
    opts->summary_path = files[3];
    opts->manifest_path = optional_elt(paths, 4);
    opts->contributions_path = path_elt(paths, 5);
    if (!ISNAN(REAL(limits)[0])) /* NA: the library's default */
        opts->max_reject_rate = REAL(limits)[0];
    if (!ISNAN(REAL(limits)[1]))
        opts->min_scored = (int64_t)REAL(limits)[1];
    if (!ISNAN(REAL(limits)[2]))
        opts->file_mode = (int)REAL(limits)[2];
    if (STRING_ELT(columns, 1) == NA_STRING)
        rr_invalid("practice_column must be a string");
    const char *kind = optional_elt(columns, 3);
    if (!(population->id_kind = ristra_id_kind_from_string(kind)))
        rr_invalid("id_kind must be \"nhs\" or \"pseudonym\", not \"%s\"", kind ? kind : "NA");
    population->id_column = optional_elt(columns, 0); /* NA: the column of id_kind */
    population->practice_column = optional_elt(columns, 1);
    population->outcome_column = optional_elt(columns, 2);
    population->n_threads = INTEGER(flags)[0];
    population->outcome_required = INTEGER(flags)[1];
    population->check_duplicates = INTEGER(flags)[2];
    opts->gzip_output = INTEGER(flags)[3];
    population->block_rows = INTEGER(flags)[4];
    opts->n_threads = INTEGER(flags)[0];
    opts->n_reasons = INTEGER(flags)[5];
    if (!Rf_isNull(tiers)) {
        if (TYPEOF(tiers) != REALSXP || XLENGTH(tiers) < 1 || XLENGTH(tiers) > RISTRA_MAX_TIERS)
            rr_invalid("tiers must hold 1 to %d cut-points", RISTRA_MAX_TIERS);
        opts->n_tiers = XLENGTH(tiers);
        opts->tier_cut_points = REAL(tiers);
    }
    if (!Rf_isNull(tier_names)) {
        if (!Rf_isString(tier_names) || XLENGTH(tier_names) > RISTRA_MAX_TIERS)
            rr_invalid("tier_names must be a character vector of at most %d names",
                     RISTRA_MAX_TIERS);
        const char **names = (const char **)R_alloc((size_t)XLENGTH(tier_names) + 1,
                                                    sizeof *names);
        for (R_xlen_t k = 0; k < XLENGTH(tier_names); k++)
            names[k] = optional_elt(tier_names, k);
        opts->tier_names = names;
    }
    opts->untiered_name = rr_optional_string(untiered_name, "untiered_name");
}

/* The run's totals as a named list, into *t too. */
static SEXP totals_list(ristra_score_totals *t, const ristra_score_result *result)
{
    int rc;
    if ((rc = ristra_score_result_totals(t, result)))
        rr_fail(rc);
    static const char *total_names[] = { "n_rows", "n_scored", "n_rejected", "n_practices",
                                         "tiers", "has_outcome", "expected", "observed",
                                         "auroc" };
    SEXP totals = PROTECT(rr_named_list(9, total_names));
    SET_VECTOR_ELT(totals, 0, Rf_ScalarReal((double)t->n_rows));
    SET_VECTOR_ELT(totals, 1, Rf_ScalarReal((double)t->n_scored));
    SET_VECTOR_ELT(totals, 2, Rf_ScalarReal((double)t->n_rejected));
    SET_VECTOR_ELT(totals, 3, Rf_ScalarInteger(t->n_practices));
    SEXP counts = PROTECT(Rf_allocVector(REALSXP, t->n_tiers));
    for (int k = 0; k < t->n_tiers; k++)
        REAL(counts)[k] =
            (double)ristra_score_result_tier_count(result, RISTRA_SCORE_RESULT_ALL, k);
    SET_VECTOR_ELT(totals, 4, counts);
    UNPROTECT(1);
    SET_VECTOR_ELT(totals, 5, Rf_ScalarLogical(t->has_outcome != 0));
    SET_VECTOR_ELT(totals, 6, Rf_ScalarReal(t->expected));
    SET_VECTOR_ELT(totals, 7, Rf_ScalarReal(t->has_outcome ? (double)t->observed : NA_REAL));
    SET_VECTOR_ELT(totals, 8, Rf_ScalarReal(t->has_outcome ? t->auroc : NA_REAL));
    UNPROTECT(1);
    return totals;
}

/* One column per figure, one row per practice (tier counts practices x tiers). */
static SEXP practices_list(const ristra_score_totals *tp, const ristra_score_result *result)
{
    const ristra_score_totals t = *tp;
    int rc;
    static const char *practice_names[] = { "practice", "list_size", "n_rejected", "tier_count",
                                            "mean_risk", "expected", "observed",
                                            "observed_expected", "auroc" };
    R_xlen_t np = t.n_practices;
    SEXP practices = PROTECT(rr_named_list(9, practice_names));
    SET_VECTOR_ELT(practices, 0, Rf_allocVector(STRSXP, np));
    for (int c = 1; c < 9; c++)
        SET_VECTOR_ELT(practices, c, Rf_allocVector(REALSXP, c == 3 ? np * t.n_tiers : np));
    for (int32_t i = 0; i < t.n_practices; i++) {
        ristra_practice_summary p = RISTRA_PRACTICE_SUMMARY_INIT;
        if ((rc = ristra_score_result_practice(&p, result, i)))
            rr_fail(rc);
        SET_STRING_ELT(VECTOR_ELT(practices, 0), i, rr_utf8(p.practice));
        REAL(VECTOR_ELT(practices, 1))[i] = (double)p.list_size;
        REAL(VECTOR_ELT(practices, 2))[i] = (double)p.n_rejected;
        for (int k = 0; k < t.n_tiers; k++)   /* column-major: practices x tiers */
            REAL(VECTOR_ELT(practices, 3))[i + (R_xlen_t)k * np] =
                (double)ristra_score_result_tier_count(result, i, k);
        REAL(VECTOR_ELT(practices, 4))[i] = p.mean_risk;
        REAL(VECTOR_ELT(practices, 5))[i] = p.expected;
        REAL(VECTOR_ELT(practices, 6))[i] = p.observed >= 0 ? (double)p.observed : NA_REAL;
        REAL(VECTOR_ELT(practices, 7))[i] = t.has_outcome ? p.observed_expected : NA_REAL;
        REAL(VECTOR_ELT(practices, 8))[i] = t.has_outcome ? p.auroc : NA_REAL;
    }
    UNPROTECT(1);
    return practices;
}

SEXP ristra_r_score_file(SEXP model, SEXP paths, SEXP columns, SEXP tiers, SEXP tier_names,
                         SEXP untiered_name, SEXP flags, SEXP limits, SEXP progress_fn)
{
    const ristra_model *m = rr_model_of(model);
    ristra_score_file_options opts = RISTRA_SCORE_FILE_OPTIONS_INIT;
    ristra_population_options population = RISTRA_POPULATION_OPTIONS_INIT;
    opts.population = &population;
    const char *files[4];
    read_options(&opts, &population, files, paths, columns, tiers, tier_names, untiered_name,
                 flags, limits);
    progress_ctx ctx = { Rf_isNull(progress_fn) ? NULL : progress_fn, 0, 0, 0 };
    opts.progress = progress;
    opts.progress_ctx = &ctx;

    SEXP holder = PROTECT(R_MakeExternalPtr(NULL, R_NilValue, R_NilValue));
    R_RegisterCFinalizerEx(holder, result_finalize, TRUE);
    ristra_score_result *result = NULL;
    int rc = ristra_score_file(&result, m, files[0], files[1], &opts);
    if (rc == RISTRA_ECANCELLED && ctx.interrupted)
        rr_invalid("interrupted: nothing was written");
    if (rc == RISTRA_ECANCELLED && (ctx.failed || ctx.stopped)) {
        UNPROTECT(1);
        return R_NilValue;
    }
    if (rc)
        rr_fail(rc);
    R_SetExternalPtrAddr(holder, result);

    ristra_score_totals t = RISTRA_SCORE_TOTALS_INIT;
    SEXP totals = PROTECT(totals_list(&t, result));
    SEXP names = PROTECT(Rf_allocVector(STRSXP, t.n_tiers));
    for (int k = 0; k < t.n_tiers; k++) {
        const char *name = ristra_score_result_tier_name(result, k);
        SET_STRING_ELT(names, k, rr_utf8(name ? name : ""));
    }

    SEXP practices = PROTECT(practices_list(&t, result));

    static const char *out_names[] = { "totals", "tier_names", "practices" };
    SEXP out = PROTECT(rr_named_list(3, out_names));
    SET_VECTOR_ELT(out, 0, totals);
    SET_VECTOR_ELT(out, 1, names);
    SET_VECTOR_ELT(out, 2, practices);
    ristra_score_result_free(result);
    R_ClearExternalPtr(holder);
    UNPROTECT(5);
    return out;
}
