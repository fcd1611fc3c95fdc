/* Output files that appear complete or not at all: written to a temporary
 * file beside the target and renamed over it only on commit. Several
 * outputs of one run are committed together by a ristra__commit set
 * (commit.c): all of them or none. The protocol and what a power cut at
 * each step leaves are in docs/score-output.md, "How outputs are
 * committed". */
#ifndef RISTRA_OUTPUT_INTERNAL_H
#define RISTRA_OUTPUT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct ristra__output ristra__output;

/* Mode of files holding patient rows unless the caller asks for another. */
#define RISTRA__PRIVATE_MODE 0600
/* Mode of files without patient data (models, charts); the umask narrows it. */
#define RISTRA__SHARED_MODE 0644

/* Opens an output: the path "-" is standard output (written as it comes,
 * never renamed, never closed); any other path gets a temporary file
 * "<path>.tmp.XXXXXX" in the same directory, created with O_EXCL and the
 * given mode (0: RISTRA__PRIVATE_MODE), which the process's umask can only
 * narrow (the kernel applies it; the umask is never read). gzip_level: 0
 * writes plain bytes, 1..9 a gzip stream. The bytes written to the file are
 * hashed (SHA-256) as they go. */
int ristra__output_open_mode(ristra__output **out, const char *path, int gzip_level, int mode);
/* ristra__output_open_mode() with RISTRA__PRIVATE_MODE. */
int ristra__output_open(ristra__output **out, const char *path, int gzip_level);
int ristra__output_write(ristra__output *o, const void *data, size_t size);
/* Flushes, syncs, closes and renames into place, then frees o. On failure
 * the temporary file is removed and the target is left untouched. */
int ristra__output_commit(ristra__output *o);
/* Everything ristra__output_commit() does but the rename: compression
 * finished, written, fsynced and closed. On failure o stays the caller's,
 * to ristra__output_abort(). */
int ristra__output_finish(ristra__output *o);
/* Removes the temporary file and frees o. NULL is a no-op. */
void ristra__output_abort(ristra__output *o);

/* The destination path; whether it is standard output. */
const char *ristra__output_path(const ristra__output *o);
int ristra__output_is_stdout(const ristra__output *o);
/* After ristra__output_finish(): the SHA-256 (lower-case hex) and size of
 * the bytes written (compressed, for a gzip output). */
int ristra__output_digest(const ristra__output *o, char hex[65], int64_t *size_out);

/* Checks, before any work, that path may be written as an output: "-", a
 * path that does not exist in an existing directory, or an existing
 * regular file. A directory, device node, FIFO, socket or symbolic link
 * there is refused with a message naming the path and what it is (role
 * names the option in it, e.g. "rejects"). RISTRA_OK or RISTRA_EINVAL. */
int ristra__output_check_path(const char *path, const char *role);

/* The identity of a file for "are these the same file?": device and inode
 * of an existing file; of a file yet to be created, its directory's device
 * and inode and its base name. */
typedef struct ristra__file_id {
    int exists, valid;
    uint64_t dev, ino;
    const char *base;        /* into the path given; only when !exists */
} ristra__file_id;

/* follow: 1 for an input (stat follows symbolic links), 0 for an output. */
void ristra__file_id_of(ristra__file_id *id, const char *path, int follow);
int ristra__file_id_same(const ristra__file_id *a, const ristra__file_id *b);

/* ------------------------------------------------------------ commit sets
 * A run's outputs, committed all or nothing:
 *   1. finish every output (flushed, fsynced, closed) in its temporary;
 *   2. for each destination that exists, keep the previous file aside:
 *      a hard link "<path>.old.XXXXXX" (the destination stays in place);
 *   3. rename each temporary over its destination;
 *   4. fsync each destination's directory;
 *   5. drop the kept-aside files (and fsync the directories again).
 * A failure at steps 1-4 undoes everything done so far: renamed
 * destinations get their kept-aside file back (renamed over them) or, when
 * there was none, are removed; temporaries and kept-aside links are
 * removed. Standard output takes part in step 1 only. */
typedef struct ristra__commit ristra__commit;

int ristra__commit_new(ristra__commit **out);
/* Adds an output, which the set then owns (freed by ristra__commit_run or
 * ristra__commit_free, even when this fails). NULL is a no-op. Outputs are
 * renamed in the order added: add the manifest last. */
int ristra__commit_add(ristra__commit *c, ristra__output *o);
/* Steps 1 and nothing else, for callers that need digests of finished
 * outputs before adding the manifest. Idempotent. */
int ristra__commit_finish(ristra__commit *c);
/* Runs the protocol; afterwards the outputs are gone from the set
 * (committed or removed). RISTRA_OK or the first failure. */
int ristra__commit_run(ristra__commit *c);
/* Aborts whatever outputs are left (their temporaries removed) and frees
 * the set. NULL is a no-op. */
void ristra__commit_free(ristra__commit *c);
int ristra__commit_count(const ristra__commit *c);
ristra__output *ristra__commit_output(const ristra__commit *c, int i);

/* Test hook (tests only; not thread-safe to change while a commit runs):
 * called before each step with its name ("finish", "keep", "rename",
 * "sync", "drop") and the output's index in the set; a non-zero return
 * makes that step fail as an I/O error would. NULL (the default): none. */
extern int (*ristra__commit_test_hook)(const char *step, int index);

/* ------------------------------------------------------------ helpers */

/* Compresses size bytes of data into a new gzip buffer (free with free()). */
int ristra__gzip_buffer(char **out, size_t *size_out, const void *data, size_t size);
/* The same at a given level (1..9): one whole gzip member, made on any
 * thread (no state is shared), for ristra__output_write_member(). */
int ristra__gzip_member(char **out, size_t *size_out, const void *data, size_t size, int level);

/* The output's gzip level, 0 for a plain one. */
int ristra__output_gzip_level(const ristra__output *o);
/* Appends a whole gzip member (from ristra__gzip_member()) to a gzip
 * output, after ending the member that ristra__output_write() was adding
 * to, if any: a file of several members, which every gzip reader reads as
 * the concatenation (RFC 1952), so that the members of a long output can
 * be compressed on several threads. */
int ristra__output_write_member(ristra__output *o, const void *member, size_t size);

/* True when a file name ends in ".gz". */
int ristra__path_is_gz(const char *path);

#endif
