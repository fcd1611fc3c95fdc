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
 *    differ, so RISTRA__EXPLAIN_ROWS rows go through each node together as
 *    vector code (the classic recursion branches per row).
 * A feature repeated along a path is handled by keeping one combined
 * factor per feature: the deeper edge replaces the ancestor's factor
 * (precomputed ratios below), and the leaves under the deeper edge are
 * taken out of the ancestor edge's sum ("sub").
 *
 * Covers are XGBoost's sum_hess; the "hot" child is chosen by the same
 * rule as scoring (missing values follow default_left, categorical splits
 * send listed categories right). Everything is double. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../common/error_internal.h"
#include "explain_internal.h"

enum { R = RISTRA__EXPLAIN_ROWS, NCOEF = 5 };

typedef struct shap_tree {
    int32_t n;          /* nodes, in preorder */
    int32_t q;          /* quadrature points */
    const int32_t *node;   /* preorder position -> node number */
    const int32_t *depth;
    const int32_t *prev;   /* depth of the nearest ancestor edge on the same feature, or -1 */
    const int32_t *feat;   /* feature of the edge into the node (-1 at the root) */
    const double *coef;    /* NCOEF * q per position: m11, m10, m00, c1, c0 */
} shap_tree;

struct ristra__shap_tables {
    int64_t n_trees;
    int32_t max_depth, max_q;
    double bias;            /* base_margin + each tree's cover-weighted mean */
    shap_tree *trees;
    int32_t *ints;          /* the arena behind the int arrays */
    double *coefs;          /* the arena behind coef */
};

void ristra__shap_tables_free(ristra__shap_tables *t)
{
    if (!t)
        return;
    free(t->trees);
    free(t->ints);
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
    int32_t *stack_node, *stack_depth, *path, *uniq;
    double *zc, *zp;
} build_work;

/* First pass over one tree: preorder, depths, repeated features, the
 * combined zero fraction zc of each edge (and zp, its ancestor's).
 * Returns the most distinct features on any path. */
static int32_t walk_tree(int32_t *node, int32_t *depth, int32_t *prev, int32_t *feat,
                         const ristra__tree *t, build_work *w)
{
    int32_t top = 0, n = 0, most = 0;
    w->stack_node[top] = 0;
    w->stack_depth[top++] = 0;
    while (top) {
        top--;
        int32_t k = w->stack_node[top], d = w->stack_depth[top], pos = n++;
        node[pos] = k;
        depth[pos] = d;
        w->path[d] = pos;
        prev[pos] = -1;
        feat[pos] = -1;
        w->zc[pos] = w->zp[pos] = 1;
        w->uniq[d] = 0;
        if (d > 0) {
            int32_t parent = node[w->path[d - 1]], f = t->feature[parent];
            double c = t->cover[parent] > 0 ? t->cover[k] / t->cover[parent] : 0;
            feat[pos] = f;
            for (int32_t a = d - 1; a >= 1 && prev[pos] < 0; a--)
                if (feat[w->path[a]] == f)
                    prev[pos] = a;
            w->zp[pos] = prev[pos] >= 0 ? w->zc[w->path[prev[pos]]] : 1;
            w->zc[pos] = w->zp[pos] * c;
            w->uniq[d] = w->uniq[d - 1] + (prev[pos] < 0);
            if (w->uniq[d] > most)
                most = w->uniq[d];
        }
        if (t->left[k] != -1) { /* right first, so that left is visited first */
            w->stack_node[top] = t->right[k];
            w->stack_depth[top++] = d + 1;
            w->stack_node[top] = t->left[k];
            w->stack_depth[top++] = d + 1;
        }
    }
    return most;
}

/* Second pass: the per-edge factors at the q quadrature points.
 *   m11, m10: G's multiplier when the ancestor's o was 1 and this edge is
 *             hot / cold (the new combined factor over the old one);
 *   m00:      when the ancestor's o was already 0 (just the cover fraction);
 *   c1, c0:   w * (o - z) / F for o = 1 and o = 0, which turn a subtree's
 *             sum of v * G into the edge's contribution. */
static void edge_coefs(double *coef, const double *zc, const double *zp, const int32_t *prev,
                       int32_t n, int32_t q, const double *t, const double *w)
{
    for (int32_t pos = 1; pos < n; pos++) {
        double *c = coef + (size_t)pos * NCOEF * (size_t)q;
        double z = zc[pos], z0 = zp[pos];
        for (int32_t i = 0; i < q; i++) {
            double on = z * (1 - t[i]) + t[i], off = z * (1 - t[i]);
            double on0 = prev[pos] >= 0 ? z0 * (1 - t[i]) + t[i] : 1;
            c[0 * q + i] = on / on0;
            c[1 * q + i] = off / on0;
            c[2 * q + i] = z0 > 0 ? z / z0 : 0;
            c[3 * q + i] = w[i] * (1 - z) / on;
            c[4 * q + i] = z > 0 ? -w[i] / (1 - t[i]) : 0;
        }
    }
}

static int alloc_work(build_work *w, int32_t most_nodes, int32_t max_depth)
{
    size_t n = (size_t)most_nodes, d = (size_t)max_depth + 2;
    w->stack_node = malloc((2 * n + 2 * d) * sizeof(int32_t));
    w->zc = malloc(2 * n * sizeof(double));
    if (!w->stack_node || !w->zc) {
        free(w->stack_node);
        free(w->zc);
        return ristra__oom();
    }
    w->stack_depth = w->stack_node + n;
    w->path = w->stack_depth + n;
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
    s->ints = malloc((total > 0 ? total : 1) * 4 * sizeof(int32_t));
    s->coefs = malloc((total_coef > 0 ? total_coef : 1) * sizeof(double));
    double *gt = malloc((size_t)(max_depth + 2) * 2 * sizeof(double));
    int rc = s->trees && s->ints && s->coefs && gt ? RISTRA_OK : ristra__oom();
    size_t at = 0, at_coef = 0;
    s->bias = g->base_margin;
    s->max_q = 1;
    for (int64_t i = 0; !rc && i < g->n_trees; i++) {
        const ristra__tree *t = &g->trees[i];
        shap_tree *st = &s->trees[i];
        int32_t *node = s->ints + 4 * at, *depth = node + t->n_nodes;
        int32_t *prev = depth + t->n_nodes, *feat = prev + t->n_nodes;
        int32_t most = walk_tree(node, depth, prev, feat, t, &w);
        st->n = t->n_nodes;
        st->q = (most + 1) / 2 > 0 ? (most + 1) / 2 : 1;
        st->node = node;
        st->depth = depth;
        st->prev = prev;
        st->feat = feat;
        double *coef = s->coefs + at_coef;
        gauss_legendre(gt, gt + st->q, st->q);
        edge_coefs(coef, w.zc, w.zp, prev, st->n, st->q, gt, gt + st->q);
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

size_t ristra__shap_scratch_bytes(const ristra__shap_tables *t, int64_t n_features)
{
    (void)n_features;
    size_t d = (size_t)t->max_depth + 1, q = (size_t)t->max_q;
    return (3 * d * q * R + d * R) * sizeof(double) + d * (R + sizeof(int32_t)) + 4;
}

static int compare_category(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Whether row value x goes left at node k: the scoring rule (see
 * gbdt_internal.h): missing follows default_left, a listed category goes
 * right, otherwise left iff x < threshold. */
static inline uint8_t goes_left(const ristra__tree *t, int32_t k, float x)
{
    if (isnan(x))
        return t->default_left[k];
    if (t->cat_count && t->cat_count[k]) {
        if (!(x >= 0.0f && x < 16777216.0f))
            return 1;
        int32_t c = (int32_t)x;
        return !bsearch(&c, t->categories + t->cat_begin[k], (size_t)t->cat_count[k],
                        sizeof c, compare_category);
    }
    return x < (float)t->value[k];
}

/* Scratch of one block: per depth d, G, S and sub at q points (q * R
 * each), o (R), the rows' directions at the node open at d (R) and the
 * preorder position open at d. */
typedef struct shap_state {
    double *G, *S, *sub, *o;
    uint8_t *dir;
    int32_t *open;
    size_t qr;   /* q * R: the stride of one depth in G, S and sub */
} shap_state;

/* Enters preorder position pos at depth d >= 1. */
static inline void open_edge(shap_state *st, const shap_tree *s, const ristra__tree *t,
                             int32_t pos, int32_t d, const float *xf)
{
    const int32_t q = s->q, p = s->prev[pos], k = s->node[pos];
    const int32_t parent_k = s->node[st->open[d - 1]];
    const uint8_t want = t->left[parent_k] == k;
    const uint8_t *dir = st->dir + (size_t)(d - 1) * R;
    const double *c = s->coef + (size_t)pos * NCOEF * (size_t)q;
    double *o = st->o + (size_t)d * R, oprev[R];
    for (int r = 0; r < R; r++) {
        oprev[r] = p >= 0 ? st->o[(size_t)p * R + r] : 1.0;
        o[r] = (dir[r] == want) ? oprev[r] : 0.0;
    }
    const double *G0 = st->G + (size_t)(d - 1) * st->qr;
    double *G = st->G + (size_t)d * st->qr;
    for (int32_t i = 0; i < q; i++)
        for (int r = 0; r < R; r++) {
            double m = o[r] != 0.0 ? c[i] : (oprev[r] != 0.0 ? c[q + i] : c[2 * q + i]);
            G[i * R + r] = G0[i * R + r] * m;
        }
    memset(st->S + (size_t)d * st->qr, 0, st->qr * sizeof(double));
    memset(st->sub + (size_t)d * st->qr, 0, st->qr * sizeof(double));
    st->open[d] = pos;
    if (t->left[k] != -1) {
        const int32_t f = t->feature[k];
        for (int r = 0; r < R; r++)
            st->dir[(size_t)d * R + r] = goes_left(t, k, xf[(size_t)f * R + r]);
    } else {
        const double v = t->value[k];
        double *S = st->S + (size_t)d * st->qr;
        for (size_t i = 0; i < st->qr; i++)
            S[i] = v * G[i];
    }
}

/* Leaves depth d >= 1: the edge's contribution, and its subtree's sum
 * passed up to the parent (and to the ancestor edge on the same feature). */
static inline void close_edge(double *phi, shap_state *st, const shap_tree *s, int32_t d)
{
    const int32_t pos = st->open[d], q = s->q, p = s->prev[pos];
    const double *c = s->coef + (size_t)pos * NCOEF * (size_t)q;
    const double *S = st->S + (size_t)d * st->qr, *sub = st->sub + (size_t)d * st->qr;
    const double *o = st->o + (size_t)d * R;
    double acc[R] = { 0 };
    for (int32_t i = 0; i < q; i++)
        for (int r = 0; r < R; r++)
            acc[r] += (S[i * R + r] - sub[i * R + r]) * (o[r] != 0.0 ? c[3 * q + i] : c[4 * q + i]);
    double *out = phi + (size_t)s->feat[pos] * R;
    for (int r = 0; r < R; r++)
        out[r] += acc[r];
    double *up = st->S + (size_t)(d - 1) * st->qr;
    for (size_t i = 0; i < st->qr; i++)
        up[i] += S[i];
    if (p >= 0) {
        double *ps = st->sub + (size_t)p * st->qr;
        for (size_t i = 0; i < st->qr; i++)
            ps[i] += S[i];
    }
}

static void shap_tree_block(double *phi, shap_state *st, const shap_tree *s,
                            const ristra__tree *t, const float *xf)
{
    st->qr = (size_t)s->q * R;
    for (size_t i = 0; i < st->qr; i++)
        st->G[i] = 1.0;
    memset(st->S, 0, st->qr * sizeof(double));
    st->open[0] = 0;
    if (t->left[0] == -1)
        return; /* a single leaf: all of it is bias */
    const int32_t f0 = t->feature[0];
    for (int r = 0; r < R; r++)
        st->dir[r] = goes_left(t, 0, xf[(size_t)f0 * R + r]);
    int32_t top = 0;
    for (int32_t pos = 1; pos < s->n; pos++) {
        const int32_t d = s->depth[pos];
        for (; top >= d; top--)
            close_edge(phi, st, s, top);
        open_edge(st, s, t, pos, d, xf);
        top = d;
    }
    for (; top >= 1; top--)
        close_edge(phi, st, s, top);
}

void ristra__shap_block(double *phi, const ristra__shap_tables *t, const ristra__gbdt *g,
                        const float *xf, int64_t n_features, void *scratch)
{
    const size_t d = (size_t)t->max_depth + 1, q = (size_t)t->max_q;
    shap_state st;
    st.G = scratch;
    st.S = st.G + d * q * R;
    st.sub = st.S + d * q * R;
    st.o = st.sub + d * q * R;
    st.dir = (uint8_t *)(st.o + d * R);
    st.open = (int32_t *)(void *)(st.dir + d * R + (4 - (d * R) % 4) % 4);
    for (int64_t i = 0; i < g->n_trees; i++)
        shap_tree_block(phi, &st, &t->trees[i], &g->trees[i], xf);
    for (int r = 0; r < R; r++)
        phi[(size_t)n_features * R + r] += t->bias;
}
