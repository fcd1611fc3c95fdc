/* SHA-256 and HMAC-SHA-256 (lib/common/digest.c), checked against the
 * peers at test time: coreutils' sha256sum and Python's hmac module. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest_internal.h"
#include "test_util.h"

/* The first whitespace-separated word a command prints. */
static void run_peer(const char *cmd, char out[RISTRA__SHA256_HEX])
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "%s", cmd);
    cr_assert_eq(fscanf(p, "%64s", out), 1, "%s", cmd);
    while (fgetc(p) != EOF) /* read to the end, so the peer never sees EPIPE */
        ;
    cr_assert_eq(pclose(p), 0, "%s", cmd);
}

static char *write_sample(char **dir_out, size_t n)
{
    char *dir = rt_tmpdir();
    char *path = rt_join(dir, "sample.bin");
    unsigned char *buf = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        buf[i] = (unsigned char)(i * 131u + (i >> 7));
    cr_assert_eq(rt_write_file(path, buf, n), 0);
    free(buf);
    *dir_out = dir;
    return path;
}

static void check_file_against_sha256sum(size_t n)
{
    char *dir, *path = write_sample(&dir, n);
    char cmd[4096], want[RISTRA__SHA256_HEX], got[RISTRA__SHA256_HEX];
    snprintf(cmd, sizeof cmd, "sha256sum '%s'", path);
    run_peer(cmd, want);
    int64_t size = -1;
    cr_assert_eq(ristra__sha256_file(path, got, &size), 0);
    cr_assert_eq(size, (int64_t)n);
    cr_assert_str_eq(got, want, "%zu bytes", n);

    /* Streaming in uneven pieces gives the same digest. */
    size_t len;
    unsigned char *data = (unsigned char *)rt_read_file(path, &len);
    ristra__sha256 *h = ristra__sha256_new();
    cr_assert_not_null(h);
    for (size_t at = 0, step = 1; at < len; at += step, step = step * 3 + 1)
        cr_assert_eq(ristra__sha256_update(h, data + at, step < len - at ? step : len - at), 0);
    uint8_t bin[RISTRA__SHA256_BYTES];
    cr_assert_eq(ristra__sha256_final(h, bin, got), 0);
    cr_assert_str_eq(got, want);
    ristra__sha256_free(h);
    free(data);
    free(path);
    rt_rmtree(dir);
    free(dir);
}

Test(digest, sha256_of_a_file_matches_sha256sum)
{
    check_file_against_sha256sum(0);
    check_file_against_sha256sum(1);
    check_file_against_sha256sum(64);
    check_file_against_sha256sum(1000003);
}

Test(digest, a_context_can_be_reset_and_reused)
{
    uint8_t a[RISTRA__SHA256_BYTES], b[RISTRA__SHA256_BYTES];
    ristra__sha256 *h = ristra__sha256_new();
    cr_assert_eq(ristra__sha256_update(h, "abc", 3), 0);
    cr_assert_eq(ristra__sha256_final(h, a, NULL), 0);
    cr_assert_eq(ristra__sha256_reset(h), 0);
    cr_assert_eq(ristra__sha256_update(h, "ab", 2), 0);
    cr_assert_eq(ristra__sha256_update(h, "c", 1), 0);
    cr_assert_eq(ristra__sha256_final(h, b, NULL), 0);
    cr_assert_eq(memcmp(a, b, sizeof a), 0);
    ristra__sha256_free(h);
    ristra__sha256_free(NULL);
}

Test(digest, a_missing_file_is_an_io_error)
{
    char hex[RISTRA__SHA256_HEX];
    cr_assert_eq(ristra__sha256_file("/nonexistent/ristra-digest", hex, NULL), -4);
}

static void check_hmac(const char *key, const char *msg)
{
    char cmd[1024], want[RISTRA__SHA256_HEX], got[RISTRA__SHA256_HEX];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import hmac,hashlib,sys; "
             "print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())'"
             " '%s' '%s'", key, msg);
    run_peer(cmd, want);
    uint8_t bin[RISTRA__SHA256_BYTES];
    cr_assert_eq(ristra__hmac_sha256(key, strlen(key), msg, strlen(msg), bin, got), 0);
    cr_assert_str_eq(got, want, "key '%s'", key);
}

Test(digest, hmac_sha256_matches_python_hmac)
{
    check_hmac("secret", "9434765919");
    check_hmac("", "");
    /* A key longer than the 64-byte block is hashed first (RFC 2104). */
    check_hmac("kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
               "a longer message, with spaces");
}
