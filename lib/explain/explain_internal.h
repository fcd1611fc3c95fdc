/* Explanations: the tables TreeSHAP reads and the per-block kernels. */
#ifndef RISTRA_EXPLAIN_INTERNAL_H
#define RISTRA_EXPLAIN_INTERNAL_H

#include <stdint.h>

#include "../model/gbdt_internal.h"
#include "../model/model_internal.h"

/* Rows of one block: its features are read once, in the gbdt kernel's
 * two-column form (ristra__features_f32_pair()), and each tree's tables
 * are walked for all of them while they are in cache. */
enum { RISTRA__EXPLAIN_ROWS = RISTRA__GBDT_BLOCK_ROWS };

typedef struct ristra__shap_tables ristra__shap_tables;

/* The gbdt model's TreeSHAP tables, built on first use and then shared
 * (published with an atomic compare-and-swap; see treeshap.c).
 * NULL with an error set when out of memory. */
const ristra__shap_tables *ristra__shap_tables_get(const ristra__gbdt *g, int64_t n_features);
void ristra__shap_tables_free(ristra__shap_tables *t);

/* Bytes of scratch one thread needs for ristra__shap_block(). */
size_t ristra__shap_scratch_bytes(const ristra__shap_tables *t, int64_t n_features);

/* phi[j * RISTRA__EXPLAIN_ROWS + r] += the model margin's contribution of
 * feature j for row r (j == n_features: the bias), for the n <=
 * RISTRA__EXPLAIN_ROWS rows of x2, in the gbdt kernel's two-column,
 * column-major form (policies applied, missing as -inf, +inf; see
 * lib/model/gbdt_internal.h). x2 and phi are 64-byte aligned, and hold
 * RISTRA__EXPLAIN_ROWS rows (those from n on may hold anything finite).
 * scratch: ristra__shap_scratch_bytes(), 64-byte aligned. */
void ristra__shap_block(double *phi, const ristra__shap_tables *t, const ristra__gbdt *g,
                        const float *x2, int64_t n, int64_t n_features, void *scratch);

#endif
