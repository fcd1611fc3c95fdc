/* One synthetic patient: who they are, what they have, how they have used
 * hospital care, and their ground-truth risk of an emergency admission.
 * The model and the sources of its figures are documented in
 * examples/data/README.md; keep the two in step. */
#ifndef RISTRA_SYNTH_PATIENT_INTERNAL_H
#define RISTRA_SYNTH_PATIENT_INTERNAL_H

#include "prng_internal.h"

/* The ten long-term conditions, in column order. */
enum {
    RISTRA__HYPERTENSION, RISTRA__DIABETES, RISTRA__COPD, RISTRA__ASTHMA,
    RISTRA__HEART_FAILURE, RISTRA__CKD, RISTRA__AF, RISTRA__DEMENTIA,
    RISTRA__CANCER, RISTRA__DEPRESSION, RISTRA__N_CONDITIONS
};

enum { RISTRA__MAX_AGE = 105, RISTRA__EFI_DEFICITS = 36 };

typedef struct ristra__synth_patient {
    int age;                   /* 0..RISTRA__MAX_AGE */
    int female;                /* 0/1 */
    int imd_decile;            /* 1 (most deprived) .. 10 */
    int care_home;             /* 0/1 */
    unsigned char condition[RISTRA__N_CONDITIONS];
    int n_ltc;                 /* number of conditions present */
    int n_medications;         /* repeat medications */
    int frailty_deficits;      /* eFI deficits present, 0..36 */
    int ae_attendances;        /* previous 12 months */
    int emergency_admissions;  /* previous 12 months */
    double true_risk;          /* ground-truth P(emergency admission in the next 12 months) */
    int outcome;               /* drawn from true_risk */
} ristra__synth_patient;

/* Per-age tables derived from the model's figures once per population
 * (log-odds and rates by year of age, so no row interpolates). */
typedef struct ristra__synth_model {
    double age_cumulative[RISTRA__MAX_AGE + 1];     /* P(age <= a) */
    double female_share[RISTRA__MAX_AGE + 1];
    double care_home_logit[RISTRA__MAX_AGE + 1];
    double condition_logit[RISTRA__N_CONDITIONS][RISTRA__MAX_AGE + 1];
    double medication_base[RISTRA__MAX_AGE + 1];
    double deficit_logit[RISTRA__MAX_AGE + 1];
    double admission_log_rate[RISTRA__MAX_AGE + 1];
    double attendance_log_rate[RISTRA__MAX_AGE + 1];
    double deprivation_effect;   /* extra log-odds of the truth at dep = 1 */
} ristra__synth_model;

void ristra__synth_model_init(ristra__synth_model *m);

/* Draws every field of p from r. practice_affluence is the practice's
 * deprivation profile (see practices_internal.h). */
void ristra__synth_patient_draw(ristra__synth_patient *p, ristra__rng *r,
                                const ristra__synth_model *m, double practice_affluence);

/* The ground truth: P(emergency admission in the next 12 months) as a
 * function of the written columns alone. */
double ristra__synth_true_risk(const ristra__synth_patient *p, double deprivation_effect);

#endif
