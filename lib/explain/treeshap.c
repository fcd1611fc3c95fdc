/* Exact path-dependent TreeSHAP (XGBoost's pred_contribs) in O(N * Q) per
 * tree and row, N nodes and Q = ceil(D / 2) quadrature points for a tree
 * whose paths hold at most D distinct features: O(L * D) per tree.
 *
 * Why this formulation. For a leaf l with value v whose path tests the
 * distinct features P, with z_i the product of the cover fractions of the
 * path's edges on feature i and o_i (0 or 1) whether the row follows all
 * of them, the path-dependent value function is
 *     f(S) = sum_l v_l prod_{i in P_l} (i in S ? o_i : z_i),
 * and the Beta integral turns the Shapley weights into
 *     phi_i = sum_l v_l (o_i - z_i) * int_0^1 prod_{j in P_l, j != i} F_j(t) dt,
 *     F_j(t) = z_j + t (o_j - z_j).
 * The integrand is a polynomial of degree |P_l| - 1, so Gauss-Legendre
 * quadrature with ceil(|P_l| / 2) points is exact. One depth-first walk
 * per tree keeps G(t) = prod_j F_j(t) at the quadrature points for the
 * current path, sums v * G up the tree, and at each edge divides by that
 * edge's own factor once for all the leaves below it: O(Q) work per node.
 * This is the quadrature form of Linear TreeShap (Yu et al. 2022), chosen
 * over the classic O(L D^2) recursion (Lundberg's, which XGBoost 1.7's
 * pred_contribs runs) and FastTreeSHAP v2 because
 *  - its cost per node is O(D) rather than O(D^2), and it measured faster:
 *    benchmarks/bench_explain.py runs it beside XGBoost's recursion, and
 *    benchmarks/README.md has the figures;
 *  - it multiplies factors F_j(t) in [0, 1] and divides by an edge's own
 *    factor, which is positive at every quadrature point (t < 1), rather
 *    than expanding polynomials whose coefficients grow with depth; the
 *    exhaustive-subset tests at depth 16 (tests/unit/test_explain.c) hold
 *    it to 1e-12, and the parity test to XGBoost at depth 16;
 *  - it needs no per-leaf tables (FastTreeSHAP v2 keeps 2^D values per
 *    leaf, about 100 MB for 200 depth-8 trees of 256 leaves), so any model
 *    fits;
 *  - the walk does the same arithmetic for every row, only the 0/1 o_i
 *    differ, so rows go through each node together as vector code (the
 *    classic recursion branches per row).
 * FastTreeSHAP v2 was not implemented: besides its tables, it reads for
 * every leaf and row |P_l| + 1 entries picked by the row's own bit pattern
 * (gathers, one row per lane), which by count costs about what this walk
 * costs in arithmetic, so it promised no gain worth its memory.
 * A feature repeated along a path is handled by keeping one combined
 * factor per feature: the deeper edge replaces the ancestor's factor
 * (precomputed ratios below), and the leaves under the deeper edge are
 * taken out of the ancestor edge's sum ("sub").
 *
 * How it is made fast (benchmarks/README.md has the profile and figures):
 *  - everything that depends only on the tree (z, the factors at each
 *    quadrature point, their ratios and the divisions by them) is in
 *    tables built once per model, at the first explanation; the walk only
 *    multiplies, adds and selects by the rows' 0/1 o, as lane masks;
 *  - 16 rows go down a tree together in vectors of the instruction set's
 *    width (treeshap_walk_internal.h, one copy each for AVX-512, AVX2 and
 *    SSE2, giving the same bits), over 64-row blocks read once in the gbdt
 *    kernel's two-column form (missing already -inf or +inf), so that each
 *    tree's tables are read once a block;
 *  - a split whose children are both leaves (half the nodes of a full
 *    tree) is one step, its leaves' factors and contributions folded into
 *    its coefficients; the sub work is skipped where no feature repeats;
 *    q is a compile-time constant for 1 to 4 points (trees to depth 8).
 *
 * Covers are XGBoost's sum_hess; the "hot" child is chosen by the same
 * rule as scoring (missing values follow default_left, categorical splits
 * send listed categories right). Everything is double. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cpu_internal.h"
#include "../common/error_internal.h"
#include "explain_internal.h"

/* The kernel's products and sums must be the same bits whatever the
 * instruction set: no fused multiply-adds (GCC does not contract in ISO C
 * mode, -std=c11; clang is told). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

enum {
    RB = RISTRA__EXPLAIN_ROWS, /* rows of a block (the x2 column stride) */
    NCOEF = 4                  /* per position and quadrature point: m1, m0, c1, c0 */
};

/* One preorder position of a tree: the node and the edge into it. */
typedef struct shap_pos {
    int32_t depth;  /* of the node (0 at the root) */
    int32_t pslot;  /* depth of the nearest ancestor edge on the same feature, else the
                       dummy slot (max_depth + 1, whose o is all ones) */
    int32_t feat;   /* the edge's feature (-1 at the root) */
    int32_t col;    /* a split's column of x2 (2 f, or 2 f + 1 when missing goes right);
                       -1 at a leaf */
    float thr;      /* a split's threshold */
    int32_t node;   /* node number (for categorical splits) */
    uint8_t left;   /* the node is its parent's left child */
    uint8_t cat;    /* a categorical split */
    uint8_t rep;    /* pslot is a real ancestor (the feature repeats) */
    uint8_t has_sub; /* a split some deeper edge on the same feature names as pslot */
    uint8_t pair;   /* a split whose children are leaves on a new feature: walked as one */
    double m00;     /* G's multiplier when the ancestor's o was already 0: z / z0
                       (times the value at a leaf) */
} shap_pos;

typedef struct shap_tree {
    int32_t n;          /* nodes, in preorder */
    int32_t q;          /* quadrature points */
    const shap_pos *pos;
    const double *coef; /* NCOEF * q per position */
} shap_tree;

struct ristra__shap_tables {
    int64_t n_trees;
    int32_t max_depth, max_q;
    double bias;            /* base_margin + each tree's cover-weighted mean */
    shap_tree *trees;
    shap_pos *positions;    /* the arena behind pos */
    double *coefs;          /* the arena behind coef */
};

void ristra__shap_tables_free(ristra__shap_tables *t)
{
    if (!t)
        return;
    free(t->trees);
    free(t->positions);
    free(t->coefs);
    free(t);
}

/* Gauss-Legendre points and weights on [0, 1] (Newton on P_q). */
static void gauss_legendre(double *t, double *w, int32_t q)
{
    for (int32_t i = 0; i < q; i++) {
        const double pi = 3.14159265358979323846;
        double x = cos(pi * (i + 0.75) / (q + 0.5)), pp = 1;
        for (int it = 0; it < 100; it++) {
            double p1 = 1, p2 = 0;
            for (int32_t j = 1; j <= q; j++) {
                double p3 = p2;
                p2 = p1;
                p1 = ((2.0 * j - 1) * x * p2 - (j - 1.0) * p3) / j;
            }
            pp = q * (x * p1 - p2) / (x * x - 1);
            double dx = p1 / pp;
            x -= dx;
            if (fabs(dx) < 1e-16)
                break;
        }
        t[i] = (1 - x) / 2;
        w[i] = 1 / ((1 - x * x) * pp * pp);
    }
}

/* Cover-weighted mean of the leaves below node k (XGBoost's mean_values). */
static double node_mean(const ristra__tree *t, int32_t k)
{
    if (t->left[k] == -1)
        return t->value[k];
    int32_t a = t->left[k], b = t->right[k];
    double c = t->cover[k];
    if (!(c > 0))
        return 0;
    return (node_mean(t, a) * t->cover[a] + node_mean(t, b) * t->cover[b]) / c;
}

/* Work space for building one tree's tables (sized for the largest tree). */
typedef struct build_work {
    int32_t *stack_node, *stack_depth, *path, *uniq, *prev;
    double *zc, *zp;
} build_work;

/* First pass over one tree: preorder positions, repeated features, the
 * combined zero fraction zc of each edge (and zp, its ancestor's).
 * Returns the most distinct features on any path. */
static int32_t walk_tree(shap_pos *P, const ristra__tree *t, int32_t dummy, build_work *w)
{
    int32_t top = 0, n = 0, most = 0;
    w->stack_node[top] = 0;
    w->stack_depth[top++] = 0;
    while (top) {
        top--;
        int32_t k = w->stack_node[top], d = w->stack_depth[top], pos = n++;
        shap_pos *e = &P[pos];
        memset(e, 0, sizeof *e);
        e->node = k;
        e->depth = d;
        e->feat = -1;
        e->col = -1;
        w->path[d] = pos;
        w->prev[pos] = -1;
        w->zc[pos] = w->zp[pos] = 1;
        w->uniq[d] = 0;
        if (d > 0) {
            int32_t parent = P[w->path[d - 1]].node, f = t->feature[parent];
            double c = t->cover[parent] > 0 ? t->cover[k] / t->cover[parent] : 0;
            e->feat = f;
            e->left = t->left[parent] == k;
            for (int32_t a = d - 1; a >= 1 && w->prev[pos] < 0; a--)
                if (P[w->path[a]].feat == f)
                    w->prev[pos] = a;
            w->zp[pos] = w->prev[pos] >= 0 ? w->zc[w->path[w->prev[pos]]] : 1;
            w->zc[pos] = w->zp[pos] * c;
            w->uniq[d] = w->uniq[d - 1] + (w->prev[pos] < 0);
            if (w->uniq[d] > most)
                most = w->uniq[d];
        }
        e->pslot = w->prev[pos] >= 0 ? w->prev[pos] : dummy;
        e->rep = w->prev[pos] >= 0;
        if (e->rep)
            P[w->path[e->pslot]].has_sub = 1;
        if (t->left[k] != -1) { /* right first, so that left is visited first */
            e->col = 2 * t->feature[k] + !t->default_left[k];
            e->thr = (float)t->value[k];
            e->cat = t->cat_count && t->cat_count[k];
            w->stack_node[top] = t->right[k];
            w->stack_depth[top++] = d + 1;
            w->stack_node[top] = t->left[k];
            w->stack_depth[top++] = d + 1;
        }
    }
    return most;
}

/* Second pass: the per-edge factors at the q quadrature points.
 *   m1, m0: G's multiplier when the ancestor's o was 1 (or there is no
 *           ancestor on the feature) and this edge is hot / cold: the new
 *           combined factor over the old one;
 *   m00:    when the ancestor's o was already 0 (just the cover fraction,
 *           the same at every point);
 *   c1, c0: w * (o - z) / F for o = 1 and o = 0, which turn a subtree's
 *           sum of v * G into the edge's contribution.
 * At a leaf m1, m0 and m00 also carry the leaf's value, so that the walk
 * gets the leaf's v * G in one product. */
static void edge_coefs(double *coef, shap_pos *P, const ristra__tree *t, const double *zc,
                       const double *zp, const int32_t *prev, int32_t n, int32_t q,
                       const double *tq, const double *wq)
{
    for (int32_t pos = 1; pos < n; pos++) {
        double *c = coef + (size_t)pos * NCOEF * (size_t)q;
        double z = zc[pos], z0 = zp[pos];
        double v = P[pos].col < 0 ? t->value[P[pos].node] : 1.0;
        for (int32_t i = 0; i < q; i++) {
            double on = z * (1 - tq[i]) + tq[i], off = z * (1 - tq[i]);
            double on0 = prev[pos] >= 0 ? z0 * (1 - tq[i]) + tq[i] : 1;
            c[0 * q + i] = on / on0 * v;
            c[1 * q + i] = off / on0 * v;
            c[2 * q + i] = wq[i] * (1 - z) / on;
            c[3 * q + i] = z > 0 ? -wq[i] / (1 - tq[i]) : 0;
        }
        P[pos].m00 = (z0 > 0 ? z / z0 : 0) * v;
    }
    /* A split k whose two children are leaves (the last level of a full
     * tree: half the nodes) is walked in one step. With dir the rows going
     * left at k, G k's factors and o the leaves' ancestor's o on their
     * feature (1 when it is new to the path), the leaves' contributions
     * are sum_i G_i * (o ? (dir ? A1_i : A0_i) : A00_i) and k's sum the
     * same with B: the left leaf's coefficients are replaced by A1, A0,
     * B1, B0, the right one's by A00, B00. */
    for (int32_t pos = 1; pos + 2 < n; pos++) { /* not the root: it has no edge */
        shap_pos *k = &P[pos], *a = &P[pos + 1], *b = &P[pos + 2];
        if (k->col < 0 || a->col >= 0 || b->col >= 0 || a->depth != k->depth + 1 ||
            b->depth != k->depth + 1)
            continue;
        double *ca = coef + (size_t)(pos + 1) * NCOEF * (size_t)q;
        double *cb = coef + (size_t)(pos + 2) * NCOEF * (size_t)q;
        for (int32_t i = 0; i < q; i++) {
            const double m1a = ca[i], m0a = ca[q + i], c1a = ca[2 * q + i], c0a = ca[3 * q + i];
            const double m1b = cb[i], m0b = cb[q + i], c1b = cb[2 * q + i], c0b = cb[3 * q + i];
            ca[i] = m1a * c1a + m0b * c0b;
            ca[q + i] = m0a * c0a + m1b * c1b;
            ca[2 * q + i] = m1a + m0b;
            ca[3 * q + i] = m0a + m1b;
            cb[i] = a->m00 * c0a + b->m00 * c0b;
            cb[q + i] = a->m00 + b->m00;
        }
        k->pair = 1;
    }
}

static int alloc_work(build_work *w, int32_t most_nodes, int32_t max_depth)
{
    size_t n = (size_t)most_nodes, d = (size_t)max_depth + 2;
    w->stack_node = malloc((3 * n + 2 * d) * sizeof(int32_t));
    w->zc = malloc(2 * n * sizeof(double));
    if (!w->stack_node || !w->zc) {
        free(w->stack_node);
        free(w->zc);
        return ristra__oom();
    }
    w->stack_depth = w->stack_node + n;
    w->prev = w->stack_depth + n;
    w->path = w->prev + n;
    w->uniq = w->path + d;
    w->zp = w->zc + n;
    return RISTRA_OK;
}

static int build_tables(ristra__shap_tables **out, const ristra__gbdt *g, int64_t n_features)
{
    *out = NULL;
    size_t total = 0, total_coef = 0;
    int32_t most_nodes = 1, max_depth = 0;
    for (int64_t i = 0; i < g->n_trees; i++) {
        const ristra__tree *t = &g->trees[i];
        total += (size_t)t->n_nodes;
        most_nodes = t->n_nodes > most_nodes ? t->n_nodes : most_nodes;
        max_depth = t->depth > max_depth ? t->depth : max_depth;
        /* an upper bound on q, refined per tree below */
        int64_t dq = (t->depth < n_features ? t->depth : n_features);
        total_coef += (size_t)t->n_nodes * NCOEF * (size_t)((dq + 1) / 2 > 0 ? (dq + 1) / 2 : 1);
    }
    ristra__shap_tables *s = calloc(1, sizeof *s);
    build_work w = { 0 };
    if (!s || alloc_work(&w, most_nodes, max_depth)) {
        free(s);
        return ristra__oom();
    }
    s->n_trees = g->n_trees;
    s->max_depth = max_depth;
    s->trees = calloc((size_t)(g->n_trees > 0 ? g->n_trees : 1), sizeof *s->trees);
    s->positions = malloc((total > 0 ? total : 1) * sizeof *s->positions);
    s->coefs = malloc((total_coef > 0 ? total_coef : 1) * sizeof(double));
    double *gt = malloc((size_t)(max_depth + 2) * 2 * sizeof(double));
    int rc = s->trees && s->positions && s->coefs && gt ? RISTRA_OK : ristra__oom();
    size_t at = 0, at_coef = 0;
    s->bias = g->base_margin;
    s->max_q = 1;
    for (int64_t i = 0; !rc && i < g->n_trees; i++) {
        const ristra__tree *t = &g->trees[i];
        shap_tree *st = &s->trees[i];
        shap_pos *P = s->positions + at;
        int32_t most = walk_tree(P, t, max_depth + 1, &w);
        st->n = t->n_nodes;
        st->q = (most + 1) / 2 > 0 ? (most + 1) / 2 : 1;
        st->pos = P;
        double *coef = s->coefs + at_coef;
        gauss_legendre(gt, gt + st->q, st->q);
        edge_coefs(coef, P, t, w.zc, w.zp, w.prev, st->n, st->q, gt, gt + st->q);
        st->coef = coef;
        s->max_q = st->q > s->max_q ? st->q : s->max_q;
        s->bias += node_mean(t, 0);
        at += (size_t)t->n_nodes;
        at_coef += (size_t)t->n_nodes * NCOEF * (size_t)st->q;
    }
    free(gt);
    free(w.stack_node);
    free(w.zc);
    if (rc) {
        ristra__shap_tables_free(s);
        return rc;
    }
    *out = s;
    return RISTRA_OK;
}

const ristra__shap_tables *ristra__shap_tables_get(const ristra__gbdt *g, int64_t n_features)
{
    /* The model is immutable and shared, so the tables are built by the
     * first caller and published with a compare-and-swap; a thread that
     * loses the race frees its own copy and uses the winner's. */
    ristra__gbdt *mg = (ristra__gbdt *)g;
    ristra__shap_tables *s = atomic_load_explicit(&mg->shap, memory_order_acquire);
    if (s)
        return s;
    if (build_tables(&s, g, n_features))
        return NULL;
    ristra__shap_tables *expected = NULL;
    if (!atomic_compare_exchange_strong_explicit(&mg->shap, &expected, s, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        ristra__shap_tables_free(s);
        s = expected;
    }
    return s;
}

/* ---------------------------------------------------------------- the walk */

/* GCC/clang vector types: rows in the lanes of a vector of the width of
 * the instruction set (AVX-512: 8 doubles, AVX2: 4, the baseline copy: 2,
 * which is SSE2 on x86-64 and whatever the target has elsewhere), each walk
 * taking GROUP rows down a tree together. */
enum { GROUP = 16 };
typedef double v8d __attribute__((vector_size(64)));
typedef int64_t v8l __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef double v4d __attribute__((vector_size(32)));
typedef int64_t v4l __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));
typedef double v2d __attribute__((vector_size(16)));
typedef int64_t v2l __attribute__((vector_size(16)));
typedef float v2f __attribute__((vector_size(8)));

size_t ristra__shap_scratch_bytes(const ristra__shap_tables *t, int64_t n_features)
{
    (void)n_features;
    size_t d = (size_t)t->max_depth + 2, q = (size_t)t->max_q;
    return (3 * d * q + 2 * d) * GROUP * sizeof(double) + d * sizeof(int32_t);
}

/* The walk's helpers carry their copy's TARGET too, and are inlined. */
#define INLINE static inline __attribute__((always_inline))

static int compare_category(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Whether the row whose x2 pair is (lo, hi) goes left at the categorical
 * split k: missing (-inf, +inf) follows default_left, a listed category
 * goes right (gbdt_internal.h). */
static uint8_t cat_goes_left(const ristra__tree *t, int32_t k, float lo, float hi)
{
    if (lo == -INFINITY && hi == INFINITY)
        return t->default_left[k];
    if (!(lo >= 0.0f && lo < 16777216.0f))
        return 1;
    int32_t c = (int32_t)lo;
    return !bsearch(&c, t->categories + t->cat_begin[k], (size_t)t->cat_count[k], sizeof c,
                    compare_category);
}

#define LANES 2
#define VD v2d
#define VL v2l
#define VF v2f
#define FN(x) x##_base
#define TARGET
#include "treeshap_walk_internal.h"
#undef LANES
#undef VD
#undef VL
#undef VF
#undef FN
#undef TARGET

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define RISTRA__SHAP_X86 1
#define LANES 4
#define VD v4d
#define VL v4l
#define VF v4f
#define FN(x) x##_avx2
#define TARGET __attribute__((target("avx2")))
#include "treeshap_walk_internal.h"
#undef LANES
#undef VD
#undef VL
#undef VF
#undef FN
#undef TARGET

#define LANES 8
#define VD v8d
#define VL v8l
#define VF v8f
#define FN(x) x##_avx512
#define TARGET __attribute__((target("avx512f,avx512bw")))
#include "treeshap_walk_internal.h"
#undef LANES
#undef VD
#undef VL
#undef VF
#undef FN
#undef TARGET
#endif

void ristra__shap_block(double *phi, const ristra__shap_tables *t, const ristra__gbdt *g,
                        const float *x2, int64_t n, int64_t n_features, void *scratch)
{
    void (*fn)(double *, const ristra__shap_tables *, const ristra__gbdt *, const float *,
               int64_t, void *) = trees_base;
#ifdef RISTRA__SHAP_X86
    int isa = ristra__cpu_isa();
    fn = isa == RISTRA__ISA_AVX512 ? trees_avx512 : isa == RISTRA__ISA_AVX2 ? trees_avx2
                                                                           : trees_base;
#endif
    fn(phi, t, g, x2, n, scratch);
    for (int64_t r = 0; r < n; r++)
        phi[(size_t)n_features * RB + r] += t->bias;
}
