/* The .Call entry points of the ristra R package (registered in init.c). */
#ifndef RISTRA_R_H
#define RISTRA_R_H

#include <Rinternals.h>

SEXP ristra_r_version(void);
SEXP ristra_r_load(SEXP path);
SEXP ristra_r_save(SEXP model, SEXP path, SEXP gzip, SEXP indent);
SEXP ristra_r_info(SEXP model);
SEXP ristra_r_features(SEXP model);
SEXP ristra_r_score(SEXP model, SEXP x, SEXP columns, SEXP margin, SEXP n_threads);
SEXP ristra_r_row_status_string(SEXP status);

#endif
