/*
 * ristra: models. Loading, saving and inspecting risk models.
 *
 * A ristra_model is immutable once loaded: any number of threads may
 * inspect it and score with it at the same time. The native file format
 * (JSON, optionally gzip-compressed) is specified in models/FORMAT.md.
 */
#ifndef RISTRA_MODEL_H
#define RISTRA_MODEL_H

#include "ristra/common.h"

RISTRA_BEGIN_DECL

/** A loaded model. Opaque; immutable after loading. */
typedef struct ristra_model ristra_model;

/** The kind of model. Values are pinned. */
typedef enum ristra_kind {
    RISTRA_MODEL_LOGISTIC = 1,   /**< logistic regression: intercept + coefficients */
    RISTRA_MODEL_GBDT = 2        /**< gradient-boosted decision trees */
} ristra_kind;

/** What a feature does with a missing value (NaN). Values are pinned. */
typedef enum ristra_missing_policy {
    RISTRA_MISSING_IMPUTE = 1,   /**< replace with the feature's impute_value */
    RISTRA_MISSING_REJECT = 2,   /**< the row is not scored (RISTRA_ROW_MISSING) */
    RISTRA_MISSING_NATIVE = 3    /**< pass NaN to the model (gbdt: the tree's default direction) */
} ristra_missing_policy;

/**
 * Loads a model from a native model file (JSON, or gzip-compressed JSON;
 * compression is detected from the file's first bytes, not its name).
 * A model larger than RISTRA_DEFAULT_MAX_MODEL_BYTES once decompressed is
 * refused (RISTRA_EFORMAT); ristra_model_load_ex() sets another limit.
 *
 * @param[out] out  the model; free it with ristra_model_free(). Set to NULL
 *                  on failure.
 * @param path      file name.
 * @return RISTRA_OK; RISTRA_EINVAL (NULL argument); RISTRA_EIO (cannot
 *         open or read); RISTRA_EFORMAT (malformed JSON, truncated gzip,
 *         missing field, wrong type, non-finite number: the message names
 *         the file and the line/column or JSON path); RISTRA_EVERSION
 *         (format_version newer than this library); RISTRA_EUNSUPPORTED
 *         (unknown model kind or link); RISTRA_ENOMEM.
 * @thread_safety Safe: may be called from several threads at once.
 * @since 1.0.0
 */
RISTRA_API int ristra_model_load(ristra_model **out, const char *path);

/**
 * Loads a model from a buffer holding a native model file's bytes.
 * @param[out] out      the model, or NULL on failure.
 * @param data          the bytes (plain or gzip-compressed JSON).
 * @param size          number of bytes.
 * @param source_name   name used in error messages (e.g. "<memory>");
 *                      NULL means "<buffer>".
 * @return as ristra_model_load().
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_model_load_buffer(ristra_model **out, const void *data, size_t size,
                                        const char *source_name);

/** The largest model text accepted by default, after decompression: 1 GiB. */
#define RISTRA_DEFAULT_MAX_MODEL_BYTES ((size_t)1 << 30)

/** Options for ristra_model_load_ex() and ristra_model_load_buffer_ex(). */
typedef struct ristra_load_options {
    int version;        /**< RISTRA_LOAD_OPTIONS_VERSION */
    /**
     * The largest model accepted, in bytes of JSON text after
     * decompression; 0 (the default) means RISTRA_DEFAULT_MAX_MODEL_BYTES.
     * A gzip file that inflates past it is refused as soon as it does, so
     * a small file that would inflate to gigabytes costs at most this much
     * memory and the time to inflate it.
     */
    size_t max_bytes;
} ristra_load_options;

#define RISTRA_LOAD_OPTIONS_VERSION 1
#define RISTRA_LOAD_OPTIONS_INIT { RISTRA_LOAD_OPTIONS_VERSION, 0 }

/**
 * Fills opts with the defaults of the given struct version.
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_load_options_init(ristra_load_options *opts, int version);

/**
 * ristra_model_load() with options (a size limit).
 * @param opts  NULL for the defaults (what ristra_model_load() uses).
 * @return as ristra_model_load(), and RISTRA_EFORMAT for a model larger
 *         than opts->max_bytes (the message names the limit);
 *         RISTRA_EINVAL for an unknown opts->version.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_model_load_ex(ristra_model **out, const char *path,
                                    const ristra_load_options *opts);

/**
 * ristra_model_load_buffer() with options (a size limit).
 * @return as ristra_model_load_ex().
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_model_load_buffer_ex(ristra_model **out, const void *data, size_t size,
                                           const char *source_name,
                                           const ristra_load_options *opts);

/**
 * Frees a model. NULL is a no-op.
 * @thread_safety No other thread may be using the model.
 * @since 1.0.0
 */
RISTRA_API void ristra_model_free(ristra_model *model);

/** Options for ristra_model_save() and ristra_model_save_buffer(). */
typedef struct ristra_save_options {
    int version;        /**< RISTRA_SAVE_OPTIONS_VERSION */
    /**
     * -1 (the default since 2.0.0): gzip-compressed when the path ends in
     * ".gz", plain JSON otherwise (and for ristra_model_save_buffer());
     * 0: plain JSON whatever the name; 1: gzip-compressed.
     */
    int gzip;
    int indent;         /**< spaces of indentation; 0 (default) writes compact JSON */
} ristra_save_options;

#define RISTRA_SAVE_OPTIONS_VERSION 1
#define RISTRA_SAVE_OPTIONS_INIT { RISTRA_SAVE_OPTIONS_VERSION, -1, 0 }

/**
 * Fills opts with the defaults of the given struct version (for bindings
 * that cannot use the _INIT macro).
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_save_options_init(ristra_save_options *opts, int version);

/**
 * Saves a model in the native format. The file is written to a temporary
 * file in the same directory and renamed over path only when complete, so
 * a failure never leaves a half-written model. Loading what was saved
 * gives a model that scores and saves identically (byte for byte).
 * @param opts  NULL for the defaults.
 * @return RISTRA_OK; RISTRA_EINVAL; RISTRA_EIO (cannot write or rename:
 *         the message names the file); RISTRA_ENOMEM.
 * @thread_safety Safe: a model may be saved while other threads score with it.
 * @since 1.0.0
 */
RISTRA_API int ristra_model_save(const ristra_model *model, const char *path,
                                 const ristra_save_options *opts);

/**
 * Serialises a model to a buffer in the native format.
 * @param[out] out       the bytes; free with ristra_free(). For plain JSON
 *                       the buffer is also NUL-terminated.
 * @param[out] size_out  number of bytes (without the terminating NUL).
 * @param opts           NULL for the defaults.
 * @return RISTRA_OK; RISTRA_EINVAL; RISTRA_ENOMEM.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_model_save_buffer(char **out, size_t *size_out, const ristra_model *model,
                                        const ristra_save_options *opts);

/**
 * The kind of the model (a ristra_kind), or 0 for NULL.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_model_kind(const ristra_model *model);

/**
 * The word for a model kind, as the native format writes it: "logistic"
 * or "gbdt"; "unknown" otherwise. Never NULL.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API const char *ristra_model_kind_string(int kind);

/**
 * The word for a missing-value policy, as the native format writes it:
 * "impute", "reject" or "native"; "unknown" otherwise. Never NULL.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API const char *ristra_missing_policy_string(int policy);

/**
 * The policy named "impute", "reject" or "native".
 * @return a ristra_missing_policy, or 0 for any other text or NULL.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_missing_policy_from_string(const char *name);

/**
 * Number of features (columns) the model scores, or -1 for NULL.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int64_t ristra_model_n_features(const ristra_model *model);

/**
 * Index of the feature with the given name (exact, case-sensitive match).
 * @return the index (>= 0); RISTRA_ENOTFOUND if the model has no such
 *         feature; RISTRA_EINVAL for a NULL argument.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int64_t ristra_model_feature_index(const ristra_model *model, const char *name);

/** Description of one feature. Strings are borrowed from the model. */
typedef struct ristra_feature_info {
    int version;               /**< RISTRA_FEATURE_INFO_VERSION, set by the caller */
    const char *name;          /**< column name */
    const char *description;   /**< "" when the model has none */
    const char *unit;          /**< "" when the model has none */
    double valid_min;          /**< -inf when unbounded; values below are rejected */
    double valid_max;          /**< +inf when unbounded; values above are rejected */
    int missing_policy;        /**< a ristra_missing_policy */
    double impute_value;       /**< the value used for RISTRA_MISSING_IMPUTE, else NaN */
    /** 1 when a missing value rejects the row (RISTRA_ROW_MISSING), whatever
     * the policy; always 1 for RISTRA_MISSING_REJECT. @since 2.0.0 */
    int required;
} ristra_feature_info;

#define RISTRA_FEATURE_INFO_VERSION 1
#define RISTRA_FEATURE_INFO_INIT { RISTRA_FEATURE_INFO_VERSION, 0, 0, 0, 0.0, 0.0, 0, 0.0, 0 }

/**
 * Describes feature number index.
 * @param[out] out  filled in; out->version must be set (RISTRA_FEATURE_INFO_INIT).
 *                  Its strings live as long as the model.
 * @return RISTRA_OK; RISTRA_EINVAL (NULL, index out of range, unknown out->version).
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_model_feature(ristra_feature_info *out, const ristra_model *model,
                                    int64_t index);

/**
 * The model's metadata object (name, version, outcome, horizon, intended
 * use, training population, ...) as compact JSON text. Borrowed: valid as
 * long as the model. Returns NULL for a NULL model.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API const char *ristra_model_metadata(const ristra_model *model);

/**
 * The model's min_present_features: a row with fewer features present
 * (not NaN) is not scored (RISTRA_ROW_INSUFFICIENT_DATA). 0 means no
 * minimum; -1 for NULL.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int64_t ristra_model_min_present(const ristra_model *model);

/** Summary of a gbdt model's trees (see ristra_model_trees()). */
typedef struct ristra_tree_summary {
    int version;             /**< RISTRA_TREE_SUMMARY_VERSION, set by the caller */
    int64_t n_trees;         /**< number of trees; 0 for non-tree models */
    int64_t max_depth;       /**< depth of the deepest tree (a single leaf has depth 0) */
    int64_t n_nodes;         /**< internal nodes plus leaves over all trees */
    int64_t n_categorical;   /**< number of categorical split nodes */
} ristra_tree_summary;

#define RISTRA_TREE_SUMMARY_VERSION 1
#define RISTRA_TREE_SUMMARY_INIT { RISTRA_TREE_SUMMARY_VERSION, 0, 0, 0, 0 }

/**
 * Summarises the trees of a gbdt model (all zeros for other kinds).
 * @param[out] out  filled in; out->version must be set.
 * @return RISTRA_OK; RISTRA_EINVAL.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_model_trees(ristra_tree_summary *out, const ristra_model *model);

RISTRA_END_DECL

#endif /* RISTRA_MODEL_H */
