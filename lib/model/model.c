/* Model lifetime and inspection. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/model.h"
#include "../common/error_internal.h"
#include "../common/struct_version_internal.h"
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
    free(model->reference);
    free(model->file_path);
    ristra__gbdt_free(model->gbdt);
    free(model);
}

int ristra_model_kind(const ristra_model *model)
{
    return model ? model->kind : 0;
}

const char *ristra_model_kind_string(int kind)
{
    switch (kind) {
    case RISTRA_MODEL_LOGISTIC: return "logistic";
    case RISTRA_MODEL_GBDT: return "gbdt";
    default: return "unknown";
    }
}

const char *ristra_missing_policy_string(int policy)
{
    switch (policy) {
    case RISTRA_MISSING_IMPUTE: return "impute";
    case RISTRA_MISSING_REJECT: return "reject";
    case RISTRA_MISSING_NATIVE: return "native";
    default: return "unknown";
    }
}

int ristra_missing_policy_from_string(const char *name)
{
    for (int p = RISTRA_MISSING_IMPUTE; name && p <= RISTRA_MISSING_NATIVE; p++)
        if (!strcmp(name, ristra_missing_policy_string(p)))
            return p;
    return 0;
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
    static const char fn[] = "ristra_model_feature";
    if (!model)
        return ristra__error(RISTRA_EINVAL, "%s: model is NULL", fn);
    if (index < 0 || index >= model->n_features)
        return ristra__error(RISTRA_EINVAL, "%s: index %lld is outside [0, %lld)", fn,
                             (long long)index, (long long)model->n_features);
    const ristra__feature *f = &model->features[index];
    ristra_feature_info info = RISTRA_FEATURE_INFO_INIT;
    info.name = f->name;
    info.description = f->description;
    info.unit = f->unit;
    info.valid_min = f->lo;
    info.valid_max = f->hi;
    info.missing_policy = f->missing_policy;
    info.impute_value = f->missing_policy == RISTRA_MISSING_IMPUTE ? f->impute : NAN;
    info.required = f->required;
    return ristra__struct_store(out, &info, &ristra__info_feature_info, fn);
}

int64_t ristra_model_min_present(const ristra_model *model)
{
    return model ? model->min_present : -1;
}

const char *ristra_model_metadata(const ristra_model *model)
{
    return model ? model->metadata_json : NULL;
}

int ristra_model_trees(ristra_tree_summary *out, const ristra_model *model)
{
    static const char fn[] = "ristra_model_trees";
    if (!model)
        return ristra__error(RISTRA_EINVAL, "%s: model is NULL", fn);
    ristra_tree_summary s = RISTRA_TREE_SUMMARY_INIT;
    if (model->gbdt)
        ristra__gbdt_summary(&s, model->gbdt);
    return ristra__struct_store(out, &s, &ristra__info_tree_summary, fn);
}
