/* The .Call entry points of the ristra R package (registered in init.c). */
#ifndef RISTRA_R_H
#define RISTRA_R_H

#include <R.h>
#include <Rinternals.h>

#include <ristra/ristra.h>

SEXP ristra_r_version(void);
SEXP ristra_r_load(SEXP path);
SEXP ristra_r_save(SEXP model, SEXP path, SEXP gzip, SEXP indent);
SEXP ristra_r_info(SEXP model);
SEXP ristra_r_features(SEXP model);
SEXP ristra_r_score(SEXP model, SEXP x, SEXP columns, SEXP margin, SEXP n_threads);
SEXP ristra_r_row_status_string(SEXP status);
SEXP ristra_r_convert_xgboost(SEXP src, SEXP feature_names, SEXP meta, SEXP horizon_days);
SEXP ristra_r_evaluate(SEXP risk, SEXP outcome, SEXP groups, SEXP cut_points, SEXP n_bins,
                       SEXP confidence_level, SEXP flag_scope, SEXP n_threads);
SEXP ristra_r_default_tiers(void);
SEXP ristra_r_evaluation_csv(SEXP evaluation, SEXP path, SEXP by, SEXP names);
SEXP ristra_r_collect(SEXP model, SEXP input, SEXP texts, SEXP columns, SEXP extra, SEXP flags);
SEXP ristra_r_evaluation_svg(SEXP evaluation, SEXP group, SEXP path, SEXP title);
SEXP ristra_r_synth(SEXP path, SEXP numbers, SEXP flags);
SEXP ristra_r_pseudonymise(SEXP paths, SEXP encoding, SEXP length);
SEXP ristra_r_score_file(SEXP model, SEXP paths, SEXP columns, SEXP tiers, SEXP tier_names,
                         SEXP untiered_name, SEXP flags, SEXP limits, SEXP progress_fn);
SEXP ristra_r_recalibrate(SEXP model, SEXP margin, SEXP outcome, SEXP method, SEXP texts);
SEXP ristra_r_calibration(SEXP model);
SEXP ristra_r_audit(SEXP model, SEXP input, SEXP audit_path, SEXP by, SEXP threads);
SEXP ristra_r_report(SEXP model, SEXP input, SEXP dir, SEXP by, SEXP texts, SEXP flags);
SEXP ristra_r_drift(SEXP model, SEXP paths, SEXP outcome_column, SEXP flags);
SEXP ristra_r_explain(SEXP model, SEXP x, SEXP columns, SEXP n_threads);

/* Helpers shared by the glue files (ristra_r.c). */
SEXP rr_model_tag(void);
SEXP rr_new_model_ptr(void);   /* an empty model pointer with its finalizer; PROTECT it */
void NORET rr_fail(int rc);    /* raises the library's last message as an R error */
void NORET rr_invalid(const char *fmt, ...); /* an invalid argument: ristra_error_invalid */
const ristra_model *rr_model_of(SEXP ptr);
const char *rr_string_arg(SEXP x, const char *what);      /* a file name, ~ expanded */
const char *rr_optional_string(SEXP x, const char *what); /* NULL for R's NULL or NA */
SEXP rr_utf8(const char *s);
SEXP rr_named_list(int n, const char **names);
/* cols[j]: column columns[j] of x (a data.frame's list or a matrix); returns the rows. */
R_xlen_t rr_column_pointers(const double **cols, SEXP x, SEXP columns, R_xlen_t k);
/* 1 when cols[0..k) are consecutive columns of one n-row block. */
int rr_consecutive_columns(const double *const *cols, R_xlen_t k, R_xlen_t n);

#endif
