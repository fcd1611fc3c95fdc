/* Drawing one synthetic patient. Every figure here is documented, with its
 * source or as our own approximation, in examples/data/README.md. */
#include <math.h>
#include <stddef.h>

#include "patient_internal.h"

/* Age curves are given at ages 0, 10, ..., 100 and interpolated linearly on
 * the log-odds (proportions) or log (rates) scale; 101..105 take age 100's. */
enum { N_ANCHORS = 11, N_AGE_BANDS = 19 };

/* England's population by five-year band (0-4 ... 85-89, 90+), percent,
 * and the female share of each band: ONS mid-2022 estimates, rounded. */
static const double BAND_PERCENT[N_AGE_BANDS] = {
    5.4, 5.8, 6.1, 5.9, 6.1, 6.5, 6.9, 6.8, 6.5, 6.1, 6.7, 6.7, 5.9, 5.1, 4.8, 4.1, 2.7, 1.6, 0.9
};
static const double BAND_FEMALE[N_AGE_BANDS] = {
    0.488, 0.488, 0.487, 0.487, 0.495, 0.503, 0.505, 0.506, 0.505, 0.507,
    0.508, 0.507, 0.511, 0.517, 0.524, 0.535, 0.556, 0.595, 0.665
};
/* The 90+ band spreads over 90..105 with each year this fraction of the one before. */
#define OLDEST_YEAR_RATIO 0.76

/* Correlation between a patient's latent affluence and their practice's:
 * patients live near their practice, so its deprivation profile dominates. */
#define PRACTICE_DEPRIVATION_R 0.8

/* Care-home residence, percent by age, for an average patient. */
static const double CARE_HOME_PERCENT[N_ANCHORS] = {
    0.001, 0.001, 0.05, 0.08, 0.1, 0.12, 0.25, 0.7, 3.2, 13.0, 26.0
};

typedef struct condition_spec {
    double percent[N_ANCHORS];  /* reference prevalence by age (see above) */
    double deprivation;         /* log-odds per unit of dep (+1 decile 1, -1 decile 10) */
    double female;              /* log-odds, women against men */
    double morbidity;           /* loading on the latent morbidity factor */
    double medications;         /* repeat medications it adds, on average */
    double admissions;          /* log rate ratio of emergency admissions */
} condition_spec;

static const condition_spec CONDITIONS[RISTRA__N_CONDITIONS] = {
    [RISTRA__HYPERTENSION] = { { 0.01, 0.05, 0.6, 2.0, 6.0, 14.0, 26.0, 38.0, 46.0, 48.0, 46.0 },
                               0.15, -0.10, 0.45, 2.0, 0.05 },
    [RISTRA__DIABETES] = { { 0.1, 0.25, 0.6, 1.3, 3.0, 5.5, 8.5, 10.5, 10.5, 8.5, 7.0 },
                           0.35, -0.25, 0.45, 3.2, 0.25 },
    [RISTRA__COPD] = { { 0.001, 0.001, 0.02, 0.1, 0.4, 1.2, 3.0, 5.0, 6.0, 5.5, 4.5 },
                       0.65, -0.05, 0.45, 3.0, 0.60 },
    [RISTRA__ASTHMA] = { { 2.0, 7.0, 7.0, 6.5, 6.0, 6.0, 6.0, 6.5, 6.0, 5.0, 4.0 },
                         0.15, 0.15, 0.25, 1.9, 0.20 },
    [RISTRA__HEART_FAILURE] = { { 0.01, 0.01, 0.02, 0.03, 0.07, 0.17, 0.42, 1.0, 2.4, 4.3, 5.6 },
                                0.30, -0.35, 0.45, 4.4, 0.60 },
    [RISTRA__CKD] = { { 0.001, 0.01, 0.04, 0.08, 0.2, 0.5, 1.5, 4.5, 11.0, 18.0, 24.0 },
                      0.15, 0.15, 0.45, 1.2, 0.25 },
    [RISTRA__AF] = { { 0.001, 0.005, 0.02, 0.05, 0.18, 0.55, 1.8, 4.6, 9.2, 13.0, 14.0 },
                     0.05, -0.40, 0.35, 2.5, 0.20 },
    [RISTRA__DEMENTIA] = { { 0.001, 0.001, 0.001, 0.002, 0.008, 0.025, 0.11, 0.5, 2.0, 5.5, 9.0 },
                           0.15, 0.10, 0.35, 1.6, 0.30 },
    [RISTRA__CANCER] = { { 0.05, 0.1, 0.2, 0.55, 1.3, 3.1, 6.1, 10.0, 13.0, 13.0, 12.0 },
                         0.0, 0.10, 0.20, 1.0, 0.35 },
    [RISTRA__DEPRESSION] = { { 0.05, 0.8, 9.0, 12.0, 13.0, 13.0, 11.0, 8.5, 7.5, 7.5, 7.5 },
                             0.35, 0.65, 0.35, 1.9, 0.30 },
};

/* Conditions that make others likelier (log-odds added to the target when
 * the source is present). Conditions are drawn in DRAW_ORDER, so every
 * source comes before its target. */
static const struct {
    int target, source;
    double log_odds;
} LINKS[] = {
    { RISTRA__DIABETES, RISTRA__HYPERTENSION, 0.7 },
    { RISTRA__CKD, RISTRA__DIABETES, 0.9 },
    { RISTRA__CKD, RISTRA__HYPERTENSION, 0.8 },
    { RISTRA__AF, RISTRA__HYPERTENSION, 0.4 },
    { RISTRA__HEART_FAILURE, RISTRA__AF, 1.0 },
    { RISTRA__HEART_FAILURE, RISTRA__HYPERTENSION, 0.6 },
    { RISTRA__HEART_FAILURE, RISTRA__DIABETES, 0.5 },
    { RISTRA__HEART_FAILURE, RISTRA__CKD, 0.6 },
    { RISTRA__HEART_FAILURE, RISTRA__COPD, 0.4 },
    { RISTRA__DEMENTIA, RISTRA__DIABETES, 0.2 },
};
static const int DRAW_ORDER[RISTRA__N_CONDITIONS] = {
    RISTRA__HYPERTENSION, RISTRA__DIABETES, RISTRA__CKD, RISTRA__AF, RISTRA__COPD,
    RISTRA__HEART_FAILURE, RISTRA__ASTHMA, RISTRA__CANCER, RISTRA__DEMENTIA, RISTRA__DEPRESSION
};
#define DEMENTIA_CARE_HOME_LOG_ODDS 4.0
#define DEPRESSION_PER_CONDITION_LOG_ODDS 0.2

/* Repeat medications with no condition, by age (log-interpolated). */
static const double MEDICATION_BASE[N_ANCHORS] = {
    0.1, 0.15, 0.3, 0.55, 0.85, 1.4, 2.2, 3.2, 4.0, 4.5, 4.5
};
#define MEDICATION_SIGMA 0.7
#define MEDICATION_CEILING 30.0

/* eFI: eight of the 36 deficits follow from the columns (hypertension,
 * diabetes, AF, heart failure, CKD, respiratory disease, memory problems,
 * polypharmacy = 5+ medicines); the other 28 are drawn, each with this
 * percent chance by age for an average patient. */
static const double OTHER_DEFICIT_PERCENT[N_ANCHORS] = {
    0.5, 0.7, 1.2, 1.8, 2.6, 3.5, 5.0, 7.5, 11.0, 14.5, 17.0
};
enum { OTHER_DEFICITS = 28, POLYPHARMACY = 5 };

/* Emergency admissions and other A&E attendances per person-year by age,
 * for a patient with no conditions (log-interpolated). */
static const double ADMISSION_RATE[N_ANCHORS] = {
    0.09, 0.022, 0.032, 0.032, 0.032, 0.036, 0.04, 0.052, 0.085, 0.12, 0.13
};
static const double ATTENDANCE_RATE[N_ANCHORS] = {
    0.40, 0.18, 0.32, 0.26, 0.22, 0.20, 0.20, 0.22, 0.30, 0.40, 0.45
};
#define ADMISSION_SIGMA 0.9
#define ADMISSION_CEILING 8.0
#define ATTENDANCE_SIGMA 0.8
#define ATTENDANCE_CEILING 10.0
#define ADMISSION_VIA_AE 0.8

static double logit(double percent)
{
    double p = percent / 100.0;
    return log(p / (1.0 - p));
}

static double logistic(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/* Fills out[0..MAX_AGE] from anchors at 0, 10, ..., 100 on the scale of f. */
static void by_year(double *out, const double *anchors, double (*f)(double))
{
    for (int a = 0; a <= RISTRA__MAX_AGE; a++) {
        int i = a >= 100 ? N_ANCHORS - 2 : a / 10;
        double t = a >= 100 ? 1.0 : (a - 10 * i) / 10.0;
        out[a] = (1.0 - t) * f(anchors[i]) + t * f(anchors[i + 1]);
    }
}

static void age_tables(ristra__synth_model *m)
{
    double mass[RISTRA__MAX_AGE + 1], total = 0.0;
    for (int a = 0; a <= RISTRA__MAX_AGE; a++) {
        int band = a >= 90 ? N_AGE_BANDS - 1 : a / 5;
        m->female_share[a] = BAND_FEMALE[band];
        mass[a] = a < 90 ? BAND_PERCENT[band] / 5.0 : 0.0;
    }
    double oldest = 0.0, w = 1.0;
    for (int a = 90; a <= RISTRA__MAX_AGE; a++, w *= OLDEST_YEAR_RATIO)
        oldest += w;
    w = 1.0;
    for (int a = 90; a <= RISTRA__MAX_AGE; a++, w *= OLDEST_YEAR_RATIO)
        mass[a] = BAND_PERCENT[N_AGE_BANDS - 1] * w / oldest;
    for (int a = 0; a <= RISTRA__MAX_AGE; a++)
        total += mass[a];
    double running = 0.0;
    for (int a = 0; a <= RISTRA__MAX_AGE; a++) {
        running += mass[a];
        m->age_cumulative[a] = running / total;
    }
    m->age_cumulative[RISTRA__MAX_AGE] = 1.0;
}

void ristra__synth_model_init(ristra__synth_model *m)
{
    age_tables(m);
    by_year(m->care_home_logit, CARE_HOME_PERCENT, logit);
    for (int c = 0; c < RISTRA__N_CONDITIONS; c++)
        by_year(m->condition_logit[c], CONDITIONS[c].percent, logit);
    by_year(m->medication_base, MEDICATION_BASE, log);
    for (int a = 0; a <= RISTRA__MAX_AGE; a++)
        m->medication_base[a] = exp(m->medication_base[a]);
    by_year(m->deficit_logit, OTHER_DEFICIT_PERCENT, logit);
    by_year(m->admission_log_rate, ADMISSION_RATE, log);
    by_year(m->attendance_log_rate, ATTENDANCE_RATE, log);
}

static int draw_age(ristra__rng *r, const ristra__synth_model *m)
{
    double u = ristra__rng_uniform(r);
    int lo = 0, hi = RISTRA__MAX_AGE;
    while (lo < hi) { /* the first age whose cumulative share exceeds u */
        int mid = (lo + hi) / 2;
        if (u < m->age_cumulative[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static int draw_imd_decile(ristra__rng *r, double practice_affluence)
{
    double rho = PRACTICE_DEPRIVATION_R;
    double affluence = rho * practice_affluence + sqrt(1.0 - rho * rho) * ristra__rng_normal(r);
    int decile = 1 + (int)(10.0 * 0.5 * erfc(-affluence / sqrt(2.0)));
    return decile > 10 ? 10 : decile;
}

/* A Poisson count whose mean varies between patients (lognormal with
 * mean 1), which gives the long tail of real utilisation counts. The mean
 * saturates towards ceiling: risk factors multiply a rate, but nobody is
 * admitted sixty times a year however many they have. */
static int overdispersed_count(ristra__rng *r, double mean, double ceiling, double sigma)
{
    double m = mean * exp(sigma * ristra__rng_normal(r) - 0.5 * sigma * sigma);
    return ristra__rng_poisson(r, m / (1.0 + m / ceiling));
}

static void draw_conditions(ristra__synth_patient *p, ristra__rng *r, const ristra__synth_model *m,
                            double dep, double morbidity)
{
    int drawn = 0;
    for (int i = 0; i < RISTRA__N_CONDITIONS; i++) {
        int c = DRAW_ORDER[i];
        const condition_spec *s = &CONDITIONS[c];
        double x = m->condition_logit[c][p->age] + s->deprivation * dep +
                   s->female * (p->female - 0.5) + s->morbidity * morbidity;
        for (size_t k = 0; k < sizeof LINKS / sizeof *LINKS; k++)
            if (LINKS[k].target == c && p->condition[LINKS[k].source])
                x += LINKS[k].log_odds;
        if (c == RISTRA__DEMENTIA)
            x += DEMENTIA_CARE_HOME_LOG_ODDS * p->care_home;
        if (c == RISTRA__DEPRESSION)
            x += DEPRESSION_PER_CONDITION_LOG_ODDS * drawn;
        p->condition[c] = (unsigned char)ristra__rng_bernoulli(r, logistic(x));
        drawn += p->condition[c];
    }
    p->n_ltc = drawn;
}

static void draw_medications_and_frailty(ristra__synth_patient *p, ristra__rng *r,
                                         const ristra__synth_model *m, double dep,
                                         double morbidity)
{
    const unsigned char *has = p->condition;
    double mean = m->medication_base[p->age] + 1.5 * p->care_home;
    for (int c = 0; c < RISTRA__N_CONDITIONS; c++)
        mean += CONDITIONS[c].medications * has[c];
    p->n_medications = overdispersed_count(r, mean * exp(0.2 * morbidity), MEDICATION_CEILING,
                                           MEDICATION_SIGMA);

    int known = has[RISTRA__HYPERTENSION] + has[RISTRA__DIABETES] + has[RISTRA__AF] +
                has[RISTRA__HEART_FAILURE] + has[RISTRA__CKD] +
                (has[RISTRA__COPD] | has[RISTRA__ASTHMA]) + has[RISTRA__DEMENTIA] +
                (p->n_medications >= POLYPHARMACY);
    double x = m->deficit_logit[p->age] + 0.8 * p->care_home + 0.3 * morbidity + 0.2 * dep +
               0.15 * p->n_ltc + 0.2 * p->female;
    p->frailty_deficits = known + ristra__rng_binomial(r, OTHER_DEFICITS, logistic(x));
}

static void draw_hospital_use(ristra__synth_patient *p, ristra__rng *r,
                              const ristra__synth_model *m, double dep, double morbidity)
{
    const unsigned char *has = p->condition;
    double efi = p->frailty_deficits / (double)RISTRA__EFI_DEFICITS;
    double x = m->admission_log_rate[p->age] + 2.5 * efi + 0.3 * p->care_home + 0.3 * dep +
               0.35 * morbidity;
    for (int c = 0; c < RISTRA__N_CONDITIONS; c++)
        x += CONDITIONS[c].admissions * has[c];
    p->emergency_admissions = overdispersed_count(r, exp(x), ADMISSION_CEILING, ADMISSION_SIGMA);

    double y = m->attendance_log_rate[p->age] + 0.35 * dep + 0.3 * morbidity + 0.1 * p->n_ltc +
               0.3 * has[RISTRA__DEPRESSION] + 0.25 * has[RISTRA__COPD] +
               0.2 * has[RISTRA__ASTHMA];
    p->ae_attendances = overdispersed_count(r, exp(y), ATTENDANCE_CEILING, ATTENDANCE_SIGMA) +
                        ristra__rng_binomial(r, p->emergency_admissions, ADMISSION_VIA_AE);
}

void ristra__synth_patient_draw(ristra__synth_patient *p, ristra__rng *r,
                                const ristra__synth_model *m, double practice_affluence)
{
    p->age = draw_age(r, m);
    p->female = ristra__rng_bernoulli(r, m->female_share[p->age]);
    p->imd_decile = draw_imd_decile(r, practice_affluence);
    double dep = (5.5 - p->imd_decile) / 4.5;
    /* One latent factor shared by conditions, frailty and hospital use
     * makes multimorbidity cluster the way it does in real lists. */
    double morbidity = ristra__rng_normal(r);
    p->care_home = p->age >= 18 &&
                   ristra__rng_bernoulli(r, logistic(m->care_home_logit[p->age] + 0.1 * dep +
                                                     0.6 * morbidity));
    draw_conditions(p, r, m, dep, morbidity);
    draw_medications_and_frailty(p, r, m, dep, morbidity);
    draw_hospital_use(p, r, m, dep, morbidity);
    p->true_risk = ristra__synth_true_risk(p, m->deprivation_effect);
    p->outcome = ristra__rng_bernoulli(r, p->true_risk);
}
