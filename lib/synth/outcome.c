/* The ground truth of the synthetic population: the probability of an
 * emergency admission in the next 12 months, as a function of the written
 * columns alone, so that true_risk is the best any model could do.
 *
 * It is logistic in form but deliberately not additive in the raw
 * columns: the age effect is J-shaped, counts enter through log(1 + n),
 * frailty acts through a threshold, and prior admissions and frailty weigh
 * more with age; interactions (prior admissions x care home, deprivation x
 * COPD and heart failure, young frequent attenders, 4+ conditions) are
 * what tree models can find and a main-effects logistic regression cannot.
 * The terms, with their reasons, are listed in examples/data/README.md. */
#include <math.h>

#include "patient_internal.h"

/* Chosen so that the rate in a 315,000-patient, seed-1 population is ~6%. */
#define INTERCEPT (-3.78)

/* Nobody is certain to be admitted: some die first, some are kept at home. */
#define MAX_RISK 0.95

/* J-shaped: high in infancy, lowest in later childhood, rising from 45. */
static double age_term(int age)
{
    static const double INFANT[5] = { 1.6, 0.9, 0.5, 0.25, 0.1 };
    if (age < 5)
        return INFANT[age];
    if (age < 45)
        return 0.0;
    if (age < 70)
        return 0.02 * (age - 45);
    return 0.5 + 0.01 * (age - 70);
}

double ristra__synth_true_risk(const ristra__synth_patient *p, double deprivation_effect)
{
    const unsigned char *has = p->condition;
    double efi = p->frailty_deficits / (double)RISTRA__EFI_DEFICITS;
    double dep = (5.5 - p->imd_decile) / 4.5;
    double old = p->age <= 65 ? 0.0 : p->age >= 85 ? 1.0 : (p->age - 65) / 20.0;
    double older = p->age <= 40 ? 0.0 : p->age >= 80 ? 1.0 : (p->age - 40) / 40.0;
    double x = INTERCEPT + age_term(p->age) - 0.05 * p->female + 0.25 * dep;

    x += (0.8 + 1.2 * older) * log1p(p->emergency_admissions);
    x += 0.45 * log1p(p->ae_attendances) + 0.5 * (p->age < 40 && p->ae_attendances >= 3);
    x += 0.55 * has[RISTRA__HEART_FAILURE] + 0.50 * has[RISTRA__COPD] +
         0.25 * has[RISTRA__CKD] + 0.15 * has[RISTRA__AF] + 0.20 * has[RISTRA__DIABETES] +
         0.30 * has[RISTRA__CANCER] + 0.25 * has[RISTRA__DEMENTIA] +
         0.20 * has[RISTRA__DEPRESSION] + 0.10 * has[RISTRA__ASTHMA];
    x += 1.0 * efi + 4.0 * efi * old + 0.4 * (efi > 0.36);
    x += 0.03 * (p->n_medications < 15 ? p->n_medications : 15) + 0.35 * (p->n_medications >= 10);
    x += 0.3 * p->care_home + 0.6 * (p->care_home && p->emergency_admissions > 0);
    x += 0.4 * dep * (has[RISTRA__COPD] + has[RISTRA__HEART_FAILURE]);
    x += 0.45 * (p->n_ltc >= 4);
    x += deprivation_effect * dep;
    return MAX_RISK / (1.0 + exp(-x));
}
