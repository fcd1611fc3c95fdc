/* Two threads create output files while a third saves models (the API
 * promises outputs of the mode asked for from any thread): every file
 * must have exactly its mode, which a umask(0); umask(m) probe on another
 * thread would break, and ThreadSanitizer (`make tsan`, ctest label
 * "tsan") fails the run on any data race in the output code. A plain C
 * program rather than a Criterion test: Criterion's process arena cannot
 * start under ThreadSanitizer. It runs in every build (label "sanitize"
 * too), so it is the only copy of this check. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ristra/ristra.h>

#include "io/output_internal.h"

static const char *dir;
static ristra_model *model;

typedef struct creator {
    int index, mode, bad;
} creator;

static void *create_many(void *arg)
{
    creator *c = arg;
    char path[4096];
    for (int i = 0; i < 300; i++) {
        snprintf(path, sizeof path, "%s/t%d-%d.csv", dir, c->index, i);
        ristra__output *o = NULL;
        if (ristra__output_open_mode(&o, path, 0, c->mode) || ristra__output_write(o, "x\n", 2) ||
            ristra__output_commit(o)) {
            c->bad++;
            continue;
        }
        struct stat st;
        if (stat(path, &st) != 0 || (unsigned)(st.st_mode & 0777) != (unsigned)c->mode)
            c->bad++;
        unlink(path);
    }
    return NULL;
}

static void *save_models(void *arg)
{
    int *bad = arg;
    char path[4096];
    for (int i = 0; i < 50; i++) {
        snprintf(path, sizeof path, "%s/model-%d.json", dir, i);
        if (ristra_model_save(model, path, NULL) != RISTRA_OK)
            ++*bad;
        unlink(path);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL EMPTY_DIR\n", argv[0]);
        return 2;
    }
    dir = argv[2];
    if (ristra_model_load(&model, argv[1]) != RISTRA_OK) {
        fprintf(stderr, "%s\n", ristra_last_error());
        return 1;
    }
    mode_t old = umask(027); /* narrows neither 0600 nor 0640 */
    creator a = { 0, 0600, 0 }, b = { 1, 0640, 0 };
    int model_bad = 0;
    pthread_t ta, tb, tm;
    pthread_create(&ta, NULL, create_many, &a);
    pthread_create(&tb, NULL, create_many, &b);
    pthread_create(&tm, NULL, save_models, &model_bad);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_join(tm, NULL);
    umask(old);
    ristra_model_free(model);
    if (a.bad + b.bad || model_bad) {
        fprintf(stderr, "%d files with the wrong mode or not written, %d model saves failed\n",
                a.bad + b.bad, model_bad);
        return 1;
    }
    printf("600 files of the modes asked for, 50 models saved, on three threads\n");
    return 0;
}
