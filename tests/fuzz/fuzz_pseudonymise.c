/* Fuzz target: ristra_pseudonymise_file() on any bytes as the population
 * file. A run either succeeds or fails with an error code and a message,
 * never crashes or leaks; a failed run leaves no output; a successful one
 * counts every data record as pseudonymised or invalid and gives the same
 * bytes when run again (the pseudonyms are a function of the key and the
 * number). The CSV splitting is the reader's (lib/reader/csv.c), so this
 * also drives that code through a second caller. The files go to a private temporary directory removed at
 * exit. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ristra/ristra.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void remove_dir(void)
{
    static const char *const names[] = { "in.csv", "out.csv", "again.csv", "key" };
    char path[128];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0;
    *n = 0;
    for (;;) {
        if (*n + 4096 > cap) {
            char *b = realloc(buf, cap = 2 * cap + 4096);
            if (!b)
                abort();
            buf = b;
        }
        size_t got = fread(buf + *n, 1, cap - *n, f);
        *n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char key[] = "fuzzing key of thirty-two bytes!";
    if (!dir[0]) {
        strcpy(dir, "/tmp/ristra-fuzz-XXXXXX");
        if (!mkdtemp(dir))
            abort();
        atexit(remove_dir);
        char path[128];
        snprintf(path, sizeof path, "%s/key", dir);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || write(fd, key, sizeof key - 1) != (ssize_t)(sizeof key - 1) || close(fd))
            abort();
    }
    char in[128], out[128], again[128], key_path[128];
    snprintf(in, sizeof in, "%s/in.csv", dir);
    snprintf(out, sizeof out, "%s/out.csv", dir);
    snprintf(again, sizeof again, "%s/again.csv", dir);
    snprintf(key_path, sizeof key_path, "%s/key", dir);
    unlink(out);
    unlink(again);
    FILE *f = fopen(in, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    ristra_pseudonymise_totals t = RISTRA_PSEUDONYMISE_TOTALS_INIT;
    int rc = ristra_pseudonymise_file(&t, in, out, key_path, NULL);
    struct stat st;
    if (rc != RISTRA_OK) {
        if (rc >= 0 || ristra_last_error()[0] == '\0' || stat(out, &st) == 0)
            abort();
        return 0;
    }
    if (t.n_rows != t.n_pseudonymised + t.n_invalid || t.n_rows < 0)
        abort();
    ristra_pseudonymise_totals t2 = RISTRA_PSEUDONYMISE_TOTALS_INIT;
    if (ristra_pseudonymise_file(&t2, in, again, key_path, NULL) != RISTRA_OK ||
        t2.n_rows != t.n_rows || t2.n_pseudonymised != t.n_pseudonymised)
        abort();
    size_t n1, n2;
    char *a = slurp(out, &n1), *b = slurp(again, &n2);
    if (!a || !b || n1 != n2 || memcmp(a, b, n1) != 0)
        abort();
    free(a);
    free(b);
    return 0;
}
