/* The batch's explanations: the contributions file (one row per patient
 * scored, in file order) and the reason codes of the ranked list, both
 * from one ristra_model_explain() call per block. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/explain.h"
#include "../common/error_internal.h"
#include "../io/csv_text_internal.h"
#include "../io/number_format_internal.h"
#include "score_file_internal.h"

/* NUM: a number's text; READABLE_MAX: the readable field's text after the label. */
enum { NUM = RISTRA__NUMBER_TEXT_MAX, READABLE_MAX = 160 };

int ristra__explained_open(ristra__explained *e, const ristra_model *m,
                           const ristra_score_file_options *o, ristra__output *out)
{
    memset(e, 0, sizeof *e);
    e->k = o->n_reasons;
    e->nf = ristra_model_n_features(m);
    e->out = out;
    e->model = m;
    if (!e->k && !out)
        return RISTRA_OK;
    int rc = ristra_model_explainable(m);
    if (rc)
        return ristra__error_prefix(rc, "ristra_score_file: %s: ",
                                    o->n_reasons ? "reasons" : "contributions");
    e->label = calloc((size_t)(e->nf > 0 ? e->nf : 1), sizeof *e->label);
    e->name = calloc((size_t)(e->nf > 0 ? e->nf : 1), sizeof *e->name);
    e->unit = calloc((size_t)(e->nf > 0 ? e->nf : 1), sizeof *e->unit);
    if (!e->label || !e->name || !e->unit)
        return ristra__oom();
    size_t longest = 0;
    for (int64_t j = 0; j < e->nf; j++) {
        ristra_feature_info f = RISTRA_FEATURE_INFO_INIT;
        ristra_model_feature(&f, m, j);
        e->name[j] = ristra__csv_text(f.name, 0);
        e->label[j] = strdup(*f.description ? f.description : f.name);
        /* counts and indicators read better without their unit */
        int plain = !strcmp(f.unit, "count") || !strcmp(f.unit, "indicator") ||
                    !strcmp(f.unit, "index");
        e->unit[j] = strdup(plain ? "" : f.unit);
        if (!e->name[j] || !e->label[j] || !e->unit[j])
            return ristra__oom();
        size_t len = 2 * strlen(e->label[j]) + strlen(e->name[j]);
        longest = len > longest ? len : longest;
    }
    e->row_text_max = (size_t)e->k * (longest + 2 * NUM + READABLE_MAX + 16);
    if (!out)
        return RISTRA_OK;
    rc = ristra__output_write(out, "nhs_number,practice", 19);
    for (int64_t j = 0; !rc && j <= e->nf; j++) {
        const char *s = j < e->nf ? e->name[j] : "bias";
        rc = ristra__output_write(out, ",", 1) || ristra__output_write(out, s, strlen(s));
    }
    return rc ? rc : ristra__output_write(out, "\n", 1);
}

void ristra__explained_free(ristra__explained *e)
{
    for (int64_t j = 0; j < e->nf; j++) {
        if (e->name)
            free(e->name[j]);
        if (e->label)
            free(e->label[j]);
        if (e->unit)
            free(e->unit[j]);
    }
    free(e->name), free(e->label), free(e->unit);
    free(e->contrib), free(e->status), free(e->line);
    free(e->feature), free(e->value), free(e->contribution);
    memset(e, 0, sizeof *e);
}

int ristra__explained_block(ristra__explained *e, const ristra__feed_block *v, int n_threads)
{
    if (!e->k && !e->out)
        return RISTRA_OK;
    const int64_t n = v->n_rows, w = e->nf + 1;
    if (n > e->block_cap) {
        free(e->contrib), free(e->status), free(e->line);
        e->contrib = malloc((size_t)(n * w) * sizeof *e->contrib);
        e->status = malloc((size_t)n * sizeof *e->status);
        e->line_cap = 64 + (size_t)w * (NUM + 1);
        e->line = malloc(e->line_cap);
        e->block_cap = e->contrib && e->status && e->line ? n : 0;
        if (!e->block_cap)
            return ristra__oom();
    }
    ristra_explain_options eo = RISTRA_EXPLAIN_OPTIONS_INIT;
    eo.n_threads = n_threads;
    return ristra_model_explain(e->contrib, e->status, e->model, v->values, RISTRA_FLOAT64, n,
                                v->n_cols, v->n_cols, 1, &eo);
}

static int reserve_reasons(ristra__explained *e, int64_t patient)
{
    if (patient < e->cap)
        return RISTRA_OK;
    int64_t cap = e->cap ? e->cap * 2 : 65536;
    while (cap <= patient)
        cap *= 2;
    size_t k = (size_t)e->k;
    int32_t *f = realloc(e->feature, (size_t)cap * k * sizeof *f);
    if (f)
        e->feature = f;
    double *val = realloc(e->value, (size_t)cap * k * sizeof *val);
    if (val)
        e->value = val;
    double *c = realloc(e->contribution, (size_t)cap * k * sizeof *c);
    if (c)
        e->contribution = c;
    if (!f || !val || !c)
        return ristra__oom();
    e->cap = cap;
    return RISTRA_OK;
}

/* The k features with the largest positive contributions, largest first
 * (ties: the earlier feature). */
static void top_reasons(ristra__explained *e, int64_t patient, const double *c, const double *x)
{
    int32_t *f = e->feature + patient * e->k;
    double *val = e->value + patient * e->k, *con = e->contribution + patient * e->k;
    for (int r = 0; r < e->k; r++) {
        f[r] = -1;
        for (int64_t j = 0; j < e->nf; j++) {
            int taken = 0;
            for (int q = 0; q < r; q++)
                taken |= f[q] == j;
            if (!taken && c[j] > 0 && (f[r] < 0 || c[j] > c[f[r]]))
                f[r] = (int32_t)j;
        }
        val[r] = f[r] >= 0 ? x[f[r]] : NAN;
        con[r] = f[r] >= 0 ? c[f[r]] : NAN;
    }
}

static char *put_nhs(char *o, uint64_t v)
{
    for (int i = 9; i >= 0; i--) {
        o[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return o + 10;
}

int ristra__explained_keep(ristra__explained *e, const ristra__feed_block *v, int64_t i,
                           int64_t patient, const char *practice_csv)
{
    const int64_t w = e->nf + 1;
    const double *c = e->contrib + i * w;
    int rc = RISTRA_OK;
    if (e->k && !(rc = reserve_reasons(e, patient)))
        top_reasons(e, patient, c, v->values + i * v->n_cols);
    if (rc || !e->out)
        return rc;
    size_t plen = strlen(practice_csv);
    if (e->line_cap < 16 + plen + (size_t)w * (NUM + 1)) {
        free(e->line);
        e->line_cap = 16 + plen + (size_t)w * (NUM + 1);
        if (!(e->line = malloc(e->line_cap)))
            return ristra__oom();
    }
    char *o = put_nhs(e->line, v->nhs_number[i]);
    *o++ = ',';
    memcpy(o, practice_csv, plen);
    o += plen;
    for (int64_t j = 0; j < w; j++) {
        *o++ = ',';
        o += ristra__format_double(o, c[j]);
    }
    *o++ = '\n';
    return ristra__output_write(e->out, e->line, (size_t)(o - e->line));
}

void ristra__explained_header(char *buf, size_t size, int k)
{
    size_t len = 0;
    for (int r = 1; r <= k && len < size; r++)
        len += (size_t)snprintf(buf + len, size - len,
                                ",reason%d_feature,reason%d_value,reason%d_contribution,reason%d",
                                r, r, r, r);
}

/* ": 3 (+0.82)", what a reason's readable text says after its label. */
static void readable_suffix(char *text, size_t size, const char *unit, double value,
                            double contribution)
{
    if (isnan(value))
        snprintf(text, size, ": missing (%+.2f)", contribution);
    else
        snprintf(text, size, ": %.6g%s%.100s (%+.2f)", value, *unit ? " " : "", unit,
                 contribution);
}

/* "Emergency admissions in the previous 12 months: 3 (+0.82)", as one
 * quoted CSV field. A leading = + - @ is defused with a quote mark, as
 * spreadsheets would otherwise run it. */
static char *put_readable(char *o, const char *label, const char *unit, double value,
                          double contribution)
{
    char text[READABLE_MAX];
    readable_suffix(text, sizeof text, unit, value, contribution);
    *o++ = '"';
    if (strchr("=+-@", label[0]))
        *o++ = '\'';
    for (int part = 0; part < 2; part++)
        for (const char *s = part ? text : label; *s; s++) {
            if (*s == '"')
                *o++ = '"';
            *o++ = *s == '\r' || *s == '\n' ? ' ' : *s;
        }
    *o++ = '"';
    return o;
}

char *ristra__explained_format(char *o, const ristra__explained *e, int64_t patient)
{
    const int32_t *f = e->feature + patient * e->k;
    const double *val = e->value + patient * e->k, *con = e->contribution + patient * e->k;
    for (int r = 0; r < e->k; r++) {
        if (f[r] < 0) {
            memcpy(o, ",,,,", 4);
            o += 4;
            continue;
        }
        *o++ = ',';
        size_t n = strlen(e->name[f[r]]);
        memcpy(o, e->name[f[r]], n);
        o += n;
        *o++ = ',';
        if (!isnan(val[r]))
            o += ristra__format_double(o, val[r]);
        *o++ = ',';
        o += ristra__format_double(o, con[r]);
        *o++ = ',';
        o = put_readable(o, e->label[f[r]], e->unit[f[r]], val[r], con[r]);
    }
    return o;
}

void ristra__explained_rationale(const void *ctx, int64_t patient, char *buf, size_t size)
{
    const ristra__explained *e = ctx;
    const int32_t *f = e->feature + patient * e->k;
    const double *val = e->value + patient * e->k, *con = e->contribution + patient * e->k;
    size_t len = 0;
    buf[0] = '\0';
    for (int r = 0; r < e->k && f[r] >= 0 && len < size; r++) {
        char text[READABLE_MAX];
        readable_suffix(text, sizeof text, e->unit[f[r]], val[r], con[r]);
        len += (size_t)snprintf(buf + len, size - len, "%s%s%s", r ? "; " : "",
                                e->label[f[r]], text);
    }
}
