/* Open-addressing hash containers shared by the modules (zstd keeps its
 * generic pieces in lib/common the same way):
 *   ristra__u64_map: uint64 key -> int64 value (key 0 is never stored),
 *     for packed practice codes and group labels;
 *   ristra__str_set: a set of byte strings (borrowed, not copied), for
 *     duplicate names.
 * Linear probing, capacity a power of two, at most half full. The lookup
 * is inline because the reader calls it once per row; growing is not. */
#ifndef RISTRA_HASHMAP_INTERNAL_H
#define RISTRA_HASHMAP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct ristra__u64_slot {
    uint64_t key;        /* 0 = empty */
    int64_t val;
} ristra__u64_slot;

/* Zero-initialise ({0}) for an empty map. */
typedef struct ristra__u64_map {
    ristra__u64_slot *slots;
    size_t cap, n;
} ristra__u64_map;

/* A 64-bit finaliser (MurmurHash3's fmix64): consecutive keys spread. */
static inline uint64_t ristra__hash_u64(uint64_t k)
{
    k ^= k >> 33;
    k *= UINT64_C(0xff51afd7ed558ccd);
    k ^= k >> 33;
    return k;
}

/* Makes room for n keys without growing again. Growing a map far larger
 * than the cache is a pass of cache misses, so a caller that can estimate
 * its size reserves once. Returns 0 or RISTRA_ENOMEM. */
int ristra__u64_map_reserve(ristra__u64_map *m, size_t n);

/* Finds key (nonzero); if absent inserts it with val. Returns 1 and sets
 * *found to the stored value when the key was present, 0 when it was
 * inserted, or RISTRA_ENOMEM. Key and value share a slot, so a lookup in
 * a map far larger than the cache costs one miss. */
static inline int ristra__u64_map_get_or_put(ristra__u64_map *m, uint64_t key, int64_t val,
                                             int64_t *found)
{
    if ((m->n + 1) * 2 > m->cap) {
        int rc = ristra__u64_map_reserve(m, m->cap ? m->cap : 512);
        if (rc)
            return rc;
    }
    size_t j = ristra__hash_u64(key) & (m->cap - 1);
    while (m->slots[j].key) {
        if (m->slots[j].key == key) {
            *found = m->slots[j].val;
            return 1;
        }
        j = (j + 1) & (m->cap - 1);
    }
    m->slots[j].key = key;
    m->slots[j].val = val;
    m->n++;
    return 0;
}

/* Looks key up: 1 and *val set when present, 0 when absent. */
int ristra__u64_map_get(const ristra__u64_map *m, uint64_t key, int64_t *val);

/* The stored value of key, to read or change in place; NULL when absent. */
int64_t *ristra__u64_map_find(const ristra__u64_map *m, uint64_t key);

/* Asks for key's slot to be brought into the cache ahead of its lookup. */
static inline void ristra__u64_map_prefetch(const ristra__u64_map *m, uint64_t key)
{
    if (m->cap)
        __builtin_prefetch(&m->slots[ristra__hash_u64(key) & (m->cap - 1)]);
}

/* Frees the slots and leaves an empty map. */
void ristra__u64_map_free(ristra__u64_map *m);

/* ristra__line_map: NHS numbers (keys below 2^34) with the line each was
 *   first seen on, packed into one uint64 a slot (key << 30 | line; lines
 *   of 2^30 - 1 and beyond go to a side map), at most 3/4 full, of any
 *   capacity. Ten million NHS numbers take about 120 MB where a u64_map
 *   (16-byte slots, a power-of-two capacity at most half full) would take
 *   256 to 512 MB: the batch's memory target is 32 bytes a patient. */
typedef struct ristra__line_map {
    uint64_t *slots;     /* 0 = empty; else (key + 1) << 30 | line */
    size_t cap, n;
    ristra__u64_map far; /* key + 1 -> line, for lines from 2^30 - 1 */
} ristra__line_map;

enum { RISTRA__LINE_MAP_KEY_BITS = 34, RISTRA__LINE_MAP_LINE_BITS = 30 };

/* Makes room for n keys without growing again. 0 or RISTRA_ENOMEM. */
int ristra__line_map_reserve(ristra__line_map *m, size_t n);

/* The slot where key's search starts: the hash scaled to the capacity. */
static inline size_t ristra__line_map_home(const ristra__line_map *m, uint64_t key)
{
    return (size_t)(((unsigned __int128)ristra__hash_u64(key + 1) * m->cap) >> 64);
}

/* Finds key (below 2^34); if absent inserts it with line (>= 0). Returns 1
 * and sets *first to the line stored when the key was present, 0 when it
 * was inserted, or RISTRA_ENOMEM. */
int ristra__line_map_get_or_put(ristra__line_map *m, uint64_t key, int64_t line, int64_t *first);

static inline void ristra__line_map_prefetch(const ristra__line_map *m, uint64_t key)
{
    if (m->cap)
        __builtin_prefetch(&m->slots[ristra__line_map_home(m, key)]);
}

/* Frees the slots and leaves an empty map. */
void ristra__line_map_free(ristra__line_map *m);

/* ristra__token_map: 64-bit keys (pseudonyms' hashes; 0 is never stored)
 *   with the line each was first seen on: keys and 32-bit lines in two
 *   arrays (12 bytes a slot; lines from 2^32 - 1 in a side map), at most
 *   3/4 full, of any capacity: about 18 bytes a pseudonym where a u64_map
 *   takes 32 to 64. */
typedef struct ristra__token_map {
    uint64_t *keys;      /* 0 = empty */
    uint32_t *lines;
    size_t cap, n;
    ristra__u64_map far; /* key -> line, for lines from 2^32 - 1 */
} ristra__token_map;

int ristra__token_map_reserve(ristra__token_map *m, size_t n);
/* As ristra__line_map_get_or_put(), for any nonzero key. */
int ristra__token_map_get_or_put(ristra__token_map *m, uint64_t key, int64_t line,
                                 int64_t *first);

static inline void ristra__token_map_prefetch(const ristra__token_map *m, uint64_t key)
{
    if (m->cap)
        __builtin_prefetch(&m->keys[(size_t)(((unsigned __int128)key * m->cap) >> 64)]);
}

void ristra__token_map_free(ristra__token_map *m);

/* A set of byte strings. The strings are borrowed: they must outlive the
 * set. Zero-initialise ({0}) for an empty set. */
typedef struct ristra__str_slot {
    const char *text;    /* NULL = empty */
    size_t len;
    uint64_t hash;
} ristra__str_slot;

typedef struct ristra__str_set {
    ristra__str_slot *slots;
    size_t cap, n;
} ristra__str_set;

/* Adds text[0..len). Returns 1 when an equal string was already in the
 * set (nothing added), 0 when added, or RISTRA_ENOMEM. */
int ristra__str_set_add(ristra__str_set *s, const char *text, size_t len);

/* 1 when text[0..len) is in the set, 0 otherwise. */
int ristra__str_set_has(const ristra__str_set *s, const char *text, size_t len);

void ristra__str_set_free(ristra__str_set *s);

#endif
