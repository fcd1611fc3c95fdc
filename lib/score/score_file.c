/* The nightly batch: a population file in; a ranked, tiered list, the
 * rejects and a per-practice summary out.
 *
 * reader (blocks) -> ristra_model_score -> the scored patients appended to
 * growing arrays (21 bytes each: NHS number, practice, risk, outcome; no
 * text is kept) and rejected rows streamed to the rejects file -> at the
 * end of the file, stratify (ranks, tiers, figures) -> the list and the
 * summary. All three files go to temporaries that are renamed into place
 * together once everything has been written. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/batch.h"
#include "../common/big_alloc_internal.h"
#include "../common/error_internal.h"
#include "../common/parallel_internal.h"
#include "../common/struct_version_internal.h"
#include "score_file_internal.h"

/* ------------------------------------------------------------ options */

static const ristra_score_file_options DEFAULTS = RISTRA_SCORE_FILE_OPTIONS_INIT;

int ristra_score_file_options_init(ristra_score_file_options *opts, int version)
{
    return ristra__struct_init(opts, version, &DEFAULTS, &ristra__info_score_file_options,
                               "ristra_score_file_options_init");
}

static const ristra_population_options POPULATION_DEFAULTS = RISTRA_POPULATION_OPTIONS_INIT;

/* The reader's options: the caller's, or the defaults with the outcome
 * column read when present. Every field of *po is filled in. */
static int population_options(ristra_population_options *po, const ristra_score_file_options *o)
{
    int rc = ristra__struct_load(po, o->population, &POPULATION_DEFAULTS,
                                 &ristra__info_population_options,
                                 "ristra_score_file: opts->population");
    po->version = RISTRA_POPULATION_OPTIONS_VERSION;
    if (!o->population)
        po->outcome_column = RISTRA_SCORE_FILE_DEFAULT_OUTCOME;
    po->n_threads = o->n_threads;
    return rc;
}

static const double DEFAULT_CUTS[] = { 0.005, 0.02, 0.05, 0.20 };

static int same_path(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static int check_tiers(const ristra_score_file_options *o)
{
    static const char fn[] = "ristra_score_file";
    if (o->n_tiers < 0 || o->n_tiers > RISTRA_MAX_TIERS)
        return ristra__error(RISTRA_EINVAL, "%s: opts->n_tiers is %lld (expected 0 to %d)", fn,
                             (long long)o->n_tiers, RISTRA_MAX_TIERS);
    if (o->n_tiers && !o->tier_cut_points)
        return ristra__error(RISTRA_EINVAL, "%s: opts->tier_cut_points is NULL with n_tiers %lld",
                             fn, (long long)o->n_tiers);
    for (int k = 0; k < o->n_tiers; k++) {
        double c = o->tier_cut_points[k];
        if (!(c > 0.0 && c <= 1.0))
            return ristra__error(RISTRA_EINVAL,
                                 "%s: opts->tier_cut_points[%d] is %g (expected a fraction "
                                 "in (0, 1])", fn, k, c);
        if (k > 0 && !(c > o->tier_cut_points[k - 1]))
            return ristra__error(RISTRA_EINVAL,
                                 "%s: opts->tier_cut_points must increase strictly, but "
                                 "[%d] is %g after %g", fn, k, c, o->tier_cut_points[k - 1]);
    }
    return RISTRA_OK;
}

static int check_arguments(const ristra_model *model, const char *input, const char *output,
                           const ristra_score_file_options *o)
{
    static const char fn[] = "ristra_score_file";
    if (!model)
        return ristra__error(RISTRA_EINVAL, "%s: model is NULL", fn);
    if (!input)
        return ristra__error(RISTRA_EINVAL, "%s: input is NULL", fn);
    if (o->population && (o->population->columns || o->population->extra_columns))
        return ristra__error(RISTRA_EINVAL,
                             "%s: opts->population->columns and extra_columns must be NULL "
                             "(the model's features are read)", fn);
    int rc = check_tiers(o);
    if (rc)
        return rc;
    if (o->gzip_output < -1 || o->gzip_output > 1)
        return ristra__error(RISTRA_EINVAL, "%s: opts->gzip_output is %d (expected -1, 0 or 1)",
                             fn, o->gzip_output);
    const char *paths[] = { input, output, o->rejects_path, o->summary_path };
    static const char *const names[] = { "input", "output", "rejects_path", "summary_path" };
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            if (same_path(paths[i], paths[j]))
                return ristra__error(RISTRA_EINVAL, "%s: %s and %s are the same file %s", fn,
                                     names[i], names[j], paths[i]);
    return RISTRA_OK;
}

/* ------------------------------------------------------------ result */

void ristra_score_result_free(ristra_score_result *r)
{
    if (!r)
        return;
    free(r->practice);
    free(r->tier_count);
    free(r->code_storage);
    for (int k = 0; k < RISTRA_MAX_TIERS; k++)
        free(r->tier_name[k]);
    free(r->untiered_name);
    free(r);
}

int ristra_score_result_totals(ristra_score_totals *out, const ristra_score_result *r)
{
    static const char fn[] = "ristra_score_result_totals";
    if (!r)
        return ristra__error(RISTRA_EINVAL, "%s: result is NULL", fn);
    return ristra__struct_store(out, &r->totals, &ristra__info_score_totals, fn);
}

int64_t ristra_score_result_tier_count(const ristra_score_result *r, int32_t practice, int k)
{
    if (!r || practice < RISTRA_SCORE_RESULT_ALL || practice >= r->totals.n_practices || k < 0 ||
        k >= r->totals.n_tiers)
        return -1;
    return ristra__result_tier_counts(r, practice)[k];
}

int ristra_score_result_practice(ristra_practice_summary *out, const ristra_score_result *r,
                                 int32_t index)
{
    static const char fn[] = "ristra_score_result_practice";
    if (!r)
        return ristra__error(RISTRA_EINVAL, "%s: result is NULL", fn);
    if (index < 0 || index >= r->totals.n_practices)
        return ristra__error(RISTRA_EINVAL, "%s: index %d is outside [0, %d)", fn, (int)index,
                             (int)r->totals.n_practices);
    return ristra__struct_store(out, &r->practice[index], &ristra__info_practice_summary, fn);
}

const char *ristra_score_result_tier_name(const ristra_score_result *r, int k)
{
    if (!r || k < 0 || k >= r->totals.n_tiers)
        return NULL;
    return r->tier_name[k];
}

/* "top 0.5%" for 0.005. */
static char *default_tier_name(double cut)
{
    char buf[64];
    snprintf(buf, sizeof buf, "top %.12g%%", cut * 100.0);
    return strdup(buf);
}

static ristra_score_result *new_result(const ristra_score_file_options *o)
{
    ristra_score_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    ristra_score_totals t = RISTRA_SCORE_TOTALS_INIT;
    r->totals = t;
    r->totals.n_tiers = o->n_tiers ? (int)o->n_tiers : 4;
    for (int k = 0; k < r->totals.n_tiers; k++) {
        double cut = o->n_tiers ? o->tier_cut_points[k] : DEFAULT_CUTS[k];
        const char *name = o->n_tiers && o->tier_names ? o->tier_names[k] : NULL;
        r->tier_name[k] = name ? strdup(name) : default_tier_name(cut);
        if (!r->tier_name[k]) {
            ristra_score_result_free(r);
            return NULL;
        }
    }
    r->untiered_name = strdup(o->untiered_name ? o->untiered_name : "-");
    if (!r->untiered_name) {
        ristra_score_result_free(r);
        return NULL;
    }
    return r;
}

/* ------------------------------------------------------------ the run */

/* The scored patients, appended block by block. */
typedef struct scored_rows {
    int64_t n, cap;
    uint64_t *nhs_number;
    int32_t *practice;
    double *risk;
    uint8_t *outcome;
} scored_rows;

static void free_rows(scored_rows *s)
{
    const size_t cap = (size_t)s->cap;
    ristra__big_free(s->nhs_number, cap * sizeof *s->nhs_number);
    ristra__big_free(s->practice, cap * sizeof *s->practice);
    ristra__big_free(s->risk, cap * sizeof *s->risk);
    ristra__big_free(s->outcome, cap * sizeof *s->outcome);
}

/* Room for more rows: blocks of twice the size, copied (a mapped block
 * cannot grow in place like malloc's). */
static int reserve_rows(scored_rows *s, int64_t more)
{
    if (s->n + more <= s->cap)
        return RISTRA_OK;
    int64_t cap = s->cap ? s->cap : 65536;
    while (cap < s->n + more)
        cap *= 2;
    scored_rows t = { s->n, cap, ristra__big_alloc((size_t)cap * sizeof *t.nhs_number),
                      ristra__big_alloc((size_t)cap * sizeof *t.practice),
                      ristra__big_alloc((size_t)cap * sizeof *t.risk),
                      ristra__big_alloc((size_t)cap * sizeof *t.outcome) };
    if (!t.nhs_number || !t.practice || !t.risk || !t.outcome) {
        free_rows(&t);
        return ristra__oom();
    }
    if (s->n > 0) {
        memcpy(t.nhs_number, s->nhs_number, (size_t)s->n * sizeof *t.nhs_number);
        memcpy(t.practice, s->practice, (size_t)s->n * sizeof *t.practice);
        memcpy(t.risk, s->risk, (size_t)s->n * sizeof *t.risk);
        memcpy(t.outcome, s->outcome, (size_t)s->n * sizeof *t.outcome);
    }
    free_rows(s);
    *s = t;
    return RISTRA_OK;
}

typedef struct batch {
    const ristra_model *model;
    const ristra_score_file_options *opts;
    const char *input;
    ristra_population *pop;
    ristra__feed *feed;
    ristra__output *out_list, *out_rejects, *out_summary;
    scored_rows rows;
    int64_t n_rows, n_rejected;
    int has_outcome;
    int64_t *rejected_by_practice;     /* per practice index */
    int32_t rejected_cap;
    int id_kind;                       /* the reader's ristra_id_kind */
    /* pseudonyms: the scored patients' identifiers, NUL-terminated, one
     * after another; rows.nhs_number then holds each one's offset here */
    ristra__text tokens;
    double *prob;                      /* one block's scores */
    int32_t *status;
    int64_t block_cap;
    ristra__text reject_text;          /* one block's rejects file lines */
} batch;

static int count_practice_reject(batch *b, int32_t practice)
{
    if (practice < 0)
        return RISTRA_OK;
    if (practice >= b->rejected_cap) {
        int32_t cap = b->rejected_cap ? b->rejected_cap : 64;
        while (cap <= practice)
            cap *= 2;
        int64_t *a = realloc(b->rejected_by_practice, (size_t)cap * sizeof *a);
        if (!a)
            return ristra__oom();
        memset(a + b->rejected_cap, 0, (size_t)(cap - b->rejected_cap) * sizeof *a);
        b->rejected_by_practice = a;
        b->rejected_cap = cap;
    }
    b->rejected_by_practice[practice]++;
    return RISTRA_OK;
}

/* A row the reader passed but the model's own checks did not (a model
 * whose checks the reader does not know): its line, from what is kept. */
static int model_reject(batch *b, const ristra__feed_block *v, int64_t i, int32_t status)
{
    char nhs[16], reason[160];
    if (v->nhs_number)
        snprintf(nhs, sizeof nhs, "%010llu", (unsigned long long)v->nhs_number[i]);
    snprintf(reason, sizeof reason, "the model rejected the row: %s",
             ristra_row_status_string(status));
    return ristra__text_reject(&b->reject_text, v->line[i],
                               v->nhs_number ? nhs : v->identifier[i],
                               ristra__feed_practice(b->feed, v->practice[i]), status, reason);
}

/* Keeps a scored patient's pseudonym; returns its offset in b->tokens, or
 * UINT64_MAX when out of memory. */
static uint64_t keep_token(batch *b, const char *token)
{
    size_t n = strlen(token) + 1, at = b->tokens.len;
    if (at + n > b->tokens.cap) {
        size_t cap = b->tokens.cap ? b->tokens.cap * 2 : 1 << 20;
        while (cap < at + n)
            cap *= 2;
        char *t = realloc(b->tokens.data, cap);
        if (!t)
            return UINT64_MAX;
        b->tokens.data = t;
        b->tokens.cap = cap;
    }
    memcpy(b->tokens.data + at, token, n);
    b->tokens.len += n;
    return at;
}

/* Scores a block, keeps its scored patients and writes its rejects. */
static int score_block(batch *b, const ristra__feed_block *v)
{
    const int64_t n = v->n_rows;
    if (n > b->block_cap) {
        free(b->prob), free(b->status);
        b->prob = malloc((size_t)n * sizeof *b->prob);
        b->status = malloc((size_t)n * sizeof *b->status);
        b->block_cap = b->prob && b->status ? n : 0;
        if (!b->block_cap)
            return ristra__oom();
    }
    ristra_score_options so = RISTRA_SCORE_OPTIONS_INIT;
    so.n_threads = b->opts->n_threads;
    int rc = ristra_model_score(b->prob, NULL, b->status, b->model, v->values, RISTRA_FLOAT64,
                                n, v->n_cols, v->n_cols, 1, &so);
    if (rc)
        return rc;
    if ((rc = reserve_rows(&b->rows, n)))
        return rc;
    if (b->n_rows == 0)
        b->has_outcome = v->outcome != NULL;
    scored_rows *s = &b->rows;
    b->reject_text.len = 0;
    size_t from = 0; /* the next of the reader's reject lines */
    int64_t j = 0;
    for (int64_t i = 0; i < n && !rc; i++) {
        if (v->status[i] != RISTRA_ROW_OK || b->status[i] != RISTRA_ROW_OK) {
            b->n_rejected++;
            rc = count_practice_reject(b, v->practice[i]);
            if (rc || !b->out_rejects)
                continue;
            if (v->status[i] != RISTRA_ROW_OK) {
                size_t to = v->reject_end[j++];
                rc = ristra__output_write(b->out_rejects, v->reject_text + from, to - from);
                from = to;
            } else {
                rc = model_reject(b, v, i, b->status[i]);
                if (!rc)
                    rc = ristra__output_write(b->out_rejects, b->reject_text.data,
                                              b->reject_text.len);
                b->reject_text.len = 0;
            }
            continue;
        }
        int64_t k = s->n++;
        s->nhs_number[k] = v->nhs_number ? v->nhs_number[i] : keep_token(b, v->identifier[i]);
        if (s->nhs_number[k] == UINT64_MAX)
            rc = ristra__oom();
        s->practice[k] = v->practice[i];
        s->risk[k] = b->prob[i];
        double y = v->outcome ? v->outcome[i] : NAN;
        s->outcome[k] = y == 1.0 ? 1 : y == 0.0 ? 0 : RISTRA__OUTCOME_UNKNOWN;
    }
    b->n_rows += n;
    return rc;
}

/* gzip level 1: a ranked list is mostly digits that no level compresses
 * much; level 6 makes it 9% smaller and takes six times as long, more than
 * the rest of the run. */
enum { GZIP_LEVEL = 1 };

static int open_output(ristra__output **out, const char *path, int gzip_option)
{
    if (!path)
        return RISTRA_OK;
    int gz = gzip_option < 0 ? ristra__path_is_gz(path) : gzip_option;
    return ristra__output_open(out, path, gz ? GZIP_LEVEL : 0);
}

static int read_everything(batch *b)
{
    const ristra_score_file_options *o = b->opts;
    /* Read ahead on a thread when a second CPU can do it. */
    int pipelined = ristra__resolve_threads(o->n_threads, 2, 1) > 1;
    int rc = ristra__feed_open(&b->feed, b->pop, pipelined, b->out_rejects != NULL);
    while (!rc) {
        const ristra__feed_block *v = NULL;
        if ((rc = ristra__feed_next(b->feed, &v)) || v->n_rows == 0)
            break;
        rc = score_block(b, v);
        uint64_t done = v->bytes_done, total = v->bytes_total;
        ristra__feed_release(b->feed);
        if (!rc && o->progress && o->progress(o->progress_ctx, b->n_rows, done, total))
            rc = ristra__error(RISTRA_ECANCELLED, "%s: cancelled by the progress callback "
                               "after %lld rows", b->input, (long long)b->n_rows);
    }
    ristra__feed_close(b->feed);
    b->feed = NULL;
    return rc;
}

/* Copies the practice codes (the reader's die with it) into the result. */
static int keep_practice_codes(ristra_score_result *r, const char ***codes_out, batch *b)
{
    int32_t n = ristra_population_n_practices(b->pop);
    size_t bytes = 1;
    for (int32_t p = 0; p < n; p++)
        bytes += strlen(ristra_population_practice(b->pop, p)) + 1;
    r->code_storage = malloc(bytes);
    const char **codes = malloc((size_t)(n > 0 ? n : 1) * sizeof *codes);
    if (!r->code_storage || !codes) {
        free(codes);
        return ristra__oom();
    }
    char *at = r->code_storage;
    for (int32_t p = 0; p < n; p++) {
        const char *c = ristra_population_practice(b->pop, p);
        size_t len = strlen(c) + 1;
        memcpy(at, c, len);
        codes[p] = at;
        at += len;
    }
    r->totals.n_practices = n;
    *codes_out = codes;
    return RISTRA_OK;
}

static int summarize(ristra_score_result *r, const ristra__stratification *st,
                     const char *const *codes, const batch *b)
{
    ristra_score_totals *t = &r->totals;
    t->n_rows = b->n_rows;
    t->n_scored = b->rows.n;
    t->n_rejected = b->n_rejected;
    t->has_outcome = b->has_outcome;
    t->expected = st->expected;
    t->observed = b->has_outcome ? st->observed : -1;
    t->auroc = b->has_outcome ? st->auroc : NAN;
    r->practice = calloc((size_t)(t->n_practices > 0 ? t->n_practices : 1), sizeof *r->practice);
    r->tier_count = calloc(((size_t)t->n_practices + 1) * (size_t)t->n_tiers + 1,
                           sizeof *r->tier_count);
    if (!r->practice || !r->tier_count)
        return ristra__oom();
    for (int k = 0; k < t->n_tiers; k++)
        r->tier_count[k] = st->tier_count[k];
    for (int32_t i = 0; i < t->n_practices; i++) {
        const ristra__practice_stats *ps = &st->practice[i];
        ristra_practice_summary s = RISTRA_PRACTICE_SUMMARY_INIT;
        s.practice = codes[ps->practice];
        s.list_size = ps->list_size;
        s.n_rejected = ps->practice < b->rejected_cap ? b->rejected_by_practice[ps->practice] : 0;
        for (int k = 0; k < t->n_tiers; k++)
            r->tier_count[(size_t)(i + 1) * (size_t)t->n_tiers + (size_t)k] =
                ps->tier_count[k];
        s.expected = ps->expected;
        s.mean_risk = ps->list_size ? ps->expected / (double)ps->list_size : NAN;
        s.observed = b->has_outcome ? ps->observed : -1;
        s.observed_expected =
            b->has_outcome && ps->expected > 0 ? (double)ps->observed / ps->expected : NAN;
        s.auroc = b->has_outcome ? ps->auroc : NAN;
        r->practice[i] = s;
    }
    return RISTRA_OK;
}

typedef struct token_ref {
    const char *text;
    uint32_t patient;
} token_ref;

static int compare_tokens(const void *a, const void *b)
{
    return strcmp(((const token_ref *)a)->text, ((const token_ref *)b)->text);
}

/* Pseudonyms: each patient's text (*text_out) and, for the ranking's tie
 * rule "equal risks by identifier", its rank in byte order of the texts
 * (*key_out: equal texts, equal ranks), which stands in for the NHS number. */
static int token_keys(const char ***text_out, uint64_t **key_out, const batch *b)
{
    const int64_t n = b->rows.n;
    const char **text = malloc((size_t)(n > 0 ? n : 1) * sizeof *text);
    uint64_t *key = malloc((size_t)(n > 0 ? n : 1) * sizeof *key);
    token_ref *refs = malloc((size_t)(n > 0 ? n : 1) * sizeof *refs);
    if (!text || !key || !refs) {
        free(text), free(key), free(refs);
        return ristra__oom();
    }
    for (int64_t i = 0; i < n; i++) {
        text[i] = b->tokens.data + b->rows.nhs_number[i];
        refs[i] = (token_ref){ text[i], (uint32_t)i };
    }
    qsort(refs, (size_t)n, sizeof *refs, compare_tokens);
    uint64_t rank = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(refs[i - 1].text, refs[i].text) != 0)
            rank = (uint64_t)i;
        key[refs[i].patient] = rank;
    }
    free(refs);
    *text_out = text, *key_out = key;
    return RISTRA_OK;
}

/* After the last block: rank, then write the list and the summary. */
static int finish(ristra_score_result *r, batch *b)
{
    const char **codes = NULL, **tokens = NULL;
    uint64_t *token_key = NULL;
    int rc = keep_practice_codes(r, &codes, b);
    if (!rc && b->id_kind == RISTRA_ID_PSEUDONYM)
        rc = token_keys(&tokens, &token_key, b);
    if (rc) {
        free(codes);
        return rc;
    }
    double cuts[RISTRA_MAX_TIERS];
    for (int k = 0; k < r->totals.n_tiers; k++)
        cuts[k] = b->opts->n_tiers ? b->opts->tier_cut_points[k] : DEFAULT_CUTS[k];
    ristra__scored scored = { b->rows.n, token_key ? token_key : b->rows.nhs_number,
                              b->rows.practice, b->rows.risk,
                              b->has_outcome ? b->rows.outcome : NULL, r->totals.n_practices,
                              codes, r->totals.n_tiers, cuts };
    ristra__stratification st;
    rc = ristra__stratify(&st, &scored);
    if (!rc)
        rc = summarize(r, &st, codes, b);
    if (!rc && b->out_list) {
        const char *names[RISTRA_MAX_TIERS + 1];
        for (int k = 0; k < r->totals.n_tiers; k++)
            names[k] = r->tier_name[k];
        names[r->totals.n_tiers] = r->untiered_name;
        ristra__ranked_list list = { &st, b->rows.nhs_number, tokens, codes, names,
                                     b->opts->n_threads };
        rc = ristra__write_ranked_list(b->out_list, &list);
    }
    if (!rc && b->out_summary)
        rc = ristra__write_summary(b->out_summary, r);
    ristra__stratification_free(&st);
    free(codes), free(tokens), free(token_key);
    return rc;
}

/* Finishes every file, then renames them all: only a failed rename can
 * leave some in place without the others. */
static int commit_outputs(batch *b)
{
    ristra__output **outs[] = { &b->out_list, &b->out_rejects, &b->out_summary };
    int rc = RISTRA_OK;
    for (int i = 0; i < 3 && !rc; i++)
        if (*outs[i])
            rc = ristra__output_finish(*outs[i]);
    for (int i = 0; i < 3 && !rc; i++)
        if (*outs[i]) {
            rc = ristra__output_commit(*outs[i]);
            *outs[i] = NULL;
        }
    return rc;
}

int ristra_score_file(ristra_score_result **out, const ristra_model *model, const char *input,
                      const char *output, const ristra_score_file_options *opts)
{
    if (out)
        *out = NULL;
    ristra_score_file_options full;
    const ristra_score_file_options *o = &full;
    int rc = ristra__struct_load(&full, opts, &DEFAULTS, &ristra__info_score_file_options,
                                 "ristra_score_file");
    if (!rc)
        rc = check_arguments(model, input, output, o);
    if (rc)
        return rc;
    batch b;
    memset(&b, 0, sizeof b);
    b.model = model;
    b.opts = o;
    b.input = input;
    ristra_score_result *r = new_result(o);
    if (!r)
        return ristra__oom();
    ristra_population_options po;
    rc = population_options(&po, o);
    b.id_kind = po.id_kind ? po.id_kind : RISTRA_ID_NHS;
    r->totals.id_kind = b.id_kind;
    if (!rc)
        rc = ristra_population_open(&b.pop, input, model, &po);
    if (!rc)
        rc = open_output(&b.out_list, output, o->gzip_output);
    if (!rc)
        rc = open_output(&b.out_rejects, o->rejects_path, o->gzip_output);
    if (!rc)
        rc = open_output(&b.out_summary, o->summary_path, o->gzip_output);
    if (!rc && b.out_rejects)
        rc = ristra__write_rejects_header(b.out_rejects, b.id_kind);
    if (!rc)
        rc = read_everything(&b);
    if (!rc)
        rc = finish(r, &b);
    ristra_population_close(b.pop);
    free(b.prob), free(b.status), free(b.reject_text.data), free(b.tokens.data);
    free_rows(&b.rows);
    free(b.rejected_by_practice);
    if (!rc)
        rc = commit_outputs(&b);
    ristra__output_abort(b.out_list);
    ristra__output_abort(b.out_rejects);
    ristra__output_abort(b.out_summary);
    if (rc || !out)
        ristra_score_result_free(r);
    else
        *out = r;
    return rc;
}
