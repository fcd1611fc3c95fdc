/* The generic containers of lib/common: the hash map, the string set and
 * the string arena. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <ristra/ristra.h>

#include "common/arena_internal.h"
#include "common/hashmap_internal.h"

Test(u64_map, a_key_put_once_is_found_with_its_value)
{
    ristra__u64_map m = { 0 };
    int64_t v = -1;
    cr_assert_eq(ristra__u64_map_get_or_put(&m, 42, 7, &v), 0);
    cr_assert_eq(ristra__u64_map_get_or_put(&m, 42, 9, &v), 1);
    cr_assert_eq(v, 7, "the first value stays");
    cr_assert_eq(ristra__u64_map_get(&m, 42, &v), 1);
    cr_assert_eq(v, 7);
    cr_assert_eq(ristra__u64_map_get(&m, 43, &v), 0);
    cr_assert_eq(m.n, 1);
    ristra__u64_map_free(&m);
    cr_assert_eq(m.cap, 0);
}

Test(u64_map, keeps_every_key_through_growing)
{
    ristra__u64_map m = { 0 };
    enum { N = 100000 };
    for (uint64_t k = 1; k <= N; k++) {
        int64_t v;
        cr_assert_eq(ristra__u64_map_get_or_put(&m, k * 1000003u, (int64_t)k, &v), 0);
    }
    cr_assert_eq(m.n, N);
    cr_assert_leq(m.n * 2, m.cap, "at most half full");
    for (uint64_t k = 1; k <= N; k++) {
        int64_t v = 0;
        cr_assert_eq(ristra__u64_map_get(&m, k * 1000003u, &v), 1);
        cr_assert_eq(v, (int64_t)k);
    }
    ristra__u64_map_free(&m);
}

Test(u64_map, reserve_keeps_keys_and_find_changes_values_in_place)
{
    ristra__u64_map m = { 0 };
    int64_t v;
    ristra__u64_map_get_or_put(&m, 5, 50, &v);
    cr_assert_eq(ristra__u64_map_reserve(&m, 1 << 16), 0);
    cr_assert_geq(m.cap, (size_t)2 << 16);
    size_t cap = m.cap;
    for (uint64_t k = 6; k < 6 + (1 << 16) - 1; k++)
        ristra__u64_map_get_or_put(&m, k, 0, &v);
    cr_assert_eq(m.cap, cap, "no growing after a reserve");
    *ristra__u64_map_find(&m, 5) += 1;
    cr_assert_eq(ristra__u64_map_get(&m, 5, &v), 1);
    cr_assert_eq(v, 51);
    cr_assert_null(ristra__u64_map_find(&m, 4));
    cr_assert_null(ristra__u64_map_find(&m, 0), "key 0 is never stored");
    ristra__u64_map_free(&m);
}

Test(u64_map, an_empty_map_finds_nothing)
{
    ristra__u64_map m = { 0 };
    int64_t v = 3;
    cr_assert_eq(ristra__u64_map_get(&m, 1, &v), 0);
    cr_assert_eq(v, 3);
    ristra__u64_map_prefetch(&m, 1);
    ristra__u64_map_free(&m);
}

Test(line_map, keeps_every_nhs_number_and_its_first_line_through_growing)
{
    ristra__line_map m = { 0 };
    enum { N = 200000 };
    /* keys across the whole 34-bit range, 0 and the largest included */
    const uint64_t top = (UINT64_C(1) << RISTRA__LINE_MAP_KEY_BITS) - 2;
    for (uint64_t k = 0; k < N; k++) {
        int64_t first = -1;
        uint64_t key = k == 1 ? top : k * 85899u;
        cr_assert_eq(ristra__line_map_get_or_put(&m, key, (int64_t)k + 2, &first), 0);
    }
    cr_assert_eq(m.n, N);
    cr_assert_leq(m.n * 4, m.cap * 3, "at most three quarters full");
    for (uint64_t k = 0; k < N; k++) {
        int64_t first = -1;
        uint64_t key = k == 1 ? top : k * 85899u;
        cr_assert_eq(ristra__line_map_get_or_put(&m, key, 5, &first), 1);
        cr_assert_eq(first, (int64_t)k + 2, "key %llu", (unsigned long long)key);
    }
    ristra__line_map_free(&m);
    cr_assert_eq(m.cap, 0);
}

Test(line_map, a_line_too_long_for_the_slot_is_kept_whole_beside_it)
{
    ristra__line_map m = { 0 };
    const int64_t far = (INT64_C(1) << RISTRA__LINE_MAP_LINE_BITS) + 12345, edge = far - 12346;
    int64_t first = -1;
    cr_assert_eq(ristra__line_map_get_or_put(&m, 9990000001u, far, &first), 0);
    cr_assert_eq(ristra__line_map_get_or_put(&m, 9990000002u, edge, &first), 0);
    cr_assert_eq(ristra__line_map_get_or_put(&m, 9990000003u, edge - 1, &first), 0);
    cr_assert_eq(ristra__line_map_get_or_put(&m, 9990000001u, 1, &first), 1);
    cr_assert_eq(first, far);
    cr_assert_eq(ristra__line_map_get_or_put(&m, 9990000002u, 1, &first), 1);
    cr_assert_eq(first, edge);
    cr_assert_eq(ristra__line_map_get_or_put(&m, 9990000003u, 1, &first), 1);
    cr_assert_eq(first, edge - 1);
    ristra__line_map_free(&m);
}

Test(token_map, keeps_every_key_and_its_first_line_even_lines_too_long_for_the_slot)
{
    ristra__token_map m = { 0 };
    enum { N = 150000 };
    const int64_t far = (INT64_C(1) << 32) + 99;
    for (uint64_t k = 1; k <= N; k++) {
        int64_t first = -1;
        uint64_t key = ristra__hash_u64(k) | 1;
        cr_assert_eq(ristra__token_map_get_or_put(&m, key, k == 7 ? far : (int64_t)k, &first), 0);
    }
    cr_assert_eq(m.n, N);
    cr_assert_leq(m.n * 4, m.cap * 3, "at most three quarters full");
    for (uint64_t k = 1; k <= N; k++) {
        int64_t first = -1;
        cr_assert_eq(ristra__token_map_get_or_put(&m, ristra__hash_u64(k) | 1, 3, &first), 1);
        cr_assert_eq(first, k == 7 ? far : (int64_t)k);
    }
    ristra__token_map_free(&m);
    cr_assert_eq(m.cap, 0);
}

Test(str_set, finds_a_repeated_string_by_content_not_address)
{
    ristra__str_set s = { 0 };
    char a[] = "age", b[] = "age";
    cr_assert_eq(ristra__str_set_add(&s, a, 3), 0);
    cr_assert_eq(ristra__str_set_add(&s, b, 3), 1);
    cr_assert_eq(ristra__str_set_add(&s, "ag", 2), 0, "a prefix is another string");
    cr_assert_eq(ristra__str_set_add(&s, "", 0), 0);
    cr_assert_eq(ristra__str_set_add(&s, "", 0), 1);
    cr_assert(ristra__str_set_has(&s, "age", 3));
    cr_assert_not(ristra__str_set_has(&s, "sex", 3));
    cr_assert_eq(s.n, 3);
    ristra__str_set_free(&s);
}

Test(str_set, keeps_every_string_through_growing)
{
    enum { N = 5000 };
    static char names[N][16];
    ristra__str_set s = { 0 };
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "feature_%d", i);
        cr_assert_eq(ristra__str_set_add(&s, names[i], strlen(names[i])), 0);
    }
    for (int i = 0; i < N; i++)
        cr_assert_eq(ristra__str_set_add(&s, names[i], strlen(names[i])), 1, "%s", names[i]);
    cr_assert_eq(s.n, N);
    ristra__str_set_free(&s);
    cr_assert_not(ristra__str_set_has(&s, "feature_1", 9));
}

Test(arena, strings_handed_out_stay_valid_until_reset)
{
    ristra__arena a = { 0 };
    const char *first = ristra__arena_put(&a, "first", 5);
    const char *keep[2000];
    char text[64];
    for (int i = 0; i < 2000; i++) { /* enough to start several chunks */
        snprintf(text, sizeof text, "string number %d", i);
        keep[i] = ristra__arena_put(&a, text, strlen(text));
        cr_assert_not_null(keep[i]);
    }
    cr_assert_str_eq(first, "first");
    for (int i = 0; i < 2000; i++) {
        snprintf(text, sizeof text, "string number %d", i);
        cr_assert_str_eq(keep[i], text);
    }
    ristra__arena_reset(&a);
    cr_assert_eq(a.len, 0);
    cr_assert_str_eq(ristra__arena_put(&a, "again", 5), "again");
    ristra__arena_free(&a);
    cr_assert_null(a.head);
}

Test(arena, copies_only_the_bytes_asked_for_and_terminates_them)
{
    ristra__arena a = { 0 };
    cr_assert_str_eq(ristra__arena_put(&a, "abcdef", 3), "abc");
    cr_assert_str_eq(ristra__arena_put(&a, NULL, 0), "");
    ristra__arena_free(&a);
}
