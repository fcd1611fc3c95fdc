/* Numbering arbitrary int32 group labels 0, 1, ... in ascending order, with
 * a small open-addressing hash table: groups are few (practices, age bands)
 * and rows many, so each row costs one probe into a table that stays in
 * cache, and only the distinct labels are sorted. */
#include <stdlib.h>

#include "ristra/common.h"
#include "../common/error_internal.h"
#include "metrics_internal.h"

typedef struct slot {
    int32_t label;
    uint8_t used;
    uint64_t number;
} slot;

typedef struct table {
    slot *slots;
    uint64_t mask;      /* capacity - 1, capacity a power of two */
    int64_t count;
} table;

static uint64_t hash(int32_t label)
{
    return ((uint64_t)(uint32_t)label * UINT64_C(0x9E3779B97F4A7C15)) >> 32;
}

static slot *find(const table *t, int32_t label)
{
    for (uint64_t i = hash(label) & t->mask;; i = (i + 1) & t->mask)
        if (!t->slots[i].used || t->slots[i].label == label)
            return &t->slots[i];
}

static int grow(table *t)
{
    table bigger = { calloc((size_t)(t->mask + 1) * 2, sizeof *bigger.slots), t->mask * 2 + 1, 0 };
    if (!bigger.slots)
        return ristra__oom();
    for (uint64_t i = 0; i <= t->mask; i++)
        if (t->slots[i].used)
            *find(&bigger, t->slots[i].label) = t->slots[i];
    bigger.count = t->count;
    free(t->slots);
    *t = bigger;
    return RISTRA_OK;
}

static int compare_int32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Collects the distinct labels into t and, sorted, into *labels_out. */
static int distinct_labels(table *t, int32_t **labels_out, const int32_t *label, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        slot *s = find(t, label[i]);
        if (s->used)
            continue;
        s->used = 1;
        s->label = label[i];
        if ((uint64_t)++t->count * 2 > t->mask + 1 && grow(t))
            return RISTRA_ENOMEM;
    }
    int32_t *labels = malloc((size_t)t->count * sizeof *labels);
    if (!labels)
        return ristra__oom();
    int64_t k = 0;
    for (uint64_t i = 0; i <= t->mask; i++)
        if (t->slots[i].used)
            labels[k++] = t->slots[i].label;
    qsort(labels, (size_t)k, sizeof *labels, compare_int32);
    *labels_out = labels;
    return RISTRA_OK;
}

int ristra__number_labels(int32_t **labels_out, int64_t *n_labels_out, uint64_t *number_out,
                          const int32_t *label, int64_t n)
{
    *labels_out = NULL;
    *n_labels_out = 0;
    table t = { calloc(16, sizeof *t.slots), 15, 0 };
    if (!t.slots)
        return ristra__oom();
    int32_t *labels = NULL;
    int rc = distinct_labels(&t, &labels, label, n);
    if (!rc) {
        for (int64_t k = 0; k < t.count; k++)
            find(&t, labels[k])->number = (uint64_t)k;
        for (int64_t i = 0; i < n; i++)
            number_out[i] = find(&t, label[i])->number;
        *labels_out = labels;
        *n_labels_out = t.count;
    }
    free(t.slots);
    return rc;
}
