/* Atomic output files, optionally gzip-compressed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "ristra/common.h"
#include "../common/error_internal.h"
#include "output_internal.h"

enum { BUFFER_CAPACITY = 256 * 1024 };

struct ristra__output {
    char *path;
    char *tmp_path;
    int fd;
    int gzip;
    z_stream z;
    unsigned char *buf;    /* bytes waiting to be written to fd */
    size_t buf_len;
    int finished;          /* ristra__output_finish() succeeded: only the rename is left */
};

int ristra__path_is_gz(const char *path)
{
    size_t n = strlen(path);
    return n >= 3 && strcmp(path + n - 3, ".gz") == 0;
}

static int write_all(ristra__output *o, const unsigned char *p, size_t n)
{
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

int ristra__output_open(ristra__output **out, const char *path, int gzip_level)
{
    *out = NULL;
    ristra__output *o = calloc(1, sizeof *o);
    if (!o)
        return ristra__oom();
    o->fd = -1;
    size_t n = strlen(path);
    o->path = strdup(path);
    o->tmp_path = malloc(n + sizeof ".tmp.XXXXXX");
    o->buf = malloc(BUFFER_CAPACITY);
    if (!o->path || !o->tmp_path || !o->buf) {
        ristra__output_abort(o);
        return ristra__oom();
    }
    memcpy(o->tmp_path, path, n);
    memcpy(o->tmp_path + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    o->fd = mkostemp(o->tmp_path, O_CLOEXEC);
    if (o->fd < 0) {
        int rc = ristra__error(RISTRA_EIO, "%s: cannot create temporary file %s: %s", path,
                               o->tmp_path, strerror(errno));
        o->tmp_path[0] = '\0';
        ristra__output_abort(o);
        return rc;
    }
    /* mkostemp creates 0600; give the file the usual umask-based mode. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(o->fd, 0666 & ~mask);
    if (gzip_level > 0) {
        if (deflateInit2(&o->z, gzip_level > 9 ? 9 : gzip_level, Z_DEFLATED, 15 + 16, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK) {
            ristra__output_abort(o);
            return ristra__oom();
        }
        o->gzip = 1;
    }
    *out = o;
    return RISTRA_OK;
}

static int deflate_some(ristra__output *o, const void *data, size_t size, int flush)
{
    o->z.next_in = (unsigned char *)(uintptr_t)data;
    o->z.avail_in = (uInt)size;
    for (;;) {
        o->z.next_out = o->buf + o->buf_len;
        o->z.avail_out = (uInt)(BUFFER_CAPACITY - o->buf_len);
        int zr = deflate(&o->z, flush);
        o->buf_len = BUFFER_CAPACITY - o->z.avail_out;
        if (zr == Z_STREAM_ERROR)
            return ristra__error(RISTRA_ERROR, "%s: deflate failed", o->path);
        if (o->buf_len == BUFFER_CAPACITY) {
            int rc = flush_buffer(o);
            if (rc)
                return rc;
            continue;
        }
        if (flush == Z_FINISH ? zr == Z_STREAM_END : o->z.avail_in == 0)
            return RISTRA_OK;
    }
}

int ristra__output_write(ristra__output *o, const void *data, size_t size)
{
    if (o->gzip) {
        const unsigned char *p = data;
        while (size > 0) { /* avail_in is 32-bit */
            size_t k = size > (1u << 30) ? (1u << 30) : size;
            int rc = deflate_some(o, p, k, Z_NO_FLUSH);
            if (rc)
                return rc;
            p += k;
            size -= k;
        }
        return RISTRA_OK;
    }
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

int ristra__output_finish(ristra__output *o)
{
    if (o->finished)
        return RISTRA_OK;
    int rc = RISTRA_OK;
    if (o->gzip)
        rc = deflate_some(o, "", 0, Z_FINISH);
    if (!rc)
        rc = flush_buffer(o);
    if (!rc && fsync(o->fd) != 0 && errno != EINVAL && errno != EROFS)
        rc = ristra__error(RISTRA_EIO, "%s: fsync failed: %s", o->path, strerror(errno));
    if (!rc) {
        int fd = o->fd;
        o->fd = -1;
        if (close(fd) != 0)
            rc = ristra__error(RISTRA_EIO, "%s: close failed: %s", o->path, strerror(errno));
    }
    o->finished = !rc;
    return rc;
}

int ristra__output_commit(ristra__output *o)
{
    int rc = ristra__output_finish(o);
    if (!rc && rename(o->tmp_path, o->path) != 0)
        rc = ristra__error(RISTRA_EIO, "%s: cannot rename %s into place: %s", o->path,
                           o->tmp_path, strerror(errno));
    if (!rc)
        o->tmp_path[0] = '\0'; /* nothing left to remove */
    ristra__output_abort(o);
    return rc;
}

void ristra__output_abort(ristra__output *o)
{
    if (!o)
        return;
    if (o->gzip)
        deflateEnd(&o->z);
    if (o->fd >= 0)
        close(o->fd);
    if (o->tmp_path && o->tmp_path[0])
        unlink(o->tmp_path);
    free(o->tmp_path);
    free(o->path);
    free(o->buf);
    free(o);
}

int ristra__gzip_buffer(char **out, size_t *size_out, const void *data, size_t size)
{
    *out = NULL;
    *size_out = 0;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return ristra__oom();
    size_t cap = deflateBound(&z, (uLong)size) + 32;
    unsigned char *buf = malloc(cap);
    if (!buf || size > UINT32_MAX || cap > UINT32_MAX) {
        deflateEnd(&z);
        free(buf);
        return buf ? ristra__error(RISTRA_EINVAL, "buffer too large to compress in one piece")
                   : ristra__oom();
    }
    z.next_in = (unsigned char *)(uintptr_t)data;
    z.avail_in = (uInt)size;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    int zr = deflate(&z, Z_FINISH);
    size_t produced = cap - z.avail_out;
    deflateEnd(&z);
    if (zr != Z_STREAM_END) {
        free(buf);
        return ristra__error(RISTRA_ERROR, "gzip compression failed");
    }
    *out = (char *)buf;
    *size_out = produced;
    return RISTRA_OK;
}
