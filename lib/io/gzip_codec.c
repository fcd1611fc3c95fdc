/* gzip streams through ISA-L's igzip when the build has it, else zlib
 * (see gzip_codec_internal.h for why and what differs). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/common.h"
#include "../common/error_internal.h"
#include "gzip_codec_internal.h"

#ifdef RISTRA_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#else
#include <zlib.h>
#endif

/* Both libraries count in 32 bits. */
static uint32_t clamp32(size_t n) { return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n; }

#ifdef RISTRA_HAVE_ISAL
/* ============================================================ ISA-L */

struct ristra__inflater {
    struct inflate_state st;
};

const char *ristra__gzip_backend(void) { return "isa-l"; }

int ristra__inflater_new(ristra__inflater **out)
{
    *out = malloc(sizeof **out);
    if (!*out)
        return ristra__oom();
    isal_inflate_init(&(*out)->st);
    (*out)->st.crc_flag = ISAL_GZIP; /* parse the header, check CRC-32 and size */
    return RISTRA_OK;
}

void ristra__inflater_free(ristra__inflater *z) { free(z); }

void ristra__inflater_input(ristra__inflater *z, const unsigned char *in, size_t n)
{
    z->st.next_in = (uint8_t *)(uintptr_t)in;
    z->st.avail_in = clamp32(n);
}

size_t ristra__inflater_avail_in(const ristra__inflater *z) { return z->st.avail_in; }
const unsigned char *ristra__inflater_next_in(const ristra__inflater *z) { return z->st.next_in; }

void ristra__inflater_next_member(ristra__inflater *z)
{
    uint8_t *in = z->st.next_in;
    uint32_t n = z->st.avail_in;
    isal_inflate_reset(&z->st);
    z->st.crc_flag = ISAL_GZIP;
    z->st.next_in = in;
    z->st.avail_in = n;
}

static const char *isal_why(int code)
{
    switch (code) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate code";
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER: return "incorrect gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM: return "incorrect data check (CRC-32 or length)";
    case ISAL_NEED_DICT: return "needs a preset dictionary";
    default: return "inflate failed";
    }
}

int ristra__inflater_run(ristra__inflater *z, unsigned char *out, size_t cap, size_t *produced,
                         const char **why)
{
    const uint32_t room = clamp32(cap);
    z->st.next_out = out;
    z->st.avail_out = room;
    int rc = isal_inflate(&z->st);
    *produced = room - z->st.avail_out;
    if (rc < 0) {
        *why = isal_why(rc);
        return RISTRA__INFLATE_CORRUPT;
    }
    return z->st.block_state == ISAL_BLOCK_FINISH ? RISTRA__INFLATE_MEMBER_END : RISTRA__INFLATE_OK;
}

/* ISA-L's levels 1..3 need a work buffer of their own. */
struct ristra__deflater {
    struct isal_zstream zs;
    uint8_t *level_buf;
};

int ristra__deflater_new(ristra__deflater **out, int level)
{
    static const uint32_t buf_size[4] = { 0, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT,
                                          ISAL_DEF_LVL3_DEFAULT };
    const int isal_level = level <= 1 ? 1 : level <= 5 ? 2 : 3;
    ristra__deflater *d = calloc(1, sizeof *d);
    if (d)
        d->level_buf = malloc(buf_size[isal_level]);
    if (!d || !d->level_buf) {
        free(d);
        return ristra__oom();
    }
    isal_deflate_init(&d->zs);
    d->zs.gzip_flag = IGZIP_GZIP;
    d->zs.level = (uint32_t)isal_level;
    d->zs.level_buf = d->level_buf;
    d->zs.level_buf_size = buf_size[isal_level];
    *out = d;
    return RISTRA_OK;
}

void ristra__deflater_free(ristra__deflater *d)
{
    if (!d)
        return;
    free(d->level_buf);
    free(d);
}

int ristra__deflater_run(ristra__deflater *d, const unsigned char *in, size_t n, int finish,
                         unsigned char *out, size_t cap, size_t *consumed, size_t *produced)
{
    const uint32_t have = clamp32(n), room = clamp32(cap);
    d->zs.next_in = (uint8_t *)(uintptr_t)in;
    d->zs.avail_in = have;
    d->zs.next_out = out;
    d->zs.avail_out = room;
    d->zs.end_of_stream = finish && have == n;
    d->zs.flush = NO_FLUSH;
    int rc = isal_deflate(&d->zs);
    *consumed = have - d->zs.avail_in;
    *produced = room - d->zs.avail_out;
    if (rc != COMP_OK)
        return ristra__error(RISTRA_ERROR, "deflate failed (ISA-L error %d)", rc);
    return d->zs.end_of_stream && d->zs.internal_state.state == ZSTATE_END;
}

#else
/* ============================================================ zlib */

struct ristra__inflater {
    z_stream z;
};

const char *ristra__gzip_backend(void) { return "zlib"; }

int ristra__inflater_new(ristra__inflater **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return ristra__oom();
    if (inflateInit2(&(*out)->z, 15 + 16) != Z_OK) {
        free(*out);
        *out = NULL;
        return ristra__oom();
    }
    return RISTRA_OK;
}

void ristra__inflater_free(ristra__inflater *z)
{
    if (!z)
        return;
    inflateEnd(&z->z);
    free(z);
}

void ristra__inflater_input(ristra__inflater *z, const unsigned char *in, size_t n)
{
    z->z.next_in = (unsigned char *)(uintptr_t)in;
    z->z.avail_in = clamp32(n);
}

size_t ristra__inflater_avail_in(const ristra__inflater *z) { return z->z.avail_in; }
const unsigned char *ristra__inflater_next_in(const ristra__inflater *z) { return z->z.next_in; }
void ristra__inflater_next_member(ristra__inflater *z) { inflateReset(&z->z); }

int ristra__inflater_run(ristra__inflater *z, unsigned char *out, size_t cap, size_t *produced,
                         const char **why)
{
    const uint32_t room = clamp32(cap);
    z->z.next_out = out;
    z->z.avail_out = room;
    int zr = inflate(&z->z, Z_NO_FLUSH);
    *produced = room - z->z.avail_out;
    if (zr == Z_STREAM_END)
        return RISTRA__INFLATE_MEMBER_END;
    if (zr == Z_OK || zr == Z_BUF_ERROR)
        return RISTRA__INFLATE_OK;
    if (zr == Z_MEM_ERROR)
        return RISTRA__INFLATE_NOMEM;
    *why = z->z.msg ? z->z.msg : "inflate failed";
    return RISTRA__INFLATE_CORRUPT;
}

struct ristra__deflater {
    z_stream z;
};

int ristra__deflater_new(ristra__deflater **out, int level)
{
    ristra__deflater *d = calloc(1, sizeof *d);
    if (!d)
        return ristra__oom();
    if (deflateInit2(&d->z, level < 1 ? 1 : level > 9 ? 9 : level, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        free(d);
        return ristra__oom();
    }
    *out = d;
    return RISTRA_OK;
}

void ristra__deflater_free(ristra__deflater *d)
{
    if (!d)
        return;
    deflateEnd(&d->z);
    free(d);
}

int ristra__deflater_run(ristra__deflater *d, const unsigned char *in, size_t n, int finish,
                         unsigned char *out, size_t cap, size_t *consumed, size_t *produced)
{
    const uint32_t have = clamp32(n), room = clamp32(cap);
    d->z.next_in = (unsigned char *)(uintptr_t)in;
    d->z.avail_in = have;
    d->z.next_out = out;
    d->z.avail_out = room;
    int zr = deflate(&d->z, finish && have == n ? Z_FINISH : Z_NO_FLUSH);
    *consumed = have - d->z.avail_in;
    *produced = room - d->z.avail_out;
    if (zr == Z_STREAM_ERROR)
        return ristra__error(RISTRA_ERROR, "deflate failed");
    return zr == Z_STREAM_END;
}
#endif
