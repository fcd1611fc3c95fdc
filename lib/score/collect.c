/* A whole population file collected in memory (public API in
 * include/ristra/collect.h): the reader's blocks, scored, sorted into the
 * rows that can be used and counts of those that cannot. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/collect.h"
#include "../common/error_internal.h"
#include "../common/parallel_internal.h"

enum { N_STATUS = 32, N_LEFT_OUT = 3, N_EXAMPLES = 5 };

struct ristra_collected {
    int64_t n, cap;                  /* rows kept, rows the arrays hold */
    int64_t n_cols, n_extra;
    double *values, *extra, *risk, *margin;
    uint8_t *outcome;
    int32_t *practice;               /* the reader's index, then the code's rank */
    char **extra_names;
    char (*codes)[8];                /* practice codes in code order */
    int32_t n_practices;

    int64_t n_read;
    int64_t rejected[N_STATUS];
    int64_t left_out[N_LEFT_OUT];
    int64_t *missing_by_column;      /* n_cols */
    int n_examples;
    char examples[N_EXAMPLES][256];
};

/* What one collection is asked for. */
typedef struct job {
    ristra_collected *c;
    const ristra_model *model;
    const ristra_collect_options *o;
    ristra_population *pop;
    double *risk, *margin;           /* one block's scores */
    int32_t *status;
    int64_t block_cap;
} job;

int ristra_collect_options_init(ristra_collect_options *opts, int version)
{
    if (!opts)
        return ristra__error(RISTRA_EINVAL, "ristra_collect_options_init: opts is NULL");
    if (version != RISTRA_COLLECT_OPTIONS_VERSION)
        return ristra__error(RISTRA_EINVAL,
                             "ristra_collect_options_init: unknown options version %d", version);
    ristra_collect_options d = RISTRA_COLLECT_OPTIONS_INIT;
    *opts = d;
    return RISTRA_OK;
}

void ristra_collected_free(ristra_collected *c)
{
    if (!c)
        return;
    free(c->values);
    free(c->extra);
    free(c->risk);
    free(c->margin);
    free(c->outcome);
    free(c->practice);
    for (int64_t j = 0; c->extra_names && j < c->n_extra; j++)
        free(c->extra_names[j]);
    free(c->extra_names);
    free(c->codes);
    free(c->missing_by_column);
    free(c);
}

static int grow(void *pp, int64_t count, size_t size)
{
    void **p = pp;
    if (count == 0)
        return 0;
    void *q = realloc(*p, (size_t)count * size);
    if (!q)
        return -1;
    *p = q;
    return 0;
}

/* Room for `need` kept rows. */
static int reserve(ristra_collected *c, int64_t need, int keep_values, int scored)
{
    if (need <= c->cap)
        return RISTRA_OK;
    int64_t cap = c->cap ? c->cap : 65536;
    while (cap < need)
        cap *= 2;
    if (grow(&c->outcome, cap, 1) || grow(&c->practice, cap, sizeof(int32_t)) ||
        (keep_values && grow(&c->values, cap * c->n_cols, sizeof(double))) ||
        (c->n_extra && grow(&c->extra, cap * c->n_extra, sizeof(double))) ||
        (scored && (grow(&c->risk, cap, sizeof(double)) || grow(&c->margin, cap, sizeof(double)))))
        return ristra__oom();
    c->cap = cap;
    return RISTRA_OK;
}

static void keep_example(ristra_collected *c, const ristra_population *pop, int64_t row,
                         int32_t status)
{
    if (c->n_examples >= N_EXAMPLES)
        return;
    ristra_population_reject info = RISTRA_POPULATION_REJECT_INIT;
    char *slot = c->examples[c->n_examples++];
    int known = ristra_population_reject_info(&info, pop, row) == RISTRA_OK;
    /* a row the scorer rejected has no reason from the reader */
    snprintf(slot, sizeof c->examples[0], "line %lld: %s", (long long)(known ? info.line : 0),
             known && info.reason && info.reason[0] ? info.reason
                                                    : ristra_row_status_string(status));
}

/* Why an accepted row is still left out, or -1 to keep it. */
static int left_out_reason(ristra_collected *c, const job *jb, const double *v,
                           const double *e, double y)
{
    if (!jb->model) {
        int missing = 0;
        for (int64_t j = 0; j < c->n_cols; j++)
            if (isnan(v[j])) {
                c->missing_by_column[j]++;
                missing = 1;
            }
        if (missing)
            return RISTRA_LEFT_OUT_MISSING_VALUE;
    }
    for (int64_t j = 0; j < jb->o->n_required_extra; j++)
        if (isnan(e[j]))
            return RISTRA_LEFT_OUT_MISSING_EXTRA;
    if (!(y == 0.0 || y == 1.0) && !jb->o->keep_unknown_outcome)
        return RISTRA_LEFT_OUT_NO_OUTCOME;
    return -1;
}

/* Sorts one block's rows into kept and left out. */
static int take_block(job *jb, const ristra_population_block *b, const int32_t *status)
{
    ristra_collected *c = jb->c;
    int rc = reserve(c, c->n + b->n_rows, jb->o->keep_values, jb->model != NULL);
    for (int64_t i = 0; !rc && i < b->n_rows; i++) {
        int32_t st = status[i];
        if (st != RISTRA_ROW_OK) {
            c->rejected[st > 0 && st < N_STATUS ? st : 0]++;
            keep_example(c, jb->pop, i, st);
            continue;
        }
        const double *v = b->values + i * b->n_cols;
        const double *e = b->extra ? b->extra + i * c->n_extra : NULL;
        double y = b->outcome ? b->outcome[i] : NAN;
        int why = left_out_reason(c, jb, v, e, y);
        if (why >= 0) {
            c->left_out[why]++;
            continue;
        }
        int64_t k = c->n++;
        c->outcome[k] = y == 0.0 || y == 1.0 ? (uint8_t)y : RISTRA_OUTCOME_UNKNOWN;
        c->practice[k] = b->practice[i];
        if (jb->o->keep_values)
            memcpy(c->values + k * c->n_cols, v, (size_t)c->n_cols * sizeof *v);
        if (c->n_extra)
            memcpy(c->extra + k * c->n_extra, e, (size_t)c->n_extra * sizeof *e);
        if (jb->model) {
            c->risk[k] = jb->risk[i];
            c->margin[k] = jb->margin[i];
        }
    }
    return rc;
}

/* Scores a block; the reader's status wins over the scorer's. */
static int score_block(job *jb, const ristra_population_block *b)
{
    if (b->n_rows > jb->block_cap) {
        free(jb->risk), free(jb->margin), free(jb->status);
        jb->risk = malloc((size_t)b->n_rows * sizeof *jb->risk);
        jb->margin = malloc((size_t)b->n_rows * sizeof *jb->margin);
        jb->status = malloc((size_t)b->n_rows * sizeof *jb->status);
        jb->block_cap = jb->risk && jb->margin && jb->status ? b->n_rows : 0;
        if (!jb->block_cap)
            return ristra__oom();
    }
    ristra_score_options so = RISTRA_SCORE_OPTIONS_INIT;
    so.n_threads = jb->o->n_threads;
    int rc = ristra_model_score(jb->risk, jb->margin, jb->status, jb->model, b->values,
                                RISTRA_FLOAT64, b->n_rows, b->n_cols, b->n_cols, 1, &so);
    for (int64_t i = 0; !rc && i < b->n_rows; i++)
        if (b->status[i] != RISTRA_ROW_OK)
            jb->status[i] = b->status[i];
    return rc;
}

static int by_code(const void *a, const void *b) { return strcmp(a, b); }

/* The practice codes in code order, and each row's index turned into the
 * rank of its code. */
static int rank_practices(ristra_collected *c, const ristra_population *pop)
{
    int32_t n = ristra_population_n_practices(pop);
    c->codes = calloc((size_t)(n > 0 ? n : 1), sizeof *c->codes);
    int32_t *rank = malloc((size_t)(n > 0 ? n : 1) * sizeof *rank);
    if (!c->codes || !rank) {
        free(rank);
        return ristra__oom();
    }
    for (int32_t i = 0; i < n; i++)
        snprintf(c->codes[i], sizeof c->codes[i], "%s", ristra_population_practice(pop, i));
    qsort(c->codes, (size_t)n, sizeof *c->codes, by_code);
    for (int32_t i = 0; i < n; i++) {
        const char *code = ristra_population_practice(pop, i);
        const char(*hit)[8] = bsearch(code, c->codes, (size_t)n, sizeof *c->codes, by_code);
        rank[i] = (int32_t)(hit - c->codes);
    }
    for (int64_t k = 0; k < c->n; k++)
        c->practice[k] = c->practice[k] >= 0 ? rank[c->practice[k]] : -1;
    c->n_practices = n;
    free(rank);
    return RISTRA_OK;
}

static int read_all(job *jb)
{
    for (;;) {
        ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
        int rc = ristra_population_read(&b, jb->pop);
        if (rc || b.n_rows == 0)
            return rc;
        jb->c->n_read += b.n_rows;
        if (jb->model && (rc = score_block(jb, &b)))
            return rc;
        if ((rc = take_block(jb, &b, jb->model ? jb->status : b.status)))
            return rc;
    }
}

static int setup(ristra_collected *c, const ristra_model *model,
                 const ristra_population_options *po)
{
    c->n_cols = model ? ristra_model_n_features(model) : po->n_columns;
    c->n_extra = po->n_extra;
    c->missing_by_column = calloc((size_t)(c->n_cols > 0 ? c->n_cols : 1), sizeof(int64_t));
    c->extra_names = calloc((size_t)(c->n_extra > 0 ? c->n_extra : 1), sizeof(char *));
    if (!c->missing_by_column || !c->extra_names)
        return ristra__oom();
    for (int64_t j = 0; j < c->n_extra; j++)
        if (!(c->extra_names[j] = strdup(po->extra_columns[j])))
            return ristra__oom();
    return RISTRA_OK;
}

int ristra_population_collect(ristra_collected **out, const char *path,
                              const ristra_model *model, const ristra_collect_options *opts)
{
    const char *fn = "ristra_population_collect";
    if (!out || !path)
        return ristra__error(RISTRA_EINVAL, "%s: %s is NULL", fn, out ? "path" : "out");
    *out = NULL;
    ristra_collect_options defaults = RISTRA_COLLECT_OPTIONS_INIT;
    ristra_population_options pdefaults = RISTRA_POPULATION_OPTIONS_INIT;
    const ristra_collect_options *o = opts ? opts : &defaults;
    const ristra_population_options *po = o->population ? o->population : &pdefaults;
    if (o->version != RISTRA_COLLECT_OPTIONS_VERSION)
        return ristra__error(RISTRA_EINVAL, "%s: unknown options version %d", fn, o->version);
    if (o->n_required_extra < 0 || o->n_required_extra > po->n_extra)
        return ristra__error(RISTRA_EINVAL, "%s: opts->n_required_extra is %lld (expected 0 to "
                             "n_extra, %lld)", fn, (long long)o->n_required_extra,
                             (long long)po->n_extra);
    if (ristra__check_threads(o->n_threads, fn))
        return RISTRA_EINVAL;
    job jb = { calloc(1, sizeof(ristra_collected)), model, o, NULL, NULL, NULL, NULL, 0 };
    if (!jb.c)
        return ristra__oom();
    int rc = ristra_population_open(&jb.pop, path, model, po);
    if (!rc)
        rc = setup(jb.c, model, po);
    if (!rc)
        rc = read_all(&jb);
    if (!rc)
        rc = rank_practices(jb.c, jb.pop);
    free(jb.risk), free(jb.margin), free(jb.status);
    ristra_population_close(jb.pop);
    if (rc) {
        ristra_collected_free(jb.c);
        return rc;
    }
    *out = jb.c;
    return RISTRA_OK;
}

/* ------------------------------------------------------------------ */
/* Reading what was collected.                                          */

int64_t ristra_collected_n_rows(const ristra_collected *c) { return c ? c->n : -1; }
int64_t ristra_collected_n_cols(const ristra_collected *c) { return c ? c->n_cols : -1; }
const double *ristra_collected_values(const ristra_collected *c) { return c ? c->values : NULL; }
const double *ristra_collected_extra(const ristra_collected *c) { return c ? c->extra : NULL; }
const double *ristra_collected_risk(const ristra_collected *c) { return c ? c->risk : NULL; }
const double *ristra_collected_margin(const ristra_collected *c) { return c ? c->margin : NULL; }
const uint8_t *ristra_collected_outcome(const ristra_collected *c) { return c ? c->outcome : NULL; }
const int32_t *ristra_collected_practice(const ristra_collected *c) { return c ? c->practice : NULL; }
int32_t ristra_collected_n_practices(const ristra_collected *c) { return c ? c->n_practices : 0; }
int64_t ristra_collected_n_read(const ristra_collected *c) { return c ? c->n_read : -1; }
int ristra_collected_n_examples(const ristra_collected *c) { return c ? c->n_examples : 0; }

const char *ristra_collected_practice_code(const ristra_collected *c, int32_t rank)
{
    return c && rank >= 0 && rank < c->n_practices ? c->codes[rank] : NULL;
}

int64_t ristra_collected_n_rejected(const ristra_collected *c, int status)
{
    return c && status > 0 && status < N_STATUS ? c->rejected[status] : 0;
}

int64_t ristra_collected_n_left_out(const ristra_collected *c, int reason)
{
    return c && reason >= 0 && reason < N_LEFT_OUT ? c->left_out[reason] : 0;
}

int64_t ristra_collected_n_missing(const ristra_collected *c, int64_t j)
{
    return c && j >= 0 && j < c->n_cols ? c->missing_by_column[j] : 0;
}

const char *ristra_collected_example(const ristra_collected *c, int i)
{
    return c && i >= 0 && i < c->n_examples ? c->examples[i] : NULL;
}

int ristra_collected_group(int32_t *out, const ristra_collected *c, int grouping,
                           const char *column)
{
    const char *fn = "ristra_collected_group";
    if (!out || !c)
        return ristra__error(RISTRA_EINVAL, "%s: %s is NULL", fn, out ? "c" : "out");
    for (int64_t j = 0; column && j < c->n_extra; j++) {
        if (strcmp(c->extra_names[j], column) != 0)
            continue;
        for (int64_t i = 0; i < c->n; i++)
            out[i] = ristra_group_label(grouping, c->extra[i * c->n_extra + j]);
        return RISTRA_OK;
    }
    return ristra__error(RISTRA_ENOTFOUND, "%s: \"%s\" is not an extra column of the collection",
                         fn, column ? column : "(null)");
}
