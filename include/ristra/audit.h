/*
 * ristra: the subgroup audit of a scored list, at the tier cut-offs that
 * were actually applied.
 *
 * Computed by ristra_score_file() in the same pass as scoring when
 * ristra_score_file_options.audit_path is set: for the whole area, each
 * practice, and each grouping of the population (age band, sex,
 * deprivation quintile, and any named numeric column such as an ethnicity
 * code), at each tier cut-off, the number and share selected and, when the
 * file has outcomes, the error rates at the cut-off with Wilson intervals,
 * the demographic-parity and equal-opportunity ratios against the whole
 * population, and per group O/E, calibration-in-the-large and slope and
 * AUROC with its DeLong interval (the figures of ristra_evaluate()).
 *
 * The output is tidy CSV, one row per group x cut-off x measure; the exact
 * definitions are in docs/audit.md.
 */
#ifndef RISTRA_AUDIT_H
#define RISTRA_AUDIT_H

#include "ristra/common.h"

RISTRA_BEGIN_DECL

/** Options of the audit (ristra_score_file_options.audit). */
typedef struct ristra_audit_options {
    int version;               /**< RISTRA_AUDIT_OPTIONS_VERSION */
    /**
     * Age in years, grouped into bands 0-17, 18-44, 45-64, 65-74, 75-84,
     * 85+ (the bands of ristra evaluate --by age_band); NULL: no age
     * grouping. Default "age".
     */
    const char *age_column;
    /** 1 = female, 0 = male; NULL: no sex grouping. Default "female". */
    const char *sex_column;
    /**
     * IMD decile 1 (most deprived) to 10, grouped into quintiles 1-5
     * (decile 1-2 is quintile 1); NULL: none. Default "imd_decile".
     */
    const char *deprivation_column;
    /**
     * Further groupings, each a numeric column whose whole values are the
     * groups (for example an ethnicity code): n_group_columns names.
     */
    const char *const *group_columns;
    int64_t n_group_columns;
    /** 1 (default): a group per practice; 0: none. */
    int by_practice;
    /** Confidence level of every interval, in (0, 1); default 0.95. */
    double confidence_level;
} ristra_audit_options;

#define RISTRA_AUDIT_OPTIONS_VERSION 1
#define RISTRA_AUDIT_OPTIONS_INIT                                                            \
    { RISTRA_AUDIT_OPTIONS_VERSION, "age", "female", "imd_decile", NULL, 0, 1, 0.95 }

/**
 * Fills opts with the defaults of the given struct version.
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_audit_options_init(ristra_audit_options *opts, int version);

/**
 * How a column's value becomes a group. Values are pinned. The rules are
 * the library's, so that audit, evaluate and the bindings group alike.
 */
typedef enum ristra_grouping {
    /** Age in years: bands 0-17, 18-44, 45-64, 65-74, 75-84, 85+ (labels 0-5). */
    RISTRA_GROUPING_AGE_BAND = 1,
    /** 1 = female (label 1), 0 = male (label 0). */
    RISTRA_GROUPING_SEX = 2,
    /** IMD decile 1-10 (label = decile). */
    RISTRA_GROUPING_DEPRIVATION_DECILE = 3,
    /** IMD decile 1-10 grouped into quintiles (deciles 1-2: label 1, ... 9-10: 5). */
    RISTRA_GROUPING_DEPRIVATION_QUINTILE = 4,
    /** Any whole number in [-2^31 + 1, 2^31 - 1] is its own group (label = value). */
    RISTRA_GROUPING_VALUE = 5
} ristra_grouping;

/**
 * The group label of a value under a grouping.
 * @return the label (>= 0 for every grouping but RISTRA_GROUPING_VALUE),
 *         or RISTRA_GROUP_UNKNOWN when the value fits no group (NaN, out
 *         of range, not a whole number where one is needed) or the
 *         grouping is unknown.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int32_t ristra_group_label(int grouping, double value);

/** The label of a value that fits no group ("unknown"). */
#define RISTRA_GROUP_UNKNOWN INT32_MIN

/**
 * Writes the name of a group ("65-74", "female", "decile 3",
 * "quintile 1", "12", "unknown") as a NUL-terminated string into out.
 * @return the length of the name; RISTRA_EINVAL when out is NULL, size is
 *         0 or the name does not fit (out then holds "").
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_group_name(char *out, size_t size, int grouping, int32_t label);

RISTRA_END_DECL

#endif /* RISTRA_AUDIT_H */
