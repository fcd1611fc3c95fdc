/* Registers the .Call routines; nothing else is reachable from R. */
#include <R.h>
#include <R_ext/Rdynload.h>
#include <R_ext/Visibility.h>

#include "ristra_r.h"

static const R_CallMethodDef call_entries[] = {
    { "C_ristra_version", (DL_FUNC)&ristra_r_version, 0 },
    { "C_ristra_load", (DL_FUNC)&ristra_r_load, 1 },
    { "C_ristra_save", (DL_FUNC)&ristra_r_save, 4 },
    { "C_ristra_info", (DL_FUNC)&ristra_r_info, 1 },
    { "C_ristra_features", (DL_FUNC)&ristra_r_features, 1 },
    { "C_ristra_score", (DL_FUNC)&ristra_r_score, 5 },
    { "C_ristra_row_status_string", (DL_FUNC)&ristra_r_row_status_string, 1 },
    { "C_ristra_convert_xgboost", (DL_FUNC)&ristra_r_convert_xgboost, 4 },
    { "C_ristra_evaluate", (DL_FUNC)&ristra_r_evaluate, 8 },
    { "C_ristra_default_tiers", (DL_FUNC)&ristra_r_default_tiers, 0 },
    { "C_ristra_evaluation_csv", (DL_FUNC)&ristra_r_evaluation_csv, 4 },
    { "C_ristra_collect", (DL_FUNC)&ristra_r_collect, 6 },
    { "C_ristra_evaluation_svg", (DL_FUNC)&ristra_r_evaluation_svg, 4 },
    { "C_ristra_score_file", (DL_FUNC)&ristra_r_score_file, 9 },
    { "C_ristra_synth", (DL_FUNC)&ristra_r_synth, 3 },
    { "C_ristra_pseudonymise", (DL_FUNC)&ristra_r_pseudonymise, 3 },
    { "C_ristra_recalibrate", (DL_FUNC)&ristra_r_recalibrate, 5 },
    { "C_ristra_calibration", (DL_FUNC)&ristra_r_calibration, 1 },
    { "C_ristra_audit", (DL_FUNC)&ristra_r_audit, 5 },
    { "C_ristra_report", (DL_FUNC)&ristra_r_report, 6 },
    { "C_ristra_drift", (DL_FUNC)&ristra_r_drift, 4 },
    { "C_ristra_explain", (DL_FUNC)&ristra_r_explain, 4 },
    { NULL, NULL, 0 }
};

void R_init_ristra(DllInfo *dll);

void attribute_visible R_init_ristra(DllInfo *dll)
{
    R_registerRoutines(dll, NULL, call_entries, NULL, NULL);
    R_useDynamicSymbols(dll, FALSE);
    R_forceSymbols(dll, TRUE);
}
