/* Open-addressing hash containers (see hashmap_internal.h). */
#include <stdlib.h>
#include <string.h>

#include "ristra/common.h"
#include "error_internal.h"
#include "hashmap_internal.h"

int ristra__u64_map_reserve(ristra__u64_map *m, size_t n)
{
    size_t cap = 1024;
    while (cap < 2 * n + 2)
        cap *= 2;
    if (cap <= m->cap)
        return RISTRA_OK;
    ristra__u64_slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return ristra__oom();
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        size_t j = ristra__hash_u64(m->slots[i].key) & (cap - 1);
        while (slots[j].key)
            j = (j + 1) & (cap - 1);
        slots[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return RISTRA_OK;
}

int64_t *ristra__u64_map_find(const ristra__u64_map *m, uint64_t key)
{
    if (!m->cap || !key)
        return NULL;
    for (size_t j = ristra__hash_u64(key) & (m->cap - 1); m->slots[j].key;
         j = (j + 1) & (m->cap - 1))
        if (m->slots[j].key == key)
            return &m->slots[j].val;
    return NULL;
}

int ristra__u64_map_get(const ristra__u64_map *m, uint64_t key, int64_t *val)
{
    const int64_t *v = ristra__u64_map_find(m, key);
    if (v)
        *val = *v;
    return v != NULL;
}

void ristra__u64_map_free(ristra__u64_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}

/* ------------------------------------------------------------ line map */

/* The line and token maps: room for n keys at most 3/4 full, and whether
 * one more key would pass that. */
static size_t three_quarters_capacity(size_t n)
{
    size_t cap = n + n / 3 + 1;
    return cap < 1024 ? 1024 : cap;
}

static int one_more_overfills(size_t n, size_t cap)
{
    return (n + 1) * 4 > cap * 3;
}

static const uint64_t LINE_MASK = (UINT64_C(1) << RISTRA__LINE_MAP_LINE_BITS) - 1;

/* Where key is, or the empty slot where it would go. */
static size_t line_slot(const ristra__line_map *m, uint64_t key)
{
    const uint64_t tag = key + 1;
    size_t j = ristra__line_map_home(m, key);
    while (m->slots[j] && m->slots[j] >> RISTRA__LINE_MAP_LINE_BITS != tag)
        j = j + 1 == m->cap ? 0 : j + 1;
    return j;
}

int ristra__line_map_reserve(ristra__line_map *m, size_t n)
{
    const size_t cap = three_quarters_capacity(n);
    if (cap <= m->cap)
        return RISTRA_OK;
    ristra__line_map bigger = { calloc(cap, sizeof(uint64_t)), cap, m->n, m->far };
    if (!bigger.slots)
        return ristra__oom();
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i])
            bigger.slots[line_slot(&bigger, (m->slots[i] >> RISTRA__LINE_MAP_LINE_BITS) - 1)] =
                m->slots[i];
    free(m->slots);
    *m = bigger;
    return RISTRA_OK;
}

int ristra__line_map_get_or_put(ristra__line_map *m, uint64_t key, int64_t line, int64_t *first)
{
    if (one_more_overfills(m->n, m->cap)) {
        int rc = ristra__line_map_reserve(m, m->cap ? m->cap : 512);
        if (rc)
            return rc;
    }
    const uint64_t tag = key + 1;
    size_t j = line_slot(m, key);
    if (m->slots[j]) {
        uint64_t low = m->slots[j] & LINE_MASK;
        *first = (int64_t)low;
        if (low == LINE_MASK)
            ristra__u64_map_get(&m->far, tag, first);
        return 1;
    }
    uint64_t low = (uint64_t)line < LINE_MASK ? (uint64_t)line : LINE_MASK;
    if (low == LINE_MASK) {
        int64_t ignored;
        int rc = ristra__u64_map_get_or_put(&m->far, tag, line, &ignored);
        if (rc < 0)
            return rc;
    }
    m->slots[j] = tag << RISTRA__LINE_MAP_LINE_BITS | low;
    m->n++;
    return 0;
}

void ristra__line_map_free(ristra__line_map *m)
{
    free(m->slots);
    ristra__u64_map_free(&m->far);
    m->slots = NULL;
    m->cap = m->n = 0;
}

/* ------------------------------------------------------------ token map */

/* Keys are hashes already: their top bits, scaled, pick the home slot. */
static size_t token_slot(const ristra__token_map *m, uint64_t key)
{
    size_t j = (size_t)(((unsigned __int128)key * m->cap) >> 64);
    while (m->keys[j] && m->keys[j] != key)
        j = j + 1 == m->cap ? 0 : j + 1;
    return j;
}

int ristra__token_map_reserve(ristra__token_map *m, size_t n)
{
    const size_t cap = three_quarters_capacity(n);
    if (cap <= m->cap)
        return RISTRA_OK;
    ristra__token_map bigger = { calloc(cap, sizeof(uint64_t)), malloc(cap * sizeof(uint32_t)),
                                 cap, m->n, m->far };
    if (!bigger.keys || !bigger.lines) {
        free(bigger.keys), free(bigger.lines);
        return ristra__oom();
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i]) {
            size_t j = token_slot(&bigger, m->keys[i]);
            bigger.keys[j] = m->keys[i];
            bigger.lines[j] = m->lines[i];
        }
    free(m->keys), free(m->lines);
    *m = bigger;
    return RISTRA_OK;
}

int ristra__token_map_get_or_put(ristra__token_map *m, uint64_t key, int64_t line,
                                 int64_t *first)
{
    if (one_more_overfills(m->n, m->cap)) {
        int rc = ristra__token_map_reserve(m, m->cap ? m->cap : 512);
        if (rc)
            return rc;
    }
    size_t j = token_slot(m, key);
    if (m->keys[j]) {
        *first = m->lines[j];
        if (m->lines[j] == UINT32_MAX)
            ristra__u64_map_get(&m->far, key, first);
        return 1;
    }
    uint32_t low = (uint64_t)line < UINT32_MAX ? (uint32_t)line : UINT32_MAX;
    if (low == UINT32_MAX) {
        int64_t ignored;
        int rc = ristra__u64_map_get_or_put(&m->far, key, line, &ignored);
        if (rc < 0)
            return rc;
    }
    m->keys[j] = key;
    m->lines[j] = low;
    m->n++;
    return 0;
}

void ristra__token_map_free(ristra__token_map *m)
{
    free(m->keys), free(m->lines);
    ristra__u64_map_free(&m->far);
    m->keys = NULL, m->lines = NULL;
    m->cap = m->n = 0;
}

/* FNV-1a, finalised: names are short and few. */
static uint64_t hash_text(const char *text, size_t len)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * UINT64_C(0x100000001b3);
    return ristra__hash_u64(h);
}

static ristra__str_slot *str_find(const ristra__str_set *s, const char *text, size_t len,
                                  uint64_t h)
{
    for (size_t j = h & (s->cap - 1);; j = (j + 1) & (s->cap - 1)) {
        ristra__str_slot *slot = &s->slots[j];
        if (!slot->text ||
            (slot->hash == h && slot->len == len && memcmp(slot->text, text, len) == 0))
            return slot;
    }
}

static int str_grow(ristra__str_set *s)
{
    ristra__str_set bigger = { calloc(s->cap ? s->cap * 2 : 16, sizeof(ristra__str_slot)),
                               s->cap ? s->cap * 2 : 16, s->n };
    if (!bigger.slots)
        return ristra__oom();
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].text)
            *str_find(&bigger, s->slots[i].text, s->slots[i].len, s->slots[i].hash) = s->slots[i];
    free(s->slots);
    *s = bigger;
    return RISTRA_OK;
}

int ristra__str_set_add(ristra__str_set *s, const char *text, size_t len)
{
    if ((s->n + 1) * 2 > s->cap) {
        int rc = str_grow(s);
        if (rc)
            return rc;
    }
    uint64_t h = hash_text(text, len);
    ristra__str_slot *slot = str_find(s, text, len, h);
    if (slot->text)
        return 1;
    /* A zero-length string still needs a non-NULL pointer to mark the slot. */
    slot->text = len ? text : "";
    slot->len = len;
    slot->hash = h;
    s->n++;
    return 0;
}

int ristra__str_set_has(const ristra__str_set *s, const char *text, size_t len)
{
    if (!s->cap)
        return 0;
    return str_find(s, text, len, hash_text(text, len))->text != NULL;
}

void ristra__str_set_free(ristra__str_set *s)
{
    free(s->slots);
    s->slots = NULL;
    s->cap = s->n = 0;
}
