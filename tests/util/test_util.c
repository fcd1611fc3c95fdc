#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"

char *rt_source_path(const char *rel)
{
    return rt_join(RISTRA_SOURCE_DIR, rel);
}

char *rt_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

char *rt_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *templ = rt_join(base && *base ? base : "/tmp", "ristra-test-XXXXXX");
    if (templ && !mkdtemp(templ)) {
        free(templ);
        return NULL;
    }
    return templ;
}

void rt_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *p = rt_join(dir, e->d_name);
        struct stat st;
        if (p && lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rt_rmtree(p);
        else if (p)
            unlink(p);
        free(p);
    }
    closedir(d);
    rmdir(dir);
}

char *rt_read_file(const char *path, size_t *size_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += r;
        if (cap - len < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) {
        buf[len] = '\0';
        if (size_out)
            *size_out = len;
    }
    return buf;
}

int rt_write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, size, f);
    return fclose(f) == 0 && w == size ? 0 : -1;
}

static int64_t split_commas(char *line, char **fields, int64_t max)
{
    int64_t n = 0;
    char *p = line;
    for (;;) {
        if (n < max)
            fields[n] = p;
        n++;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

int rt_table_read(rt_table *t, const char *path)
{
    memset(t, 0, sizeof *t);
    size_t size;
    char *text = rt_read_file(path, &size);
    if (!text)
        return -1;
    char *save = NULL;
    char *line = strtok_r(text, "\r\n", &save);
    if (!line) {
        free(text);
        return -1;
    }
    int64_t cols = 1;
    for (const char *c = line; *c; c++)
        cols += *c == ',';
    char **fields = calloc((size_t)cols, sizeof *fields);
    split_commas(line, fields, cols);
    t->cols = cols;
    t->names = calloc((size_t)cols, sizeof *t->names);
    for (int64_t j = 0; j < cols; j++)
        t->names[j] = strdup(fields[j]);
    size_t cap = 1024;
    t->values = malloc(cap * (size_t)cols * sizeof *t->values);
    while ((line = strtok_r(NULL, "\r\n", &save))) {
        if (split_commas(line, fields, cols) != cols) {
            free(fields);
            free(text);
            rt_table_free(t);
            return -1;
        }
        if ((size_t)t->rows == cap) {
            cap *= 2;
            t->values = realloc(t->values, cap * (size_t)cols * sizeof *t->values);
        }
        for (int64_t j = 0; j < cols; j++)
            t->values[t->rows * cols + j] = strtod(fields[j], NULL);
        t->rows++;
    }
    free(fields);
    free(text);
    return 0;
}

int64_t rt_table_col(const rt_table *t, const char *name)
{
    for (int64_t j = 0; j < t->cols; j++)
        if (strcmp(t->names[j], name) == 0)
            return j;
    return -1;
}

void rt_table_free(rt_table *t)
{
    for (int64_t j = 0; t->names && j < t->cols; j++)
        free(t->names[j]);
    free(t->names);
    free(t->values);
    memset(t, 0, sizeof *t);
}
