/* Reading one side of a drift comparison: the population reader's usable
 * rows, scored by the model (or a ranked list's risk column). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/population.h"
#include "../common/error_internal.h"
#include "drift_internal.h"

void ristra__drift_side_free(ristra__drift_side *s)
{
    free(s->values), free(s->risk), free(s->outcome), free(s->practice);
    for (int32_t p = 0; p < s->n_codes; p++)
        free(s->codes[p]);
    free(s->codes);
    memset(s, 0, sizeof *s);
}

static int reserve(ristra__drift_side *s, int64_t more, int outcome)
{
    if (s->n + more <= s->cap)
        return RISTRA_OK;
    int64_t cap = s->cap ? s->cap : 65536;
    while (cap < s->n + more)
        cap *= 2;
    double *v = realloc(s->values, (size_t)(cap * s->n_cols) * sizeof *v);
    if (v)
        s->values = v;
    double *r = realloc(s->risk, (size_t)cap * sizeof *r);
    if (r)
        s->risk = r;
    int32_t *p = realloc(s->practice, (size_t)cap * sizeof *p);
    if (p)
        s->practice = p;
    uint8_t *y = outcome ? realloc(s->outcome, (size_t)cap) : NULL;
    if (y)
        s->outcome = y;
    if (!v || !r || !p || (outcome && !y))
        return ristra__oom();
    s->cap = cap;
    return RISTRA_OK;
}

/* Scores a block (with a model) and keeps its usable rows. */
static int keep_block(ristra__drift_side *s, const ristra_population_block *b,
                      const ristra_model *model, double *prob, int32_t *status, int threads)
{
    const int64_t n = b->n_rows, c = b->n_cols;
    if (model) {
        ristra_score_options so = RISTRA_SCORE_OPTIONS_INIT;
        so.n_threads = threads;
        int rc = ristra_model_score(prob, NULL, status, model, b->values, RISTRA_FLOAT64, n, c,
                                    c, 1, &so);
        if (rc)
            return rc;
    }
    int rc = reserve(s, n, b->outcome != NULL);
    for (int64_t i = 0; i < n && !rc; i++) {
        if (b->status[i] != RISTRA_ROW_OK || (model && status[i] != RISTRA_ROW_OK))
            continue;
        int64_t k = s->n++;
        memcpy(s->values + k * c, b->values + i * c, (size_t)c * sizeof(double));
        s->risk[k] = model ? prob[i] : b->values[i * c];
        s->practice[k] = b->practice[i];
        if (b->outcome) {
            double y = b->outcome[i];
            s->outcome[k] = y == 1.0 ? 1 : y == 0.0 ? 0 : 2;
        }
    }
    return rc;
}

static int keep_codes(ristra__drift_side *s, const ristra_population *pop)
{
    s->n_codes = ristra_population_n_practices(pop);
    s->codes = calloc((size_t)(s->n_codes > 0 ? s->n_codes : 1), sizeof *s->codes);
    if (!s->codes)
        return ristra__oom();
    for (int32_t p = 0; p < s->n_codes; p++)
        if (!(s->codes[p] = strdup(ristra_population_practice(pop, p))))
            return ristra__oom();
    return RISTRA_OK;
}

int ristra__drift_read(ristra__drift_side *s, const char *path, const ristra_model *model,
                       const ristra_drift_options *o)
{
    static const char *const risk_column[] = { "risk" };
    memset(s, 0, sizeof *s);
    s->path = path;
    ristra_population_options po = RISTRA_POPULATION_OPTIONS_INIT;
    po.id_column = o->id_column;
    po.practice_column = o->practice_column;
    po.outcome_column = o->outcome_column;
    po.n_threads = o->n_threads;
    if (!model)
        po.columns = risk_column, po.n_columns = 1;
    ristra_population *pop = NULL;
    int rc = ristra_population_open(&pop, path, model, &po);
    double *prob = NULL;
    int32_t *status = NULL;
    int64_t cap = 0;
    while (!rc) {
        ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
        if ((rc = ristra_population_read(&b, pop)) || b.n_rows == 0)
            break;
        s->n_cols = b.n_cols;
        if (b.n_rows > cap) {
            free(prob), free(status);
            prob = malloc((size_t)b.n_rows * sizeof *prob);
            status = malloc((size_t)b.n_rows * sizeof *status);
            cap = prob && status ? b.n_rows : 0;
            if (!cap)
                rc = ristra__oom();
        }
        if (!rc)
            rc = keep_block(s, &b, model, prob, status, o->n_threads);
    }
    if (!rc)
        rc = keep_codes(s, pop);
    if (!rc && s->n == 0)
        rc = ristra__error(RISTRA_EINVAL, "ristra_drift_compute: %s has no row that could be "
                           "used", path);
    free(prob), free(status);
    ristra_population_close(pop);
    if (rc)
        ristra__drift_side_free(s);
    return rc;
}
