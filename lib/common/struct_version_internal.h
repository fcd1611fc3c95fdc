/* Versioned public structs (options passed in, figures passed out): the one
 * version check and the one copy that every _options_init, every function
 * taking options and every function filling a caller's struct goes through.
 *
 * Each public struct starts with `int version`. Version v of a struct holds
 * sizes[v - 1] bytes: a caller compiled against older headers has a smaller
 * struct, and the library never reads or writes past what the caller's
 * version holds (libgit2's GIT_INIT_STRUCTURE, with the size per version
 * kept here rather than trusted from the caller). The rules for adding a
 * field are at the top of include/ristra/common.h. */
#ifndef RISTRA_STRUCT_VERSION_INTERNAL_H
#define RISTRA_STRUCT_VERSION_INTERNAL_H

#include <stddef.h>

typedef struct ristra__struct_info {
    const char *name;      /* the type's name, for messages */
    const size_t *sizes;   /* sizes[v - 1]: the bytes version v holds */
    int latest;            /* the headers' *_VERSION: sizes has this many entries */
} ristra__struct_info;

/* The bytes of a struct up to and including `field`: the size of an older
 * version whose last field was `field`. */
#define RISTRA__SIZE_THROUGH(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

/*
 * Every versioned public struct: X(name, type, *_VERSION macro, the size of
 * version 1, of version 2, ...). The newest version's size is always
 * sizeof(type); an older version's is RISTRA__SIZE_THROUGH(type, its last
 * field). struct_version.c defines ristra__info_<name> from this list and
 * fails to compile when a struct's sizes and its *_VERSION disagree;
 * tests/unit/test_struct_version.c checks every init against a guard buffer.
 * A new public struct with a version field gets a line here.
 */
#define RISTRA__VERSIONED_STRUCTS(X)                                                        \
    X(save_options, ristra_save_options, RISTRA_SAVE_OPTIONS_VERSION,                      \
      sizeof(ristra_save_options))                                                         \
    X(feature_info, ristra_feature_info, RISTRA_FEATURE_INFO_VERSION,                      \
      sizeof(ristra_feature_info))                                                         \
    X(tree_summary, ristra_tree_summary, RISTRA_TREE_SUMMARY_VERSION,                      \
      sizeof(ristra_tree_summary))                                                         \
    X(score_options, ristra_score_options, RISTRA_SCORE_OPTIONS_VERSION,                   \
      sizeof(ristra_score_options))                                                        \
    X(population_options, ristra_population_options, RISTRA_POPULATION_OPTIONS_VERSION,   \
      sizeof(ristra_population_options))                                                   \
    X(population_block, ristra_population_block, RISTRA_POPULATION_BLOCK_VERSION,          \
      sizeof(ristra_population_block))                                                     \
    X(population_reject, ristra_population_reject, RISTRA_POPULATION_REJECT_VERSION,       \
      sizeof(ristra_population_reject))                                                    \
    X(score_file_options, ristra_score_file_options, RISTRA_SCORE_FILE_OPTIONS_VERSION,    \
      sizeof(ristra_score_file_options))                                                   \
    X(score_totals, ristra_score_totals, RISTRA_SCORE_TOTALS_VERSION,                      \
      sizeof(ristra_score_totals))                                                         \
    X(practice_summary, ristra_practice_summary, RISTRA_PRACTICE_SUMMARY_VERSION,          \
      sizeof(ristra_practice_summary))                                                     \
    X(evaluate_options, ristra_evaluate_options, RISTRA_EVALUATE_OPTIONS_VERSION,          \
      sizeof(ristra_evaluate_options))                                                     \
    X(group_summary, ristra_group_summary, RISTRA_GROUP_SUMMARY_VERSION,                   \
      sizeof(ristra_group_summary))                                                        \
    X(calibration_bin, ristra_calibration_bin, RISTRA_CALIBRATION_BIN_VERSION,             \
      sizeof(ristra_calibration_bin))                                                      \
    X(cut_point_summary, ristra_cut_point_summary, RISTRA_CUT_POINT_SUMMARY_VERSION,       \
      sizeof(ristra_cut_point_summary))                                                    \
    X(fit_options, ristra_fit_options, RISTRA_FIT_OPTIONS_VERSION,                         \
      sizeof(ristra_fit_options))                                                          \
    X(fit_summary, ristra_fit_summary, RISTRA_FIT_SUMMARY_VERSION,                         \
      sizeof(ristra_fit_summary))                                                          \
    X(fit_model_options, ristra_fit_model_options, RISTRA_FIT_MODEL_OPTIONS_VERSION,       \
      sizeof(ristra_fit_model_options))                                                    \
    X(calibration, ristra_calibration, RISTRA_CALIBRATION_VERSION,                         \
      sizeof(ristra_calibration))                                                          \
    X(recalibrate_options, ristra_recalibrate_options, RISTRA_RECALIBRATE_OPTIONS_VERSION, \
      sizeof(ristra_recalibrate_options))                                                  \
    X(synth_options, ristra_synth_options, RISTRA_SYNTH_OPTIONS_VERSION,                   \
      sizeof(ristra_synth_options))                                                        \
    X(xgboost_options, ristra_xgboost_options, RISTRA_XGBOOST_OPTIONS_VERSION,             \
      sizeof(ristra_xgboost_options))                                                      \
    X(pseudonymise_options, ristra_pseudonymise_options,                                   \
      RISTRA_PSEUDONYMISE_OPTIONS_VERSION, sizeof(ristra_pseudonymise_options))            \
    X(pseudonymise_totals, ristra_pseudonymise_totals, RISTRA_PSEUDONYMISE_TOTALS_VERSION, \
      sizeof(ristra_pseudonymise_totals))                                                      \
    X(audit_options, ristra_audit_options, RISTRA_AUDIT_OPTIONS_VERSION,                   \
      sizeof(ristra_audit_options))                                                        \
    X(fhir_options, ristra_fhir_options, RISTRA_FHIR_OPTIONS_VERSION,                      \
      sizeof(ristra_fhir_options))                                                         \
    X(drift_options, ristra_drift_options, RISTRA_DRIFT_OPTIONS_VERSION,                   \
      sizeof(ristra_drift_options))                                                        \
    X(drift_row, ristra_drift_row, RISTRA_DRIFT_ROW_VERSION, sizeof(ristra_drift_row))      \
    X(load_options, ristra_load_options, RISTRA_LOAD_OPTIONS_VERSION,                      \
      sizeof(ristra_load_options))                                                         \
    X(report_options, ristra_report_options, RISTRA_REPORT_OPTIONS_VERSION,                \
      sizeof(ristra_report_options))                                                       \
    X(explain_options, ristra_explain_options, RISTRA_EXPLAIN_OPTIONS_VERSION,             \
      sizeof(ristra_explain_options))

#define RISTRA__DECLARE_STRUCT_INFO(name, type, latest, ...) \
    extern const ristra__struct_info ristra__info_##name;
RISTRA__VERSIONED_STRUCTS(RISTRA__DECLARE_STRUCT_INFO)
#undef RISTRA__DECLARE_STRUCT_INFO

/* The bytes version `version` holds, or 0 for a version this library does
 * not know (0, negative, newer than its headers). */
size_t ristra__struct_size(const ristra__struct_info *info, int version);

/* *_options_init(opts, version): writes the first sizes[version - 1] bytes
 * of `defaults` into opts and then opts->version = version, nothing more.
 * RISTRA_EINVAL (naming fn) for a NULL opts or an unknown version. */
int ristra__struct_init(void *opts, int version, const void *defaults,
                        const ristra__struct_info *info, const char *fn);

/* Reads a caller's options: `full` (a whole struct of the library's
 * version) becomes `defaults` overlaid with the bytes the caller's version
 * holds, and full->version the caller's version. A NULL caller gives the
 * defaults. RISTRA_EINVAL (naming fn and the versions known) for an
 * unknown caller version; the library then reads only `full`. */
int ristra__struct_load(void *full, const void *caller, const void *defaults,
                        const ristra__struct_info *info, const char *fn);

/* The check ristra__struct_store() makes, for a function that must refuse
 * before doing any work: RISTRA_EINVAL for a NULL out or an unknown
 * out->version. */
int ristra__struct_check_out(const void *out, const ristra__struct_info *info, const char *fn);

/* Fills a caller's struct from `full` (the library's whole version): only
 * the bytes out->version holds are written, and out->version is kept.
 * RISTRA_EINVAL (naming fn) for a NULL out or an unknown out->version. */
int ristra__struct_store(void *out, const void *full, const ristra__struct_info *info,
                         const char *fn);

#endif
