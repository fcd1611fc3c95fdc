/* A drift comparison as CSV, and as a few readable lines. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../common/error_internal.h"
#include "../io/number_format_internal.h"
#include "../io/output_internal.h"
#include "drift_internal.h"

static const char *const FLAG_NAMES[] = { "", "moderate", "major", "changed" };

static char *put_number(char *s, double x)
{
    *s++ = ',';
    return isfinite(x) ? s + ristra__format_double(s, x) : s;
}

/* A field quoted when it holds a comma or a quote. */
static char *put_text(char *s, const char *t, size_t room)
{
    int quote = strpbrk(t, ",\"\r\n") != NULL;
    size_t len = strlen(t);
    if (len + 3 > room)
        len = room - 3;
    if (quote)
        *s++ = '"';
    for (size_t i = 0; i < len; i++) {
        if (quote && t[i] == '"')
            *s++ = '"';
        *s++ = t[i];
    }
    if (quote)
        *s++ = '"';
    return s;
}

int ristra_drift_write_csv(const ristra_drift *d, const char *path)
{
    if (!d || !path)
        return ristra__error(RISTRA_EINVAL, "ristra_drift_write_csv: %s is NULL",
                             d ? "path" : "drift");
    static const char header[] = "measure,subject,baseline,current,change,lower,upper,flag\n";
    ristra__output *o = NULL;
    int rc = ristra__output_open(&o, path, ristra__path_is_gz(path) ? 1 : 0);
    if (!rc)
        rc = ristra__output_write(o, header, sizeof header - 1);
    for (int64_t i = 0; i < d->n_rows && !rc; i++) {
        const ristra_drift_row *r = &d->rows[i];
        char line[1024], *s = line;
        s = put_text(s, r->measure, 64), *s++ = ',';
        s = put_text(s, r->subject, 600);
        s = put_number(s, r->baseline);
        s = put_number(s, r->current);
        s = put_number(s, r->change);
        s = put_number(s, r->lower);
        s = put_number(s, r->upper);
        *s++ = ',';
        s = put_text(s, FLAG_NAMES[r->flag], 16), *s++ = '\n';
        rc = ristra__output_write(o, line, (size_t)(s - line));
    }
    if (!rc) {
        rc = ristra__output_commit(o);
        o = NULL;
    }
    ristra__output_abort(o);
    return rc;
}

/* snprintf that keeps counting past the end of buf. */
typedef struct sink {
    char *buf;
    size_t size;
    int64_t len;
} sink;

static void say(sink *k, const char *fmt, ...) RISTRA__PRINTF(2, 3);
static void say(sink *k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t at = (size_t)k->len < k->size ? (size_t)k->len : k->size;
    int n = vsnprintf(k->buf ? k->buf + at : NULL, k->buf ? k->size - at : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        k->len += n;
}

int64_t ristra_drift_summary(char *buf, size_t size, const ristra_drift *d)
{
    if (!d)
        return -1;
    sink k = { size ? buf : NULL, size, 0 };
    if (k.buf)
        k.buf[0] = '\0';
    int64_t flagged = ristra_drift_n_flagged(d);
    say(&k, "Drift from %s (%lld rows) to %s (%lld rows): %lld figure%s flagged.\n",
        d->baseline_path, (long long)d->n_baseline, d->current_path, (long long)d->n_current,
        (long long)flagged, flagged == 1 ? "" : "s");
    for (int64_t i = 0; i < d->n_rows; i++) {
        const ristra_drift_row *r = &d->rows[i];
        if (!strcmp(r->measure, "psi") && !strcmp(r->subject, "risk"))
            say(&k, "  PSI of the risk: %.3f%s%s\n", r->current, r->flag ? ", " : "",
                FLAG_NAMES[r->flag]);
        else if (!strcmp(r->measure, "auroc"))
            say(&k, "  AUROC %.3f -> %.3f (change %+.3f, interval %+.3f to %+.3f)%s\n",
                r->baseline, r->current, r->change, r->lower, r->upper,
                r->flag ? ", changed" : "");
        else if (r->flag && !strcmp(r->measure, "psi"))
            say(&k, "  PSI of %s: %.3f, %s\n", r->subject, r->current, FLAG_NAMES[r->flag]);
        else if (r->flag)
            say(&k, "  %s of %s: %.4g -> %.4g, changed\n", r->measure, r->subject,
                r->baseline, r->current);
    }
    return k.len;
}
