/* The tree kernel's own form of a model, shared by the scalar kernel
 * (gbdt_kernel.c) and the vector kernels (gbdt_kernel_avx2.c,
 * gbdt_kernel_avx512.c). Built once per model by ristra__gbdt_layout_build. */
#ifndef RISTRA_GBDT_LAYOUT_INTERNAL_H
#define RISTRA_GBDT_LAYOUT_INTERNAL_H

#include <stdint.h>

#include "gbdt_internal.h"

enum {
    RISTRA__PERFECT_MAX_DEPTH = 10, /* deeper trees are walked node by node */
    RISTRA__GENERAL_TREE = 255,     /* depth[] of a tree walked node by node */
    /* The split and leaf arrays end with this many zeroed spare entries, so
     * that a vector kernel may load a whole register of a tree's level
     * (16 floats) even where the level holds fewer. */
    RISTRA__LAYOUT_PAD = 64
};

/* The quantised form of the complete trees (gbdt_quant.c), read by the
 * bit-sliced AVX-512 kernel. */
enum {
    RISTRA__QUANT_MAX_FEATURES = 127,  /* the block's bins must fit in 32 KiB of stack */
    RISTRA__QUANT_MAX_CUT_DEPTH = 16,  /* bins are at most 16-bit: 65,535 cuts a feature */
    RISTRA__QUANT_MAX_DEPTH = 6,       /* deeper trees take the rows-in-lanes walk */
    /* bins are 8-bit when every feature has at most 255 cuts, else 16-bit */
    RISTRA__QUANT_MAX_COLUMN_BYTES = RISTRA__GBDT_BLOCK_ROWS * 2
};

typedef struct ristra__gbdt_quant {
    int64_t n_features;
    int bin_bytes;      /* 1 or 2: the width of a bin */
    /* Feature f's cuts: a complete search tree of 2^cut_depth[f] - 1 floats
     * at cuts + cut_offset[f], breadth-first, padded with +inf. */
    int32_t *cut_offset;
    uint8_t *cut_depth;
    float *cuts;
    /* Per split, indexed like thresholds: the byte offset of the bins of its
     * column in the block (column * 64 rows * bin_bytes; a dummy split
     * reads the zero column 2 * n_features) and its bin threshold b,
     * repeated across 32 bits (b * 0x01010101 or b * 0x00010001) so that
     * one 32-bit broadcast fills a register of bins; the split goes right
     * iff bin >= b. */
    uint32_t *qoff;
    uint32_t *qthr;
    /* One row at a time (AVX-512 VBMI, 8-bit bins, at most 63 features, every
     * tree complete and of depth <= 6; else NULL): per tree, 64 bytes of
     * its splits' bin columns (breadth-first; the zero column pads) and 64
     * of their bin thresholds, so that one byte permute fetches the row's
     * bins for every split of the tree and one compare decides them all. */
    uint8_t *row_table;
} ristra__gbdt_quant;

enum { RISTRA__ROW_TABLE_BYTES = 128, RISTRA__ROW_TABLE_COLUMNS = 128 };

/* Builds the quantised form from the complete trees' splits (feature_at[p]
 * is split p's feature, -1 for a dummy, -2 for a split of a tree the
 * bit-sliced kernel does not walk). Returns 1 with *out set, 0 when
 * the model does not fit the limits above (*out NULL), -1 when out of
 * memory. */
int ristra__gbdt_quant_build(ristra__gbdt_quant **out, const ristra__gbdt_layout *l,
                             const int32_t *feature_at, int64_t n_splits, int64_t n_features);
void ristra__gbdt_quant_free(ristra__gbdt_quant *q);

typedef struct ristra__gnode {
    int32_t left, right;
    uint32_t column;   /* 2 * feature + (missing goes right), not multiplied */
    float threshold;   /* or, at a leaf, its value */
    int32_t cat_begin, cat_count;
} ristra__gnode;

struct ristra__gbdt_layout {
    int64_t n_trees;
    uint8_t *depth;       /* per tree: D for a complete tree, RISTRA__GENERAL_TREE otherwise */
    int64_t *offset;      /* per tree: first split (complete) or first gnode (general) */
    int64_t *leaf_offset;
    /* Complete trees: the splits of each tree in breadth-first order (level
     * d at [2^d - 1, 2^(d+1) - 1)), each a threshold and the byte offset of
     * the column it reads in the block (column * RISTRA__GBDT_BLOCK_ROWS *
     * sizeof(float)); then its 2^D leaves in order. */
    float *thresholds;
    uint32_t *offsets;
    float *leaves;
    ristra__gnode *gnodes;
    int32_t **categories; /* per general tree: its sorted category lists (borrowed) */
    ristra__gbdt_quant *quant; /* NULL without AVX-512 or beyond its limits */
};

/* Adds tree t's leaf (a tree walked node by node) to acc[r] for each of
 * the n rows of the block. */
void ristra__gbdt_walk_general(float *acc, const ristra__gbdt_layout *l, int64_t t,
                               const float *x2, int64_t n);

/* Adds tree t's leaf to acc[r] for each of the n rows of the block, by the
 * scalar kernel (any tree). */
void ristra__gbdt_tree_scalar(float *acc, const ristra__gbdt_layout *l, int64_t t, const float *x2,
                              int64_t n);

/* The block kernels, one per instruction set; each adds every tree in
 * model order to acc[0 .. n) and so gives the same bits. The vector ones
 * exist only on x86-64 (RISTRA__HAVE_X86_KERNELS). */
void ristra__gbdt_trees_scalar(float *acc, const ristra__gbdt_layout *l, const float *x2, int64_t n);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define RISTRA__HAVE_X86_KERNELS 1
void ristra__gbdt_trees_avx2(float *acc, const ristra__gbdt_layout *l, const float *x2, int64_t n);
void ristra__gbdt_trees_avx512(float *acc, const ristra__gbdt_layout *l, const float *x2, int64_t n);
#endif

#endif
