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
