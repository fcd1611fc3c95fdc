/* The report (ristra/report.h): pages drawn from the audit's figures and a
 * run's result, written into a commit set by ristra_score_file(). */
#ifndef RISTRA_REPORT_INTERNAL_H
#define RISTRA_REPORT_INTERNAL_H

#include "ristra/batch.h"
#include "ristra/drift.h"
#include "ristra/report.h"
#include "../audit/audit_internal.h"
#include "../io/output_internal.h"

typedef struct ristra__report_input {
    const char *dir;
    const ristra_report_options *opts;      /* NULL: the defaults */
    const ristra__audit_figures *fig;
    const ristra_score_result *result;
    const char *model_metadata;             /* JSON text */
    const char *manifest_sha256;            /* NULL: no manifest */
    const char *started_utc;                /* NULL: unknown */
    const ristra_drift *drift;              /* against the baseline; NULL: none */
} ristra__report_input;

/* Before any work: the options are known and dir is an existing
 * directory. RISTRA_OK or RISTRA_EINVAL. */
int ristra__report_check(const char *dir, const ristra_report_options *opts);

/* Writes every page to a temporary (mode 0600) and adds it to the set. */
int ristra__report_write(ristra__commit *set, const ristra__report_input *in);

/* ristra_report_suppressed_count() without the checks: size >= 16. */
int ristra__suppressed_count_text(char *out, size_t size, int64_t count);

#endif
