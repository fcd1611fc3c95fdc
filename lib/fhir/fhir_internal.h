/* FHIR R4 RiskAssessment output of the batch (fhir.c). */
#ifndef RISTRA_FHIR_INTERNAL_H
#define RISTRA_FHIR_INTERNAL_H

#include "ristra/fhir.h"
#include "ristra/model.h"
#include "../io/output_internal.h"
#include "../stratify/stratify_internal.h"

/* Checks the options (NULL: the defaults). */
int ristra__fhir_check(const ristra_fhir_options *opts);

/* What the resources are made of: the stratified list and its names. */
typedef struct ristra__fhir_list {
    const ristra__stratification *st;
    const uint64_t *nhs_number;          /* per patient */
    const char *const *token;            /* per patient: the pseudonyms, or NULL (NHS numbers) */
    const char *const *practice_code;    /* per practice index */
    const char *const *tier_name;        /* n_tiers + 1: the last for "in no tier" */
    const ristra_model *model;
    /* Patient i's reasons as one text into buf (prediction.rationale; ""
     * for none), or NULL when the run gives no reasons. */
    void (*rationale)(const void *ctx, int64_t patient, char *buf, size_t size);
    const void *rationale_ctx;
} ristra__fhir_list;

/* Writes every patient's RiskAssessment, in list order. */
int ristra__fhir_write(ristra__output *o, const ristra_fhir_options *opts,
                       const ristra__fhir_list *list);

#endif
