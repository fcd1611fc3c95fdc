/* Gradient-boosted trees: construction, validation and the native format. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/error_internal.h"
#include "gbdt_internal.h"
#include "model_json_internal.h"

/* XGBoost's largest valid category (categories are float32 inputs). */
enum { MAX_CATEGORY = 16777216 - 1 };

ristra__gbdt *ristra__gbdt_new(int64_t n_trees)
{
    ristra__gbdt *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->semantics = RISTRA__SEMANTICS_XGBOOST;
    g->n_trees = n_trees;
    if (n_trees > 0) {
        g->trees = calloc((size_t)n_trees, sizeof *g->trees);
        if (!g->trees) {
            free(g);
            return NULL;
        }
    }
    return g;
}

static void tree_free(ristra__tree *t)
{
    free(t->left);
    free(t->right);
    free(t->feature);
    free(t->value);
    free(t->default_left);
    free(t->cat_begin);
    free(t->cat_count);
    free(t->categories);
    free(t->cover);
}

void ristra__gbdt_free(ristra__gbdt *g)
{
    if (!g)
        return;
    for (int64_t i = 0; i < g->n_trees; i++)
        tree_free(&g->trees[i]);
    free(g->trees);
    ristra__gbdt_layout_free(g->layout);
    ristra__shap_tables_free(atomic_load(&g->shap));
    free(g);
}

int ristra__tree_alloc(ristra__tree *t, int32_t n_nodes, int32_t n_categories, int with_cover)
{
    memset(t, 0, sizeof *t);
    if (n_nodes < 1)
        return ristra__error(RISTRA_EFORMAT, "a tree needs at least one node");
    size_t n = (size_t)n_nodes;
    t->n_nodes = n_nodes;
    t->left = malloc(n * sizeof *t->left);
    t->right = malloc(n * sizeof *t->right);
    t->feature = malloc(n * sizeof *t->feature);
    t->value = calloc(n, sizeof *t->value);
    t->default_left = calloc(n, 1);
    int failed = !t->left || !t->right || !t->feature || !t->value || !t->default_left;
    if (n_categories > 0) {
        t->cat_begin = calloc(n, sizeof *t->cat_begin);
        t->cat_count = calloc(n, sizeof *t->cat_count);
        t->categories = calloc((size_t)n_categories, sizeof *t->categories);
        t->n_categories = n_categories;
        failed |= !t->cat_begin || !t->cat_count || !t->categories;
    }
    if (with_cover) {
        t->cover = calloc(n, sizeof *t->cover);
        failed |= !t->cover;
    }
    if (failed) {
        tree_free(t);
        memset(t, 0, sizeof *t);
        return ristra__oom();
    }
    for (size_t i = 0; i < n; i++)
        t->left[i] = t->right[i] = t->feature[i] = -1;
    return RISTRA_OK;
}

/* Node i of one tree: children, split feature, value and categories. */
static int check_node(ristra__tree *t, int32_t i, int64_t index, int64_t n_features,
                      const char *source)
{
    const int32_t n = t->n_nodes;
    int leaf = t->left[i] == -1;
    if (leaf != (t->right[i] == -1))
        return ristra__error(RISTRA_EFORMAT,
                             "%s: tree %lld, node %d: one child is -1 and the other is not",
                             source, (long long)index, i);
    if (!isfinite((float)t->value[i]))
        return ristra__error(RISTRA_EFORMAT,
                             "%s: tree %lld, node %d: %s %.17g is not finite as a float32",
                             source, (long long)index, i, leaf ? "leaf value" : "threshold",
                             t->value[i]);
    /* The trees are float32: keep exactly the float a trainer would. */
    t->value[i] = (double)(float)t->value[i];
    if (leaf) {
        t->feature[i] = -1;
        if (t->cat_count && t->cat_count[i])
            return ristra__error(RISTRA_EFORMAT,
                                 "%s: tree %lld, node %d: a leaf cannot have categories",
                                 source, (long long)index, i);
        return RISTRA_OK;
    }
    if (t->left[i] < 1 || t->left[i] >= n || t->right[i] < 1 || t->right[i] >= n ||
        t->left[i] == t->right[i])
        return ristra__error(RISTRA_EFORMAT,
                             "%s: tree %lld, node %d: children %d and %d are not distinct "
                             "nodes of this %d-node tree",
                             source, (long long)index, i, t->left[i], t->right[i], n);
    if (t->feature[i] < 0 || t->feature[i] >= n_features)
        return ristra__error(RISTRA_EFORMAT,
                             "%s: tree %lld, node %d: split feature %d is outside the model's "
                             "%lld features",
                             source, (long long)index, i, t->feature[i],
                             (long long)n_features);
    if (t->default_left[i] > 1)
        t->default_left[i] = 1;
    if (t->cat_count && t->cat_count[i]) {
        int32_t b = t->cat_begin[i], c = t->cat_count[i];
        if (b < 0 || c < 0 || b > t->n_categories - c)
            return ristra__error(RISTRA_EFORMAT,
                                 "%s: tree %lld, node %d: category list out of bounds",
                                 source, (long long)index, i);
        for (int32_t k = 0; k < c; k++) {
            int32_t v = t->categories[b + k];
            if (v < 0 || v > MAX_CATEGORY || (k > 0 && v <= t->categories[b + k - 1]))
                return ristra__error(RISTRA_EFORMAT,
                                     "%s: tree %lld, node %d: categories must be distinct "
                                     "integers in [0, %d] in ascending order",
                                     source, (long long)index, i, MAX_CATEGORY);
        }
    }
    return RISTRA_OK;
}

/* One tree is a proper binary tree rooted at node 0: each node is reached
 * exactly once by a walk from the root. Sets t->depth. */
static int check_shape(ristra__tree *t, int64_t index, const char *source)
{
    const int32_t n = t->n_nodes;
    int32_t *stack = malloc((size_t)n * 2 * sizeof *stack);
    uint8_t *seen = calloc((size_t)n, 1);
    if (!stack || !seen) {
        free(stack);
        free(seen);
        return ristra__oom();
    }
    int rc = RISTRA_OK;
    int32_t top = 0, depth = 0;
    stack[top++] = 0;
    stack[top++] = 0;
    while (top > 0 && !rc) {
        int32_t d = stack[--top], node = stack[--top];
        if (seen[node]) {
            rc = ristra__error(RISTRA_EFORMAT,
                               "%s: tree %lld, node %d is reached twice from the root (not a tree)",
                               source, (long long)index, node);
            break;
        }
        seen[node] = 1;
        if (d > depth)
            depth = d;
        if (t->left[node] != -1) {
            if (top + 4 > 2 * n) { /* only possible when a node is reached twice */
                rc = ristra__error(RISTRA_EFORMAT, "%s: tree %lld is not a tree", source,
                                   (long long)index);
                break;
            }
            stack[top++] = t->right[node];
            stack[top++] = d + 1;
            stack[top++] = t->left[node];
            stack[top++] = d + 1;
        }
    }
    for (int32_t i = 0; !rc && i < n; i++)
        if (!seen[i])
            rc = ristra__error(RISTRA_EFORMAT,
                               "%s: tree %lld, node %d cannot be reached from the root", source,
                               (long long)index, i);
    free(stack);
    free(seen);
    t->depth = depth;
    return rc;
}

/* One tree: a proper binary tree rooted at node 0 with valid fields. */
static int check_tree(ristra__tree *t, int64_t index, int64_t n_features, const char *source)
{
    for (int32_t i = 0; i < t->n_nodes; i++) {
        int rc = check_node(t, i, index, n_features, source);
        if (rc)
            return rc;
    }
    return check_shape(t, index, source);
}

int ristra__gbdt_finish(ristra__gbdt *g, int64_t n_features, const char *source)
{
    if (!isfinite((float)g->base_margin))
        return ristra__error(RISTRA_EFORMAT, "%s: the base margin %.17g is not finite as a float32",
                             source, g->base_margin);
    g->base_margin = (double)(float)g->base_margin;
    for (int64_t i = 0; i < g->n_trees; i++) {
        int rc = check_tree(&g->trees[i], i, n_features, source);
        if (rc)
            return rc;
    }
    return ristra__gbdt_layout_build(g, n_features);
}

void ristra__gbdt_summary(ristra_tree_summary *out, const ristra__gbdt *g)
{
    out->n_trees = g->n_trees;
    out->max_depth = out->n_nodes = out->n_categorical = 0;
    for (int64_t i = 0; i < g->n_trees; i++) {
        const ristra__tree *t = &g->trees[i];
        if (t->depth > out->max_depth)
            out->max_depth = t->depth;
        out->n_nodes += t->n_nodes;
        for (int32_t k = 0; t->cat_count && k < t->n_nodes; k++)
            out->n_categorical += t->cat_count[k] > 0;
    }
}

/* ------------------------------------------------------------ native format */

/* An array member of exactly n elements. */
static int sized_array(json_t **out, ristra__jpath *p, json_t *obj, const char *key, size_t n)
{
    int rc = ristra__json_array(out, p, obj, key, 1);
    if (rc)
        return rc;
    if (json_array_size(*out) != n) {
        size_t mark = ristra__jpath_key(p, key);
        rc = ristra__jpath_error(p, RISTRA_EFORMAT, "has %zu elements, expected %zu (one per node)",
                                 json_array_size(*out), n);
        ristra__jpath_pop(p, mark);
    }
    return rc;
}

/* Integer element i of array a into *out, within [lo, hi]. */
static int int_at(int32_t *out, ristra__jpath *p, json_t *a, size_t i, int64_t lo, int64_t hi)
{
    json_t *v = json_array_get(a, i);
    if (json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi) {
        *out = (int32_t)json_integer_value(v);
        return RISTRA_OK;
    }
    size_t mark = ristra__jpath_index(p, i);
    int rc = json_is_integer(v)
                 ? ristra__jpath_error(p, RISTRA_EFORMAT, "%lld is outside [%lld, %lld]",
                                       (long long)json_integer_value(v), (long long)lo,
                                       (long long)hi)
                 : ristra__jpath_error(p, RISTRA_EFORMAT, "expected an integer, got %s",
                                       ristra__json_type_name(v));
    ristra__jpath_pop(p, mark);
    return rc;
}

static int read_int_array(int32_t *dst, ristra__jpath *p, json_t *obj, const char *key, size_t n,
                          int64_t lo, int64_t hi)
{
    json_t *a;
    int rc = sized_array(&a, p, obj, key, n);
    if (rc)
        return rc;
    size_t mark = ristra__jpath_key(p, key);
    for (size_t i = 0; i < n && !rc; i++)
        rc = int_at(&dst[i], p, a, i, lo, hi);
    ristra__jpath_pop(p, mark);
    return rc;
}

static int read_number_array(double *dst, ristra__jpath *p, json_t *obj, const char *key, size_t n,
                             int as_float)
{
    json_t *a;
    int rc = sized_array(&a, p, obj, key, n);
    if (rc)
        return rc;
    size_t mark = ristra__jpath_key(p, key);
    for (size_t i = 0; i < n && !rc; i++)
        rc = as_float ? ristra__json_float_at(&dst[i], p, a, i)
                      : ristra__json_number_at(&dst[i], p, a, i);
    ristra__jpath_pop(p, mark);
    return rc;
}

/* "categories": {"nodes": [i, ...], "sets": [[c, ...], ...]} */
static int read_categories(ristra__tree *t, ristra__jpath *p, json_t *cats)
{
    json_t *nodes, *sets;
    int rc = ristra__json_array(&nodes, p, cats, "nodes", 1);
    if (!rc)
        rc = ristra__json_array(&sets, p, cats, "sets", 1);
    if (rc)
        return rc;
    if (json_array_size(nodes) != json_array_size(sets))
        return ristra__jpath_error(p, RISTRA_EFORMAT, "\"nodes\" has %zu elements but \"sets\" %zu",
                                   json_array_size(nodes), json_array_size(sets));
    int32_t k = 0;
    for (size_t s = 0; s < json_array_size(sets); s++) {
        int32_t node;
        size_t mark = ristra__jpath_key(p, "nodes");
        rc = int_at(&node, p, nodes, s, 0, t->n_nodes - 1);
        ristra__jpath_pop(p, mark);
        if (rc)
            return rc;
        mark = ristra__jpath_key(p, "sets");
        json_t *set = json_array_get(sets, s);
        size_t m2 = ristra__jpath_index(p, s);
        if (!json_is_array(set) || json_array_size(set) == 0)
            rc = ristra__jpath_error(p, RISTRA_EFORMAT, "expected a non-empty array of categories");
        else if (t->cat_count[node])
            rc = ristra__jpath_error(p, RISTRA_EFORMAT, "node %d already has categories", node);
        t->cat_begin[node] = k;
        for (size_t c = 0; !rc && c < json_array_size(set); c++)
            rc = int_at(&t->categories[k++], p, set, c, 0, MAX_CATEGORY);
        t->cat_count[node] = k - t->cat_begin[node];
        ristra__jpath_pop(p, m2);
        ristra__jpath_pop(p, mark);
        if (rc)
            return rc;
    }
    return RISTRA_OK;
}

static int32_t count_categories(json_t *cats)
{
    json_t *sets = json_object_get(cats, "sets");
    size_t total = 0;
    for (size_t s = 0; json_is_array(sets) && s < json_array_size(sets); s++)
        total += json_array_size(json_array_get(sets, s));
    return total > INT32_MAX ? INT32_MAX : (int32_t)total;
}

static int read_tree(ristra__tree *t, ristra__jpath *p, json_t *obj, int64_t n_features)
{
    if (!json_is_object(obj))
        return ristra__jpath_error(p, RISTRA_EFORMAT, "expected an object, got %s",
                                   ristra__json_type_name(obj));
    json_t *left, *cats, *cover;
    int rc = ristra__json_array(&left, p, obj, "left", 1);
    if (!rc)
        rc = ristra__json_object(&cats, p, obj, "categories", 0);
    if (!rc)
        rc = ristra__json_array(&cover, p, obj, "cover", 0);
    if (rc)
        return rc;
    size_t n = json_array_size(left);
    if (n < 1 || n > INT32_MAX / 2)
        return ristra__jpath_error(p, RISTRA_EFORMAT, "a tree needs 1 to %d nodes, this has %zu",
                                   INT32_MAX / 2, n);
    int32_t n_cats = cats ? count_categories(cats) : 0;
    rc = ristra__tree_alloc(t, (int32_t)n, cats ? (n_cats > 0 ? n_cats : 1) : 0, cover != NULL);
    if (rc)
        return rc;
    rc = read_int_array(t->left, p, obj, "left", n, -1, (int64_t)n - 1);
    if (!rc)
        rc = read_int_array(t->right, p, obj, "right", n, -1, (int64_t)n - 1);
    if (!rc)
        rc = read_int_array(t->feature, p, obj, "feature", n, -1, n_features - 1);
    if (!rc)
        rc = read_number_array(t->value, p, obj, "value", n, 1);
    if (!rc) {
        int32_t *dl = malloc(n * sizeof *dl);
        rc = dl ? read_int_array(dl, p, obj, "default_left", n, 0, 1) : ristra__oom();
        for (size_t i = 0; !rc && i < n; i++)
            t->default_left[i] = (uint8_t)dl[i];
        free(dl);
    }
    if (!rc && cover)
        rc = read_number_array(t->cover, p, obj, "cover", n, 0);
    if (!rc && cats) {
        size_t mark = ristra__jpath_key(p, "categories");
        rc = read_categories(t, p, cats);
        ristra__jpath_pop(p, mark);
    }
    return rc;
}

int ristra__gbdt_from_json(ristra__gbdt **out, ristra__jpath *p, json_t *obj, int64_t n_features)
{
    *out = NULL;
    const char *semantics;
    json_t *trees;
    double base = 0;
    int rc = ristra__json_string(&semantics, p, obj, "semantics", 1);
    if (!rc && strcmp(semantics, "xgboost") != 0) {
        size_t mark = ristra__jpath_key(p, "semantics");
        rc = ristra__jpath_error(p, RISTRA_EUNSUPPORTED,
                                 "unknown semantics \"%s\" (this library supports \"xgboost\")",
                                 semantics);
        ristra__jpath_pop(p, mark);
    }
    if (!rc)
        rc = ristra__json_float(&base, p, obj, "base_margin", 1);
    if (!rc)
        rc = ristra__json_array(&trees, p, obj, "trees", 1);
    if (rc)
        return rc;
    ristra__gbdt *g = ristra__gbdt_new((int64_t)json_array_size(trees));
    if (!g)
        return ristra__oom();
    g->base_margin = base;
    size_t mark = ristra__jpath_key(p, "trees");
    for (size_t i = 0; !rc && i < json_array_size(trees); i++) {
        size_t m2 = ristra__jpath_index(p, i);
        rc = read_tree(&g->trees[i], p, json_array_get(trees, i), n_features);
        ristra__jpath_pop(p, m2);
    }
    ristra__jpath_pop(p, mark);
    if (!rc)
        rc = ristra__gbdt_finish(g, n_features, p->source);
    if (rc) {
        ristra__gbdt_free(g);
        return rc;
    }
    *out = g;
    return RISTRA_OK;
}

static json_t *int_array(const int32_t *v, int32_t n, int *failed)
{
    json_t *a = json_array();
    for (int32_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_integer(v[i])))
            *failed = 1;
    if (!a)
        *failed = 1;
    return a;
}

static json_t *real_array(const double *v, int32_t n, int *failed)
{
    json_t *a = json_array();
    for (int32_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_real(v[i])))
            *failed = 1;
    if (!a)
        *failed = 1;
    return a;
}

static void put(json_t *obj, const char *key, json_t *value, int *failed)
{
    if (!value || json_object_set_new(obj, key, value) != 0)
        *failed = 1;
}

static json_t *tree_json(const ristra__tree *t, int *failed)
{
    json_t *o = json_object();
    if (!o) {
        *failed = 1;
        return NULL;
    }
    put(o, "left", int_array(t->left, t->n_nodes, failed), failed);
    put(o, "right", int_array(t->right, t->n_nodes, failed), failed);
    put(o, "feature", int_array(t->feature, t->n_nodes, failed), failed);
    put(o, "value", real_array(t->value, t->n_nodes, failed), failed);
    json_t *dl = json_array();
    for (int32_t i = 0; dl && i < t->n_nodes; i++)
        if (json_array_append_new(dl, json_integer(t->default_left[i])))
            *failed = 1;
    put(o, "default_left", dl, failed);
    int has_cats = 0;
    for (int32_t i = 0; t->cat_count && i < t->n_nodes; i++)
        has_cats |= t->cat_count[i] > 0;
    if (has_cats) {
        json_t *cats = json_object(), *nodes = json_array(), *sets = json_array();
        for (int32_t i = 0; nodes && sets && i < t->n_nodes; i++) {
            if (!t->cat_count[i])
                continue;
            if (json_array_append_new(nodes, json_integer(i)) ||
                json_array_append_new(sets, int_array(t->categories + t->cat_begin[i],
                                                      t->cat_count[i], failed)))
                *failed = 1;
        }
        if (cats) {
            put(cats, "nodes", nodes, failed);
            put(cats, "sets", sets, failed);
        } else {
            json_decref(nodes);
            json_decref(sets);
        }
        put(o, "categories", cats, failed);
    }
    if (t->cover)
        put(o, "cover", real_array(t->cover, t->n_nodes, failed), failed);
    return o;
}

json_t *ristra__gbdt_to_json(const ristra__gbdt *g)
{
    int failed = 0;
    json_t *o = json_object(), *trees = json_array();
    if (!o || !trees) {
        json_decref(o);
        json_decref(trees);
        return NULL;
    }
    put(o, "semantics", json_string("xgboost"), &failed);
    put(o, "base_margin", json_real(g->base_margin), &failed);
    for (int64_t i = 0; i < g->n_trees; i++)
        if (json_array_append_new(trees, tree_json(&g->trees[i], &failed)))
            failed = 1;
    put(o, "trees", trees, &failed);
    if (failed) {
        json_decref(o);
        return NULL;
    }
    return o;
}
