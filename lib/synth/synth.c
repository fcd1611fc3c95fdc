/* ristra_synth_write(): a synthetic registered population as CSV. */
#include <stdlib.h>
#include <string.h>

#include "ristra/synth.h"
#include "../common/error_internal.h"
#include "../common/struct_version_internal.h"
#include "../io/output_internal.h"
#include "nhs_numbers_internal.h"
#include "patient_internal.h"
#include "practices_internal.h"

static const char FN[] = "ristra_synth_write";

static const char HEADER[] =
    "nhs_number,practice,age,female,imd_decile,care_home,hypertension,diabetes,copd,asthma,"
    "heart_failure,ckd,af,dementia,cancer,depression,frailty_index,n_ltc,n_medications,"
    "ae_attendances_12m,emergency_admissions_12m";

enum { CHUNK = 64 * 1024, MAX_ROW = 256, DEFAULT_GZIP_LEVEL = 6 };

static const ristra_synth_options DEFAULTS = RISTRA_SYNTH_OPTIONS_INIT;

int ristra_synth_options_init(ristra_synth_options *opts, int version)
{
    return ristra__struct_init(opts, version, &DEFAULTS, &ristra__info_synth_options,
                               "ristra_synth_options_init");
}

static int check_options(const char *path, const ristra_synth_options *o)
{
    if (!path)
        return ristra__error(RISTRA_EINVAL, "%s: path is NULL", FN);
    if (o->n_patients < 1)
        return ristra__error(RISTRA_EINVAL, "%s: n_patients is %lld; it must be at least 1", FN,
                             (long long)o->n_patients);
    if (o->n_patients > RISTRA_SYNTH_MAX_PATIENTS)
        return ristra__error(RISTRA_EINVAL,
                             "%s: n_patients is %lld; at most %d patients can have unique NHS "
                             "numbers from the test range 999 000 0000 to 999 999 9999",
                             FN, (long long)o->n_patients, RISTRA_SYNTH_MAX_PATIENTS);
    if (o->n_practices < 0 || o->n_practices > o->n_patients)
        return ristra__error(RISTRA_EINVAL,
                             "%s: n_practices is %lld; it must be between 1 and n_patients (%lld), "
                             "or 0 for one per 10,000 patients",
                             FN, (long long)o->n_practices, (long long)o->n_patients);
    if (!(o->deprivation_effect >= -10.0 && o->deprivation_effect <= 10.0))
        return ristra__error(RISTRA_EINVAL, "%s: deprivation_effect is %g; it must be between "
                             "-10 and 10", FN, o->deprivation_effect);
    if (o->gzip_level < -1 || o->gzip_level > 9)
        return ristra__error(RISTRA_EINVAL,
                             "%s: gzip_level is %d; it must be -1 (by name), 0 (plain) or 1..9",
                             FN, o->gzip_level);
    return RISTRA_OK;
}

static char *put_text(char *s, const char *text, size_t n)
{
    memcpy(s, text, n);
    return s + n;
}

/* Non-negative integers, comma first. */
static char *put_int(char *s, int v)
{
    char digits[12];
    int n = 0;
    do
        digits[n++] = (char)('0' + v % 10);
    while ((v /= 10) > 0);
    *s++ = ',';
    while (n > 0)
        *s++ = digits[--n];
    return s;
}

/* The eFI to two decimals: deficits / 36 rounded half up, exactly. */
static char *put_frailty(char *s, int deficits)
{
    int hundredths = (deficits * 100 * 2 + RISTRA__EFI_DEFICITS) / (2 * RISTRA__EFI_DEFICITS);
    *s++ = ',';
    *s++ = (char)('0' + hundredths / 100);
    *s++ = '.';
    *s++ = (char)('0' + hundredths / 10 % 10);
    *s++ = (char)('0' + hundredths % 10);
    return s;
}

/* A probability to six decimals, rounded half up. */
static char *put_probability(char *s, double p)
{
    long micro = (long)(p * 1e6 + 0.5);
    *s++ = ',';
    *s++ = micro >= 1000000 ? '1' : '0';
    *s++ = '.';
    for (long d = 100000; d >= 1; d /= 10)
        *s++ = (char)('0' + micro / d % 10);
    return s;
}

static char *format_row(char *s, const char nhs[10], const char *practice,
                        const ristra__synth_patient *p, const ristra_synth_options *o)
{
    s = put_text(s, nhs, 10);
    *s++ = ',';
    s = put_text(s, practice, 6);
    s = put_int(s, p->age);
    s = put_int(s, p->female);
    s = put_int(s, p->imd_decile);
    s = put_int(s, p->care_home);
    for (int c = 0; c < RISTRA__N_CONDITIONS; c++) {
        *s++ = ',';
        *s++ = (char)('0' + p->condition[c]);
    }
    s = put_frailty(s, p->frailty_deficits);
    s = put_int(s, p->n_ltc);
    s = put_int(s, p->n_medications);
    s = put_int(s, p->ae_attendances);
    s = put_int(s, p->emergency_admissions);
    if (o->write_outcome)
        s = put_int(s, p->outcome);
    if (o->write_true_risk)
        s = put_probability(s, p->true_risk);
    *s++ = '\n';
    return s;
}

typedef struct writer {
    ristra__output *out;
    char *chunk;
    size_t used;
} writer;

static int flush_chunk(writer *w)
{
    int rc = ristra__output_write(w->out, w->chunk, w->used);
    w->used = 0;
    return rc;
}

static int write_header(writer *w, const ristra_synth_options *o)
{
    char *s = w->chunk;
    s = put_text(s, HEADER, sizeof HEADER - 1);
    if (o->write_outcome)
        s = put_text(s, ",emergency_admission_next_12m", 29);
    if (o->write_true_risk)
        s = put_text(s, ",true_risk", 10);
    *s++ = '\n';
    w->used = (size_t)(s - w->chunk);
    return RISTRA_OK;
}

static int write_rows(writer *w, const ristra__synth_practice *practices,
                      const ristra_synth_options *o)
{
    ristra__synth_model *model = malloc(sizeof *model);
    if (!model)
        return ristra__oom();
    ristra__synth_model_init(model);
    model->deprivation_effect = o->deprivation_effect;
    ristra__nhs_walk walk;
    ristra__nhs_walk_init(&walk, o->seed);
    int rc = RISTRA_OK;
    for (int64_t k = 0; k < o->n_practices && !rc; k++) {
        const ristra__synth_practice *pr = &practices[k];
        for (int64_t i = pr->first; i < pr->first + pr->size && !rc; i++) {
            char nhs[10];
            if (!ristra__nhs_walk_next(&walk, nhs)) {
                rc = ristra__error(RISTRA_ERROR, "%s: ran out of test-range NHS numbers", FN);
                break;
            }
            ristra__rng r = ristra__rng_stream(o->seed, RISTRA__RNG_PATIENT, (uint64_t)i);
            ristra__synth_patient p = { 0 };
            ristra__synth_patient_draw(&p, &r, model, pr->affluence);
            char *end = format_row(w->chunk + w->used, nhs, pr->code, &p, o);
            w->used = (size_t)(end - w->chunk);
            if (w->used > CHUNK - MAX_ROW)
                rc = flush_chunk(w);
        }
    }
    free(model);
    return rc ? rc : flush_chunk(w);
}

int ristra_synth_write(const char *path, const ristra_synth_options *opts)
{
    ristra_synth_options full;
    const ristra_synth_options *o = &full;
    int rc = ristra__struct_load(&full, opts, &DEFAULTS, &ristra__info_synth_options, FN);
    if (!rc)
        rc = check_options(path, o);
    if (rc)
        return rc;
    if (full.n_practices == 0) /* the default: one per 10,000 patients, rounded */
        full.n_practices = full.n_patients >= 15000 ? (full.n_patients + 5000) / 10000 : 1;
    int level = o->gzip_level >= 0 ? o->gzip_level
                                   : (ristra__path_is_gz(path) ? DEFAULT_GZIP_LEVEL : 0);
    ristra__synth_practice *practices = NULL;
    writer w = { NULL, malloc(CHUNK), 0 };
    if (!w.chunk)
        return ristra__oom();
    rc = ristra__synth_practices(&practices, o->n_practices, o->n_patients, o->seed);
    if (!rc)
        rc = ristra__output_open(&w.out, path, level);
    if (!rc)
        rc = write_header(&w, o);
    if (!rc)
        rc = write_rows(&w, practices, o);
    if (!rc) {
        rc = ristra__output_commit(w.out);
        w.out = NULL;
    }
    ristra__output_abort(w.out);
    free(practices);
    free(w.chunk);
    return rc;
}
