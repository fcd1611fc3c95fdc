/* Commit sets: a run's outputs renamed into place all or nothing.
 *
 * Every output is finished (flushed, fsynced, closed) before any rename;
 * each existing destination is first kept aside as a hard link, so that a
 * failure part-way through the renames can put every earlier destination
 * back exactly as it was. Only after the last rename and the directory
 * fsyncs are the kept-aside links dropped. docs/score-output.md, "How
 * outputs are committed", says what a power cut at each step leaves. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ristra/common.h"
#include "../common/error_internal.h"
#include "output_internal.h"
#include "output_private.h"

int (*ristra__commit_test_hook)(const char *step, int index) = NULL;

typedef struct entry {
    ristra__output *out;
    char *kept;          /* "<path>.old.XXXXXX", a hard link to the previous file; NULL: none */
    int renamed;
} entry;

struct ristra__commit {
    entry *e;
    int n, cap;
    int finished;
};

int ristra__commit_new(ristra__commit **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? RISTRA_OK : ristra__oom();
}

int ristra__commit_add(ristra__commit *c, ristra__output *o)
{
    if (!o)
        return RISTRA_OK;
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 8;
        entry *e = realloc(c->e, (size_t)cap * sizeof *e);
        if (!e) {
            ristra__output_abort(o);
            return ristra__oom();
        }
        c->e = e;
        c->cap = cap;
    }
    c->e[c->n++] = (entry){ o, NULL, 0 };
    c->finished = 0;
    return RISTRA_OK;
}

int ristra__commit_count(const ristra__commit *c) { return c->n; }
ristra__output *ristra__commit_output(const ristra__commit *c, int i) { return c->e[i].out; }

/* The test hook's verdict on a step, as the I/O error it stands for. */
static int injected(const char *step, int i, const char *path)
{
    if (ristra__commit_test_hook && ristra__commit_test_hook(step, i))
        return ristra__error(RISTRA_EIO, "%s: %s failed: injected by the test hook", path, step);
    return RISTRA_OK;
}

int ristra__commit_finish(ristra__commit *c)
{
    if (c->finished)
        return RISTRA_OK;
    for (int i = 0; i < c->n; i++) {
        int rc = injected("finish", i, ristra__output_path(c->e[i].out));
        if (!rc)
            rc = ristra__output_finish(c->e[i].out);
        if (rc)
            return rc;
    }
    c->finished = 1;
    return RISTRA_OK;
}

/* Step 2: a hard link to the destination's current file, if it has one. */
static int keep_previous(entry *e, int i)
{
    const char *path = ristra__output_path(e->out);
    int rc = injected("keep", i, path);
    if (rc)
        return rc;
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return RISTRA_OK;
        return ristra__error(RISTRA_EIO, "%s: cannot examine: %s", path, strerror(errno));
    }
    size_t n = strlen(path);
    e->kept = malloc(n + sizeof ".old.XXXXXX");
    if (!e->kept)
        return ristra__oom();
    for (int attempt = 0; attempt < 100; attempt++) {
        char suffix[7];
        ristra__random_suffix(suffix);
        snprintf(e->kept, n + sizeof ".old.XXXXXX", "%s.old.%s", path, suffix);
        if (link(path, e->kept) == 0)
            return RISTRA_OK;
        if (errno != EEXIST)
            break;
    }
    rc = ristra__error(RISTRA_EIO, "%s: cannot keep the previous file aside as %s: %s", path,
                       e->kept, strerror(errno));
    free(e->kept);
    e->kept = NULL;
    return rc;
}

/* fsync of the directory holding path, so that renames and unlinks in it
 * are on the disk. A file system that cannot sync a directory is let be. */
static int sync_directory(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return ristra__oom();
    int rc = RISTRA_OK;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL && errno != EROFS))
        rc = ristra__error(RISTRA_EIO, "%s: cannot sync the directory: %s", dir, strerror(errno));
    if (fd >= 0)
        close(fd);
    free(dir);
    return rc;
}

/* Undoes steps 2-3 for every entry; reports the first thing it could not
 * undo (the kept-aside file is then left where the message says). */
static int roll_back(ristra__commit *c)
{
    int rc = RISTRA_OK;
    for (int i = c->n - 1; i >= 0; i--) {
        entry *e = &c->e[i];
        const char *path = ristra__output_path(e->out);
        if (e->renamed && e->kept) {
            if (rename(e->kept, path) != 0 && !rc)
                rc = ristra__error(RISTRA_EIO, "%s: cannot put the previous file back from %s: %s",
                                   path, e->kept, strerror(errno));
        } else if (e->renamed) {
            unlink(path); /* there was no previous file */
        } else if (e->kept) {
            unlink(e->kept); /* the destination was never touched */
        }
        if (e->renamed || e->kept)
            sync_directory(path);
        e->renamed = 0;
        free(e->kept);
        e->kept = NULL;
    }
    return rc;
}

static int rename_all(ristra__commit *c)
{
    for (int i = 0; i < c->n; i++) {
        entry *e = &c->e[i];
        if (ristra__output_is_stdout(e->out))
            continue;
        int rc = keep_previous(e, i);
        if (rc)
            return rc;
    }
    for (int i = 0; i < c->n; i++) {
        entry *e = &c->e[i];
        if (ristra__output_is_stdout(e->out))
            continue;
        const char *path = ristra__output_path(e->out);
        int rc = injected("rename", i, path);
        if (!rc && rename(ristra__output_temporary(e->out), path) != 0)
            rc = ristra__error(RISTRA_EIO, "%s: cannot rename %s into place: %s", path,
                               ristra__output_temporary(e->out), strerror(errno));
        if (rc)
            return rc;
        ristra__output_forget_temporary(e->out);
        e->renamed = 1;
    }
    for (int i = 0; i < c->n; i++) {
        if (ristra__output_is_stdout(c->e[i].out))
            continue;
        const char *path = ristra__output_path(c->e[i].out);
        int rc = injected("sync", i, path);
        if (!rc)
            rc = sync_directory(path);
        if (rc)
            return rc;
    }
    return RISTRA_OK;
}

/* Step 5: the new files are in place for good; a kept-aside link that
 * cannot be removed is only litter, not a failure. */
static void drop_kept(ristra__commit *c)
{
    for (int i = 0; i < c->n; i++) {
        entry *e = &c->e[i];
        if (e->kept && !injected("drop", i, e->kept))
            unlink(e->kept);
        free(e->kept);
        e->kept = NULL;
        if (!ristra__output_is_stdout(e->out))
            sync_directory(ristra__output_path(e->out));
    }
}

static void free_outputs(ristra__commit *c)
{
    for (int i = 0; i < c->n; i++) {
        ristra__output_abort(c->e[i].out);
        free(c->e[i].kept);
    }
    c->n = 0;
}

int ristra__commit_run(ristra__commit *c)
{
    int rc = ristra__commit_finish(c);
    if (!rc)
        rc = rename_all(c);
    if (rc) {
        char first[512];
        snprintf(first, sizeof first, "%s", ristra_last_error());
        if (roll_back(c)) /* say both: what failed, and what could not be put back */
            ristra__error_prefix(rc, "%s; then, undoing: ", first);
        else
            ristra__error(rc, "%s", first);
    } else {
        drop_kept(c);
    }
    free_outputs(c);
    return rc;
}

void ristra__commit_free(ristra__commit *c)
{
    if (!c)
        return;
    roll_back(c);
    free_outputs(c);
    free(c->e);
    free(c);
}
