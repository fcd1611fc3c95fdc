/* The gzip codec (lib/io/gzip_codec.c, ISA-L or zlib) against zlib as an
 * independent peer: what ristra writes zlib reads back, what zlib writes
 * ristra reads, several members, any read size, and every truncation
 * caught. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <ristra/ristra.h>
#include "io/gzip_codec_internal.h"
#include "io/output_internal.h"
#include "io/stream_internal.h"
#include "test_util.h"

/* CSV-like text, n bytes, deterministic, compressible but not trivially. */
static char *sample_text(size_t n)
{
    char *t = malloc(n + 1);
    uint64_t x = 88172645463325252u;
    size_t k = 0;
    while (k < n) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int len = snprintf(t + k, n + 1 - k, "999%07llu,A8%04llu,%.4f\n",
                           (unsigned long long)(x % 10000000), (unsigned long long)(x >> 50),
                           (double)(x % 100000) / 100000.0);
        k += (size_t)len < n - k ? (size_t)len : n - k;
    }
    t[n] = '\0';
    return t;
}

/* zlib's inflate of a whole gzip buffer (all members). */
static unsigned char *zlib_gunzip(const unsigned char *gz, size_t n, size_t *out_n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
    size_t cap = n * 8 + 1024, len = 0;
    unsigned char *out = malloc(cap);
    z.next_in = (unsigned char *)(uintptr_t)gz;
    z.avail_in = (uInt)n;
    for (;;) {
        if (cap - len < 4096)
            out = realloc(out, cap *= 2);
        z.next_out = out + len;
        z.avail_out = (uInt)(cap - len);
        int zr = inflate(&z, Z_NO_FLUSH);
        len = cap - z.avail_out;
        if (zr == Z_STREAM_END) {
            if (z.avail_in == 0)
                break;
            inflateReset(&z);
            continue;
        }
        cr_assert(zr == Z_OK || zr == Z_BUF_ERROR, "zlib: %d %s", zr, z.msg ? z.msg : "");
        cr_assert(z.avail_in > 0 || zr == Z_OK, "zlib: the stream ended inside a member");
    }
    inflateEnd(&z);
    *out_n = len;
    return out;
}

static unsigned char *zlib_gzip(const char *text, size_t n, int level, size_t *out_n)
{
    uLongf cap = compressBound((uLong)n) + 64;
    unsigned char *out = malloc(cap);
    z_stream z;
    memset(&z, 0, sizeof z);
    cr_assert_eq(deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (unsigned char *)(uintptr_t)text;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_n = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* Reads a whole stream over a buffer in reads of at most step bytes. */
static int read_stream(const unsigned char *gz, size_t n, size_t step, char **out, size_t *out_n)
{
    ristra__stream *s = NULL;
    int rc = ristra__stream_open_memory(&s, gz, n, "t.gz");
    cr_assert_eq(rc, RISTRA_OK, "%s", ristra_last_error());
    size_t cap = 1024, len = 0;
    char *buf = malloc(cap);
    int64_t r;
    for (;;) {
        if (cap - len < step)
            buf = realloc(buf, cap = cap * 2 + step);
        r = ristra__stream_read(s, buf + len, step);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    ristra__stream_close(s);
    *out = buf;
    *out_n = len;
    return (int)r;
}

Test(gzip_codec, what_ristra_writes_zlib_reads_back_at_every_level)
{
    char *dir = rt_tmpdir();
    const size_t n = 3 * 1024 * 1024 + 17; /* several of the output's buffers */
    char *text = sample_text(n);
    for (int level = 1; level <= 9; level += 4) {
        char *path = rt_join(dir, "out.csv.gz");
        ristra__output *o = NULL;
        cr_assert_eq(ristra__output_open(&o, path, level), RISTRA_OK, "%s", ristra_last_error());
        for (size_t k = 0; k < n; k += 100003) /* odd-sized writes */
            cr_assert_eq(ristra__output_write(o, text + k, n - k < 100003 ? n - k : 100003),
                         RISTRA_OK);
        cr_assert_eq(ristra__output_commit(o), RISTRA_OK, "%s", ristra_last_error());
        size_t gz_n = 0, back_n = 0;
        unsigned char *gz = (unsigned char *)rt_read_file(path, &gz_n);
        cr_assert(gz_n < n / 2, "level %d: %zu bytes from %zu", level, gz_n, n);
        unsigned char *back = zlib_gunzip(gz, gz_n, &back_n);
        cr_assert_eq(back_n, n, "level %d", level);
        cr_assert(memcmp(back, text, n) == 0, "level %d", level);
        free(back);
        free(gz);
        free(path);
    }
    free(text);
    rt_rmtree(dir);
    free(dir);
}

/* Whole members (compressed on other threads) between ordinary writes:
 * the file is their concatenation, for zlib and for ristra's own reader;
 * members last leave no empty member after them. */
Test(gzip_codec, members_written_whole_read_back_as_one_text_in_order)
{
    char *dir = rt_tmpdir();
    const size_t n = 2 * 1024 * 1024 + 5;
    char *text = sample_text(n);
    const size_t cut[] = { 0, 1000, 700000, 1500000, n - 3, n };
    for (int members_last = 0; members_last <= 1; members_last++) {
        char *path = rt_join(dir, "members.csv.gz");
        ristra__output *o = NULL;
        cr_assert_eq(ristra__output_open(&o, path, 1), RISTRA_OK, "%s", ristra_last_error());
        for (int k = 0; k < 5; k++) {
            const char *part = text + cut[k];
            size_t len = cut[k + 1] - cut[k];
            if (k % 2 == 0 && !(members_last && k == 4)) {
                cr_assert_eq(ristra__output_write(o, part, len), RISTRA_OK);
                continue;
            }
            char *member = NULL;
            size_t member_len = 0;
            cr_assert_eq(ristra__gzip_member(&member, &member_len, part, len, 1), RISTRA_OK);
            cr_assert_eq(ristra__output_write_member(o, member, member_len), RISTRA_OK);
            free(member);
        }
        cr_assert_eq(ristra__output_commit(o), RISTRA_OK, "%s", ristra_last_error());
        size_t gz_n = 0, back_n = 0, ours_n = 0;
        unsigned char *gz = (unsigned char *)rt_read_file(path, &gz_n);
        unsigned char *back = zlib_gunzip(gz, gz_n, &back_n);
        cr_assert_eq(back_n, n);
        cr_assert(memcmp(back, text, n) == 0);
        char *ours = NULL;
        cr_assert_eq(read_stream(gz, gz_n, 65536, &ours, &ours_n), 0, "%s", ristra_last_error());
        cr_assert_eq(ours_n, n);
        cr_assert(memcmp(ours, text, n) == 0);
        /* the last member ends the file: a last empty one would be 20 bytes */
        if (members_last)
            cr_assert_neq(memcmp(gz + gz_n - 8, "\0\0\0\0\0\0\0\0", 8), 0);
        free(back), free(ours), free(gz), free(path);
    }
    free(text);
    rt_rmtree(dir);
    free(dir);
}

Test(gzip_codec, an_empty_output_is_a_valid_empty_gzip_file)
{
    char *buf = NULL;
    size_t n = 0, back_n = 0;
    cr_assert_eq(ristra__gzip_buffer(&buf, &n, "", 0), RISTRA_OK);
    unsigned char *back = zlib_gunzip((unsigned char *)buf, n, &back_n);
    cr_assert_eq(back_n, 0);
    free(back);
    free(buf);
}

Test(gzip_codec, what_zlib_writes_ristra_reads_in_any_read_size_and_members)
{
    const size_t n = 700 * 1024 + 3;
    char *text = sample_text(n);
    size_t a_n, b_n;
    unsigned char *a = zlib_gzip(text, n / 3, 1, &a_n);
    unsigned char *b = zlib_gzip(text + n / 3, n - n / 3, 9, &b_n);
    unsigned char *both = malloc(a_n + b_n);
    memcpy(both, a, a_n);
    memcpy(both + a_n, b, b_n);
    static const size_t steps[] = { 1, 7, 4096, 65537, 1 << 22 };
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        if (steps[i] == 1 && n > 200000) {
            /* one byte a read over the first member only: slow otherwise */
            char *out;
            size_t out_n;
            cr_assert_eq(read_stream(a, a_n, 1, &out, &out_n), 0, "%s", ristra_last_error());
            cr_assert_eq(out_n, n / 3);
            cr_assert(memcmp(out, text, out_n) == 0);
            free(out);
            continue;
        }
        char *out;
        size_t out_n;
        cr_assert_eq(read_stream(both, a_n + b_n, steps[i], &out, &out_n), 0, "step %zu: %s",
                     steps[i], ristra_last_error());
        cr_assert_eq(out_n, n, "step %zu", steps[i]);
        cr_assert(memcmp(out, text, n) == 0, "step %zu", steps[i]);
        free(out);
    }
    free(both);
    free(a);
    free(b);
    free(text);
}

Test(gzip_codec, every_truncation_of_a_member_is_an_error_never_a_short_read)
{
    const size_t n = 5000;
    char *text = sample_text(n);
    size_t gz_n;
    unsigned char *gz = zlib_gzip(text, n, 6, &gz_n);
    for (size_t cut = 2; cut < gz_n; cut++) {
        char *out;
        size_t out_n;
        int rc = read_stream(gz, cut, 4096, &out, &out_n);
        cr_assert_eq(rc, RISTRA_EFORMAT, "cut at %zu of %zu read %zu bytes cleanly", cut, gz_n,
                     out_n);
        cr_assert(strstr(ristra_last_error(), "t.gz: "), "%s", ristra_last_error());
        free(out);
    }
    free(gz);
    free(text);
}

Test(gzip_codec, a_flipped_byte_in_the_data_is_reported_as_corrupt)
{
    const size_t n = 20000;
    char *text = sample_text(n);
    size_t gz_n;
    unsigned char *gz = zlib_gzip(text, n, 6, &gz_n);
    gz[gz_n - 6] ^= 0x55; /* inside the CRC-32 */
    char *out;
    size_t out_n;
    cr_assert_eq(read_stream(gz, gz_n, 65536, &out, &out_n), RISTRA_EFORMAT);
    cr_assert(strstr(ristra_last_error(), "t.gz: corrupt gzip stream"), "%s", ristra_last_error());
    free(out);
    free(gz);
    free(text);
}

Test(gzip_codec, the_backend_is_named)
{
    const char *b = ristra__gzip_backend();
    cr_assert(strcmp(b, "isa-l") == 0 || strcmp(b, "zlib") == 0, "%s", b);
}
