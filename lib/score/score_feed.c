/* The batch's supply of blocks: the population reader, on a thread of its
 * own when there is more than one CPU, so that the next block is read and
 * parsed while the current one is scored.
 *
 * A block's arrays belong to the reader only until its next read, so a
 * block read ahead is copied into one of two slots (for 40 features about
 * 330 bytes a row, against microseconds a row of scoring for a tree model).
 * The reader thread is the only one to touch the reader while it runs: it
 * also formats the rejected rows' lines for the rejects file and copies
 * the codes of practices first seen, so the scoring thread never calls the
 * reader. With one CPU (or one thread asked for) the blocks are used in
 * place, without the thread and without copies. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../common/arena_internal.h"
#include "../common/error_internal.h"
#include "score_file_internal.h"

typedef struct slot {
    ristra__feed_block view;
    /* copies of the reader's arrays (pipelined only) */
    int64_t cap_rows, cap_values;
    double *values, *outcome, *extra;
    int64_t cap_extra;
    int32_t *status, *practice;
    uint64_t *nhs_number;
    int64_t *line;
    const char **identifier;     /* pseudonyms, copied into ids */
    ristra__arena ids;
    /* the reader's rejects, as lines of the rejects file */
    ristra__text rejects;
    size_t *reject_end;
    int64_t reject_cap;
    /* codes of the practices first seen in this block (owned until adopted) */
    char **new_codes;
    int32_t n_new, new_cap;
    int rc;
    char *error;                 /* the reader's message when rc != 0 */
} slot;

struct ristra__feed {
    ristra_population *pop;
    int pipelined, want_rejects;
    int64_t n_extra;             /* the reader's extra columns */
    slot slots[2];
    int32_t reader_known;        /* practices the reader side has handed out */
    char **codes;                /* the scoring side's practice codes */
    int32_t n_codes, codes_cap;
    /* the reader thread */
    pthread_t thread;
    int thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int full[2], stop, take;
};

/* ------------------------------------------------------------ reading a block */

/* Makes *p hold at least need elements, doubling: growing one element at
 * a time costs amortised O(1) per element (an allocator that cannot extend
 * in place, ASan's for one, copies on every realloc). */
_Atomic int64_t ristra__feed_grow_count = 0;

static int grow(void **p, int64_t *cap, int64_t need, size_t elem)
{
    if (need <= *cap)
        return RISTRA_OK;
    ristra__feed_grow_count++;
    int64_t c = *cap > 0 ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, (size_t)c * elem);
    if (!q)
        return ristra__oom();
    *p = q;
    *cap = c;
    return RISTRA_OK;
}

static int copy_extra(slot *s, const ristra_population_block *b, int64_t n_extra)
{
    const int64_t ne = b->n_rows * n_extra;
    if (!b->extra || ne == 0)
        return RISTRA_OK;
    int rc = grow((void **)&s->extra, &s->cap_extra, ne, sizeof *s->extra);
    if (!rc) {
        memcpy(s->extra, b->extra, (size_t)ne * sizeof *s->extra);
        s->view.extra = s->extra;
    }
    return rc;
}

static int copy_arrays(slot *s, const ristra_population_block *b)
{
    const int64_t n = b->n_rows, nv = b->n_rows * b->n_cols;
    if (n == 0) /* the end of the file: nothing to copy */
        return RISTRA_OK;
    if (n > s->cap_rows) {
        int64_t cap = 0;
        free(s->status), free(s->practice), free(s->nhs_number), free(s->line), free(s->outcome);
        free((void *)s->identifier);
        s->identifier = malloc((size_t)n * sizeof *s->identifier);
        s->status = malloc((size_t)n * sizeof *s->status);
        s->practice = malloc((size_t)n * sizeof *s->practice);
        s->nhs_number = malloc((size_t)n * sizeof *s->nhs_number);
        s->line = malloc((size_t)n * sizeof *s->line);
        s->outcome = malloc((size_t)n * sizeof *s->outcome);
        if (s->status && s->practice && s->nhs_number && s->line && s->outcome && s->identifier)
            cap = n;
        s->cap_rows = cap;
        if (!cap)
            return ristra__oom();
    }
    int rc = grow((void **)&s->values, &s->cap_values, nv > 0 ? nv : 1, sizeof *s->values);
    if (rc)
        return rc;
    memcpy(s->values, b->values, (size_t)nv * sizeof *s->values);
    memcpy(s->status, b->status, (size_t)n * sizeof *s->status);
    memcpy(s->practice, b->practice, (size_t)n * sizeof *s->practice);
    if (b->nhs_number)
        memcpy(s->nhs_number, b->nhs_number, (size_t)n * sizeof *s->nhs_number);
    ristra__arena_reset(&s->ids);
    for (int64_t i = 0; b->identifier && i < n; i++)
        if (!(s->identifier[i] = ristra__arena_put(&s->ids, b->identifier[i],
                                                   strlen(b->identifier[i]))))
            return ristra__oom();
    memcpy(s->line, b->line, (size_t)n * sizeof *s->line);
    if (b->outcome)
        memcpy(s->outcome, b->outcome, (size_t)n * sizeof *s->outcome);
    ristra__feed_block *v = &s->view;
    v->values = s->values, v->status = s->status, v->practice = s->practice;
    v->nhs_number = b->nhs_number ? s->nhs_number : NULL, v->line = s->line;
    v->identifier = b->identifier ? s->identifier : NULL;
    v->outcome = b->outcome ? s->outcome : NULL;
    return RISTRA_OK;
}

static int format_rejects(ristra__feed *f, slot *s, const ristra_population_block *b)
{
    s->rejects.len = 0;
    int64_t k = 0;
    for (int64_t i = 0; i < b->n_rows; i++) {
        if (b->status[i] == RISTRA_ROW_OK)
            continue;
        int rc = grow((void **)&s->reject_end, &s->reject_cap, k + 1, sizeof *s->reject_end);
        ristra_population_reject info = RISTRA_POPULATION_REJECT_INIT;
        if (!rc)
            rc = ristra_population_reject_info(&info, f->pop, i);
        if (!rc)
            rc = ristra__text_reject(&s->rejects, b->line[i], info.nhs_number, info.practice,
                                     b->status[i], info.reason);
        if (rc)
            return rc;
        s->reject_end[k++] = s->rejects.len;
    }
    s->view.reject_text = s->rejects.data;
    s->view.reject_end = s->reject_end;
    return RISTRA_OK;
}

static int copy_new_codes(ristra__feed *f, slot *s)
{
    int32_t now = ristra_population_n_practices(f->pop);
    s->n_new = 0;
    if (now - f->reader_known > s->new_cap) {
        char **c = realloc(s->new_codes, (size_t)(now - f->reader_known) * sizeof *c);
        if (!c)
            return ristra__oom();
        s->new_codes = c;
        s->new_cap = now - f->reader_known;
    }
    for (int32_t p = f->reader_known; p < now; p++) {
        char *code = strdup(ristra_population_practice(f->pop, p));
        if (!code)
            return ristra__oom();
        s->new_codes[s->n_new++] = code;
    }
    f->reader_known = now;
    return RISTRA_OK;
}

/* Reads the next block into s: in place, or copied when pipelined. */
static int fill(ristra__feed *f, slot *s)
{
    ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
    int rc = ristra_population_read(&b, f->pop);
    if (rc)
        return rc;
    ristra__feed_block *v = &s->view;
    v->n_rows = b.n_rows;
    v->n_cols = b.n_cols;
    v->extra = b.extra;
    if (f->pipelined) {
        rc = copy_arrays(s, &b);
        if (!rc)
            rc = copy_extra(s, &b, f->n_extra);
    } else {
        v->values = b.values, v->status = b.status, v->practice = b.practice;
        v->nhs_number = b.nhs_number, v->line = b.line, v->outcome = b.outcome;
        v->identifier = b.identifier;
    }
    if (!rc && f->want_rejects)
        rc = format_rejects(f, s, &b);
    if (!rc)
        rc = copy_new_codes(f, s);
    if (!rc)
        rc = ristra_population_progress(&v->bytes_done, &v->bytes_total, f->pop);
    return rc;
}

/* ------------------------------------------------------------ the reader thread */

static void *read_ahead(void *arg)
{
    ristra__feed *f = arg;
    for (int k = 0;; k ^= 1) {
        pthread_mutex_lock(&f->mu);
        while (f->full[k] && !f->stop)
            pthread_cond_wait(&f->cv, &f->mu);
        int stop = f->stop;
        pthread_mutex_unlock(&f->mu);
        if (stop)
            return NULL;
        slot *s = &f->slots[k];
        s->rc = fill(f, s);
        if (s->rc) /* messages are per thread: carry it to the scoring side */
            s->error = strdup(ristra_last_error());
        int last = s->rc || s->view.n_rows == 0;
        pthread_mutex_lock(&f->mu);
        f->full[k] = 1;
        pthread_cond_broadcast(&f->cv);
        pthread_mutex_unlock(&f->mu);
        if (last)
            return NULL;
    }
}

/* ------------------------------------------------------------ the scoring side */

int ristra__feed_open(ristra__feed **out, ristra_population *pop, int pipelined,
                      int want_rejects, int64_t n_extra)
{
    *out = NULL;
    ristra__feed *f = calloc(1, sizeof *f);
    if (!f)
        return ristra__oom();
    f->pop = pop;
    f->pipelined = pipelined;
    f->want_rejects = want_rejects;
    f->n_extra = n_extra;
    if (pipelined) {
        if (pthread_mutex_init(&f->mu, NULL) != 0) {
            free(f);
            return ristra__oom();
        }
        if (pthread_cond_init(&f->cv, NULL) != 0) {
            pthread_mutex_destroy(&f->mu);
            free(f);
            return ristra__oom();
        }
        /* Without a thread, read in place instead. */
        f->thread_started = pthread_create(&f->thread, NULL, read_ahead, f) == 0;
        if (!f->thread_started) {
            pthread_cond_destroy(&f->cv);
            pthread_mutex_destroy(&f->mu);
            f->pipelined = 0;
        }
    }
    *out = f;
    return RISTRA_OK;
}

static int adopt_codes(ristra__feed *f, slot *s)
{
    if (f->n_codes + s->n_new > f->codes_cap) {
        int32_t cap = f->codes_cap ? f->codes_cap : 64;
        while (cap < f->n_codes + s->n_new)
            cap *= 2;
        char **c = realloc(f->codes, (size_t)cap * sizeof *c);
        if (!c)
            return ristra__oom();
        f->codes = c;
        f->codes_cap = cap;
    }
    for (int32_t i = 0; i < s->n_new; i++)
        f->codes[f->n_codes++] = s->new_codes[i];
    s->n_new = 0;
    return RISTRA_OK;
}

int ristra__feed_next(ristra__feed *f, const ristra__feed_block **out)
{
    slot *s = &f->slots[f->take];
    if (f->pipelined) {
        pthread_mutex_lock(&f->mu);
        while (!f->full[f->take])
            pthread_cond_wait(&f->cv, &f->mu);
        pthread_mutex_unlock(&f->mu);
        if (s->rc)
            return ristra__error(s->rc, "%s", s->error ? s->error : ristra_strerror(s->rc));
    } else {
        int rc = fill(f, s);
        if (rc)
            return rc;
    }
    int rc = adopt_codes(f, s);
    if (rc)
        return rc;
    *out = &s->view;
    return RISTRA_OK;
}

void ristra__feed_release(ristra__feed *f)
{
    if (!f->pipelined)
        return;
    pthread_mutex_lock(&f->mu);
    f->full[f->take] = 0;
    f->take ^= 1;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

const char *ristra__feed_practice(const ristra__feed *f, int32_t index)
{
    return index >= 0 && index < f->n_codes ? f->codes[index] : "";
}

void ristra__feed_close(ristra__feed *f)
{
    if (!f)
        return;
    if (f->pipelined) {
        pthread_mutex_lock(&f->mu);
        f->stop = 1;
        pthread_cond_broadcast(&f->cv);
        pthread_mutex_unlock(&f->mu);
        pthread_join(f->thread, NULL);
        pthread_cond_destroy(&f->cv);
        pthread_mutex_destroy(&f->mu);
    }
    for (int k = 0; k < 2; k++) {
        slot *s = &f->slots[k];
        free(s->values), free(s->outcome), free(s->extra), free(s->status), free(s->practice);
        free(s->nhs_number), free(s->line), free(s->rejects.data), free(s->reject_end);
        free((void *)s->identifier), ristra__arena_free(&s->ids);
        for (int32_t i = 0; i < s->n_new; i++)
            free(s->new_codes[i]);
        free(s->new_codes), free(s->error);
    }
    for (int32_t i = 0; i < f->n_codes; i++)
        free(f->codes[i]);
    free(f->codes);
    free(f);
}
