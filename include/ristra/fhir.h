/*
 * ristra: the scored list as FHIR R4 RiskAssessment resources, for a GP
 * system to import.
 *
 * Written by ristra_score_file() when ristra_score_file_options.fhir_path
 * is set: one RiskAssessment per scored patient, in the order of the
 * ranked list, as NDJSON (one resource a line) or as one Bundle of type
 * "collection". Each resource has status, subject (the patient's
 * identifier under identifier_system), occurrenceDateTime, method and code
 * from the model's metadata, one prediction (outcome text,
 * probabilityDecimal, qualitativeRisk from the tier, whenPeriod from the
 * model's horizon) and a note with the rank and tier. The mapping is in
 * docs/fhir.md; the output is checked against the official FHIR R4 JSON
 * schema in tests/fhir.
 *
 * The output identifies patients, as the ranked list does: keep it where the
 * list is kept.
 */
#ifndef RISTRA_FHIR_H
#define RISTRA_FHIR_H

#include "ristra/common.h"

RISTRA_BEGIN_DECL

/** The shape of the FHIR output. Values are pinned. */
typedef enum ristra_fhir_format {
    RISTRA_FHIR_NDJSON = 1,   /**< one RiskAssessment per line (FHIR bulk data) */
    RISTRA_FHIR_BUNDLE = 2    /**< one Bundle (type "collection") holding them all */
} ristra_fhir_format;

/** The identifier system of NHS numbers. */
#define RISTRA_FHIR_NHS_NUMBER_SYSTEM "https://fhir.nhs.uk/Id/nhs-number"

/** Options of the FHIR output (ristra_score_file_options.fhir). */
typedef struct ristra_fhir_options {
    int version;               /**< RISTRA_FHIR_OPTIONS_VERSION */
    int format;                /**< a ristra_fhir_format; default RISTRA_FHIR_NDJSON */
    /**
     * The system of the subject's identifier; NULL (default):
     * RISTRA_FHIR_NHS_NUMBER_SYSTEM. Give your own (a URI) when the
     * identifiers are pseudonyms.
     */
    const char *identifier_system;
    /**
     * occurrenceDateTime and the start of whenPeriod, as seconds since
     * 1970-01-01 UTC; 0 (default): the time of the run.
     */
    int64_t occurrence_time;
    /**
     * The resource's status, an ObservationStatus (registered, preliminary,
     * final, amended, corrected, cancelled, entered-in-error, unknown);
     * NULL (default): "final".
     */
    const char *status;
} ristra_fhir_options;

#define RISTRA_FHIR_OPTIONS_VERSION 1
#define RISTRA_FHIR_OPTIONS_INIT { RISTRA_FHIR_OPTIONS_VERSION, RISTRA_FHIR_NDJSON, NULL, 0, NULL }

/**
 * Fills opts with the defaults of the given struct version.
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_fhir_options_init(ristra_fhir_options *opts, int version);

RISTRA_END_DECL

#endif /* RISTRA_FHIR_H */
