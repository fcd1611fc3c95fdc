/*
 * ristra: synthetic registered populations.
 *
 * A deterministic generator of GP practice lists for demonstrations, tests
 * and benchmarks: NHS numbers from the never-issued test range, ODS-style
 * practice codes, an age-sex structure like England's, deprivation,
 * long-term conditions, frailty, medications, prior hospital use and an
 * outcome (emergency admission in the next 12 months) drawn from a
 * documented ground-truth risk. The columns, their units and the sources
 * of every assumption are in examples/data/README.md.
 *
 * NOT PATIENT DATA: every row is made up, and no NHS number it writes can
 * belong to a person.
 */
#ifndef RISTRA_SYNTH_H
#define RISTRA_SYNTH_H

#include "ristra/common.h"

RISTRA_BEGIN_DECL

/**
 * The largest population the generator writes: the number of valid NHS
 * numbers (modulus-11 check) in the test range 999 000 0000-999 999 9999,
 * each of which is given to at most one patient.
 */
#define RISTRA_SYNTH_MAX_PATIENTS 909091

/** Options for ristra_synth_write(). */
typedef struct ristra_synth_options {
    int version;            /**< RISTRA_SYNTH_OPTIONS_VERSION */
    int64_t n_patients;     /**< rows, 1..RISTRA_SYNTH_MAX_PATIENTS (default 10000) */
    /**
     * practices, 1..n_patients; 0 (the default since 2.0.0): about one per
     * 10,000 patients, rounded to the nearest (1 below 15,000 patients;
     * 315,000 patients: 32), the rule every front end uses.
     */
    int64_t n_practices;
    uint64_t seed;          /**< any value; the same options give the same bytes (default 1) */
    int write_outcome;      /**< non-zero: write emergency_admission_next_12m (default 1) */
    int write_true_risk;    /**< non-zero: write true_risk, the ground-truth risk (default 0) */
    /**
     * -1 (the default): gzip level 6 when the path ends in ".gz", plain
     * otherwise; 0: plain text whatever the name; 1..9: gzip at that level.
     */
    int gzip_level;
    /**
     * Log-odds added to every patient's ground-truth risk in proportion to
     * deprivation: effect * (5.5 - imd_decile) / 4.5, from +effect in the
     * most deprived decile to -effect in the least (default 0). A model
     * fitted without it misjudges deprived and affluent groups in opposite
     * directions, so an audit by deprivation must find them different.
     * @since 2.0.0
     */
    double deprivation_effect;
} ristra_synth_options;

#define RISTRA_SYNTH_OPTIONS_VERSION 1
#define RISTRA_SYNTH_OPTIONS_INIT { RISTRA_SYNTH_OPTIONS_VERSION, 10000, 0, 1, 1, 0, -1, 0.0 }

/**
 * Fills opts with the defaults of the given struct version.
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_synth_options_init(ristra_synth_options *opts, int version);

/**
 * Writes a synthetic population to path as CSV with a header line, one row
 * per patient, grouped by practice (practices in code order). The columns,
 * in order: nhs_number, practice, age, female, imd_decile, care_home,
 * hypertension, diabetes, copd, asthma, heart_failure, ckd, af, dementia,
 * cancer, depression, frailty_index, n_ltc, n_medications,
 * ae_attendances_12m, emergency_admissions_12m, then
 * emergency_admission_next_12m (if write_outcome) and true_risk (if
 * write_true_risk).
 *
 * The output is a function of (n_patients, n_practices, seed, the column
 * options) alone: the same options give byte-identical files. The file is
 * written to a temporary name beside path and renamed into place only when
 * complete, so on failure path is left as it was.
 *
 * @param path  file to write (replaced if it exists).
 * @param opts  NULL for the defaults.
 * @return RISTRA_OK; RISTRA_EINVAL (NULL path, unknown options version,
 *         n_patients below 1 or above RISTRA_SYNTH_MAX_PATIENTS,
 *         n_practices outside 1..n_patients, gzip_level outside -1..9: the
 *         message names the option and its value); RISTRA_EIO (the file or
 *         its temporary cannot be created, written or renamed: the message
 *         names the file); RISTRA_ENOMEM.
 * @thread_safety Safe: calls share no state (each writes its own file).
 * @since 1.0.0
 */
RISTRA_API int ristra_synth_write(const char *path, const ristra_synth_options *opts);

RISTRA_END_DECL

#endif /* RISTRA_SYNTH_H */
