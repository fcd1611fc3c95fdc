/* The batch's three CSV files: the ranked list, the rejects and the
 * per-practice summary. Numbers are written as the shortest text that
 * reads back as the same double (io/number_format.c); text fields are
 * quoted only when they hold a comma, a quote or a line break, or begin
 * like a spreadsheet formula (io/csv_text.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/score.h"
#include "../common/error_internal.h"
#include "../common/parallel_internal.h"
#include "../io/csv_text_internal.h"
#include "../io/number_format_internal.h"
#include "score_file_internal.h"

/* ------------------------------------------------------------ CSV text */

/* The field as CSV (quoted when needed, formula-guarded: io/csv_text.c). */
static char *csv_field(const char *s)
{
    return ristra__csv_text(s, 0);
}

static int write_field(ristra__output *o, const char *s)
{
    char *f = csv_field(s);
    if (!f)
        return ristra__oom();
    int rc = ristra__output_write(o, f, strlen(f));
    free(f);
    return rc;
}

static int write_text(ristra__output *o, const char *s)
{
    return ristra__output_write(o, s, strlen(s));
}

/* ------------------------------------------------------------ rejects */

int ristra__write_rejects_header(ristra__output *o, int id_kind)
{
    int rc = write_text(o, "line,");
    if (!rc)
        rc = write_text(o, ristra_id_kind_column(id_kind));
    return rc ? rc : write_text(o, ",practice,status,reason\n");
}

int ristra__text_reserve(ristra__text *t, size_t more)
{
    if (t->len + more <= t->cap)
        return RISTRA_OK;
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + more)
        cap *= 2;
    char *d = realloc(t->data, cap);
    if (!d)
        return ristra__oom();
    t->data = d;
    t->cap = cap;
    return RISTRA_OK;
}

/* Appends s as a CSV field, then the character end. Rejects copy text from
 * the input: control characters are escaped as well as formulas guarded. */
static int text_field(ristra__text *t, const char *s, char end)
{
    size_t n = strlen(s);
    int rc = ristra__text_reserve(t, RISTRA__CSV_TEXT_BOUND(n) + 1);
    if (rc)
        return rc;
    char *o = ristra__csv_put_text(t->data + t->len, s, n, RISTRA__CSV_ESCAPE_CONTROLS);
    *o++ = end;
    t->len = (size_t)(o - t->data);
    return RISTRA_OK;
}

int ristra__text_reject(ristra__text *t, int64_t line, const char *nhs_number,
                        const char *practice, int32_t status, const char *reason)
{
    char num[RISTRA__NUMBER_TEXT_MAX + 1];
    size_t len = ristra__format_int64(num, line);
    num[len++] = ',';
    int rc = ristra__text_reserve(t, len);
    if (rc)
        return rc;
    memcpy(t->data + t->len, num, len);
    t->len += len;
    if (!rc)
        rc = text_field(t, nhs_number ? nhs_number : "", ',');
    if (!rc)
        rc = text_field(t, practice ? practice : "", ',');
    if (!rc)
        rc = text_field(t, ristra_row_status_string(status), ',');
    if (!rc)
        rc = text_field(t, reason ? reason : "", '\n');
    return rc;
}

/* ------------------------------------------------------------ ranked list */

/* Rows are formatted in parallel, a chunk per thread (for a gzip output
 * also compressed there, as a gzip member of its own), and written in
 * order. */
enum { CHUNK_ROWS = 16384 };

typedef struct chunk {
    char *text;
    size_t len, cap;
    int64_t begin, end;      /* positions in st->order */
    char *member;            /* gzip outputs: the text as a gzip member */
    size_t member_len;
} chunk;

typedef struct ranked_job {
    const ristra__ranked_list *list;
    char **code_csv;         /* per practice index, quoted as needed */
    size_t *code_len;
    char **tier_csv;         /* n_tiers + 1 */
    size_t *tier_len;
    chunk *chunks;           /* one per thread: the rows it formats this round */
    int gzip_level;          /* > 0: each chunk compressed by its thread */
} ranked_job;

/* The practice (code-order slot) holding position pos of st->order. */
static int32_t slot_at(const ristra__stratification *st, int64_t pos)
{
    int32_t lo = 0, hi = st->n_practices - 1;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo + 1) / 2;
        if (st->practice[mid].first <= pos)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

static char *put(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

/* The 10 digits of an NHS number, leading zeros kept. */
static char *put_nhs_number(char *o, uint64_t v)
{
    for (int i = 9; i >= 0; i--) {
        o[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return o + 10;
}

static int format_chunk(void *ctx, int64_t begin, int64_t end, int thread_index)
{
    (void)thread_index;
    ranked_job *job = ctx;
    const ristra__ranked_list *list = job->list;
    const ristra__stratification *st = list->st;
    const double n_all = (double)st->n;
    for (int64_t c = begin; c < end; c++) {
        chunk *ch = &job->chunks[c];
        ch->len = 0;
        int32_t slot = slot_at(st, ch->begin);
        for (int64_t pos = ch->begin; pos < ch->end; pos++) {
            while (pos >= st->practice[slot].first + st->practice[slot].list_size)
                slot++;
            const ristra__practice_stats *ps = &st->practice[slot];
            const uint32_t p = st->order[pos];
            const int64_t rank = pos - ps->first + 1;
            const int tier = ristra__tier_of(ps, st->n_tiers, rank);
            size_t id_len = list->token ? strlen(list->token[p]) : 10;
            size_t need = id_len + job->code_len[ps->practice] + job->tier_len[tier] +
                          4 * RISTRA__NUMBER_TEXT_MAX + 8 +
                          (list->reasons ? list->reasons->row_text_max : 0);
            if (ch->len + need > ch->cap) {
                size_t cap = ch->cap ? ch->cap * 2 : 1 << 20;
                while (cap < ch->len + need)
                    cap *= 2;
                char *t = realloc(ch->text, cap);
                if (!t)
                    return RISTRA_ENOMEM;
                ch->text = t;
                ch->cap = cap;
            }
            char *o = ch->text + ch->len;
            o = list->token ? put(o, list->token[p], id_len)
                            : put_nhs_number(o, list->nhs_number[p]);
            *o++ = ',';
            o = put(o, job->code_csv[ps->practice], job->code_len[ps->practice]);
            *o++ = ',';
            o += ristra__format_double(o, ristra__stratified_risk(st, pos));
            *o++ = ',';
            o += ristra__format_int64(o, rank);
            *o++ = ',';
            o += ristra__format_double(o, 100.0 * (double)rank / (double)ps->list_size);
            *o++ = ',';
            o += ristra__format_double(o, 100.0 * (double)st->overall_rank[pos] / n_all);
            *o++ = ',';
            o = put(o, job->tier_csv[tier], job->tier_len[tier]);
            if (list->reasons)
                o = ristra__explained_format(o, list->reasons, p);
            *o++ = '\n';
            ch->len = (size_t)(o - ch->text);
        }
        free(ch->member);
        ch->member = NULL;
        if (job->gzip_level > 0 &&
            ristra__gzip_member(&ch->member, &ch->member_len, ch->text, ch->len,
                                job->gzip_level) != RISTRA_OK)
            return RISTRA_ENOMEM;
    }
    return RISTRA_OK;
}

static void free_strings(char **s, int64_t n)
{
    if (s)
        for (int64_t i = 0; i < n; i++)
            free(s[i]);
    free(s);
}

int ristra__write_ranked_list(ristra__output *o, const ristra__ranked_list *list)
{
    const ristra__stratification *st = list->st;
    const int n_threads = ristra__resolve_threads(list->n_threads, st->n, CHUNK_ROWS);
    const int64_t n_codes = st->n_practices, n_tier_names = st->n_tiers + 1;
    ranked_job job = { list, calloc((size_t)(n_codes ? n_codes : 1), sizeof(char *)),
                       calloc((size_t)(n_codes ? n_codes : 1), sizeof(size_t)),
                       calloc((size_t)n_tier_names, sizeof(char *)),
                       calloc((size_t)n_tier_names, sizeof(size_t)),
                       calloc((size_t)n_threads, sizeof(chunk)),
                       ristra__output_gzip_level(o) };
    int rc = RISTRA_OK;
    if (!job.code_csv || !job.code_len || !job.tier_csv || !job.tier_len || !job.chunks)
        rc = ristra__oom();
    for (int64_t i = 0; !rc && i < n_codes; i++) {
        if (!(job.code_csv[i] = csv_field(list->practice_code[i])))
            rc = ristra__oom();
        else
            job.code_len[i] = strlen(job.code_csv[i]);
    }
    for (int64_t i = 0; !rc && i < n_tier_names; i++) {
        if (!(job.tier_csv[i] = csv_field(list->tier_name[i])))
            rc = ristra__oom();
        else
            job.tier_len[i] = strlen(job.tier_csv[i]);
    }
    char reasons[2048] = "";
    if (list->reasons)
        ristra__explained_header(reasons, sizeof reasons, list->reasons->k);
    if (!rc)
        rc = write_text(o, list->token ? ristra_id_kind_column(RISTRA_ID_PSEUDONYM)
                                       : ristra_id_kind_column(RISTRA_ID_NHS));
    if (!rc)
        rc = write_text(o, ",practice,risk,rank_in_practice,percentile_in_practice,"
                           "percentile_overall,tier");
    if (!rc)
        rc = write_text(o, reasons);
    if (!rc)
        rc = write_text(o, "\n");
    const int64_t n_chunks = (st->n + CHUNK_ROWS - 1) / CHUNK_ROWS;
    for (int64_t c0 = 0; !rc && c0 < n_chunks; c0 += n_threads) {
        int64_t k = n_chunks - c0 < n_threads ? n_chunks - c0 : n_threads;
        for (int64_t c = 0; c < k; c++) {
            job.chunks[c].begin = (c0 + c) * CHUNK_ROWS;
            job.chunks[c].end = job.chunks[c].begin + CHUNK_ROWS < st->n
                                    ? job.chunks[c].begin + CHUNK_ROWS
                                    : st->n;
        }
        rc = ristra__parallel_for(k, (int)k, format_chunk, &job);
        if (rc == RISTRA_ENOMEM)
            rc = ristra__oom();
        for (int64_t c = 0; !rc && c < k; c++)
            rc = job.gzip_level ? ristra__output_write_member(o, job.chunks[c].member,
                                                               job.chunks[c].member_len)
                                : ristra__output_write(o, job.chunks[c].text, job.chunks[c].len);
    }
    for (int t = 0; job.chunks && t < n_threads; t++)
        free(job.chunks[t].text), free(job.chunks[t].member);
    free(job.chunks);
    free_strings(job.code_csv, n_codes);
    free_strings(job.tier_csv, n_tier_names);
    free(job.code_len), free(job.tier_len);
    return rc;
}

/* ------------------------------------------------------------ summary */

static int write_number(ristra__output *o, double x)
{
    char num[RISTRA__NUMBER_TEXT_MAX + 1];
    num[0] = ',';
    size_t len = 1;
    if (isfinite(x))
        len += ristra__format_double(num + 1, x);
    return ristra__output_write(o, num, len);
}

static int write_count(ristra__output *o, int64_t v)
{
    char num[RISTRA__NUMBER_TEXT_MAX + 1];
    num[0] = ',';
    size_t len = 1 + ristra__format_int64(num + 1, v);
    return ristra__output_write(o, num, len);
}

typedef struct summary_line {
    const char *practice;
    int64_t list_size, n_rejected;
    const int64_t *tier_count;
    double mean_risk, expected;
    int64_t observed;
    double observed_expected, auroc;
} summary_line;

static int write_summary_line(ristra__output *o, const summary_line *l,
                              const ristra_score_result *r)
{
    const int n_tiers = r->totals.n_tiers, has_outcome = r->totals.has_outcome;
    int rc = write_field(o, l->practice);
    if (!rc)
        rc = write_count(o, l->list_size);
    if (!rc)
        rc = write_count(o, l->n_rejected);
    for (int k = 0; !rc && k < n_tiers; k++)
        rc = write_count(o, l->tier_count[k]);
    if (!rc)
        rc = write_number(o, l->mean_risk);
    if (!rc)
        rc = write_number(o, l->expected);
    if (!rc && has_outcome) {
        rc = write_count(o, l->observed);
        if (!rc)
            rc = write_number(o, l->observed_expected);
        if (!rc)
            rc = write_number(o, l->auroc);
    }
    if (!rc)
        rc = write_text(o, ",");
    if (!rc)
        rc = write_field(o, r->model_name);
    if (!rc)
        rc = write_text(o, ",");
    if (!rc)
        rc = write_field(o, r->model_version);
    if (!rc)
        rc = write_text(o, "\n");
    return rc;
}

int ristra__write_summary(ristra__output *o, const ristra_score_result *r)
{
    const ristra_score_totals *t = &r->totals;
    int rc = write_text(o, "practice,list_size,rejected");
    for (int k = 0; !rc && k < t->n_tiers; k++) {
        rc = write_text(o, ",");
        if (!rc)
            rc = write_field(o, r->tier_name[k]);
    }
    if (!rc)
        rc = write_text(o, ",mean_risk,expected_admissions");
    if (!rc && t->has_outcome)
        rc = write_text(o, ",observed_admissions,observed_expected,auroc");
    if (!rc)
        rc = write_text(o, ",model_name,model_version\n");
    for (int32_t i = 0; !rc && i < t->n_practices; i++) {
        const ristra_practice_summary *p = &r->practice[i];
        summary_line l = { p->practice, p->list_size, p->n_rejected,
                           ristra__result_tier_counts(r, i),
                           p->mean_risk, p->expected, p->observed, p->observed_expected,
                           p->auroc };
        rc = write_summary_line(o, &l, r);
    }
    if (!rc) {
        summary_line all = { "ALL", t->n_scored, t->n_rejected,
                             ristra__result_tier_counts(r, RISTRA_SCORE_RESULT_ALL),
                             t->n_scored ? t->expected / (double)t->n_scored : NAN,
                             t->expected, t->observed,
                             t->has_outcome && t->expected > 0
                                 ? (double)t->observed / t->expected
                                 : NAN,
                             t->auroc };
        rc = write_summary_line(o, &all, r);
    }
    return rc;
}
