/* gzip compression and decompression behind one small interface, so that
 * the streams (stream.c) and outputs (output.c) do not depend on which
 * library does the work: ISA-L's igzip when the build found it
 * (RISTRA_HAVE_ISAL: about five times zlib's inflate rate and four times
 * its level-1 deflate rate on population files, see benchmarks/README.md),
 * else zlib. Both read every gzip file the other writes (RFC 1952, several
 * members included); the compressed bytes differ between the two. */
#ifndef RISTRA_GZIP_CODEC_INTERNAL_H
#define RISTRA_GZIP_CODEC_INTERNAL_H

#include <stddef.h>

/* ------------------------------------------------------------ inflate */

typedef struct ristra__inflater ristra__inflater;

enum {
    RISTRA__INFLATE_OK = 0,         /* progress; call again with more input or room */
    RISTRA__INFLATE_MEMBER_END = 1, /* a gzip member ended (trailer checked) */
    RISTRA__INFLATE_CORRUPT = -1,   /* not a valid gzip stream: see *why */
    RISTRA__INFLATE_NOMEM = -2
};

/* A gzip (RFC 1952) decoder. RISTRA_OK, or RISTRA_ENOMEM (message set). */
int ristra__inflater_new(ristra__inflater **out);
void ristra__inflater_free(ristra__inflater *z);
/* Gives the decoder input (the caller keeps it alive until it is consumed). */
void ristra__inflater_input(ristra__inflater *z, const unsigned char *in, size_t n);
/* Input not yet consumed: how much, and where it starts. */
size_t ristra__inflater_avail_in(const ristra__inflater *z);
const unsigned char *ristra__inflater_next_in(const ristra__inflater *z);
/* Ready for the next member; the input not yet consumed is kept. */
void ristra__inflater_next_member(ristra__inflater *z);
/* Decompresses into out[0 .. cap); *produced is set to the bytes written.
 * On RISTRA__INFLATE_CORRUPT, *why says what (a static string). */
int ristra__inflater_run(ristra__inflater *z, unsigned char *out, size_t cap, size_t *produced,
                         const char **why);

/* ------------------------------------------------------------ deflate */

typedef struct ristra__deflater ristra__deflater;

/* A gzip encoder at zlib's level 1..9. With ISA-L the levels map to its
 * own: 1 -> 1, 2..5 -> 2, 6..9 -> 3 (ISA-L level 1 is both faster and
 * smaller than zlib's level 1 on CSV; level 3 near zlib's 6, far faster).
 * RISTRA_OK or RISTRA_ENOMEM. */
int ristra__deflater_new(ristra__deflater **out, int level);
void ristra__deflater_free(ristra__deflater *d);
/* Compresses in[0 .. n) (finish: and ends the stream) into out[0 .. cap).
 * *consumed and *produced say how much of each was used. Returns 1 when
 * the stream has ended (only with finish), 0 when called again is needed
 * (out full, or more input to come), or a negative ristra_error. */
int ristra__deflater_run(ristra__deflater *d, const unsigned char *in, size_t n, int finish,
                         unsigned char *out, size_t cap, size_t *consumed, size_t *produced);

/* The name of the library doing the work ("isa-l" or "zlib"), for
 * benchmarks and `ristra version`-style reports. */
const char *ristra__gzip_backend(void);

#endif
