/* The native model format's JSON form (jansson), apart from
 * model_internal.h and gbdt_internal.h so that the scorers and the gbdt
 * kernel, which include those, do not depend on the JSON library. */
#ifndef RISTRA_MODEL_JSON_INTERNAL_H
#define RISTRA_MODEL_JSON_INTERNAL_H

#include <stdint.h>
#include <jansson.h>

#include "../io/json_read_internal.h"
#include "gbdt_internal.h"
#include "model_internal.h"

/* Builds the native model from a parsed document (source names the file
 * in messages). */
int ristra__model_from_json(ristra_model **out, json_t *doc, const char *source);
json_t *ristra__model_to_json(const ristra_model *model);

/* The native format's "gbdt" object. */
int ristra__gbdt_from_json(ristra__gbdt **out, ristra__jpath *p, json_t *obj, int64_t n_features);
json_t *ristra__gbdt_to_json(const ristra__gbdt *g);

#endif
