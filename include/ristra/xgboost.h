/*
 * ristra: importing XGBoost models.
 *
 * Reads a model saved by XGBoost's Booster.save_model() (or save_raw())
 * as JSON or UBJSON, optionally gzip-compressed, from XGBoost 1.0 through
 * the 3.x layouts, and builds a ristra_model that scores exactly as
 * XGBoost's own predictor does (same float32 arithmetic, same tree order,
 * same routing of missing values and categories). The encoding and the
 * compression are recognised from the bytes, never from the file name.
 *
 * What is imported:
 *   - objectives binary:logistic, reg:logistic and binary:logitraw (the
 *     probability is the logistic sigmoid of the margin for all three);
 *   - booster gbtree (including num_parallel_tree > 1: the trees are simply
 *     summed, as XGBoost does) as a RISTRA_MODEL_GBDT model whose features
 *     pass missing values to the trees (RISTRA_MISSING_NATIVE);
 *   - booster gblinear as a RISTRA_MODEL_LOGISTIC model whose features
 *     impute 0 for a missing value (XGBoost skips missing entries, which
 *     is the same as a zero contribution); it is scored in double
 *     precision, so it agrees with XGBoost to about 1e-7, not bit for bit.
 * Every tree is imported, including those after a recorded best_iteration
 * (Booster.predict() and the C API use all trees too; only the
 * scikit-learn wrapper stops at best_iteration). best_iteration is kept
 * in the metadata.
 *
 * What is refused with RISTRA_EUNSUPPORTED (the message names it):
 * multi-class and multi-target models, DART, any other objective
 * (ranking, regression, survival, count, hinge, softmax, ...), other
 * boosters, and trees whose layout XGBoost's predictor would itself walk
 * differently from the stored structure.
 */
#ifndef RISTRA_XGBOOST_H
#define RISTRA_XGBOOST_H

#include "ristra/model.h"

RISTRA_BEGIN_DECL

/**
 * Options for ristra_model_import_xgboost(). Every pointer may be NULL
 * (the default); strings are copied, so they need only live for the call.
 */
typedef struct ristra_xgboost_options {
    int version;                        /**< RISTRA_XGBOOST_OPTIONS_VERSION */
    /**
     * Names of the model's features, in column order, used when the file
     * does not name them (models trained on plain arrays). When the file
     * does name them and names are given here too, both lists must be
     * identical. Names must be non-empty and distinct.
     */
    const char *const *feature_names;
    int64_t n_feature_names;            /**< number of entries in feature_names */
    /* Metadata for the native model; NULL keeps an honest default (listed
     * in the metadata member "defaulted" so a reader can tell). */
    const char *name;                   /**< default: the file's base name */
    const char *model_version;          /**< default: "unversioned" */
    const char *outcome;                /**< default: "unknown (imported from XGBoost)" */
    int64_t horizon_days;               /**< > 0; 0 means the default, 365 */
    const char *intended_use;           /**< default: imported, purpose unknown, validate
                                             before any clinical use */
    const char *training_population;    /**< free text; default: not recorded */
    /**
     * 0 (the default): a model that stopped early (best_iteration in its
     * attributes) keeps the trees of iterations 0 to best_iteration only,
     * so that it scores exactly as XGBClassifier.predict_proba(); 1: keep
     * every tree, as Booster.predict() and XGBoost's C API use. @since 2.0.0
     */
    int all_trees;
    /**
     * The native model's min_present_features (models/FORMAT.md): a row
     * with fewer features present is RISTRA_ROW_INSUFFICIENT_DATA. 0 (the
     * default) means 1, so that an empty record is never scored; a
     * negative value sets no minimum. @since 2.0.0
     */
    int64_t min_present_features;
    /**
     * The largest file accepted, in bytes after decompression; 0 (the
     * default) means RISTRA_DEFAULT_MAX_MODEL_BYTES (1 GiB). @since 2.0.0
     */
    size_t max_bytes;
} ristra_xgboost_options;

#define RISTRA_XGBOOST_OPTIONS_VERSION 1
#define RISTRA_XGBOOST_OPTIONS_INIT \
    { RISTRA_XGBOOST_OPTIONS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/**
 * Fills opts with the defaults of the given struct version (for bindings
 * that cannot use the _INIT macro).
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_xgboost_options_init(ristra_xgboost_options *opts, int version);

/**
 * Imports an XGBoost model file (JSON or UBJSON, plain or gzip).
 *
 * The model's metadata records the XGBoost version, objective, booster,
 * base_score and (when present) best_iteration under "xgboost", and
 * "source": "xgboost MAJOR.MINOR.PATCH". Features marked categorical
 * (feature type "c") say so in their description and take the integer
 * category codes the model was trained with.
 *
 * @param[out] out  the model; free it with ristra_model_free(). Set to NULL
 *                  on failure.
 * @param path      file name.
 * @param opts      NULL for the defaults.
 * @return RISTRA_OK;
 *         RISTRA_EINVAL (NULL out or path, bad options version, feature
 *         names missing when the file has none, of the wrong number, empty,
 *         duplicated or different from the file's, horizon_days < 0);
 *         RISTRA_EIO (cannot open or read the file);
 *         RISTRA_EFORMAT (not JSON or UBJSON, truncated or corrupt data,
 *         truncated gzip, a missing member, a wrong type, a number stored as
 *         a string that is not one, trees that are not trees, node or feature
 *         numbers out of range, non-finite thresholds or leaf values, counts
 *         that disagree: the message names the file and the JSON path, or
 *         for malformed text the line and column, for malformed UBJSON the
 *         byte offset);
 *         RISTRA_EVERSION (written by an XGBoost newer than the 3.x
 *         layouts this library knows, or older than 1.0);
 *         RISTRA_EUNSUPPORTED (see the list above);
 *         RISTRA_ENOMEM.
 * @thread_safety Safe: may be called from several threads at once.
 * @since 1.0.0
 */
RISTRA_API int ristra_model_import_xgboost(ristra_model **out, const char *path,
                                           const ristra_xgboost_options *opts);

/**
 * Imports an XGBoost model from a buffer holding a model file's bytes.
 * @param[out] out      the model, or NULL on failure.
 * @param data          the bytes (JSON or UBJSON, plain or gzip).
 * @param size          number of bytes.
 * @param source_name   name used in messages and as the default model
 *                      name; NULL means "<buffer>".
 * @param opts          NULL for the defaults.
 * @return as ristra_model_import_xgboost(), with EINVAL for NULL data
 *         when size > 0.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_model_import_xgboost_buffer(ristra_model **out, const void *data,
                                                  size_t size, const char *source_name,
                                                  const ristra_xgboost_options *opts);

RISTRA_END_DECL

#endif /* RISTRA_XGBOOST_H */
