/* Numbering arbitrary int32 group labels 0, 1, ... in ascending order with
 * the common hash map: groups are few (practices, age bands) and rows
 * many, so each row costs one probe into a table that stays in cache, and
 * only the distinct labels are sorted. */
#include <stdlib.h>

#include "ristra/common.h"
#include "../common/error_internal.h"
#include "../common/hashmap_internal.h"
#include "metrics_internal.h"

/* The map never stores key 0: label l is stored as l's bits plus one. */
static uint64_t key_of(int32_t label) { return (uint64_t)(uint32_t)label + 1; }

static int compare_int32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Collects the distinct labels into t and, sorted, into *labels_out. */
static int distinct_labels(ristra__u64_map *t, int32_t **labels_out, const int32_t *label,
                           int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        int64_t seen = 0;
        if (ristra__u64_map_get_or_put(t, key_of(label[i]), 0, &seen) < 0)
            return RISTRA_ENOMEM;
    }
    int32_t *labels = malloc((t->n ? t->n : 1) * sizeof *labels);
    if (!labels)
        return ristra__oom();
    size_t k = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].key)
            labels[k++] = (int32_t)(uint32_t)(t->slots[i].key - 1);
    qsort(labels, k, sizeof *labels, compare_int32);
    *labels_out = labels;
    return RISTRA_OK;
}

int ristra__number_labels(int32_t **labels_out, int64_t *n_labels_out, uint64_t *number_out,
                          const int32_t *label, int64_t n)
{
    *labels_out = NULL;
    *n_labels_out = 0;
    ristra__u64_map t = { 0 };
    int32_t *labels = NULL;
    int rc = distinct_labels(&t, &labels, label, n);
    if (!rc) {
        for (size_t k = 0; k < t.n; k++)
            *ristra__u64_map_find(&t, key_of(labels[k])) = (int64_t)k;
        for (int64_t i = 0; i < n; i++)
            number_out[i] = (uint64_t)*ristra__u64_map_find(&t, key_of(label[i]));
        *labels_out = labels;
        *n_labels_out = (int64_t)t.n;
    }
    ristra__u64_map_free(&t);
    return rc;
}
