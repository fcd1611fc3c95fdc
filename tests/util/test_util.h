/* Helpers shared by the C tests: fixture paths, temporary directories,
 * numeric CSV files. */
#ifndef RISTRA_TEST_UTIL_H
#define RISTRA_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* RISTRA_SOURCE_DIR "/" rel, in a buffer owned by the caller (free()). */
char *rt_source_path(const char *rel);

/* A new empty directory under $TMPDIR (free() the name; rt_rmtree removes it). */
char *rt_tmpdir(void);
void rt_rmtree(const char *dir);
/* dir "/" name (free()). */
char *rt_join(const char *dir, const char *name);

/* Reads a whole file; NULL if it cannot. */
char *rt_read_file(const char *path, size_t *size_out);
int rt_write_file(const char *path, const void *data, size_t size);

/* A CSV of numbers with one header line ("nan" is NaN). */
typedef struct rt_table {
    int64_t rows, cols;
    char **names;       /* cols column names */
    double *values;     /* rows x cols, row-major */
} rt_table;
int rt_table_read(rt_table *t, const char *path);
int64_t rt_table_col(const rt_table *t, const char *name);
void rt_table_free(rt_table *t);

#endif
