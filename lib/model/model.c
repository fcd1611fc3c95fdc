/* Model lifetime and inspection. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/model.h"
#include "../common/error_internal.h"
#include "gbdt_internal.h"
#include "model_internal.h"

ristra_model *ristra__model_new(int64_t n_features)
{
    ristra_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->n_features = n_features;
    m->cal_slope = 1.0;
    if (n_features > 0) {
        m->features = calloc((size_t)n_features, sizeof *m->features);
        if (!m->features) {
            free(m);
            return NULL;
        }
    }
    return m;
}

void ristra_model_free(ristra_model *model)
{
    if (!model)
        return;
    for (int64_t i = 0; i < model->n_features; i++) {
        free(model->features[i].name);
        free(model->features[i].description);
        free(model->features[i].unit);
    }
    free(model->features);
    free(model->metadata_json);
    free(model->coef);
    ristra__gbdt_free(model->gbdt);
    free(model);
}

const char *ristra_kind_string(int kind)
{
    switch (kind) {
    case RISTRA_MODEL_LOGISTIC: return "logistic";
    case RISTRA_MODEL_GBDT: return "gbdt";
    default: return NULL;
    }
}

const char *ristra_missing_policy_string(int policy)
{
    switch (policy) {
    case RISTRA_MISSING_IMPUTE: return "impute";
    case RISTRA_MISSING_REJECT: return "reject";
    case RISTRA_MISSING_NATIVE: return "native";
    default: return NULL;
    }
}

int ristra_model_kind(const ristra_model *model)
{
    return model ? model->kind : 0;
}

int64_t ristra_model_n_features(const ristra_model *model)
{
    return model ? model->n_features : -1;
}

int64_t ristra_model_feature_index(const ristra_model *model, const char *name)
{
    if (!model || !name)
        return ristra__error(RISTRA_EINVAL, "ristra_model_feature_index: %s is NULL",
                             model ? "name" : "model");
    for (int64_t i = 0; i < model->n_features; i++)
        if (strcmp(model->features[i].name, name) == 0)
            return i;
    return ristra__error(RISTRA_ENOTFOUND, "the model has no feature named \"%s\"", name);
}

int ristra_model_feature(ristra_feature_info *out, const ristra_model *model, int64_t index)
{
    if (!out || !model)
        return ristra__error(RISTRA_EINVAL, "ristra_model_feature: %s is NULL",
                             out ? "model" : "out");
    if (out->version != RISTRA_FEATURE_INFO_VERSION)
        return ristra__error(RISTRA_EINVAL,
                             "ristra_model_feature: out->version is %d, expected %d "
                             "(initialise with RISTRA_FEATURE_INFO_INIT)",
                             out->version, RISTRA_FEATURE_INFO_VERSION);
    if (index < 0 || index >= model->n_features)
        return ristra__error(RISTRA_EINVAL,
                             "ristra_model_feature: index %lld is outside [0, %lld)",
                             (long long)index, (long long)model->n_features);
    const ristra__feature *f = &model->features[index];
    out->name = f->name;
    out->description = f->description;
    out->unit = f->unit;
    out->valid_min = f->lo;
    out->valid_max = f->hi;
    out->missing_policy = f->missing_policy;
    out->impute_value = f->missing_policy == RISTRA_MISSING_IMPUTE ? f->impute : NAN;
    return RISTRA_OK;
}

const char *ristra_model_metadata(const ristra_model *model)
{
    return model ? model->metadata_json : NULL;
}

int ristra_model_trees(ristra_tree_summary *out, const ristra_model *model)
{
    if (!out || !model)
        return ristra__error(RISTRA_EINVAL, "ristra_model_trees: %s is NULL",
                             out ? "model" : "out");
    if (out->version != RISTRA_TREE_SUMMARY_VERSION)
        return ristra__error(RISTRA_EINVAL,
                             "ristra_model_trees: out->version is %d, expected %d "
                             "(initialise with RISTRA_TREE_SUMMARY_INIT)",
                             out->version, RISTRA_TREE_SUMMARY_VERSION);
    out->n_trees = out->max_depth = out->n_nodes = out->n_categorical = 0;
    if (model->gbdt)
        ristra__gbdt_summary(out, model->gbdt);
    return RISTRA_OK;
}
