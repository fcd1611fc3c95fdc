/* The nightly batch: a population file in; a ranked, tiered list, the
 * rejects and a per-practice summary out.
 *
 * reader (blocks) -> ristra_model_score -> the scored patients appended to
 * growing arrays (21 bytes each: NHS number, practice, risk, outcome; no
 * text is kept) and rejected rows streamed to the rejects file -> at the
 * end of the file, stratify (ranks, tiers, figures) -> the list and the
 * summary. All the files (and the run's manifest, last) go to temporaries
 * that one commit set (io/commit.c) renames into place all or nothing once
 * everything has been written. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/batch.h"
#include "ristra/evaluate.h"
#include "../common/big_alloc_internal.h"
#include "../common/error_internal.h"
#include "../common/parallel_internal.h"
#include "../common/struct_version_internal.h"
#include "../audit/audit_internal.h"
#include "../drift/drift_internal.h"
#include "../fhir/fhir_internal.h"
#include "../manifest/manifest_internal.h"
#include "../metrics/metrics_internal.h"
#include "../model/model_internal.h"
#include "../reader/reader_internal.h"
#include "../report/report_internal.h"
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

/* Cut-point k of the run: the caller's, or the library's default tiers. */
static double tier_cut(const ristra_score_file_options *o, int k)
{
    const double *defaults;
    ristra_default_tiers(&defaults);
    return o->n_tiers ? o->tier_cut_points[k] : defaults[k];
}

static int same_path(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0 && strcmp(a, "-") != 0;
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
    (void)output; /* NULL is allowed: no list; check_paths() looks at it */
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
    if (o->file_mode < 0 || o->file_mode > 0777)
        return ristra__error(RISTRA_EINVAL, "%s: opts->file_mode is %o (expected permission "
                             "bits, 0 to 0777)", fn, (unsigned)o->file_mode);
    if (!(o->max_reject_rate >= 0.0 && o->max_reject_rate <= 1.0))
        return ristra__error(RISTRA_EINVAL, "%s: opts->max_reject_rate is %g (expected a "
                             "fraction in [0, 1])", fn, o->max_reject_rate);
    if (o->min_scored < 0)
        return ristra__error(RISTRA_EINVAL, "%s: opts->min_scored is %lld (expected 0 or more)",
                             fn, (long long)o->min_scored);
    if (o->report_dir && (rc = ristra__report_check(o->report_dir, o->report)))
        return rc;
    if (ristra__check_threads(o->n_threads, fn))
        return RISTRA_EINVAL;
    if (o->n_reasons < 0 || o->n_reasons > RISTRA_MAX_REASONS)
        return ristra__error(RISTRA_EINVAL, "%s: opts->n_reasons is %d (expected 0 to %d)", fn,
                             o->n_reasons, RISTRA_MAX_REASONS);
    return o->fhir_path ? ristra__fhir_check(o->fhir) : RISTRA_OK;
}

enum { N_PATHS = 8 };
static const char *const PATH_NAMES[N_PATHS] = { "input", "output", "rejects_path",
                                                 "summary_path", "audit_path", "fhir_path",
                                                 "contributions_path", "manifest_path" };

/* Every output may be written (io/output_path.c), at most one is standard
 * output, and no two of the paths are the same file, spelled alike or not,
 * through symbolic links (the input's are followed) or hard links. */
static int check_paths(const char *const paths[N_PATHS])
{
    static const char fn[] = "ristra_score_file";
    ristra__file_id id[N_PATHS];
    int n_stdout = 0;
    for (int i = 0; i < N_PATHS; i++) {
        if (i > 0 && paths[i]) {
            int rc = ristra__output_check_path(paths[i], PATH_NAMES[i]);
            if (rc)
                return ristra__error_prefix(rc, "%s: ", fn);
            n_stdout += strcmp(paths[i], "-") == 0;
        }
        ristra__file_id_of(&id[i], paths[i], i == 0);
    }
    if (n_stdout > 1)
        return ristra__error(RISTRA_EINVAL, "%s: only one output may be - (standard output)", fn);
    for (int i = 0; i < N_PATHS; i++)
        for (int j = i + 1; j < N_PATHS; j++)
            if (same_path(paths[i], paths[j]) || ristra__file_id_same(&id[i], &id[j]))
                return ristra__error(RISTRA_EINVAL, "%s: %s %s and %s %s are the same file", fn,
                                     PATH_NAMES[i], paths[i], PATH_NAMES[j], paths[j]);
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
    free(r->model_name);
    free(r->model_version);
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

static char *default_tier_name(double cut)
{
    char buf[64];
    ristra__tier_default_name(buf, sizeof buf, cut);
    return strdup(buf);
}

/* A string from the model's metadata ("" when absent). */
static char *metadata_text(const ristra_model *model, const char *key)
{
    json_t *meta = json_loads(model->metadata_json ? model->metadata_json : "{}", 0, NULL);
    const char *v = json_string_value(json_object_get(meta, key));
    char *copy = strdup(v ? v : "");
    json_decref(meta);
    return copy;
}

static ristra_score_result *new_result(const ristra_score_file_options *o,
                                       const ristra_model *model)
{
    ristra_score_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->model_name = metadata_text(model, "name");
    r->model_version = metadata_text(model, "version");
    if (!r->model_name || !r->model_version) {
        ristra_score_result_free(r);
        return NULL;
    }
    ristra_score_totals t = RISTRA_SCORE_TOTALS_INIT;
    r->totals = t;
    r->totals.n_tiers = (int)(o->n_tiers ? o->n_tiers : ristra_default_tiers(NULL));
    for (int k = 0; k < r->totals.n_tiers; k++) {
        const char *name = o->tier_names ? o->tier_names[k] : NULL;
        r->tier_name[k] = name ? strdup(name) : default_tier_name(tier_cut(o, k));
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
    size_t bytes[4];    /* each array's size, in the order above */
} scored_rows;

static void free_rows(scored_rows *s)
{
    ristra__big_free(s->nhs_number, s->bytes[0]);
    ristra__big_free(s->practice, s->bytes[1]);
    ristra__big_free(s->risk, s->bytes[2]);
    ristra__big_free(s->outcome, s->bytes[3]);
}

/* p resized to want bytes (*bytes updated), or NULL with p unchanged. */
static void *resized(void *p, size_t *bytes, size_t want)
{
    void *q = ristra__big_realloc(p, *bytes, want);
    if (q)
        *bytes = want;
    return q;
}

/* Room for more rows: blocks of twice the size, remapped rather than
 * copied, so that growing never holds the patients twice. */
static int reserve_rows(scored_rows *s, int64_t more)
{
    if (s->n + more <= s->cap)
        return RISTRA_OK;
    int64_t cap = s->cap ? s->cap : 65536;
    while (cap < s->n + more)
        cap *= 2;
    const size_t c = (size_t)cap;
    void *q;
    if (!(q = resized(s->nhs_number, &s->bytes[0], c * sizeof *s->nhs_number)))
        return ristra__oom();
    s->nhs_number = q;
    if (!(q = resized(s->practice, &s->bytes[1], c * sizeof *s->practice)))
        return ristra__oom();
    s->practice = q;
    if (!(q = resized(s->risk, &s->bytes[2], c * sizeof *s->risk)))
        return ristra__oom();
    s->risk = q;
    if (!(q = resized(s->outcome, &s->bytes[3], c * sizeof *s->outcome)))
        return ristra__oom();
    s->outcome = q;
    s->cap = cap;
    return RISTRA_OK;
}

/* Row statuses counted one by one; any later ones share the last slot. */
enum { STATUS_SLOTS = 16 };

typedef struct batch {
    const ristra_model *model;
    const ristra_score_file_options *opts;
    const char *input;
    ristra_population *pop;
    ristra__feed *feed;
    ristra__output *out_list, *out_rejects, *out_summary, *out_fhir;
    scored_rows rows;
    int64_t n_rows, n_rejected;
    int has_outcome;
    int64_t *rejected_by_practice;     /* per practice index */
    int32_t rejected_cap;
    double *prob;                      /* one block's scores */
    int32_t *status;
    int64_t block_cap;
    ristra__text reject_text;          /* one block's rejects file lines */
    int64_t by_status[STATUS_SLOTS];   /* rows rejected, by ristra_row_status */
    uint64_t bytes_done, bytes_total;  /* as last told to the progress callback */
    ristra__audit *audit;              /* NULL without opts->audit_path */
    int64_t n_extra;                   /* the audit's columns, read as extras */
    ristra__output *out_contrib;       /* opts->contributions_path */
    ristra__explained explained;       /* contributions and reasons */
    int id_kind;                       /* the reader's ristra_id_kind */
    const ristra__recorded_run *recorded; /* a report of a recorded run, or NULL */
    /* pseudonyms: the scored patients' identifiers, NUL-terminated, one
     * after another; rows.nhs_number then holds each one's offset here */
    ristra__text tokens;
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
    char nhs[16] = "", reason[256];
    if (v->nhs_number)
        snprintf(nhs, sizeof nhs, "%010llu", (unsigned long long)v->nhs_number[i]);
    ristra_row_check c = RISTRA_ROW_CHECK_INIT;
    ristra_feature_info f = RISTRA_FEATURE_INFO_INIT;
    int explained = ristra_model_check_row(&c, b->model, v->values + i * v->n_cols,
                                           RISTRA_FLOAT64, v->n_cols) == RISTRA_OK;
    if (explained && status == RISTRA_ROW_INSUFFICIENT_DATA)
        snprintf(reason, sizeof reason,
                 "the model rejected the row: %lld of %lld features present, it needs %lld",
                 (long long)c.n_present, (long long)v->n_cols, (long long)c.n_needed);
    else if (explained && c.feature >= 0 &&
             ristra_model_feature(&f, b->model, c.feature) == RISTRA_OK)
        snprintf(reason, sizeof reason, "the model rejected the row: %s (feature %s)",
                 ristra_row_status_string(status), f.name);
    else
        snprintf(reason, sizeof reason, "the model rejected the row: %s",
                 ristra_row_status_string(status));
    return ristra__text_reject(&b->reject_text, v->line[i], v->nhs_number ? nhs : v->identifier[i],
                               ristra__feed_practice(b->feed, v->practice[i]), status, reason);
}

/* Keeps a scored patient's pseudonym; returns its offset in b->tokens, or
 * UINT64_MAX when out of memory. */
static uint64_t keep_token(batch *b, const char *token)
{
    size_t n = strlen(token) + 1, at = b->tokens.len;
    if (ristra__text_reserve(&b->tokens, n))
        return UINT64_MAX;
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
    if (!rc)
        rc = ristra__explained_block(&b->explained, v, so.n_threads);
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
            int32_t st = v->status[i] != RISTRA_ROW_OK ? v->status[i] : b->status[i];
            b->by_status[st > 0 && st < STATUS_SLOTS ? st : STATUS_SLOTS - 1]++;
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
        if (b->audit && (rc = ristra__audit_keep(b->audit, v->extra + i * b->n_extra)))
            break;
        int64_t k = s->n++;
        rc = ristra__explained_keep(&b->explained, v, i, k,
                                    ristra__feed_practice(b->feed, v->practice[i]));
        s->nhs_number[k] = v->nhs_number ? v->nhs_number[i] : keep_token(b, v->identifier[i]);
        if (s->nhs_number[k] == UINT64_MAX) {
            rc = ristra__oom();
            break;
        }
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

static int output_gzip(const char *path, int gzip_option)
{
    int gz = gzip_option < 0 ? ristra__path_is_gz(path) : gzip_option;
    return gz ? GZIP_LEVEL : 0;
}

static int open_output(ristra__output **out, const char *path, const ristra_score_file_options *o)
{
    if (!path)
        return RISTRA_OK;
    return ristra__output_open_mode(out, path, output_gzip(path, o->gzip_output), o->file_mode);
}

/* The progress callback asked to stop: also asked between the steps after
 * the last block (ranking, writing, committing), so that a cancellation
 * (the CLI's signals) that comes late still writes nothing. */
static int cancelled(const batch *b, const char *when)
{
    const ristra_score_file_options *o = b->opts;
    if (!o->progress || !o->progress(o->progress_ctx, b->n_rows, b->bytes_done, b->bytes_total))
        return RISTRA_OK;
    return ristra__error(RISTRA_ECANCELLED, "%s: cancelled by the progress callback %s",
                         b->input, when);
}

static int read_everything(batch *b)
{
    const ristra_score_file_options *o = b->opts;
    /* Read ahead on a thread when a second CPU can do it. */
    int pipelined = ristra__resolve_threads(o->n_threads, 2, 1) > 1;
    int rc = ristra__feed_open(&b->feed, b->pop, pipelined, b->out_rejects != NULL,
                               b->n_extra);
    while (!rc) {
        const ristra__feed_block *v = NULL;
        if ((rc = ristra__feed_next(b->feed, &v)) || v->n_rows == 0)
            break;
        rc = score_block(b, v);
        uint64_t done = v->bytes_done, total = v->bytes_total;
        b->bytes_done = done, b->bytes_total = total;
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
    const token_ref *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    return c ? c : (x->patient > y->patient) - (x->patient < y->patient);
}

/* The first 8 bytes of a text as a number that sorts as strcmp() does
 * (bytes unsigned, big-endian; a shorter text padded with zeros). */
static uint64_t text_prefix(const char *t)
{
    uint64_t k = 0;
    int ended = 0;
    for (int i = 0; i < 8; i++) {
        unsigned char c = ended ? 0 : (unsigned char)t[i];
        ended |= c == 0;
        k = k << 8 | c;
    }
    return k;
}

/* Orders idx[0..n), patients whose texts share their first 8 bytes, by
 * text and then patient: by insertion when few (the usual case: a keyed
 * hash's first 8 characters are rarely shared), else by qsort. */
static int sort_shared_prefix(uint32_t *idx, int64_t n, const char *const *text)
{
    if (n <= 16) {
        for (int64_t i = 1; i < n; i++) {
            uint32_t v = idx[i];
            int64_t j = i;
            for (; j > 0 && compare_tokens(&(token_ref){ text[idx[j - 1]], idx[j - 1] },
                                           &(token_ref){ text[v], v }) > 0; j--)
                idx[j] = idx[j - 1];
            idx[j] = v;
        }
        return RISTRA_OK;
    }
    token_ref *refs = malloc((size_t)n * sizeof *refs);
    if (!refs)
        return ristra__oom();
    for (int64_t i = 0; i < n; i++)
        refs[i] = (token_ref){ text[idx[i]], idx[i] };
    qsort(refs, (size_t)n, sizeof *refs, compare_tokens);
    for (int64_t i = 0; i < n; i++)
        idx[i] = refs[i].patient;
    free(refs);
    return RISTRA_OK;
}

/* Pseudonyms: each patient's text (*text_out) and, for the ranking's tie
 * rule "equal risks by identifier", its rank in byte order of the texts
 * (*key_out: equal texts, equal ranks), which stands in for the NHS number.
 * The texts are sorted by their first 8 bytes with the ranking's radix
 * sort, then by strcmp() where those are shared. */
static int token_keys(const char ***text_out, uint64_t **key_out, const batch *b)
{
    const int64_t n = b->rows.n;
    const size_t cap = (size_t)(n > 0 ? n : 1);
    const char **text = malloc(cap * sizeof *text);
    uint64_t *key = malloc(cap * sizeof *key);
    uint64_t *prefix = ristra__big_alloc(cap * sizeof *prefix);
    uint32_t *idx = ristra__big_alloc(cap * sizeof *idx);
    int rc = text && key && prefix && idx ? RISTRA_OK : ristra__oom();
    for (int64_t i = 0; !rc && i < n; i++) {
        text[i] = b->tokens.data + b->rows.nhs_number[i];
        prefix[i] = text_prefix(text[i]);
        idx[i] = (uint32_t)i;
    }
    if (!rc)
        ristra__sort_keys(prefix, idx, n);
    for (int64_t i = 0, j; !rc && i < n; i = j) {
        for (j = i + 1; j < n && prefix[j] == prefix[i]; j++)
            ;
        if (j - i > 1)
            rc = sort_shared_prefix(idx + i, j - i, text);
    }
    uint64_t rank = 0;
    for (int64_t i = 0; !rc && i < n; i++) {
        if (i > 0 && (prefix[i - 1] != prefix[i] || strcmp(text[idx[i - 1]], text[idx[i]]) != 0))
            rank = (uint64_t)i;
        key[idx[i]] = rank;
    }
    ristra__big_free(prefix, cap * sizeof *prefix);
    ristra__big_free(idx, cap * sizeof *idx);
    if (rc) {
        free(text), free(key);
        return rc;
    }
    *text_out = text, *key_out = key;
    return RISTRA_OK;
}

/* What finish() writes from the stratification: item 0 the ranked list,
 * the FHIR resources and the summary, item 1 the audit (independent: its
 * own output, reading only what the other reads). */
typedef struct finish_job {
    const batch *b;
    const ristra_score_result *r;
    const ristra__stratification *st;
    const ristra__scored *scored;
    const char *const *tokens, *const *codes, *const *names;
    int rc[2];
    char audit_error[1024];
} finish_job;

static int write_files(finish_job *j)
{
    const batch *b = j->b;
    int rc = RISTRA_OK;
    if (b->out_list) {
        ristra__ranked_list list = { j->st, b->rows.nhs_number, j->tokens, j->codes, j->names,
                                     b->opts->n_threads,
                                     b->explained.k ? &b->explained : NULL };
        rc = ristra__write_ranked_list(b->out_list, &list);
    }
    if (!rc && b->out_fhir) {
        ristra__fhir_list list = { j->st, b->rows.nhs_number, j->tokens, j->codes, j->names,
                                   b->model,
                                   b->explained.k ? ristra__explained_rationale : NULL,
                                   &b->explained };
        rc = ristra__fhir_write(b->out_fhir, b->opts->fhir, &list);
    }
    if (!rc && b->out_summary)
        rc = ristra__write_summary(b->out_summary, j->r);
    return rc;
}

static int finish_part(void *ctx, int64_t begin, int64_t end, int thread_index)
{
    (void)thread_index;
    finish_job *j = ctx;
    for (int64_t item = begin; item < end; item++) {
        if (item == 0) {
            j->rc[0] = write_files(j);
        } else if (j->b->audit) {
            j->rc[1] = ristra__audit_finish(j->b->audit, j->st, j->scored,
                                            (const char *const *)j->r->tier_name);
            if (j->rc[1])
                snprintf(j->audit_error, sizeof j->audit_error, "%s", ristra_last_error());
        }
    }
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
        cuts[k] = tier_cut(b->opts, k);
    ristra__scored scored = { b->rows.n, token_key ? token_key : b->rows.nhs_number,
                              b->rows.practice, b->rows.risk,
                              b->has_outcome ? b->rows.outcome : NULL, r->totals.n_practices,
                              codes, r->totals.n_tiers, cuts };
    ristra__stratification st;
    rc = ristra__stratify(&st, &scored);
    if (!rc)
        rc = summarize(r, &st, codes, b);
    if (!rc)
        rc = cancelled(b, "after ranking");
    const char *names[RISTRA_MAX_TIERS + 1];
    for (int k = 0; k < r->totals.n_tiers; k++)
        names[k] = r->tier_name[k];
    names[r->totals.n_tiers] = r->untiered_name;
    if (!rc) {
        finish_job job = { b, r, &st, &scored, tokens, codes, names, { RISTRA_OK, RISTRA_OK },
                           "" };
        /* the audit on a thread of its own while the files are formatted */
        int n = b->audit ? ristra__resolve_threads(b->opts->n_threads, 2, 1) : 1;
        ristra__parallel_for(2, n, finish_part, &job);
        rc = job.rc[0];
            if (!rc && job.rc[1]) /* its message was the audit thread's */
            rc = ristra__error(job.rc[1], "%s", job.audit_error);
    }
    ristra__stratification_free(&st);
    free(codes), free(tokens), free(token_key);
    return rc;
}

/* "invalid NHS number 990; missing value 10": the rejected rows by status. */
static void describe_rejects(char *buf, size_t size, const batch *b)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int st = 1; st < STATUS_SLOTS && at < size; st++)
        if (b->by_status[st])
            at += (size_t)snprintf(buf + at, size - at, "%s%s %lld", at ? "; " : "",
                                   ristra_row_status_string(st), (long long)b->by_status[st]);
}

/* The run's failure threshold (opts->max_reject_rate, opts->min_scored). */
static int check_threshold(const batch *b)
{
    const ristra_score_file_options *o = b->opts;
    double rate = b->n_rows ? (double)b->n_rejected / (double)b->n_rows : 0.0;
    int too_many = rate > o->max_reject_rate, too_few = b->rows.n < o->min_scored;
    if (!too_many && !too_few)
        return RISTRA_OK;
    char reasons[512];
    describe_rejects(reasons, sizeof reasons, b);
    char limit[128];
    if (too_many)
        snprintf(limit, sizeof limit, "more than the limit of %g%% (max_reject_rate %g)",
                 100.0 * o->max_reject_rate, o->max_reject_rate);
    else
        snprintf(limit, sizeof limit, "leaving %lld scored, fewer than min_scored %lld",
                 (long long)b->rows.n, (long long)o->min_scored);
    return ristra__error(RISTRA_ETHRESHOLD,
                         "%s: %lld of %lld rows rejected (%.2f%%), %s; nothing written%s%s",
                         b->input, (long long)b->n_rejected, (long long)b->n_rows, 100.0 * rate,
                         limit, reasons[0] ? "; rejected by reason: " : "", reasons);
}

/* The options, as the manifest records them. */
static json_t *options_json(const ristra_score_file_options *o, const ristra_score_result *r,
                            const char *output, const ristra_population_options *p)
{
    json_t *tiers = json_array();
    for (int k = 0; tiers && k < r->totals.n_tiers; k++)
        json_array_append_new(tiers, json_pack("{s:f, s:s}", "cut_point", tier_cut(o, k),
                                               "name", r->tier_name[k]));
    return json_pack("{s:s?, s:s?, s:s?, s:o?, s:s, s:s?, s:s?, s:s?, s:i, s:b, s:i, s:i, "
                     "s:s, s:f, s:I}",
                     "output", output, "rejects_path", o->rejects_path, "summary_path",
                     o->summary_path, "tiers", tiers, "untiered_name", r->untiered_name,
                     "id_column", p->id_column, "practice_column", p->practice_column,
                     "outcome_column", p->outcome_column, "outcome_required",
                     p->outcome_required, "check_duplicates", p->check_duplicates,
                     "n_threads", o->n_threads, "gzip_output", o->gzip_output, "file_mode",
                     "", "max_reject_rate", o->max_reject_rate, "min_scored",
                     (json_int_t)o->min_scored);
}

/* Row counts by status and tier counts. */
static json_t *counts_json(const batch *b, const ristra_score_result *r)
{
    json_t *by = json_object();
    for (int st = 1; by && st < STATUS_SLOTS; st++)
        if (b->by_status[st])
            json_object_set_new(by, ristra_row_status_string(st),
                                json_integer(b->by_status[st]));
    json_t *tiers = json_array();
    for (int k = 0; tiers && k < r->totals.n_tiers; k++)
        json_array_append_new(tiers, json_pack("{s:s, s:I}", "name", r->tier_name[k], "count",
                                               (json_int_t)r->tier_count[k]));
    return json_pack("{s:I, s:I, s:I, s:o?, s:i, s:o?}", "read", (json_int_t)b->n_rows,
                     "scored", (json_int_t)b->rows.n, "rejected", (json_int_t)b->n_rejected,
                     "rejected_by_status", by, "practices", (int)r->totals.n_practices,
                     "tiers", tiers);
}

/* The audit's groupings, as given (NULL: the defaults): what a report of
 * the run read again needs. */
static json_t *audit_json(const ristra_audit_options *given)
{
    ristra_audit_options defaults = RISTRA_AUDIT_OPTIONS_INIT;
    const ristra_audit_options *a = given ? given : &defaults;
    json_t *columns = json_array();
    for (int64_t k = 0; columns && k < a->n_group_columns; k++)
        json_array_append_new(columns, json_string(a->group_columns[k]));
    return json_pack("{s:s?, s:s?, s:s?, s:o?, s:b, s:f}", "age_column", a->age_column,
                     "sex_column", a->sex_column, "deprivation_column", a->deprivation_column,
                     "group_columns", columns, "by_practice", a->by_practice,
                     "confidence_level", a->confidence_level);
}

/* The manifest's record of what was read, how and with what. */
static int record_run(ristra__manifest *m, batch *b, const ristra_score_result *r,
                      const char *output, const ristra_population_options *po)
{
    int rc = ristra__manifest_set_model(m, b->model);
    if (!rc)
        rc = ristra__manifest_set_input(m, b->input, b->pop->csv.stream);
    json_t *opts = rc ? NULL : options_json(b->opts, r, output, po);
    if (opts) {
        char mode[16];
        snprintf(mode, sizeof mode, "%04o",
                 (unsigned)(b->opts->file_mode ? b->opts->file_mode : RISTRA__PRIVATE_MODE));
        json_object_set_new(opts, "file_mode", json_string(mode));
        const char *more[] = { b->opts->audit_path, b->opts->fhir_path, b->opts->report_dir,
                               b->opts->contributions_path };
        static const char *const keys[] = { "audit_path", "fhir_path", "report_dir",
                                            "contributions_path" };
        for (int i = 0; i < 4; i++)
            json_object_set_new(opts, keys[i], more[i] ? json_string(more[i]) : json_null());
        json_object_set_new(opts, "id_kind", json_string(ristra_id_kind_string(b->id_kind)));
        json_object_set_new(opts, "n_reasons", json_integer(b->opts->n_reasons));
        if (b->audit)
            json_object_set_new(opts, "audit", audit_json(b->opts->audit));
    }
    if (!rc)
        rc = ristra__manifest_set(m, "options", opts);
    if (!rc)
        rc = ristra__manifest_set(m, "rows", counts_json(b, r));
    return rc;
}

/* The report's drift: this run's input against the baseline run's (its
 * manifest names it); *out NULL when no baseline was asked for. */
static int report_drift(ristra_drift **out, const batch *b)
{
    *out = NULL;
    const ristra_report_options *ro = b->opts->report;
    if (!ro || !ro->baseline_manifest)
        return RISTRA_OK;
    if (strcmp(b->input, "-") == 0)
        return ristra__error(RISTRA_EINVAL, "ristra_score_file: the report's drift needs the "
                             "input as a file, not standard input");
    char *baseline = NULL;
    int rc = ristra__drift_recorded_file(&baseline, ro->baseline_manifest, NULL);
    ristra_drift_options o = RISTRA_DRIFT_OPTIONS_INIT;
    o.n_threads = b->opts->n_threads;
    if (!rc)
        rc = ristra_drift_compute(out, b->model, baseline, b->input, &o);
    free(baseline);
    return rc;
}

/* Commits the list, the rejects, the summary and then the manifest, all or
 * nothing (io/commit.c). */
static int commit_outputs(batch *b, ristra__manifest *m, const char *manifest_path,
                          const ristra_score_result *r)
{
    ristra__commit *set = NULL;
    int rc = ristra__commit_new(&set);
    const char *roles[7];
    int n = 0;
    ristra__output *audit = ristra__audit_take_output(b->audit);
    ristra__output **outs[] = { &b->out_list, &b->out_rejects, &b->out_summary, &audit,
                                &b->out_fhir, &b->out_contrib };
    static const char *const names[] = { "output", "rejects", "summary", "audit", "fhir",
                                         "contributions" };
    for (int i = 0; i < 6; i++) {
        if (!rc && *outs[i]) {
            roles[n++] = names[i];
            rc = ristra__commit_add(set, *outs[i]);
            *outs[i] = NULL; /* the set's now, even on failure */
        }
    }
    if (!rc)
        rc = cancelled(b, "before committing");
    char hex[65];
    if (!rc)
        rc = ristra__manifest_seal(m, set, roles, manifest_path,
                                   b->opts->file_mode ? b->opts->file_mode : RISTRA__PRIVATE_MODE,
                                   hex);
    ristra_drift *drift = NULL;
    if (!rc && b->opts->report_dir)
        rc = report_drift(&drift, b);
    if (!rc && b->opts->report_dir) {
        const ristra__recorded_run *rec = b->recorded;
        ristra__report_input in = { b->opts->report_dir, b->opts->report,
                                    ristra__audit_figures_of(b->audit), r,
                                    ristra_model_metadata(b->model),
                                    rec ? rec->manifest_sha256 : manifest_path ? hex : NULL,
                                    rec ? rec->started_utc
                                        : manifest_path ? ristra__manifest_started(m) : NULL,
                                    drift };
        rc = ristra__report_write(set, &in);
    }
    ristra_drift_free(drift);
    if (!rc)
        rc = ristra__commit_run(set);
    ristra__commit_free(set);
    ristra__output_abort(audit); /* only when the set could not take it */
    return rc;
}

static void free_batch(batch *b)
{
    ristra_population_close(b->pop);
    free(b->prob), free(b->status), free(b->reject_text.data), free(b->tokens.data);
    free_rows(&b->rows);
    free(b->rejected_by_practice);
    ristra__output_abort(b->out_list);
    ristra__output_abort(b->out_rejects);
    ristra__output_abort(b->out_summary);
    ristra__output_abort(b->out_fhir);
    ristra__output_abort(b->out_contrib);
    ristra__explained_free(&b->explained);
    ristra__audit_free(b->audit);
}

/* Opens the input and every output: after this, only reading is left. */
static int open_everything(batch *b, const char *output, ristra_population_options *po)
{
    const ristra_score_file_options *o = b->opts;
    int rc = RISTRA_OK;
    if (o->audit_path || o->report_dir) {
        rc = ristra__audit_open(&b->audit, o->audit, o->audit_path,
                                o->audit_path ? output_gzip(o->audit_path, o->gzip_output) : 0,
                                o->file_mode);
        po->extra_columns = rc ? NULL : ristra__audit_columns(b->audit, &po->n_extra);
        b->n_extra = po->n_extra;
    }
    if (!rc)
        rc = ristra_population_open(&b->pop, b->input, b->model, po);
    if (!rc)
        rc = open_output(&b->out_list, output, o);
    if (!rc)
        rc = open_output(&b->out_rejects, o->rejects_path, o);
    if (!rc)
        rc = open_output(&b->out_summary, o->summary_path, o);
    if (!rc)
        rc = open_output(&b->out_fhir, o->fhir_path, o);
    if (!rc)
        rc = open_output(&b->out_contrib, o->contributions_path, o);
    if (!rc)
        rc = ristra__explained_open(&b->explained, b->model, o, b->out_contrib);
    if (!rc && b->out_rejects)
        rc = ristra__write_rejects_header(b->out_rejects, b->id_kind);
    return rc;
}

int ristra_score_file(ristra_score_result **out, const ristra_model *model, const char *input,
                      const char *output, const ristra_score_file_options *opts)
{
    return ristra__score_file_recorded(out, model, input, output, opts, NULL);
}

int ristra__score_file_recorded(ristra_score_result **out, const ristra_model *model,
                                const char *input, const char *output,
                                const ristra_score_file_options *opts,
                                const ristra__recorded_run *recorded)
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
    /* An explain run (contributions and no list) is recorded beside its
     * contributions file. */
    const int explain_run = !output && o->contributions_path;
    char *manifest_path = o->manifest_path
                              ? (o->manifest_path[0] ? strdup(o->manifest_path) : NULL)
                              : ristra__manifest_default_path(explain_run ? o->contributions_path
                                                                          : output);
    if (!manifest_path && o->manifest_path && o->manifest_path[0])
        return ristra__oom();
    const char *paths[N_PATHS] = { input, output, o->rejects_path, o->summary_path,
                                   o->audit_path, o->fhir_path, o->contributions_path,
                                   manifest_path };
    if ((rc = check_paths(paths))) {
        free(manifest_path);
        return rc;
    }
    batch b;
    memset(&b, 0, sizeof b);
    b.model = model;
    b.opts = o;
    b.input = input;
    b.recorded = recorded;
    ristra__manifest *m = NULL;
    ristra_score_result *r = new_result(o, model);
    rc = r ? ristra__manifest_new(&m, explain_run ? "explain" : "score") : ristra__oom();
    ristra_population_options po;
    if (!rc)
        rc = population_options(&po, o);
    if (!rc) {
        b.id_kind = po.id_kind ? po.id_kind : RISTRA_ID_NHS;
        r->totals.id_kind = b.id_kind;
        if (b.id_kind == RISTRA_ID_PSEUDONYM && o->contributions_path)
            rc = ristra__error(RISTRA_EINVAL,
                               "ristra_score_file: the contributions file names each patient "
                               "by NHS number; a run of pseudonyms (id_kind pseudonym) cannot "
                               "write it");
        else if (b.id_kind == RISTRA_ID_PSEUDONYM && o->fhir_path &&
                 (!o->fhir || !o->fhir->identifier_system ||
                  !strcmp(o->fhir->identifier_system, RISTRA_FHIR_NHS_NUMBER_SYSTEM)))
            rc = ristra__error(RISTRA_EINVAL,
                               "ristra_score_file: a run of pseudonyms writes FHIR subjects "
                               "under the pseudonyms' own identifier system: set "
                               "opts->fhir->identifier_system (--fhir-system) to it, not to "
                               "the NHS number's");
    }
    if (!rc)
        rc = open_everything(&b, output, &po);
    if (!rc)
        rc = read_everything(&b);
    if (!rc)
        rc = check_threshold(&b);
    if (!rc)
        rc = finish(r, &b);
    if (!rc)
        rc = record_run(m, &b, r, output, &po);
    if (!rc)
        rc = commit_outputs(&b, m, manifest_path, r);
    free_batch(&b);
    ristra__manifest_free(m);
    free(manifest_path);
    if (rc || !out)
        ristra_score_result_free(r);
    else
        *out = r;
    return rc;
}
