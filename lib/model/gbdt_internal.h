/* Gradient-boosted trees: the in-memory form shared by the native format,
 * the importers and the scoring kernel.
 *
 * A tree is stored as parallel node arrays (like XGBoost's own JSON):
 * node 0 is the root; left[i] == -1 marks a leaf. Importers fill the
 * arrays and call ristra__gbdt_finish(), which checks that every tree is a
 * proper tree and builds the kernel's cache-friendly layout. */
#ifndef RISTRA_GBDT_INTERNAL_H
#define RISTRA_GBDT_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>

#include "ristra/model.h"

/* The rules a model was trained with, so that it scores exactly as its
 * trainer scored it. Only XGBoost's exist so far:
 *   thresholds, inputs and leaf values are float32; go left iff x < t;
 *   a missing value goes the way of default_left; categorical splits send
 *   the listed categories right (see gbdt_kernel.c for invalid ones);
 *   margin = float32 sum, in tree order, of base_margin and the leaves;
 *   probability = XGBoost's float32 sigmoid. */
enum { RISTRA__SEMANTICS_XGBOOST = 1 };

typedef struct ristra__tree {
    int32_t n_nodes;
    int32_t *left, *right;    /* child node numbers; -1 at leaves */
    int32_t *feature;         /* split feature; -1 at leaves */
    double *value;            /* threshold at splits, output at leaves */
    uint8_t *default_left;    /* where a missing value goes */
    /* Categorical splits, or all NULL when the tree has none: node i tests
     * membership of categories[cat_begin[i] .. cat_begin[i] + cat_count[i]),
     * sorted ascending; cat_count[i] == 0 means a numeric split. */
    int32_t *cat_begin, *cat_count;
    int32_t *categories;
    int32_t n_categories;
    double *cover;            /* optional (NULL): training cover (sum of hessians) */
    int32_t depth;            /* set by ristra__gbdt_finish() */
} ristra__tree;

typedef struct ristra__gbdt_layout ristra__gbdt_layout;
typedef struct ristra__shap_tables ristra__shap_tables; /* lib/explain/treeshap.c */
void ristra__shap_tables_free(ristra__shap_tables *t);

typedef struct ristra__gbdt {
    int semantics;            /* RISTRA__SEMANTICS_* */
    double base_margin;       /* added before the first tree */
    int64_t n_trees;
    ristra__tree *trees;
    ristra__gbdt_layout *layout; /* the kernel's form, built by finish */
    /* TreeSHAP's tables (from the covers, kept apart from the kernel's
     * layout), built on the first explanation. */
    ristra__shap_tables *_Atomic shap;
} ristra__gbdt;

/* A gbdt with n_trees empty trees; NULL when out of memory. */
ristra__gbdt *ristra__gbdt_new(int64_t n_trees);
void ristra__gbdt_free(ristra__gbdt *g);

/* Allocates a tree's arrays (zeroed; left/right/feature set to -1).
 * n_categories > 0 also allocates the categorical arrays; with_cover the
 * cover array. */
int ristra__tree_alloc(ristra__tree *t, int32_t n_nodes, int32_t n_categories, int with_cover);

/* Checks every tree (children in range, every node reached exactly once
 * from the root, split features < n_features, finite thresholds and
 * leaves, sorted non-negative categories), computes depths and builds the
 * layout. Errors name source and the tree and node. */
int ristra__gbdt_finish(ristra__gbdt *g, int64_t n_features, const char *source);

void ristra__gbdt_summary(ristra_tree_summary *out, const ristra__gbdt *g);

/* ---- the kernel (gbdt_kernel.c) ---- */

/* The kernel reads a block of up to RISTRA__GBDT_BLOCK_ROWS rows in a
 * two-column, column-major form: x2[c * RISTRA__GBDT_BLOCK_ROWS + r] for
 * row r, where column 2j holds feature j with a missing value replaced by
 * -inf and column 2j + 1 the same with +inf. A split whose missing values
 * go left reads column 2j, one whose go right reads 2j + 1, and both then
 * simply test x >= t: no NaN checks remain on the hot path. Column-major
 * order lets one base register and the split's stored offset address
 * every row of the block. */
int ristra__gbdt_layout_build(ristra__gbdt *g, int64_t n_features);
void ristra__gbdt_layout_free(ristra__gbdt_layout *layout);

/* Rows per kernel block. */
enum { RISTRA__GBDT_BLOCK_ROWS = 64 };

/* margin[r] for the n <= RISTRA__GBDT_BLOCK_ROWS rows of a block. */
void ristra__gbdt_margin(float *margin, const ristra__gbdt *g, const float *x2, int64_t n,
                         int64_t n_features);

/* The same with the instruction set named by the caller (a RISTRA__ISA_*
 * of common/cpu_internal.h that the CPU supports): the hook through which
 * the tests check every kernel, whatever RISTRA_FORCE_ISA says.
 * ristra__gbdt_margin uses ristra__cpu_isa(). */
void ristra__gbdt_margin_isa(float *margin, const ristra__gbdt *g, const float *x2, int64_t n,
                             int isa);

/* The same by plain node-by-node traversal of the trees (no layout): the
 * reference the fast kernel is tested against. */
void ristra__gbdt_margin_reference(float *margin, const ristra__gbdt *g, const float *x2,
                                   int64_t n, int64_t n_features);

/* XGBoost's float32 sigmoid. */
float ristra__gbdt_sigmoid(float margin);

#endif
