/* Output files that appear complete or not at all: written to a temporary
 * file beside the target and renamed over it only on commit. */
#ifndef RISTRA_OUTPUT_INTERNAL_H
#define RISTRA_OUTPUT_INTERNAL_H

#include <stddef.h>

typedef struct ristra__output ristra__output;

/* gzip_level: 0 writes plain bytes, 1..9 writes a gzip stream. */
int ristra__output_open(ristra__output **out, const char *path, int gzip_level);
int ristra__output_write(ristra__output *o, const void *data, size_t size);
/* Flushes, syncs, closes and renames into place, then frees o. On failure
 * the temporary file is removed and the target is left untouched. */
int ristra__output_commit(ristra__output *o);
/* Everything ristra__output_commit() does but the rename: for several
 * files that should appear together, finish them all, then commit them
 * all, so that only a failed rename can leave some of them behind. On
 * failure o stays the caller's, to ristra__output_abort(). */
int ristra__output_finish(ristra__output *o);
/* Removes the temporary file and frees o. NULL is a no-op. */
void ristra__output_abort(ristra__output *o);

/* Compresses size bytes of data into a new gzip buffer (free with free()). */
int ristra__gzip_buffer(char **out, size_t *size_out, const void *data, size_t size);

/* True when a file name ends in ".gz". */
int ristra__path_is_gz(const char *path);

#endif
