/* Importing XGBoost models (JSON and UBJSON, XGBoost 1.0 to 3.x).
 *
 * The rules reproduced here are XGBoost's own (src/learner.cc,
 * src/gbm/gbtree_model.cc, src/tree/tree_model.cc, src/predictor/
 * predict_fn.h, src/common/categorical.h at v1.7 and v3.1):
 *   - scalar parameters are JSON strings ("num_feature": "127"); base_score
 *     is "5E-1", or "[5E-1]" from 3.1 on. Every JSON-era version (1.0 on)
 *     saves it in probability space for the logistic objectives, whether
 *     the user set it or (2.0 on, boost_from_average) training estimated
 *     it, and a loaded model never re-estimates it: the margin starts at
 *     ProbToMargin(base_score) = -logf(1/bs - 1) in float, or at
 *     base_score itself for binary:logitraw;
 *   - trees are summed in the order of their "id", not of the array;
 *   - a node is a leaf when its left child is -1, and its split_conditions
 *     entry is then the leaf value; the predictor takes the right child
 *     to be left + 1 (it never reads right_children for a numeric split),
 *     so a tree stored otherwise would not score as its structure says;
 *   - pruned nodes stay in the arrays but cannot be reached from the root:
 *     each tree is renumbered breadth-first from the root, dropping them;
 *   - split_type 1 marks a categorical split whose listed categories go
 *     right (its threshold is NaN); split_type and categories left on a
 *     node that pruning turned into a leaf mean nothing;
 *   - default_left is 0/1 since 1.6 and a boolean before. */
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/xgboost.h"
#include "../common/error_internal.h"
#include "../common/struct_version_internal.h"
#include "../io/json_nonstd_internal.h"
#include "../io/json_read_internal.h"
#include "../io/stream_internal.h"
#include "../io/ubjson_internal.h"
#include "gbdt_internal.h"
#include "model_internal.h"

enum { NEWEST_MAJOR = 3, DEFAULT_HORIZON_DAYS = 365, MAX_CATEGORY = 16777216 - 1 };
enum { FMT_JSON = 1, FMT_UBJSON = 2 };

typedef struct xgb {
    ristra__jpath p;
    const char *base_name;          /* the file's name without directories */
    ristra_xgboost_options o;
    int encoding, gzip;
    int64_t version[3];
    int64_t num_feature;
    const char *objective, *booster;
    const char *base_score_text;
    float base_margin;
    json_t *learner;
    const char **file_names, **types;  /* borrowed from the document; NULL if absent */
    int64_t n_file_names, n_types;
    const char *const *names;          /* the file's or the caller's */
    int64_t best_iteration;            /* -1 when the file has none */
    int64_t n_trees_file, n_trees_used;
} xgb;

/* ------------------------------------------------------------ small readers */

/* Runs an error through the path extended by key (and index, if >= 0). */
static int error_at(xgb *x, const char *key, int64_t index, int code, const char *fmt, ...)
    RISTRA__PRINTF(5, 6);

static int error_at(xgb *x, const char *key, int64_t index, int code, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    size_t mark = key ? ristra__jpath_key(&x->p, key) : x->p.len;
    if (index >= 0)
        ristra__jpath_index(&x->p, (size_t)index);
    int rc = ristra__jpath_error(&x->p, code, "%s", what);
    ristra__jpath_pop(&x->p, mark);
    return rc;
}

/* A strict decimal integer: optional '-', digits, nothing else. */
static int parse_int_text(int64_t *out, const char *s)
{
    const char *q = s + (*s == '-');
    if (*q < '0' || *q > '9')
        return 0;
    int64_t v = 0;
    for (; *q; q++) {
        if (*q < '0' || *q > '9' || v > (INT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (*q - '0');
    }
    *out = *s == '-' ? -v : v;
    return 1;
}

/* A parameter XGBoost stores as a string holding an integer in [lo, hi];
 * *out keeps its value when the member is absent and not required. */
static int string_int(int64_t *out, xgb *x, json_t *obj, const char *key, int required,
                      int64_t lo, int64_t hi)
{
    const char *text = NULL;
    int rc = ristra__json_string(&text, &x->p, obj, key, required);
    if (rc || !text)
        return rc;
    int64_t v;
    if (!parse_int_text(&v, text))
        return error_at(x, key, -1, RISTRA_EFORMAT, "\"%s\" is not an integer", text);
    if (v < lo || v > hi)
        return error_at(x, key, -1, RISTRA_EFORMAT, "%lld is outside [%lld, %lld]",
                        (long long)v, (long long)lo, (long long)hi);
    *out = v;
    return RISTRA_OK;
}

/* base_score: a JSON-syntax number, bracketed as a one-element array from
 * XGBoost 3.1 on ("[5E-1]"), read as float like XGBoost's from_chars. */
static int parse_base_score(float *out, const char *text)
{
    const char *s = text;
    while (*s == ' ' || *s == '\t')
        s++;
    int bracket = *s == '[';
    s += bracket;
    while (*s == ' ' || *s == '\t')
        s++;
    const char *num = s;
    s += *s == '-';
    if (!(*s >= '0' && *s <= '9'))
        return 0;
    while (*s >= '0' && *s <= '9')
        s++;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        s += *s == '+' || *s == '-';
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    char buf[64];
    if ((size_t)(s - num) >= sizeof buf)
        return 0;
    memcpy(buf, num, (size_t)(s - num));
    buf[s - num] = '\0';
    while (*s == ' ' || *s == '\t')
        s++;
    if (bracket) {
        if (*s != ']')
            return 0;
        s++;
        while (*s == ' ' || *s == '\t')
            s++;
    }
    if (*s)
        return 0;
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!c)
        return 0;
    locale_t previous = uselocale(c);
    *out = strtof(buf, NULL);
    uselocale(previous);
    freelocale(c);
    return 1;
}

/* Element i of a node array: an integer in [lo, hi]. */
static int int_elem(int64_t *out, xgb *x, json_t *a, const char *key, size_t i, int64_t lo,
                    int64_t hi)
{
    json_t *v = json_array_get(a, i);
    if (!json_is_integer(v))
        return error_at(x, key, (int64_t)i, RISTRA_EFORMAT, "expected an integer, got %s",
                        ristra__json_type_name(v));
    int64_t k = (int64_t)json_integer_value(v);
    if (k < lo || k > hi)
        return error_at(x, key, (int64_t)i, RISTRA_EFORMAT, "%lld is outside [%lld, %lld]",
                        (long long)k, (long long)lo, (long long)hi);
    *out = k;
    return RISTRA_OK;
}

/* Element i as the float32 XGBoost holds (NaN and infinities allowed). */
static int float_elem(float *out, xgb *x, json_t *a, const char *key, size_t i)
{
    json_t *v = json_array_get(a, i);
    double d;
    if (json_is_number(v))
        d = json_number_value(v);
    else if (!ristra__json_nonfinite_value(v, &d))
        return error_at(x, key, (int64_t)i, RISTRA_EFORMAT, "expected a number, got %s",
                        ristra__json_type_name(v));
    *out = (float)d;
    return RISTRA_OK;
}

/* A 0/1 flag: an integer since XGBoost 1.6, a boolean before. */
static int flag_elem(uint8_t *out, xgb *x, json_t *a, const char *key, size_t i)
{
    json_t *v = json_array_get(a, i);
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return RISTRA_OK;
    }
    int64_t k = 0;
    int rc = int_elem(&k, x, a, key, i, 0, 1);
    *out = (uint8_t)k;
    return rc;
}

/* An array member of exactly n elements (one per node). */
static int node_array(json_t **out, xgb *x, json_t *tree, const char *key, size_t n, int required)
{
    int rc = ristra__json_array(out, &x->p, tree, key, required);
    if (!rc && *out && json_array_size(*out) != n)
        rc = error_at(x, key, -1, RISTRA_EFORMAT,
                      "has %zu elements, expected %zu (tree_param.num_nodes)",
                      json_array_size(*out), n);
    return rc;
}

static int read_ints(int32_t *dst, xgb *x, json_t *a, const char *key, size_t n, int64_t lo,
                     int64_t hi)
{
    for (size_t i = 0; i < n; i++) {
        int64_t v = 0;
        int rc = int_elem(&v, x, a, key, i, lo, hi);
        if (rc)
            return rc;
        dst[i] = (int32_t)v;
    }
    return RISTRA_OK;
}

/* ------------------------------------------------------------ one tree */

typedef struct tree_src {
    size_t n;
    json_t *split_indices, *split_conditions, *default_left, *split_type, *sum_hessian;
    json_t *cat_nodes, *cat_segments, *cat_sizes, *categories;
    int32_t *left, *right;
    int32_t *order;        /* reachable nodes, breadth-first from the root */
    int32_t *index;        /* node -> position in order, or -1 */
    int32_t *cat_entry;    /* node -> entry of categories_nodes, or -1 */
    uint8_t *is_cat;       /* node -> split_type == 1 */
    int32_t n_reached;
} tree_src;

static void tree_src_free(tree_src *s)
{
    free(s->left);
    free(s->right);
    free(s->order);
    free(s->index);
    free(s->cat_entry);
    free(s->is_cat);
}

/* Breadth-first walk from the root; every node reached once, right
 * children where XGBoost's predictor looks for them. */
static int walk(tree_src *s, xgb *x)
{
    s->order[0] = 0;
    s->index[0] = 0;
    s->n_reached = 1;
    for (int32_t k = 0; k < s->n_reached; k++) {
        int32_t node = s->order[k], l = s->left[node], r = s->right[node];
        if (l == -1) {
            if (r != -1)
                return error_at(x, "right_children", node, RISTRA_EFORMAT,
                                "node %d has no left child (a leaf) but right child %d", node, r);
            continue;
        }
        if (r != l + 1)
            return error_at(x, "right_children", node, RISTRA_EUNSUPPORTED,
                            "node %d has children %d and %d: XGBoost's predictor takes the "
                            "right child to be left + 1, so it would not score this tree as "
                            "stored",
                            node, l, r);
        for (int c = 0; c < 2; c++) {
            int32_t child = c ? r : l;
            if (s->index[child] != -1)
                return error_at(x, c ? "right_children" : "left_children", node,
                                RISTRA_EFORMAT,
                                "node %d is reached twice from the root (a cycle or a shared "
                                "child): not a tree",
                                child);
            s->index[child] = s->n_reached;
            s->order[s->n_reached++] = child;
        }
    }
    return RISTRA_OK;
}

/* categories_nodes/segments/sizes/categories: each listed node's slice of
 * categories, checked as XGBoost's loader assumes them to be. */
static int read_category_index(tree_src *s, xgb *x, json_t *tree)
{
    int rc = ristra__json_array(&s->cat_nodes, &x->p, tree, "categories_nodes", 1);
    if (!rc)
        rc = ristra__json_array(&s->cat_segments, &x->p, tree, "categories_segments", 1);
    if (!rc)
        rc = ristra__json_array(&s->cat_sizes, &x->p, tree, "categories_sizes", 1);
    if (!rc)
        rc = ristra__json_array(&s->categories, &x->p, tree, "categories", 1);
    if (rc)
        return rc;
    size_t k = json_array_size(s->cat_nodes);
    if (json_array_size(s->cat_segments) != k || json_array_size(s->cat_sizes) != k)
        return error_at(x, NULL, -1, RISTRA_EFORMAT,
                        "categories_nodes, categories_segments and categories_sizes have %zu, "
                        "%zu and %zu elements (they must agree)",
                        k, json_array_size(s->cat_segments), json_array_size(s->cat_sizes));
    const int64_t n_cats = (int64_t)json_array_size(s->categories);
    int64_t previous = -1, total = 0;
    for (size_t e = 0; e < k; e++) {
        int64_t node, begin, size;
        rc = int_elem(&node, x, s->cat_nodes, "categories_nodes", e, 0, (int64_t)s->n - 1);
        if (!rc && node <= previous)
            rc = error_at(x, "categories_nodes", (int64_t)e, RISTRA_EFORMAT,
                          "node %lld is not after node %lld (XGBoost reads them in ascending "
                          "order)",
                          (long long)node, (long long)previous);
        if (!rc)
            rc = int_elem(&begin, x, s->cat_segments, "categories_segments", e, 0, n_cats);
        if (!rc)
            rc = int_elem(&size, x, s->cat_sizes, "categories_sizes", e, 1, n_cats - begin);
        /* XGBoost's slices tile the list; overlapping ones could make the
         * tree far larger than the file */
        if (!rc && (total += size) > n_cats)
            rc = error_at(x, "categories_sizes", (int64_t)e, RISTRA_EFORMAT,
                          "the slices add up to more than the %lld categories listed",
                          (long long)n_cats);
        if (rc)
            return rc;
        s->cat_entry[node] = (int32_t)e;
        previous = node;
    }
    return RISTRA_OK;
}

/* Loads the arrays every node needs and walks the tree. */
static int read_structure(tree_src *s, xgb *x, json_t *tree)
{
    json_t *param, *left, *right;
    int64_t n = 0;
    int rc = ristra__json_object(&param, &x->p, tree, "tree_param", 1);
    if (!rc) {
        size_t mark = ristra__jpath_key(&x->p, "tree_param");
        rc = string_int(&n, x, param, "num_nodes", 1, 1, INT32_MAX / 2);
        int64_t leaf_vector = 0;
        if (!rc)
            rc = string_int(&leaf_vector, x, param, "size_leaf_vector", 0, 0, INT32_MAX);
        if (!rc && leaf_vector > 1)
            rc = error_at(x, "size_leaf_vector", -1, RISTRA_EUNSUPPORTED,
                          "%lld: multi-target trees (vector leaves) are not supported",
                          (long long)leaf_vector);
        ristra__jpath_pop(&x->p, mark);
    }
    if (rc)
        return rc;
    s->n = (size_t)n;
    rc = node_array(&left, x, tree, "left_children", s->n, 1);
    if (!rc)
        rc = node_array(&right, x, tree, "right_children", s->n, 1);
    if (!rc)
        rc = node_array(&s->split_indices, x, tree, "split_indices", s->n, 1);
    if (!rc)
        rc = node_array(&s->split_conditions, x, tree, "split_conditions", s->n, 1);
    if (!rc)
        rc = node_array(&s->default_left, x, tree, "default_left", s->n, 1);
    if (!rc)
        rc = node_array(&s->split_type, x, tree, "split_type", s->n, 0);
    if (!rc)
        rc = node_array(&s->sum_hessian, x, tree, "sum_hessian", s->n, 0);
    if (rc)
        return rc;
    s->left = malloc(s->n * sizeof *s->left);
    s->right = malloc(s->n * sizeof *s->right);
    s->order = malloc(s->n * sizeof *s->order);
    s->index = malloc(s->n * sizeof *s->index);
    s->cat_entry = malloc(s->n * sizeof *s->cat_entry);
    s->is_cat = calloc(s->n, 1);
    if (!s->left || !s->right || !s->order || !s->index || !s->cat_entry || !s->is_cat)
        return ristra__oom();
    for (size_t i = 0; i < s->n; i++)
        s->index[i] = s->cat_entry[i] = -1;
    rc = read_ints(s->left, x, left, "left_children", s->n, -1, n - 1);
    if (!rc)
        rc = read_ints(s->right, x, right, "right_children", s->n, -1, n - 1);
    if (!rc)
        rc = walk(s, x);
    int any_cat = 0;
    for (size_t i = 0; !rc && s->split_type && i < s->n; i++) {
        int64_t t;
        rc = int_elem(&t, x, s->split_type, "split_type", i, 0, 1);
        s->is_cat[i] = (uint8_t)t;
        any_cat |= t == 1 && s->index[i] >= 0 && s->left[i] != -1;
    }
    if (!rc && any_cat)
        rc = read_category_index(s, x, tree);
    return rc;
}

static int compare_int32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* The sorted, distinct categories of a listed categorical node into dst;
 * returns how many, or a negative error. */
static int64_t node_categories(int32_t *dst, tree_src *s, xgb *x, int32_t node)
{
    int32_t e = s->cat_entry[node];
    int64_t begin = (int64_t)json_integer_value(json_array_get(s->cat_segments, (size_t)e));
    int64_t size = (int64_t)json_integer_value(json_array_get(s->cat_sizes, (size_t)e));
    for (int64_t k = 0; k < size; k++) {
        int64_t c;
        int rc = int_elem(&c, x, s->categories, "categories", (size_t)(begin + k), 0, MAX_CATEGORY);
        if (rc)
            return rc;
        dst[k] = (int32_t)c;
    }
    qsort(dst, (size_t)size, sizeof *dst, compare_int32);
    int64_t m = 0;
    for (int64_t k = 0; k < size; k++)
        if (m == 0 || dst[k] != dst[m - 1])
            dst[m++] = dst[k];
    return m;
}

/* Fills node k of t from node `node` of the source. */
static int fill_node(ristra__tree *t, int32_t k, tree_src *s, xgb *x, int32_t node,
                     int32_t *n_cats)
{
    float v;
    int rc = float_elem(&v, x, s->split_conditions, "split_conditions", (size_t)node);
    if (!rc && s->sum_hessian) {
        float h = 0;
        rc = float_elem(&h, x, s->sum_hessian, "sum_hessian", (size_t)node);
        if (!rc && !isfinite(h))
            rc = error_at(x, "sum_hessian", node, RISTRA_EFORMAT, "cover is not finite");
        t->cover[k] = h;
    }
    if (rc)
        return rc;
    if (s->left[node] == -1) {
        if (!isfinite(v))
            return error_at(x, "split_conditions", node, RISTRA_EFORMAT,
                            "leaf value of node %d is %s", node, isnan(v) ? "NaN" : "infinite");
        t->value[k] = v;
        return RISTRA_OK;
    }
    int64_t f;
    rc = int_elem(&f, x, s->split_indices, "split_indices", (size_t)node, 0, x->num_feature - 1);
    if (!rc)
        rc = flag_elem(&t->default_left[k], x, s->default_left, "default_left", (size_t)node);
    if (rc)
        return rc;
    t->feature[k] = (int32_t)f;
    t->left[k] = s->index[s->left[node]];
    t->right[k] = s->index[s->right[node]];
    if (s->is_cat[node]) {
        if (s->cat_entry[node] < 0)
            return error_at(x, "split_type", node, RISTRA_EFORMAT,
                            "node %d is a categorical split but categories_nodes does not list "
                            "it",
                            node);
        int64_t m = node_categories(t->categories + *n_cats, s, x, node);
        if (m < 0)
            return (int)m;
        t->cat_begin[k] = *n_cats;
        t->cat_count[k] = (int32_t)m;
        *n_cats += (int32_t)m;
        return RISTRA_OK;
    }
    if (!isfinite(v))
        return error_at(x, "split_conditions", node, RISTRA_EFORMAT,
                        "threshold of numeric split node %d is %s", node,
                        isnan(v) ? "NaN" : "infinite");
    t->value[k] = v;
    return RISTRA_OK;
}

static int import_tree(ristra__tree *t, xgb *x, json_t *tree)
{
    if (!json_is_object(tree))
        return ristra__jpath_error(&x->p, RISTRA_EFORMAT, "expected an object, got %s",
                                   ristra__json_type_name(tree));
    tree_src s = { 0 };
    int rc = read_structure(&s, x, tree);
    int64_t room = 0; /* categories of the reachable categorical splits: at
                       * most as many as the file lists */
    for (int32_t k = 0; !rc && k < s.n_reached; k++) {
        int32_t node = s.order[k], e = s.cat_entry[node];
        if (s.is_cat[node] && s.left[node] != -1 && e >= 0)
            room += (int64_t)json_integer_value(json_array_get(s.cat_sizes, (size_t)e));
    }
    if (!rc)
        rc = ristra__tree_alloc(t, s.n_reached, (int32_t)room, s.sum_hessian != NULL);
    int32_t n_cats = 0;
    for (int32_t k = 0; !rc && k < s.n_reached; k++)
        rc = fill_node(t, k, &s, x, s.order[k], &n_cats);
    tree_src_free(&s);
    return rc;
}

/* ------------------------------------------------------------ the booster */

/* Trees are summed in the order of their "id" (XGBoost places each tree
 * at trees[id]); position[id] = index in the array. */
static int tree_order(int64_t *position, xgb *x, json_t *trees, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        position[i] = -1;
    for (int64_t i = 0; i < n; i++) {
        json_t *tree = json_array_get(trees, (size_t)i), *id = json_object_get(tree, "id");
        int64_t k = i;
        if (id && !(json_is_integer(id) && (k = (int64_t)json_integer_value(id)) >= 0 && k < n))
            return error_at(x, "trees", i, RISTRA_EFORMAT,
                            "\"id\" must be an integer in [0, %lld) (one per tree)",
                            (long long)n);
        if (position[k] >= 0)
            return error_at(x, "trees", i, RISTRA_EFORMAT, "id %lld is also tree %lld's",
                            (long long)k, (long long)position[k]);
        position[k] = i;
    }
    return RISTRA_OK;
}

/* tree_info (each tree's output group) and, from 2.0, iteration_indptr. */
static int check_groups(xgb *x, json_t *model, int64_t n)
{
    json_t *info, *indptr;
    int rc = ristra__json_array(&info, &x->p, model, "tree_info", 1);
    if (!rc && (int64_t)json_array_size(info) != n)
        rc = error_at(x, "tree_info", -1, RISTRA_EFORMAT, "has %zu elements for %lld trees",
                      json_array_size(info), (long long)n);
    for (int64_t i = 0; !rc && i < n; i++) {
        int64_t group;
        rc = int_elem(&group, x, info, "tree_info", (size_t)i, 0, INT32_MAX);
        if (!rc && group != 0)
            rc = error_at(x, "tree_info", i, RISTRA_EUNSUPPORTED,
                          "tree %lld belongs to output group %lld: multi-class and multi-target "
                          "models are not supported",
                          (long long)i, (long long)group);
    }
    if (!rc)
        rc = ristra__json_array(&indptr, &x->p, model, "iteration_indptr", 0);
    if (rc || !indptr)
        return rc;
    size_t m = json_array_size(indptr);
    int64_t previous = 0;
    for (size_t i = 0; !rc && i < m; i++) {
        int64_t v;
        rc = int_elem(&v, x, indptr, "iteration_indptr", i, i == 0 ? 0 : previous, i == 0 ? 0 : n);
        previous = v;
    }
    if (!rc && (m == 0 || previous != n))
        rc = error_at(x, "iteration_indptr", -1, RISTRA_EFORMAT,
                      "must run from 0 to the number of trees (%lld)", (long long)n);
    return rc;
}

/* learner.attributes.best_iteration (a decimal string), -1 when absent. */
static int read_best_iteration(xgb *x)
{
    x->best_iteration = -1;
    json_t *attrs = json_object_get(x->learner, "attributes");
    json_t *best = json_object_get(attrs, "best_iteration");
    if (!best)
        return RISTRA_OK;
    const char *text = json_string_value(best);
    char *end = NULL;
    long long v = text ? strtoll(text, &end, 10) : -1;
    if (!text || end == text || *end != '\0' || v < 0 || v >= INT32_MAX) {
        size_t mark = ristra__jpath_key(&x->p, "learner");
        int rc = error_at(x, "attributes", -1, RISTRA_EFORMAT,
                          "best_iteration must be a non-negative integer in a string");
        ristra__jpath_pop(&x->p, mark);
        return rc;
    }
    x->best_iteration = v;
    return RISTRA_OK;
}

/* How many trees (in id order) XGBClassifier.predict_proba() uses: those
 * of iterations 0 .. best_iteration when the model stopped early
 * (XGBModel._get_iteration_range), every tree otherwise or when the
 * caller asks for all of them. An iteration is iteration_indptr's slice
 * (2.x) or num_parallel_tree trees (1.x; one output group). */
static int trees_to_use(int64_t *n_use, xgb *x, json_t *model, int64_t num_trees,
                        int64_t parallel)
{
    *n_use = num_trees;
    if (x->best_iteration < 0 || x->o.all_trees)
        return RISTRA_OK;
    json_t *indptr = json_object_get(model, "iteration_indptr");
    int64_t iterations = indptr ? (int64_t)json_array_size(indptr) - 1 : num_trees / parallel;
    if (x->best_iteration >= iterations)
        return error_at(x, "gbtree_model_param", -1, RISTRA_EFORMAT,
                        "best_iteration %lld but the model has %lld iterations",
                        (long long)x->best_iteration, (long long)iterations);
    int64_t end = (x->best_iteration + 1) * parallel;
    if (indptr)
        end = (int64_t)json_integer_value(json_array_get(indptr, (size_t)x->best_iteration + 1));
    *n_use = end;
    return RISTRA_OK;
}

static int import_gbtree(ristra__gbdt **out, xgb *x, json_t *booster)
{
    json_t *model, *param, *trees;
    int64_t num_trees = 0, parallel = 1, leaf_vector = 0;
    int rc = ristra__json_object(&model, &x->p, booster, "model", 1);
    if (rc)
        return rc;
    size_t mark = ristra__jpath_key(&x->p, "model");
    rc = ristra__json_object(&param, &x->p, model, "gbtree_model_param", 1);
    if (!rc) {
        size_t m2 = ristra__jpath_key(&x->p, "gbtree_model_param");
        rc = string_int(&num_trees, x, param, "num_trees", 1, 0, INT32_MAX);
        if (!rc)
            rc = string_int(&parallel, x, param, "num_parallel_tree", 0, 1, INT32_MAX);
        if (!rc)
            rc = string_int(&leaf_vector, x, param, "size_leaf_vector", 0, 0, INT32_MAX);
        if (!rc && leaf_vector > 1)
            rc = error_at(x, "size_leaf_vector", -1, RISTRA_EUNSUPPORTED,
                          "%lld: multi-target trees (vector leaves) are not supported",
                          (long long)leaf_vector);
        ristra__jpath_pop(&x->p, m2);
    }
    if (!rc)
        rc = ristra__json_array(&trees, &x->p, model, "trees", 1);
    if (!rc && (int64_t)json_array_size(trees) != num_trees)
        rc = error_at(x, "trees", -1, RISTRA_EFORMAT,
                      "has %zu trees but gbtree_model_param.num_trees is %lld",
                      json_array_size(trees), (long long)num_trees);
    if (!rc)
        rc = check_groups(x, model, num_trees);
    int64_t n_use = num_trees;
    if (!rc)
        rc = trees_to_use(&n_use, x, model, num_trees, parallel);
    x->n_trees_file = num_trees;
    x->n_trees_used = n_use;
    ristra__gbdt *g = NULL;
    int64_t *position = NULL;
    if (!rc) {
        g = ristra__gbdt_new(n_use);
        position = malloc((size_t)(num_trees ? num_trees : 1) * sizeof *position);
        rc = g && position ? tree_order(position, x, trees, num_trees) : ristra__oom();
    }
    size_t m3 = ristra__jpath_key(&x->p, "trees");
    for (int64_t k = 0; !rc && k < n_use; k++) {
        size_t m4 = ristra__jpath_index(&x->p, (size_t)position[k]);
        rc = import_tree(&g->trees[k], x, json_array_get(trees, (size_t)position[k]));
        ristra__jpath_pop(&x->p, m4);
    }
    ristra__jpath_pop(&x->p, m3);
    ristra__jpath_pop(&x->p, mark);
    free(position);
    if (!rc) {
        g->base_margin = x->base_margin;
        rc = ristra__gbdt_finish(g, x->num_feature, x->p.source);
    }
    if (rc) {
        ristra__gbdt_free(g);
        return rc;
    }
    *out = g;
    return RISTRA_OK;
}

/* gblinear: weight[j] for feature j, then the bias (one output group). */
static int import_gblinear(ristra_model *m, xgb *x, json_t *booster)
{
    json_t *model, *weights;
    int rc = ristra__json_object(&model, &x->p, booster, "model", 1);
    if (rc)
        return rc;
    size_t mark = ristra__jpath_key(&x->p, "model");
    rc = ristra__json_array(&weights, &x->p, model, "weights", 1);
    const size_t n = (size_t)x->num_feature + 1;
    if (!rc && json_array_size(weights) != n)
        rc = error_at(x, "weights", -1, RISTRA_EFORMAT,
                      "has %zu weights, expected %zu (num_feature + 1 for the bias)",
                      json_array_size(weights), n);
    if (!rc && !(m->coef = calloc(n, sizeof *m->coef)))
        rc = ristra__oom();
    float bias = 0;
    for (size_t j = 0; !rc && j < n; j++) {
        float w = 0;
        rc = float_elem(&w, x, weights, "weights", j);
        if (!rc && !isfinite(w))
            rc = error_at(x, "weights", (int64_t)j, RISTRA_EFORMAT, "weight is not finite");
        if (j + 1 < n)
            m->coef[j] = w;
        else
            bias = w;
    }
    ristra__jpath_pop(&x->p, mark);
    /* XGBoost starts each row's float sum at bias + base margin. */
    m->intercept = (double)(bias + x->base_margin);
    return rc;
}

/* ------------------------------------------------------------ the learner */

static int read_version(xgb *x, json_t *doc)
{
    json_t *v;
    int rc = ristra__json_array(&v, &x->p, doc, "version", 1);
    if (!rc && json_array_size(v) != 3)
        rc = error_at(x, "version", -1, RISTRA_EFORMAT,
                      "expected [major, minor, patch], got %zu elements", json_array_size(v));
    for (size_t i = 0; !rc && i < 3; i++)
        rc = int_elem(&x->version[i], x, v, "version", i, 0, INT32_MAX);
    if (rc)
        return rc;
    if (x->version[0] < 1 || x->version[0] > NEWEST_MAJOR)
        return error_at(x, "version", -1, RISTRA_EVERSION,
                        "written by XGBoost %lld.%lld.%lld; this library reads models from "
                        "XGBoost 1.0 to %d.x%s",
                        (long long)x->version[0], (long long)x->version[1],
                        (long long)x->version[2], NEWEST_MAJOR,
                        x->version[0] > NEWEST_MAJOR ? " (upgrade ristra)" : "");
    return RISTRA_OK;
}

static int check_objective(xgb *x, json_t *learner)
{
    json_t *obj;
    int rc = ristra__json_object(&obj, &x->p, learner, "objective", 1);
    if (!rc) {
        size_t mark = ristra__jpath_key(&x->p, "objective");
        rc = ristra__json_string(&x->objective, &x->p, obj, "name", 1);
        ristra__jpath_pop(&x->p, mark);
    }
    if (rc)
        return rc;
    const char *o = x->objective;
    if (!strcmp(o, "binary:logistic") || !strcmp(o, "reg:logistic") ||
        !strcmp(o, "binary:logitraw"))
        return RISTRA_OK;
    const char *kind = !strncmp(o, "multi:", 6)  ? "multi-class "
                       : !strncmp(o, "rank:", 5) ? "ranking "
                       : !strncmp(o, "reg:", 4)  ? "regression "
                                                 : "";
    return error_at(x, "objective", -1, RISTRA_EUNSUPPORTED,
                    "%sobjective \"%s\" is not supported: ristra imports binary:logistic, "
                    "reg:logistic and binary:logitraw models",
                    kind, o);
}

/* learner_model_param: sizes, and base_score turned into the margin. */
static int read_model_param(xgb *x, json_t *learner)
{
    json_t *param;
    int rc = ristra__json_object(&param, &x->p, learner, "learner_model_param", 1);
    if (rc)
        return rc;
    size_t mark = ristra__jpath_key(&x->p, "learner_model_param");
    int64_t num_class = 0, num_target = 1;
    rc = string_int(&x->num_feature, x, param, "num_feature", 1, 0, INT32_MAX);
    if (!rc && x->num_feature == 0)
        rc = error_at(x, "num_feature", -1, RISTRA_EFORMAT, "the model has no features");
    if (!rc)
        rc = string_int(&num_class, x, param, "num_class", 1, 0, INT32_MAX);
    if (!rc && num_class > 1)
        rc = error_at(x, "num_class", -1, RISTRA_EUNSUPPORTED,
                      "%lld classes: multi-class models are not supported", (long long)num_class);
    if (!rc)
        rc = string_int(&num_target, x, param, "num_target", 0, 1, INT32_MAX);
    if (!rc && num_target > 1)
        rc = error_at(x, "num_target", -1, RISTRA_EUNSUPPORTED,
                      "%lld targets: multi-target models are not supported",
                      (long long)num_target);
    if (!rc)
        rc = ristra__json_string(&x->base_score_text, &x->p, param, "base_score", 1);
    ristra__jpath_pop(&x->p, mark);
    return rc;
}

static int base_margin(xgb *x)
{
    float bs;
    size_t mark = ristra__jpath_key(&x->p, "learner_model_param");
    int rc = RISTRA_OK;
    if (!parse_base_score(&bs, x->base_score_text))
        rc = error_at(x, "base_score", -1, RISTRA_EFORMAT,
                      "\"%s\" is not a number (nor a one-element [number])", x->base_score_text);
    else if (!strcmp(x->objective, "binary:logitraw"))
        x->base_margin = bs;
    else if (!(bs > 0.0f && bs < 1.0f))
        rc = error_at(x, "base_score", -1, RISTRA_EFORMAT,
                      "%s must lie strictly between 0 and 1 for objective %s",
                      x->base_score_text, x->objective);
    else /* LogisticRegression::ProbToMargin, operation for operation */
        x->base_margin = -logf(1.0f / bs - 1.0f);
    ristra__jpath_pop(&x->p, mark);
    return rc;
}

/* ------------------------------------------------------------ features and metadata */

static int string_list(const char ***out, int64_t *n, xgb *x, const char *key)
{
    json_t *a;
    *out = NULL;
    *n = 0;
    int rc = ristra__json_array(&a, &x->p, x->learner, key, 0);
    if (rc || !a || json_array_size(a) == 0)
        return rc;
    if ((int64_t)json_array_size(a) != x->num_feature)
        return error_at(x, key, -1, RISTRA_EFORMAT, "has %zu names for %lld features",
                        json_array_size(a), (long long)x->num_feature);
    *out = malloc(json_array_size(a) * sizeof **out);
    if (!*out)
        return ristra__oom();
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *s = json_array_get(a, i);
        if (!json_is_string(s)) {
            free(*out);
            *out = NULL;
            return error_at(x, key, (int64_t)i, RISTRA_EFORMAT, "expected a string, got %s",
                            ristra__json_type_name(s));
        }
        (*out)[i] = json_string_value(s);
    }
    *n = (int64_t)json_array_size(a);
    return RISTRA_OK;
}

/* The names to use: the file's, the caller's, and they must agree. */
static int choose_names(const char *const **names, xgb *x, const char **from_file, int64_t n_file)
{
    const ristra_xgboost_options *o = &x->o;
    if (n_file && o->n_feature_names) {
        if (o->n_feature_names != n_file)
            return ristra__error(RISTRA_EINVAL,
                                 "%s: %lld feature names were given but the model names %lld "
                                 "features",
                                 x->p.source, (long long)o->n_feature_names, (long long)n_file);
        for (int64_t j = 0; j < n_file; j++)
            if (!o->feature_names[j] || strcmp(o->feature_names[j], from_file[j]) != 0)
                return ristra__error(RISTRA_EINVAL,
                                     "%s: feature %lld is \"%s\" in the model but \"%s\" in the "
                                     "names given",
                                     x->p.source, (long long)j, from_file[j],
                                     o->feature_names[j] ? o->feature_names[j] : "(null)");
    }
    if (n_file) {
        *names = from_file;
        return RISTRA_OK;
    }
    if (!o->n_feature_names)
        return ristra__error(RISTRA_EINVAL,
                             "%s: the model does not name its %lld features: supply their "
                             "names (feature_names)",
                             x->p.source, (long long)x->num_feature);
    if (o->n_feature_names != x->num_feature)
        return ristra__error(RISTRA_EINVAL,
                             "%s: %lld feature names were given but the model has %lld "
                             "features",
                             x->p.source, (long long)o->n_feature_names,
                             (long long)x->num_feature);
    *names = o->feature_names;
    return RISTRA_OK;
}

typedef struct named {
    const char *name;
    int64_t index;
} named;

static int compare_named(const void *a, const void *b)
{
    const named *p = a, *q = b;
    int c = strcmp(p->name, q->name);
    return c ? c : (p->index > q->index) - (p->index < q->index);
}

/* The first feature (in feature order) whose name an earlier one has, or
 * -1; *earlier is set to that earlier feature. Sorting keeps this
 * O(n log n) however many features a file lists. */
static int64_t first_duplicate(const char *const *names, int64_t n, int64_t *earlier)
{
    named *v = malloc((size_t)n * sizeof *v);
    if (!v)
        return -2;
    for (int64_t j = 0; j < n; j++)
        v[j] = (named){ names[j], j };
    qsort(v, (size_t)n, sizeof *v, compare_named);
    int64_t found = -1, run = 0; /* v[run]: the earliest feature of this name */
    for (int64_t k = 1; k < n; k++) {
        if (strcmp(v[k].name, v[run].name) != 0) {
            run = k;
            continue;
        }
        if (found < 0 || v[k].index < found) {
            found = v[k].index;
            *earlier = v[run].index;
        }
    }
    free(v);
    return found;
}

/* Text a JSON model file can hold (UTF-8); NULL counts as valid. */
static int valid_text(const char *s)
{
    json_t *t = s ? json_string(s) : NULL;
    json_decref(t);
    return !s || t != NULL;
}

/* Where feature j's name came from, for messages. */
static void name_origin(char *buf, size_t size, const xgb *x, int64_t j)
{
    if (x->n_file_names)
        snprintf(buf, size, "%s: $.learner.feature_names[%lld]", x->p.source, (long long)j);
    else
        snprintf(buf, size, "%s: feature %lld", x->p.source, (long long)j);
}

/* Non-empty and distinct; bad names in the file are the file's fault
 * (EFORMAT), bad names given are the caller's (EINVAL). */
static int check_names(const xgb *x)
{
    const int code = x->n_file_names ? RISTRA_EFORMAT : RISTRA_EINVAL;
    char where[512];
    for (int64_t j = 0; j < x->num_feature; j++) {
        if (x->names[j] && x->names[j][0] && valid_text(x->names[j]))
            continue;
        name_origin(where, sizeof where, x, j);
        return ristra__error(code, "%s: the name is %s", where,
                             x->names[j] && x->names[j][0] ? "not valid UTF-8" : "empty");
    }
    int64_t earlier = 0, j = first_duplicate(x->names, x->num_feature, &earlier);
    if (j == -2)
        return ristra__oom();
    if (j < 0)
        return RISTRA_OK;
    name_origin(where, sizeof where, x, j);
    return ristra__error(code, "%s: \"%s\" is also the name of feature %lld", where, x->names[j],
                         (long long)earlier);
}

/* The names to use, checked before anything is sized by num_feature: the
 * number of features a file claims is then bounded by names it holds or
 * is given. */
static int read_names(xgb *x)
{
    int rc = string_list(&x->file_names, &x->n_file_names, x, "feature_names");
    if (!rc)
        rc = string_list(&x->types, &x->n_types, x, "feature_types");
    if (!rc)
        rc = choose_names(&x->names, x, x->file_names, x->n_file_names);
    if (!rc)
        rc = check_names(x);
    return rc;
}

/* A row with no feature present is rejected by default: XGBoost would
 * score it from the trees' default directions alone, as if an empty
 * record described a patient. */
static int set_min_present(ristra_model *m, const xgb *x)
{
    int64_t want = x->o.min_present_features;
    m->min_present = want == 0 ? 1 : want < 0 ? 0 : want;
    if (m->min_present > m->n_features)
        return ristra__error(RISTRA_EINVAL,
                             "%s: min_present_features %lld is more than the model's %lld "
                             "features",
                             x->p.source, (long long)want, (long long)m->n_features);
    return RISTRA_OK;
}

static int set_features(ristra_model *m, xgb *x)
{
    int rc = set_min_present(m, x);
    for (int64_t j = 0; !rc && j < m->n_features; j++) {
        ristra__feature *f = &m->features[j];
        const char *name = x->names[j];
        int categorical = x->n_types && !strcmp(x->types[j], "c");
        f->name = strdup(name);
        f->description = strdup(categorical ? "categorical (XGBoost feature type \"c\"): "
                                              "the integer category code used in training"
                                            : "");
        f->unit = strdup("");
        f->lo = -INFINITY;
        f->hi = INFINITY;
        f->missing_policy = m->kind == RISTRA_MODEL_GBDT ? RISTRA_MISSING_NATIVE
                                                         : RISTRA_MISSING_IMPUTE;
        f->impute = m->kind == RISTRA_MODEL_GBDT ? NAN : 0.0;
        if (!f->name || !f->description || !f->unit)
            rc = ristra__oom();
    }
    return rc;
}

static void put(json_t *obj, const char *key, json_t *v, int *failed)
{
    if (!v || json_object_set_new(obj, key, v) != 0)
        *failed = 1;
}

/* The caller's value, or the default (noted in "defaulted"). */
static void put_text(json_t *meta, json_t *defaulted, const char *key, const char *given,
                     const char *fallback, int *failed)
{
    put(meta, key, json_string(given ? given : fallback), failed);
    if (!given && json_array_append_new(defaulted, json_string(key)))
        *failed = 1;
}

static json_t *xgboost_block(const xgb *x, int64_t n_trees, int *failed)
{
    json_t *b = json_object();
    char version[64];
    snprintf(version, sizeof version, "%lld.%lld.%lld", (long long)x->version[0],
             (long long)x->version[1], (long long)x->version[2]);
    put(b, "version", json_string(version), failed);
    put(b, "file", json_string(x->base_name), failed);
    put(b, "encoding", json_string(x->encoding == FMT_UBJSON ? "ubjson" : "json"), failed);
    put(b, "gzip", json_boolean(x->gzip), failed);
    put(b, "objective", json_string(x->objective), failed);
    put(b, "booster", json_string(x->booster), failed);
    put(b, "base_score", json_string(x->base_score_text), failed);
    if (n_trees >= 0)
        put(b, "n_trees", json_integer(n_trees), failed);
    if (x->best_iteration >= 0) {
        char text[160];
        snprintf(text, sizeof text, "%lld", (long long)x->best_iteration);
        put(b, "best_iteration", json_string(text), failed);
    }
    if (x->best_iteration >= 0 && n_trees >= 0) {
        char text[160];
        if (x->n_trees_used < x->n_trees_file)
            snprintf(text, sizeof text,
                     "the first %lld of %lld: iterations 0 to best_iteration, as "
                     "XGBClassifier.predict_proba()",
                     (long long)x->n_trees_used, (long long)x->n_trees_file);
        else
            snprintf(text, sizeof text,
                     "all %lld (as Booster.predict() and the C API; not only those up to "
                     "best_iteration)",
                     (long long)x->n_trees_file);
        put(b, "trees_used", json_string(text), failed);
    }
    return b;
}

static int set_metadata(ristra_model *m, xgb *x)
{
    const ristra_xgboost_options *o = &x->o;
    int failed = 0;
    json_t *meta = json_object(), *defaulted = json_array(), *population = json_object();
    if (!meta || !defaulted || !population) {
        json_decref(meta);
        json_decref(defaulted);
        json_decref(population);
        return ristra__oom();
    }
    put_text(meta, defaulted, "name", o->name, x->base_name, &failed);
    put_text(meta, defaulted, "version", o->model_version, "unversioned", &failed);
    put_text(meta, defaulted, "outcome", o->outcome, "unknown (imported from XGBoost)", &failed);
    put(meta, "horizon_days",
        json_integer(o->horizon_days > 0 ? o->horizon_days : DEFAULT_HORIZON_DAYS), &failed);
    if (o->horizon_days <= 0 && json_array_append_new(defaulted, json_string("horizon_days")))
        failed = 1;
    put_text(meta, defaulted, "intended_use", o->intended_use,
             "Imported from an XGBoost model file; its purpose is unknown. It must be "
             "validated before any clinical use.",
             &failed);
    put(population, "description",
        json_string(o->training_population ? o->training_population
                                           : "not recorded in the XGBoost model file"),
        &failed);
    put(meta, "training_population", population, &failed);
    if (!o->training_population &&
        json_array_append_new(defaulted, json_string("training_population")))
        failed = 1;
    char source[64];
    snprintf(source, sizeof source, "xgboost %lld.%lld.%lld", (long long)x->version[0],
             (long long)x->version[1], (long long)x->version[2]);
    put(meta, "source", json_string(source), &failed);
    put(meta, "xgboost", xgboost_block(x, m->gbdt ? m->gbdt->n_trees : -1, &failed), &failed);
    put(meta, "defaulted", defaulted, &failed);
    if (!failed)
        m->metadata_json = json_dumps(meta, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(meta);
    return m->metadata_json ? RISTRA_OK : ristra__oom();
}

static int import_learner(ristra_model **out, xgb *x, json_t *doc)
{
    if (!json_is_object(doc))
        return ristra__jpath_error(&x->p, RISTRA_EFORMAT, "expected an object, got %s",
                                   ristra__json_type_name(doc));
    json_t *booster;
    int rc = read_version(x, doc);
    if (!rc)
        rc = ristra__json_object(&x->learner, &x->p, doc, "learner", 1);
    if (rc)
        return rc;
    size_t mark = ristra__jpath_key(&x->p, "learner");
    rc = read_model_param(x, x->learner);
    if (!rc)
        rc = check_objective(x, x->learner);
    if (!rc)
        rc = ristra__json_object(&booster, &x->p, x->learner, "gradient_booster", 1);
    size_t m2 = ristra__jpath_key(&x->p, "gradient_booster");
    if (!rc)
        rc = ristra__json_string(&x->booster, &x->p, booster, "name", 1);
    int linear = !rc && !strcmp(x->booster, "gblinear");
    if (!rc && !linear && strcmp(x->booster, "gbtree") != 0)
        rc = error_at(x, "name", -1, RISTRA_EUNSUPPORTED,
                      "booster \"%s\" is not supported: ristra imports gbtree and gblinear%s",
                      x->booster,
                      !strcmp(x->booster, "dart")
                          ? " (DART scales each tree by its weight_drop)" : "");
    ristra__jpath_pop(&x->p, m2);
    if (!rc)
        rc = base_margin(x);
    if (!rc)
        rc = read_best_iteration(x);
    if (!rc)
        rc = read_names(x);
    m2 = ristra__jpath_key(&x->p, "gradient_booster");
    ristra_model *m = NULL;
    if (!rc && !(m = ristra__model_new(x->num_feature)))
        rc = ristra__oom();
    if (!rc) {
        m->kind = linear ? RISTRA_MODEL_LOGISTIC : RISTRA_MODEL_GBDT;
        rc = linear ? import_gblinear(m, x, booster) : import_gbtree(&m->gbdt, x, booster);
    }
    ristra__jpath_pop(&x->p, m2);
    if (!rc)
        rc = set_features(m, x);
    ristra__jpath_pop(&x->p, mark);
    if (!rc)
        rc = set_metadata(m, x);
    free(x->file_names);
    free(x->types);
    if (rc) {
        ristra_model_free(m);
        return rc;
    }
    *out = m;
    return RISTRA_OK;
}

/* ------------------------------------------------------------ entry points */

static int check_options(ristra_xgboost_options *resolved, const ristra_xgboost_options *opts,
                         const char *fn)
{
    static const ristra_xgboost_options defaults = RISTRA_XGBOOST_OPTIONS_INIT;
    int rc = ristra__struct_load(resolved, opts, &defaults, &ristra__info_xgboost_options, fn);
    if (rc || !opts)
        return rc;
    opts = resolved;
    if (opts->n_feature_names < 0 || (opts->n_feature_names > 0 && !opts->feature_names))
        return ristra__error(RISTRA_EINVAL,
                             "%s: opts->n_feature_names is %lld with feature_names %s", fn,
                             (long long)opts->n_feature_names,
                             opts->feature_names ? "set" : "NULL");
    if (opts->horizon_days < 0)
        return ristra__error(RISTRA_EINVAL, "%s: opts->horizon_days is %lld (must be > 0, or 0 "
                             "for the default)", fn, (long long)opts->horizon_days);
    const char *const text[] = { opts->name, opts->model_version, opts->outcome,
                                 opts->intended_use, opts->training_population };
    static const char *const field[] = { "name", "model_version", "outcome", "intended_use",
                                         "training_population" };
    for (size_t i = 0; i < sizeof text / sizeof *text; i++)
        if (!valid_text(text[i]))
            return ristra__error(RISTRA_EINVAL, "%s: opts->%s is not valid UTF-8", fn, field[i]);
    return RISTRA_OK;
}

int ristra_xgboost_options_init(ristra_xgboost_options *opts, int version)
{
    static const ristra_xgboost_options defaults = RISTRA_XGBOOST_OPTIONS_INIT;
    return ristra__struct_init(opts, version, &defaults, &ristra__info_xgboost_options,
                               "ristra_xgboost_options_init");
}

/* Reads the (decompressed) stream, decodes JSON or UBJSON and imports. */
static int import_stream(ristra_model **out, ristra__stream *s, xgb *x)
{
    char *data = NULL;
    size_t size = 0;
    x->gzip = ristra__stream_is_gzip(s);
    size_t max = x->o.max_bytes ? x->o.max_bytes : RISTRA_DEFAULT_MAX_MODEL_BYTES;
    int rc = ristra__stream_read_all_capped(s, &data, &size, max,
                                            "max_bytes in ristra_xgboost_options");
    if (rc)
        return rc;
    size_t start = 0;
    while (start < size && strchr(" \t\r\n", data[start]) && data[start])
        start++;
    json_t *doc = NULL;
    if (start == size)
        rc = ristra__error(RISTRA_EFORMAT, "%s: the file is empty", x->p.source);
    else if (data[start] != '{')
        rc = ristra__error(RISTRA_EFORMAT,
                           "%s: not an XGBoost JSON or UBJSON model (it does not start with "
                           "'{'); XGBoost's old binary format is not supported: load the model "
                           "in XGBoost and save it as .json or .ubj",
                           x->p.source);
    else if (ristra__ubjson_sniff(data, size)) {
        x->encoding = FMT_UBJSON;
        rc = ristra__ubjson_parse(&doc, data, size, x->p.source);
    } else {
        x->encoding = FMT_JSON;
        rc = ristra__json_parse_nonstd(&doc, data, size, x->p.source, RISTRA__JSON_FLOAT32_REALS);
    }
    free(data);
    if (!rc)
        rc = import_learner(out, x, doc);
    json_decref(doc);
    return rc;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

int ristra_model_import_xgboost(ristra_model **out, const char *path,
                                const ristra_xgboost_options *opts)
{
    static const char fn[] = "ristra_model_import_xgboost";
    if (out)
        *out = NULL;
    if (!out || !path)
        return ristra__error(RISTRA_EINVAL, "%s: %s is NULL", fn, out ? "path" : "out");
    xgb x = { 0 };
    int rc = check_options(&x.o, opts, fn);
    if (rc)
        return rc;
    ristra__jpath_init(&x.p, path);
    x.base_name = base_name(path);
    ristra__stream *s = NULL;
    rc = ristra__stream_open_file(&s, path);
    if (!rc)
        rc = import_stream(out, s, &x);
    ristra__stream_close(s);
    return rc;
}

int ristra_model_import_xgboost_buffer(ristra_model **out, const void *data, size_t size,
                                       const char *source_name,
                                       const ristra_xgboost_options *opts)
{
    static const char fn[] = "ristra_model_import_xgboost_buffer";
    if (out)
        *out = NULL;
    if (!out || (!data && size > 0))
        return ristra__error(RISTRA_EINVAL, "%s: %s is NULL", fn, out ? "data" : "out");
    xgb x = { 0 };
    int rc = check_options(&x.o, opts, fn);
    if (rc)
        return rc;
    const char *name = source_name ? source_name : "<buffer>";
    ristra__jpath_init(&x.p, name);
    x.base_name = base_name(name);
    ristra__stream *s = NULL;
    rc = ristra__stream_open_memory(&s, data ? data : "", size, name);
    if (!rc)
        rc = import_stream(out, s, &x);
    ristra__stream_close(s);
    return rc;
}
