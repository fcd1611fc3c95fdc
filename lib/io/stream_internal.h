/* Input streams: a file or a memory buffer, plain or gzip-compressed.
 * Compression is recognised by the gzip magic bytes, never by the name. */
#ifndef RISTRA_STREAM_INTERNAL_H
#define RISTRA_STREAM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct ristra__stream ristra__stream;

/* Both set a ristra_last_error() message naming the file on failure. The
 * path "-" is standard input. */
int ristra__stream_open_file(ristra__stream **out, const char *path);
int ristra__stream_open_memory(ristra__stream **out, const void *data, size_t size,
                               const char *name);
void ristra__stream_close(ristra__stream *s);

/* Reads up to cap decompressed bytes into buf. Returns the number read,
 * 0 at the end of the data, or a negative ristra_error (an unreadable file,
 * a corrupt or truncated gzip stream: the message names the file). */
int64_t ristra__stream_read(ristra__stream *s, void *buf, size_t cap);

/* For a gzip stream, starts a thread that decompresses ahead of the
 * reader (a few MiB), so that inflating overlaps the caller's parsing.
 * Plain streams are left as they are. Reads then come from that thread,
 * errors included; without a thread (it could not start) reads are
 * direct, as before. ristra__stream_close() stops it. */
int ristra__stream_start_readahead(ristra__stream *s);

/* Reads everything that is left into a new NUL-terminated buffer. */
int ristra__stream_read_all(ristra__stream *s, char **out, size_t *size_out);
/* The same, refusing (RISTRA_EFORMAT, naming the limit and what sets it)
 * as soon as more than max_bytes decompressed bytes arrive, so that a small
 * gzip file that inflates to gigabytes costs at most max_bytes of memory
 * and the time to inflate them. `what` names the option in the message. */
int ristra__stream_read_all_capped(ristra__stream *s, char **out, size_t *size_out,
                                   uint64_t max_bytes, const char *what);

const char *ristra__stream_name(const ristra__stream *s);
int ristra__stream_is_gzip(const ristra__stream *s);
/* Bytes of the underlying file consumed so far, and its total size
 * (0 when unknown), for progress reports. */
uint64_t ristra__stream_raw_consumed(const ristra__stream *s);
uint64_t ristra__stream_raw_size(const ristra__stream *s);

/* A file stream's SHA-256 (lower-case hex) and size in bytes, of the raw
 * (possibly compressed) bytes: hashed while they were read, so the file is
 * never read twice. Call once, at the end: it stops the read-ahead and
 * hashes whatever the reader left unread. Memory streams have none. */
int ristra__stream_digest(ristra__stream *s, char hex[65], uint64_t *size_out);

#endif
