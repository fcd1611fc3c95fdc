/* Output files, optionally gzip-compressed, written to a temporary beside
 * the destination (commit.c renames them into place). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ristra/common.h"
#include "../common/digest_internal.h"
#include "../common/error_internal.h"
#include "gzip_codec_internal.h"
#include "output_internal.h"
#include "output_private.h"

enum { BUFFER_CAPACITY = 256 * 1024 };

struct ristra__output {
    char *path;
    char *tmp_path;        /* "" for standard output, or once renamed */
    int fd;
    int is_stdout;
    int gzip;              /* the level, 0 for plain */
    int def_used;          /* the deflater has had bytes since it started */
    ristra__deflater *def;
    unsigned char *buf;    /* bytes waiting to be written to fd */
    size_t buf_len;
    int finished;          /* ristra__output_finish() succeeded: only the rename is left */
    ristra__sha256 *hash;  /* of the bytes written to fd */
    int64_t written;
    char digest[RISTRA__SHA256_HEX];
};

int ristra__path_is_gz(const char *path)
{
    size_t n = strlen(path);
    return n >= 3 && strcmp(path + n - 3, ".gz") == 0;
}

static int write_all(ristra__output *o, const unsigned char *p, size_t n)
{
    int rc = ristra__sha256_update(o->hash, p, n);
    if (rc)
        return rc;
    o->written += (int64_t)n;
    while (n > 0) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return ristra__error(RISTRA_EIO, "%s: write failed: %s", o->path, strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
    return RISTRA_OK;
}

static int flush_buffer(ristra__output *o)
{
    int rc = write_all(o, o->buf, o->buf_len);
    o->buf_len = 0;
    return rc;
}

/* A random suffix for a temporary or kept-aside name: getrandom(), or the
 * clock and a counter where it is unavailable (O_EXCL still guards). */
void ristra__random_suffix(char out[7])
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char r[6];
    if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        static _Atomic unsigned counter;
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 20) ^ (uint64_t)++counter * 0x9e3779b97f4a7c15u;
        for (int i = 0; i < 6; i++, x >>= 8)
            r[i] = (unsigned char)x;
    }
    for (int i = 0; i < 6; i++)
        out[i] = alphabet[r[i] % (sizeof alphabet - 1)];
    out[6] = '\0';
}

/* Creates "<path>.tmp.XXXXXX" with O_EXCL and the mode (the kernel applies
 * the umask: it is never read, since reading it means setting it, for the
 * whole process). */
static int create_temporary(ristra__output *o, int mode)
{
    size_t n = strlen(o->path);
    for (int attempt = 0; attempt < 100; attempt++) {
        char suffix[7];
        ristra__random_suffix(suffix);
        snprintf(o->tmp_path, n + sizeof ".tmp.XXXXXX", "%s.tmp.%s", o->path, suffix);
        o->fd = open(o->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                     (mode_t)mode);
        if (o->fd >= 0 || errno != EEXIST)
            break;
    }
    if (o->fd >= 0)
        return RISTRA_OK;
    int rc = ristra__error(RISTRA_EIO, "%s: cannot create temporary file %s: %s", o->path,
                           o->tmp_path, strerror(errno));
    o->tmp_path[0] = '\0';
    return rc;
}

int ristra__output_open_mode(ristra__output **out, const char *path, int gzip_level, int mode)
{
    *out = NULL;
    if (mode < 0 || mode > 07777)
        return ristra__error(RISTRA_EINVAL, "%s: file mode %o is not a permission mode", path,
                             (unsigned)mode);
    ristra__output *o = calloc(1, sizeof *o);
    if (!o)
        return ristra__oom();
    o->fd = -1;
    size_t n = strlen(path);
    o->path = strdup(path);
    o->tmp_path = calloc(1, n + sizeof ".tmp.XXXXXX");
    o->buf = malloc(BUFFER_CAPACITY);
    o->hash = ristra__sha256_new();
    if (!o->path || !o->tmp_path || !o->buf || !o->hash) {
        ristra__output_abort(o);
        return ristra__oom();
    }
    int rc = RISTRA_OK;
    if (strcmp(path, "-") == 0) {
        o->is_stdout = 1;
        o->fd = STDOUT_FILENO;
    } else {
        rc = create_temporary(o, mode ? mode : RISTRA__PRIVATE_MODE);
    }
    if (!rc && gzip_level > 0) {
        rc = ristra__deflater_new(&o->def, gzip_level > 9 ? 9 : gzip_level);
        o->gzip = rc ? 0 : (gzip_level > 9 ? 9 : gzip_level);
    }
    if (rc) {
        ristra__output_abort(o);
        return rc;
    }
    *out = o;
    return RISTRA_OK;
}

int ristra__output_open(ristra__output **out, const char *path, int gzip_level)
{
    return ristra__output_open_mode(out, path, gzip_level, RISTRA__PRIVATE_MODE);
}

const char *ristra__output_path(const ristra__output *o) { return o->path; }
int ristra__output_is_stdout(const ristra__output *o) { return o->is_stdout; }

int ristra__output_digest(const ristra__output *o, char hex[65], int64_t *size_out)
{
    if (!o->finished)
        return ristra__error(RISTRA_ERROR, "%s: digest asked for before the file was finished",
                             o->path);
    memcpy(hex, o->digest, RISTRA__SHA256_HEX);
    if (size_out)
        *size_out = o->written;
    return RISTRA_OK;
}

static int deflate_some(ristra__output *o, const void *data, size_t size, int finish)
{
    const unsigned char *p = data;
    for (;;) {
        size_t used = 0, made = 0;
        int rc = ristra__deflater_run(o->def, p, size, finish, o->buf + o->buf_len,
                                      BUFFER_CAPACITY - o->buf_len, &used, &made);
        if (rc < 0)
            return ristra__error_prefix(rc, "%s: ", o->path);
        p += used;
        size -= used;
        o->buf_len += made;
        if (finish ? rc == 1 : size == 0)
            return RISTRA_OK;
        /* not done: the buffer is full, or too nearly full for progress */
        if (o->buf_len == BUFFER_CAPACITY || (used == 0 && made == 0)) {
            int frc = flush_buffer(o);
            if (frc)
                return frc;
        }
    }
}

/* Appends bytes as they are (plain text, or whole gzip members). */
static int write_raw(ristra__output *o, const void *data, size_t size)
{
    if (o->buf_len + size > BUFFER_CAPACITY) {
        int rc = flush_buffer(o);
        if (rc)
            return rc;
        if (size > BUFFER_CAPACITY)
            return write_all(o, data, size);
    }
    memcpy(o->buf + o->buf_len, data, size);
    o->buf_len += size;
    return RISTRA_OK;
}

int ristra__output_gzip_level(const ristra__output *o)
{
    return o->gzip;
}

/* Ends the gzip member the deflater was writing, if it had any bytes, and
 * starts a fresh deflater for what comes after. */
static int end_member(ristra__output *o)
{
    if (!o->def_used)
        return RISTRA_OK;
    int rc = deflate_some(o, "", 0, 1);
    ristra__deflater *fresh = NULL;
    if (!rc)
        rc = ristra__deflater_new(&fresh, o->gzip);
    if (rc)
        return rc;
    ristra__deflater_free(o->def);
    o->def = fresh;
    o->def_used = 0;
    return RISTRA_OK;
}

int ristra__output_write_member(ristra__output *o, const void *member, size_t size)
{
    int rc = end_member(o);
    return rc ? rc : write_raw(o, member, size);
}

int ristra__output_write(ristra__output *o, const void *data, size_t size)
{
    if (o->gzip) {
        o->def_used |= size > 0;
        const unsigned char *p = data;
        while (size > 0) { /* avail_in is 32-bit */
            size_t k = size > (1u << 30) ? (1u << 30) : size;
            int rc = deflate_some(o, p, k, 0);
            if (rc)
                return rc;
            p += k;
            size -= k;
        }
        return RISTRA_OK;
    }
    return write_raw(o, data, size);
}

int ristra__output_finish(ristra__output *o)
{
    if (o->finished)
        return RISTRA_OK;
    int rc = RISTRA_OK;
    /* the last member, unless whole members came last (an empty file
     * still gets one, empty) */
    if (o->gzip && (o->def_used || o->written + (int64_t)o->buf_len == 0))
        rc = deflate_some(o, "", 0, 1);
    if (!rc)
        rc = flush_buffer(o);
    /* A pipe or terminal cannot be synced (EINVAL); nor can some file systems. */
    if (!rc && !o->is_stdout && fsync(o->fd) != 0 && errno != EINVAL && errno != EROFS)
        rc = ristra__error(RISTRA_EIO, "%s: fsync failed: %s", o->path, strerror(errno));
    if (!rc && !o->is_stdout) {
        int fd = o->fd;
        o->fd = -1;
        if (close(fd) != 0)
            rc = ristra__error(RISTRA_EIO, "%s: close failed: %s", o->path, strerror(errno));
    }
    uint8_t bin[RISTRA__SHA256_BYTES];
    if (!rc)
        rc = ristra__sha256_final(o->hash, bin, o->digest);
    o->finished = !rc;
    return rc;
}

int ristra__output_commit(ristra__output *o)
{
    ristra__commit *c = NULL;
    int rc = ristra__commit_new(&c);
    if (rc) {
        ristra__output_abort(o);
        return rc;
    }
    rc = ristra__commit_add(c, o);
    if (!rc)
        rc = ristra__commit_run(c);
    ristra__commit_free(c);
    return rc;
}

/* The commit set renamed the temporary: nothing is left to remove. */
void ristra__output_forget_temporary(ristra__output *o)
{
    o->tmp_path[0] = '\0';
}

const char *ristra__output_temporary(const ristra__output *o)
{
    return o->tmp_path;
}

void ristra__output_abort(ristra__output *o)
{
    if (!o)
        return;
    ristra__deflater_free(o->def);
    if (o->fd >= 0 && !o->is_stdout)
        close(o->fd);
    if (o->tmp_path && o->tmp_path[0])
        unlink(o->tmp_path);
    ristra__sha256_free(o->hash);
    free(o->tmp_path);
    free(o->path);
    free(o->buf);
    free(o);
}

int ristra__gzip_buffer(char **out, size_t *size_out, const void *data, size_t size)
{
    return ristra__gzip_member(out, size_out, data, size, 6);
}

int ristra__gzip_member(char **out, size_t *size_out, const void *data, size_t size, int level)
{
    *out = NULL;
    *size_out = 0;
    ristra__deflater *d = NULL;
    int rc = ristra__deflater_new(&d, level);
    if (rc)
        return rc;
    size_t cap = size / 2 + 1024, len = 0;
    unsigned char *buf = malloc(cap);
    const unsigned char *p = data;
    for (rc = buf ? 0 : ristra__oom(); rc == 0;) {
        if (cap - len < 64 * 1024) {
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) {
                rc = ristra__oom();
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t used = 0, made = 0;
        rc = ristra__deflater_run(d, p, size, 1, buf + len, cap - len, &used, &made);
        p += used;
        size -= used;
        len += made;
    }
    ristra__deflater_free(d);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    *out = (char *)buf;
    *size_out = len;
    return RISTRA_OK;
}
