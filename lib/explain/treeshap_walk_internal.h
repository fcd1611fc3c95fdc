/* The TreeSHAP walk of treeshap.c, written once for any vector width and
 * included there once per instruction set (no include guard): before
 * including, define LANES (doubles in one vector), the vector types VD
 * (LANES doubles), VL (LANES int64) and VF (LANES floats), FN(name) (the
 * name with the set's suffix) and TARGET (the function attribute naming
 * the set). Each copy does the same operations in the same order, so all
 * give the same bits. The names below (sel, walk, ...) are macros for the
 * suffixed ones. */

enum { FN(NG) = GROUP / LANES };
#define NG FN(NG)
#define sel FN(sel)
#define bcast FN(bcast)
#define split FN(split)
#define walk FN(walk)
#define walk_state FN(walk_state)

/* Scratch of one walk: per depth d (and the dummy slot max_depth + 1), G,
 * S and sub at q points, NG vectors each ([(d * q + i) * NG + g]); o and
 * the rows' directions at the split open at d ([d * NG + g]); the
 * preorder position open at d. */
typedef struct walk_state {
    VD *G, *S, *sub;
    VL *o, *dir;
    int32_t *open;
} walk_state;

INLINE TARGET VD sel(VL m, VD a, VD b)
{
    return (VD)(((VL)a & m) | ((VL)b & ~m));
}

INLINE TARGET VD bcast(double x)
{
    return x + -(VD){ 0 }; /* -0.0 + x is x: a plain broadcast */
}

/* The rows' directions (all ones: left) at the split of position e. */
INLINE TARGET void split(VL *dir, const shap_pos *e, const ristra__tree *t, const float *x2)
{
    const float *x = x2 + (size_t)e->col * RB;
    if (__builtin_expect(!e->cat, 1)) {
        const VD thr = bcast(e->thr);
        for (int g = 0; g < NG; g++) {
            VF xv;
            memcpy(&xv, x + g * LANES, sizeof xv);
            dir[g] = __builtin_convertvector(xv, VD) < thr;
        }
        return;
    }
    const float *other = x2 + (size_t)(e->col ^ 1) * RB;
    for (int g = 0; g < NG; g++) {
        VL left = { 0 };
        for (int r = 0; r < LANES; r++) {
            const float a = x[g * LANES + r], b = other[g * LANES + r];
            const float lo = e->col & 1 ? b : a, hi = e->col & 1 ? a : b;
            left[r] = -(int64_t)cat_goes_left(t, e->node, lo, hi);
        }
        dir[g] = left;
    }
}

/* One tree for GROUP rows of x2 (already offset to the group). Q is the
 * tree's q when known at compile time (1 to 4), else 0 and q is read. */
INLINE TARGET void walk(double *phi, walk_state *st, const shap_tree *s, const ristra__tree *t,
                        const float *x2, int32_t dummy, const int Q)
{
    const int32_t q = Q ? Q : s->q, n = s->n;
    const shap_pos *P = s->pos;
    const size_t qn = (size_t)q * NG;
    VD *G = st->G, *S = st->S, *sub = st->sub;
    VL *o = st->o, *dir = st->dir;
    for (int32_t i = 0; i < q; i++)
        for (int g = 0; g < NG; g++) {
            G[i * NG + g] = bcast(1.0);
            S[i * NG + g] = bcast(0.0);
        }
    for (int g = 0; g < NG; g++)
        o[(size_t)dummy * NG + g] = (VL){ 0 } - 1;
    split(dir, &P[0], t, x2);
    int32_t top = 0;
    for (int32_t pos = 1;; pos++) {
        const int32_t d = pos < n ? P[pos].depth : 1;
        /* close the edges open at depths top .. d: their contributions,
         * and their sums passed up (and to the ancestor on their feature) */
        for (; top >= d; top--) {
            const shap_pos *e = &P[st->open[top]];
            const double *c = s->coef + (size_t)st->open[top] * NCOEF * (size_t)q;
            const VD *Sd = S + (size_t)top * qn, *subd = sub + (size_t)top * qn;
            VD *Sp = S + (size_t)(top - 1) * qn, *subp = sub + (size_t)e->pslot * qn;
            VD *out = (VD *)(void *)(phi + (size_t)e->feat * RB);
            const int rep = e->rep, has_sub = e->has_sub;
            const VL *on = o + (size_t)top * NG;
            VD acc[NG];
            for (int g = 0; g < NG; g++)
                acc[g] = bcast(0.0);
            /* the coefficients are broadcast once for the NG vectors (the
             * loop over g innermost: stores through VD * may alias them) */
            for (int32_t i = 0; i < q; i++) {
                const VD c1 = bcast(c[2 * q + i]), c0 = bcast(c[3 * q + i]);
                for (int g = 0; g < NG; g++) {
                    const VD sum = Sd[i * NG + g];
                    acc[g] += (has_sub ? sum - subd[i * NG + g] : sum) * sel(on[g], c1, c0);
                    Sp[i * NG + g] += sum;
                    if (rep)
                        subp[i * NG + g] += sum;
                }
            }
            for (int g = 0; g < NG; g++)
                out[g] += acc[g];
        }
        if (pos == n)
            break;
        const shap_pos *e = &P[pos];
        const double *c = s->coef + (size_t)pos * NCOEF * (size_t)q;
        const VL *dp = dir + (size_t)(d - 1) * NG;
        const VL flip = (VL){ 0 } - (int64_t)!e->left;
        const VD *Gp = G + (size_t)(d - 1) * qn;
        const VD m00 = bcast(e->m00);
        const int rep = e->rep;
        /* op: the ancestor's o on this edge's feature (all ones when it is
         * new); on: this edge's o */
        VL op[NG], on[NG];
        for (int g = 0; g < NG; g++) {
            op[g] = o[(size_t)e->pslot * NG + g];
            on[g] = op[g] & (dp[g] ^ flip);
        }
        if (e->col < 0) {
            /* a leaf: opened and closed at once */
            VD *Sp = S + (size_t)(d - 1) * qn, *subp = sub + (size_t)e->pslot * qn;
            VD *out = (VD *)(void *)(phi + (size_t)e->feat * RB);
            VD acc[NG];
            for (int g = 0; g < NG; g++)
                acc[g] = bcast(0.0);
            for (int32_t i = 0; i < q; i++) {
                const VD m1 = bcast(c[i]), m0 = bcast(c[q + i]);
                const VD c1 = bcast(c[2 * q + i]), c0 = bcast(c[3 * q + i]);
                for (int g = 0; g < NG; g++) {
                    const VD m = rep ? sel(op[g], sel(on[g], m1, m0), m00) : sel(on[g], m1, m0);
                    const VD leaf = Gp[i * NG + g] * m;
                    acc[g] += leaf * sel(on[g], c1, c0);
                    Sp[i * NG + g] += leaf;
                    if (rep)
                        subp[i * NG + g] += leaf;
                }
            }
            for (int g = 0; g < NG; g++)
                out[g] += acc[g];
            continue;
        }
        if (e->pair) {
            /* a split and its two leaves (see edge_coefs) */
            const double *ca = c + NCOEF * (size_t)q, *cb = ca + NCOEF * (size_t)q;
            const shap_pos *leaf = &P[pos + 1];
            const int leaf_rep = leaf->rep, own = leaf->pslot == d;
            VL dk[NG], ol[NG];
            split(dk, e, t, x2);
            for (int g = 0; g < NG; g++) {
                o[(size_t)d * NG + g] = on[g];
                ol[g] = o[(size_t)leaf->pslot * NG + g];
            }
            VD *Sp = S + (size_t)(d - 1) * qn, *subp = sub + (size_t)e->pslot * qn;
            VD *subl = sub + (size_t)leaf->pslot * qn;
            VD *out = (VD *)(void *)(phi + (size_t)e->feat * RB);
            VD *out_leaf = (VD *)(void *)(phi + (size_t)leaf->feat * RB);
            VD acc[NG], acc_leaf[NG];
            for (int g = 0; g < NG; g++)
                acc[g] = acc_leaf[g] = bcast(0.0);
            for (int32_t i = 0; i < q; i++) {
                const VD m1 = bcast(c[i]), m0 = bcast(c[q + i]);
                const VD c1 = bcast(c[2 * q + i]), c0 = bcast(c[3 * q + i]);
                const VD a1 = bcast(ca[i]), a0 = bcast(ca[q + i]);
                const VD b1 = bcast(ca[2 * q + i]), b0 = bcast(ca[3 * q + i]);
                const VD a00 = bcast(cb[i]), b00 = bcast(cb[q + i]);
                for (int g = 0; g < NG; g++) {
                    const VD m = rep ? sel(op[g], sel(on[g], m1, m0), m00) : sel(on[g], m1, m0);
                    const VD gk = Gp[i * NG + g] * m;
                    VD a = sel(dk[g], a1, a0), b = sel(dk[g], b1, b0);
                    if (leaf_rep) {
                        a = sel(ol[g], a, a00);
                        b = sel(ol[g], b, b00);
                    }
                    const VD sum = gk * b;
                    acc_leaf[g] += gk * a;
                    /* when the leaves repeat k's own feature, all of k's
                     * sum is theirs (sum - sub = 0) */
                    if (!own)
                        acc[g] += sum * sel(on[g], c1, c0);
                    Sp[i * NG + g] += sum;
                    if (rep)
                        subp[i * NG + g] += sum;
                    if (leaf_rep && !own)
                        subl[i * NG + g] += sum;
                }
            }
            for (int g = 0; g < NG; g++) {
                out_leaf[g] += acc_leaf[g];
                out[g] += acc[g];
            }
            pos += 2;
            continue;
        }
        VD *Gd = G + (size_t)d * qn, *Sd = S + (size_t)d * qn, *subd = sub + (size_t)d * qn;
        for (int g = 0; g < NG; g++)
            o[(size_t)d * NG + g] = on[g];
        for (int32_t i = 0; i < q; i++) {
            const VD m1 = bcast(c[i]), m0 = bcast(c[q + i]);
            for (int g = 0; g < NG; g++) {
                const VD m = rep ? sel(op[g], sel(on[g], m1, m0), m00) : sel(on[g], m1, m0);
                Gd[i * NG + g] = Gp[i * NG + g] * m;
                Sd[i * NG + g] = bcast(0.0);
                if (e->has_sub)
                    subd[i * NG + g] = bcast(0.0);
            }
        }
        split(dir + (size_t)d * NG, e, t, x2);
        st->open[d] = pos;
        top = d;
    }
}

TARGET static void FN(trees)(double *phi, const ristra__shap_tables *tb, const ristra__gbdt *g,
                             const float *x2, int64_t n, void *scratch)
{
    const size_t d = (size_t)tb->max_depth + 2, q = (size_t)tb->max_q;
    walk_state st;
    st.G = scratch;
    st.S = st.G + d * q * NG;
    st.sub = st.S + d * q * NG;
    st.o = (VL *)(st.sub + d * q * NG);
    st.dir = st.o + d * NG;
    st.open = (int32_t *)(st.dir + d * NG);
    const int32_t dummy = tb->max_depth + 1;
    for (int64_t i = 0; i < g->n_trees; i++) {
        const shap_tree *s = &tb->trees[i];
        const ristra__tree *t = &g->trees[i];
        if (t->left[0] == -1)
            continue; /* a single leaf: all of it is bias */
        for (int64_t r0 = 0; r0 < n; r0 += GROUP) {
            double *ph = phi + r0;
            const float *xg = x2 + r0;
            switch (s->q) {
            case 1: walk(ph, &st, s, t, xg, dummy, 1); break;
            case 2: walk(ph, &st, s, t, xg, dummy, 2); break;
            case 3: walk(ph, &st, s, t, xg, dummy, 3); break;
            case 4: walk(ph, &st, s, t, xg, dummy, 4); break;
            default: walk(ph, &st, s, t, xg, dummy, 0); break;
            }
        }
    }
}

#undef NG
#undef sel
#undef bcast
#undef split
#undef walk
#undef walk_state
