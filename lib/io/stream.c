/* Input streams over files and buffers, inflating gzip on the fly. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ristra/common.h"
#include "../common/digest_internal.h"
#include "../common/error_internal.h"
#include "gzip_codec_internal.h"
#include "stream_internal.h"

enum { RAW_CAPACITY = 256 * 1024 };

/* Read-ahead: a thread that decompresses the next chunks while the caller
 * parses the last ones (see ristra__stream_start_readahead). */
enum { AHEAD_CHUNKS = 4, AHEAD_CHUNK = 1 << 20 };

typedef struct ahead_chunk {
    unsigned char *data;
    int64_t len;                 /* bytes, 0 at the end, or a negative ristra_error */
    size_t pos;                  /* bytes the caller has taken */
    uint64_t raw_consumed;       /* file bytes consumed once this chunk was made */
    char message[512];           /* the error's message (errors are thread-local) */
} ahead_chunk;

typedef struct readahead {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ahead_chunk chunks[AHEAD_CHUNKS];
    int head, count;             /* the caller takes chunks[head]; count are ready */
    int stop, finished;          /* finished: the thread made its last chunk */
} readahead;

struct ristra__stream {
    char *name;
    int fd;                      /* -1 for a memory stream */
    const unsigned char *mem;    /* memory stream: the whole input */
    size_t mem_size, mem_pos;
    uint64_t raw_consumed, raw_size;
    int gzip;
    int at_member_end;           /* gzip: the last member ended cleanly */
    int raw_eof;                 /* gzip: the raw input has ended */
    ristra__inflater *inf;
    unsigned char *raw;          /* gzip: compressed input buffer */
    unsigned char peek[2];       /* first bytes, read to detect gzip */
    size_t peek_len, peek_pos;
    readahead *ahead;            /* NULL: the caller reads directly */
    uint64_t taken_consumed;     /* with read-ahead: raw_consumed as the caller sees it */
    ristra__sha256 *hash;        /* file streams: SHA-256 of the raw bytes, as they are read */
    int hash_failed;
};

static void hash_raw(ristra__stream *s, const void *p, size_t n)
{
    if (s->hash && !s->hash_failed && ristra__sha256_update(s->hash, p, n) != RISTRA_OK)
        s->hash_failed = 1;
}

/* Reads raw (possibly compressed) bytes; 0 at end of input. */
static int64_t raw_read(ristra__stream *s, void *buf, size_t cap)
{
    size_t n = 0;
    unsigned char *dst = buf;
    while (s->peek_pos < s->peek_len && n < cap)
        dst[n++] = s->peek[s->peek_pos++];
    if (n == cap)
        return (int64_t)n;
    if (s->fd < 0) {
        size_t left = s->mem_size - s->mem_pos;
        size_t k = cap - n < left ? cap - n : left;
        memcpy(dst + n, s->mem + s->mem_pos, k);
        s->mem_pos += k;
        s->raw_consumed += k;
        return (int64_t)(n + k);
    }
    for (;;) {
        ssize_t r = read(s->fd, dst + n, cap - n);
        if (r >= 0) {
            hash_raw(s, dst + n, (size_t)r);
            s->raw_consumed += (uint64_t)r;
            return (int64_t)(n + (size_t)r);
        }
        if (errno != EINTR)
            return ristra__error(RISTRA_EIO, "%s: read failed: %s", s->name, strerror(errno));
    }
}

static int detect_gzip(ristra__stream *s)
{
    while (s->peek_len < 2) {
        int64_t r = raw_read(s, s->peek + s->peek_len, 2 - s->peek_len);
        if (r < 0)
            return (int)r;
        if (r == 0)
            break;
        s->peek_len += (size_t)r;
    }
    s->peek_pos = 0;
    s->gzip = s->peek_len == 2 && s->peek[0] == 0x1f && s->peek[1] == 0x8b;
    if (!s->gzip)
        return RISTRA_OK;
    int rc = ristra__inflater_new(&s->inf);
    if (rc)
        return rc;
    s->raw = malloc(RAW_CAPACITY);
    if (!s->raw)
        return ristra__oom();
    return RISTRA_OK;
}

static int stream_new(ristra__stream **out, const char *name)
{
    ristra__stream *s = calloc(1, sizeof *s);
    if (!s)
        return ristra__oom();
    s->name = strdup(name);
    if (!s->name) {
        free(s);
        return ristra__oom();
    }
    s->fd = -1;
    *out = s;
    return RISTRA_OK;
}

int ristra__stream_open_file(ristra__stream **out, const char *path)
{
    *out = NULL;
    ristra__stream *s = NULL;
    int rc = stream_new(&s, path);
    if (rc)
        return rc;
    /* "-" is standard input (a copy of the descriptor, so close() is harmless). */
    s->fd = strcmp(path, "-") == 0 ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)
                                   : open(path, O_RDONLY | O_CLOEXEC);
    s->hash = s->fd >= 0 ? ristra__sha256_new() : NULL;
    if (s->fd >= 0 && !s->hash) {
        ristra__stream_close(s);
        return ristra__oom();
    }
    if (s->fd < 0) {
        rc = ristra__error(RISTRA_EIO, "%s: cannot open: %s", path, strerror(errno));
        ristra__stream_close(s);
        return rc;
    }
    struct stat st;
    if (fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode))
        s->raw_size = (uint64_t)st.st_size;
    else if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        rc = ristra__error(RISTRA_EIO, "%s: is a directory", path);
        ristra__stream_close(s);
        return rc;
    }
    rc = detect_gzip(s);
    if (rc) {
        ristra__stream_close(s);
        return rc;
    }
    *out = s;
    return RISTRA_OK;
}

int ristra__stream_open_memory(ristra__stream **out, const void *data, size_t size,
                               const char *name)
{
    *out = NULL;
    ristra__stream *s = NULL;
    int rc = stream_new(&s, name ? name : "<buffer>");
    if (rc)
        return rc;
    s->mem = data;
    s->mem_size = size;
    s->raw_size = size;
    rc = detect_gzip(s);
    if (rc) {
        ristra__stream_close(s);
        return rc;
    }
    *out = s;
    return RISTRA_OK;
}

static void stop_readahead(ristra__stream *s);

void ristra__stream_close(ristra__stream *s)
{
    if (!s)
        return;
    stop_readahead(s);
    ristra__inflater_free(s->inf);
    if (s->fd >= 0)
        close(s->fd);
    ristra__sha256_free(s->hash);
    free(s->raw);
    free(s->name);
    free(s);
}

/* Refills the inflater's input; returns bytes added, 0 at end of input. */
static int64_t refill(ristra__stream *s)
{
    int64_t r = raw_read(s, s->raw, RAW_CAPACITY);
    if (r > 0)
        ristra__inflater_input(s->inf, s->raw, (size_t)r);
    if (r == 0)
        s->raw_eof = 1;
    return r;
}

/* At the end of a member: another member must start here, or the input end. */
static int next_member(ristra__stream *s)
{
    if (ristra__inflater_next_in(s->inf)[0] != 0x1f)
        return ristra__error(RISTRA_EFORMAT,
                             "%s: trailing data after the gzip stream (at compressed byte %llu)",
                             s->name,
                             (unsigned long long)(s->raw_consumed -
                                                  ristra__inflater_avail_in(s->inf)));
    ristra__inflater_next_member(s->inf);
    s->at_member_end = 0;
    return RISTRA_OK;
}

static int64_t gzip_read(ristra__stream *s, unsigned char *buf, size_t cap)
{
    size_t done = 0;
    while (done < cap) {
        if (ristra__inflater_avail_in(s->inf) == 0 && !s->raw_eof) {
            int64_t r = refill(s);
            if (r < 0)
                return r;
        }
        const size_t avail = ristra__inflater_avail_in(s->inf);
        if (s->at_member_end) {
            if (avail == 0)
                break; /* the input ended with a complete member */
            int rc = next_member(s);
            if (rc)
                return rc;
        }
        size_t got = 0;
        const char *why = NULL;
        int zr = ristra__inflater_run(s->inf, buf + done, cap - done, &got, &why);
        done += got;
        if (zr == RISTRA__INFLATE_MEMBER_END) {
            s->at_member_end = 1;
            continue;
        }
        if (zr == RISTRA__INFLATE_NOMEM)
            return ristra__oom();
        if (zr == RISTRA__INFLATE_CORRUPT)
            return ristra__error(RISTRA_EFORMAT, "%s: corrupt gzip stream: %s", s->name, why);
        /* No progress although there was room: the input ran out mid-member. */
        if (got == 0 && ristra__inflater_avail_in(s->inf) == avail && s->raw_eof)
            return ristra__error(RISTRA_EFORMAT,
                                 "%s: truncated gzip stream (input ends after %llu "
                                 "compressed bytes, inside a gzip member)",
                                 s->name, (unsigned long long)s->raw_consumed);
    }
    return (int64_t)done;
}

static int64_t direct_read(ristra__stream *s, void *buf, size_t cap)
{
    if (s->gzip)
        return gzip_read(s, buf, cap);
    return raw_read(s, buf, cap);
}

static void *ahead_main(void *arg)
{
    ristra__stream *s = arg;
    readahead *a = s->ahead;
    int slot = 0;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        while (a->count == AHEAD_CHUNKS && !a->stop)
            pthread_cond_wait(&a->cv, &a->mu);
        int stop = a->stop;
        pthread_mutex_unlock(&a->mu);
        if (stop)
            break;
        /* The slot is free: the caller is done with it and never touches
         * a slot that is not counted as ready. */
        ahead_chunk *c = &a->chunks[slot];
        c->pos = 0;
        c->len = direct_read(s, c->data, AHEAD_CHUNK);
        c->raw_consumed = s->raw_consumed;
        if (c->len < 0)
            snprintf(c->message, sizeof c->message, "%s", ristra_last_error());
        pthread_mutex_lock(&a->mu);
        a->count++;
        if (c->len <= 0)
            a->finished = 1;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        if (c->len <= 0)
            break;
        slot = (slot + 1) % AHEAD_CHUNKS;
    }
    return NULL;
}

int ristra__stream_start_readahead(ristra__stream *s)
{
    if (s->ahead || !s->gzip)
        return RISTRA_OK;
    readahead *a = calloc(1, sizeof *a);
    if (!a)
        return ristra__oom();
    for (int i = 0; i < AHEAD_CHUNKS; i++) {
        a->chunks[i].data = malloc(AHEAD_CHUNK);
        if (!a->chunks[i].data) {
            for (int j = 0; j < i; j++)
                free(a->chunks[j].data);
            free(a);
            return ristra__oom();
        }
    }
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    s->taken_consumed = s->raw_consumed;
    s->ahead = a;
    if (pthread_create(&a->thread, NULL, ahead_main, s) != 0) {
        s->ahead = NULL; /* no thread: read directly, as before */
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->cv);
        for (int i = 0; i < AHEAD_CHUNKS; i++)
            free(a->chunks[i].data);
        free(a);
    }
    return RISTRA_OK;
}

static void stop_readahead(ristra__stream *s)
{
    readahead *a = s->ahead;
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->stop = 1;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    for (int i = 0; i < AHEAD_CHUNKS; i++)
        free(a->chunks[i].data);
    free(a);
    s->ahead = NULL;
}

static int64_t ahead_read(ristra__stream *s, unsigned char *buf, size_t cap)
{
    readahead *a = s->ahead;
    pthread_mutex_lock(&a->mu);
    while (a->count == 0)
        pthread_cond_wait(&a->cv, &a->mu);
    pthread_mutex_unlock(&a->mu);
    ahead_chunk *c = &a->chunks[a->head];
    if (c->len <= 0) { /* the end, or an error: it stays at the head */
        if (c->len < 0)
            return ristra__error((int)c->len, "%s", c->message);
        return 0;
    }
    size_t n = (size_t)c->len - c->pos;
    if (n > cap)
        n = cap;
    memcpy(buf, c->data + c->pos, n);
    c->pos += n;
    s->taken_consumed = c->raw_consumed;
    if (c->pos == (size_t)c->len) {
        pthread_mutex_lock(&a->mu);
        a->head = (a->head + 1) % AHEAD_CHUNKS;
        a->count--;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
    }
    return (int64_t)n;
}

int64_t ristra__stream_read(ristra__stream *s, void *buf, size_t cap)
{
    if (cap == 0)
        return 0;
    if (s->ahead)
        return ahead_read(s, buf, cap);
    return direct_read(s, buf, cap);
}

int ristra__stream_read_all(ristra__stream *s, char **out, size_t *size_out)
{
    return ristra__stream_read_all_capped(s, out, size_out, UINT64_MAX, NULL);
}

int ristra__stream_read_all_capped(ristra__stream *s, char **out, size_t *size_out,
                                   uint64_t max_bytes, const char *what)
{
    *out = NULL;
    *size_out = 0;
    size_t cap = 64 * 1024, len = 0;
    if (!s->gzip && s->raw_size > 0)
        cap = (size_t)s->raw_size + 1;
    if (!s->gzip && s->raw_size > max_bytes) /* a plain file says its size */
        return ristra__error(RISTRA_EFORMAT, "%s: %llu bytes, more than %llu (the limit is %s)",
                             s->name, (unsigned long long)s->raw_size,
                             (unsigned long long)max_bytes, what ? what : "");
    char *buf = malloc(cap);
    if (!buf)
        return ristra__oom();
    for (;;) {
        if (cap - len < 2) {
            size_t ncap = cap * 2;
            if (max_bytes < SIZE_MAX - 2 && ncap > max_bytes + 2)
                ncap = (size_t)max_bytes + 2; /* room for one byte past the limit */
            char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                return ristra__oom();
            }
            buf = nb;
            cap = ncap;
        }
        int64_t r = ristra__stream_read(s, buf + len, cap - len - 1);
        if (r < 0) {
            free(buf);
            return (int)r;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len > max_bytes) {
            free(buf);
            return ristra__error(RISTRA_EFORMAT,
                                 "%s: more than %llu bytes%s (the limit is %s)", s->name,
                                 (unsigned long long)max_bytes,
                                 s->gzip ? " once decompressed" : "", what ? what : "");
        }
    }
    buf[len] = '\0';
    *out = buf;
    *size_out = len;
    return RISTRA_OK;
}

const char *ristra__stream_name(const ristra__stream *s) { return s->name; }
int ristra__stream_is_gzip(const ristra__stream *s) { return s->gzip; }
uint64_t ristra__stream_raw_consumed(const ristra__stream *s)
{
    return s->ahead ? s->taken_consumed : s->raw_consumed;
}
uint64_t ristra__stream_raw_size(const ristra__stream *s) { return s->raw_size; }

int ristra__stream_digest(ristra__stream *s, char hex[65], uint64_t *size_out)
{
    if (!s->hash)
        return ristra__error(RISTRA_ERROR, "%s: not a file stream: no digest", s->name);
    stop_readahead(s); /* joins the thread that read (and hashed) last */
    unsigned char buf[16384];
    int64_t r;
    while ((r = raw_read(s, buf, sizeof buf)) > 0) /* bytes after the data, if any */
        ;
    if (r < 0)
        return (int)r;
    if (s->hash_failed)
        return ristra__error(RISTRA_ERROR, "%s: hashing the input failed", s->name);
    uint8_t bin[RISTRA__SHA256_BYTES];
    int rc = ristra__sha256_final(s->hash, bin, hex);
    if (!rc && size_out)
        *size_out = s->raw_consumed;
    return rc;
}
