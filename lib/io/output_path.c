/* What an output path may be, checked before any work: standard output
 * ("-"), a new file in an existing directory, or an existing regular file.
 * Symbolic links are refused rather than followed: a link planted in a
 * shared directory would otherwise aim patient rows anywhere (a device, a
 * file descriptor, another user's file), and "replace the target" cannot
 * be made atomic with the check. docs/score-output.md, "What an output may
 * be". */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ristra/common.h"
#include "../common/error_internal.h"
#include "output_internal.h"

static const char *kind_of(mode_t m)
{
    return S_ISDIR(m) ? "a directory"
           : S_ISCHR(m) ? "a character device"
           : S_ISBLK(m) ? "a block device"
           : S_ISFIFO(m) ? "a FIFO (named pipe)"
           : S_ISSOCK(m) ? "a socket"
           : S_ISLNK(m) ? "a symbolic link"
                        : "not a regular file";
}

/* The directory part of path, in a new string ("." when there is none). */
static char *directory_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *d = strdup(dirname(copy));
    free(copy);
    return d;
}

int ristra__output_check_path(const char *path, const char *role)
{
    if (strcmp(path, "-") == 0)
        return RISTRA_OK;
    if (!*path)
        return ristra__error(RISTRA_EINVAL, "%s: the path is empty", role);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (S_ISREG(st.st_mode))
            return RISTRA_OK;
        if (S_ISLNK(st.st_mode))
            return ristra__error(RISTRA_EINVAL,
                                 "%s %s is a symbolic link: ristra does not write through "
                                 "links; give the path of the file itself", role, path);
        return ristra__error(RISTRA_EINVAL, "%s %s is %s: outputs must be regular files "
                             "(or - for standard output)", role, path, kind_of(st.st_mode));
    }
    if (errno != ENOENT)
        return ristra__error(RISTRA_EINVAL, "%s %s: cannot examine: %s", role, path,
                             strerror(errno));
    char *dir = directory_of(path);
    if (!dir)
        return ristra__oom();
    int rc = RISTRA_OK;
    if (stat(dir, &st) != 0)
        rc = ristra__error(RISTRA_EINVAL, "%s %s: its directory %s: %s", role, path, dir,
                           strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc = ristra__error(RISTRA_EINVAL, "%s %s: %s is not a directory", role, path, dir);
    free(dir);
    return rc;
}

void ristra__file_id_of(ristra__file_id *id, const char *path, int follow)
{
    memset(id, 0, sizeof *id);
    if (!path || strcmp(path, "-") == 0)
        return;
    struct stat st;
    if ((follow ? stat(path, &st) : lstat(path, &st)) == 0) {
        *id = (ristra__file_id){ 1, 1, (uint64_t)st.st_dev, (uint64_t)st.st_ino, NULL };
        return;
    }
    char *dir = directory_of(path);
    if (dir && stat(dir, &st) == 0) {
        const char *slash = strrchr(path, '/');
        *id = (ristra__file_id){ 0, 1, (uint64_t)st.st_dev, (uint64_t)st.st_ino,
                                 slash ? slash + 1 : path };
    }
    free(dir);
}

int ristra__file_id_same(const ristra__file_id *a, const ristra__file_id *b)
{
    if (!a->valid || !b->valid || a->exists != b->exists || a->dev != b->dev || a->ino != b->ino)
        return 0;
    return a->exists || strcmp(a->base, b->base) == 0;
}
