/* The calibration plot (lib/report: the library's SVG drawing): a
 * self-contained SVG drawn from the evaluation's public figures, written
 * atomically through lib/io/output. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/evaluate.h"
#include "../common/error_internal.h"
#include "../io/output_internal.h"

/* Geometry, in SVG user units: a square plot area with room for labels. */
enum { WIDTH = 580, HEIGHT = 625, LEFT = 90, TOP = 70, SIDE = 460 };
static const double MIN_RADIUS = 3.0, MAX_EXTRA_RADIUS = 9.0;

typedef struct text {
    char *p;
    size_t len, cap;
    int failed;
} text;

static void put(text *t, const char *fmt, ...) RISTRA__PRINTF(2, 3);

static void put(text *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (w < 0) {
            t->failed = 1;
            return;
        }
        if (t->p && t->len + (size_t)w < t->cap) {
            t->len += (size_t)w;
            return;
        }
        size_t cap = t->cap ? t->cap : 4096;
        while (cap <= t->len + (size_t)w)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (!p) {
            t->failed = 1;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
}

/* XML character data: markup escaped, control characters XML 1.0 forbids
 * replaced. */
static void put_escaped(text *t, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': put(t, "&amp;"); break;
        case '<': put(t, "&lt;"); break;
        case '>': put(t, "&gt;"); break;
        case '"': put(t, "&quot;"); break;
        default: put(t, "%c", c < 0x20 && c != '\t' && c != '\n' ? '?' : (char)c);
        }
    }
}

/* A round axis maximum just above v (in (0, 1]) and its tick step:
 * about five ticks of 1, 2, 2.5 or 5 times a power of ten. */
static void axis_range(double *max_out, double *step_out, double v)
{
    if (!(v > 0.0))
        v = 1.0;
    double raw = v / 5.0, mag = pow(10.0, floor(log10(raw))), step = 10.0 * mag;
    static const double nice[] = { 1.0, 2.0, 2.5, 5.0 };
    for (int i = 3; i >= 0; i--)
        if (nice[i] * mag >= raw * (1.0 - 1e-12))
            step = nice[i] * mag;
    double max = step * ceil(v / step * (1.0 - 1e-12));
    *max_out = max > 1.0 ? 1.0 : max;
    *step_out = step;
}

typedef struct frame {
    double max;   /* both axes run from 0 to max */
} frame;

static double px(const frame *f, double v) { return LEFT + SIDE * v / f->max; }
static double py(const frame *f, double v) { return TOP + SIDE * (1.0 - v / f->max); }

static void put_axes(text *t, const frame *f, double step)
{
    put(t, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n",
        LEFT, TOP, SIDE, SIDE);
    int n_ticks = (int)floor(f->max / step + 1e-9);
    for (int i = 0; i <= n_ticks; i++) {
        double v = i * step, x = px(f, v), y = py(f, v);
        put(t, "<path class=\"grid\" d=\"M%.2f %d V%d M%d %.2f H%d\" stroke=\"#eee\"/>\n", x, TOP,
            TOP + SIDE, LEFT, y, LEFT + SIDE);
        put(t, "<line class=\"tick\" x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#444\"/>\n",
            x, TOP + SIDE, x, TOP + SIDE + 6);
        put(t, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%g%%</text>\n", x,
            TOP + SIDE + 22, v * 100.0);
        put(t, "<line class=\"tick\" x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\" stroke=\"#444\"/>\n",
            LEFT - 6, y, LEFT, y);
        put(t, "<text x=\"%d\" y=\"%.2f\" text-anchor=\"end\">%g%%</text>\n", LEFT - 10, y + 4,
            v * 100.0);
    }
    put(t, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">Mean predicted risk</text>\n",
        LEFT + SIDE / 2, TOP + SIDE + 50);
    put(t, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\" fill=\"#666\">"
        "Circles: risk bins (area by patients); bars: Wilson interval; dashed: perfect "
        "calibration</text>\n", WIDTH / 2, HEIGHT - 12);
    put(t, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 %d %d)\">"
        "Observed rate</text>\n", 30, TOP + SIDE / 2, 30, TOP + SIDE / 2);
    put(t, "<line class=\"diagonal\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
        "stroke=\"#888\" stroke-dasharray=\"6 4\"/>\n", px(f, 0.0), py(f, 0.0), px(f, f->max),
        py(f, f->max));
}

static void put_bin(text *t, const frame *f, const ristra_calibration_bin *b, int64_t index,
                    int64_t largest)
{
    double x = px(f, b->mean_risk), y = py(f, b->observed_rate);
    double r = MIN_RADIUS + MAX_EXTRA_RADIUS * sqrt((double)b->n / (double)largest);
    double lo = py(f, b->observed_lower), hi = py(f, b->observed_upper);
    put(t, "<path class=\"interval\" d=\"M%.2f %.2f V%.2f M%.2f %.2f H%.2f M%.2f %.2f H%.2f\" "
        "stroke=\"#1f4e79\"/>\n", x, lo, hi, x - 4, lo, x + 4, x - 4, hi, x + 4);
    put(t, "<circle class=\"bin\" data-bin=\"%lld\" data-n=\"%lld\" data-events=\"%lld\" "
        "data-mean-risk=\"%.17g\" data-observed-rate=\"%.17g\" cx=\"%.2f\" cy=\"%.2f\" "
        "r=\"%.2f\" fill=\"#2e75b6\" fill-opacity=\"0.7\" stroke=\"#1f4e79\">",
        (long long)index, (long long)b->n, (long long)b->events, b->mean_risk,
        b->observed_rate, x, y, r);
    put(t, "<title>Bin %lld: %lld patients, %lld events; predicted %.3g%%, observed %.3g%%"
        "</title></circle>\n", (long long)index + 1, (long long)b->n, (long long)b->events,
        100.0 * b->mean_risk, 100.0 * b->observed_rate);
}

static int draw(text *t, const ristra_evaluation *e, int64_t group, const char *title)
{
    ristra_group_summary s = RISTRA_GROUP_SUMMARY_INIT;
    int rc = ristra_evaluation_summary(&s, e, group);
    if (rc)
        return rc;
    int64_t n_bins = ristra_evaluation_n_bins(e), largest = 1;
    ristra_calibration_bin *bins = malloc((size_t)n_bins * sizeof *bins);
    if (!bins)
        return ristra__oom();
    double top = 0.0;
    for (int64_t b = 0; b < n_bins; b++) {
        ristra_calibration_bin init = RISTRA_CALIBRATION_BIN_INIT;
        bins[b] = init;
        ristra_evaluation_bin(&bins[b], e, group, b);
        if (bins[b].n == 0)
            continue;
        top = fmax(top, fmax(bins[b].mean_risk, bins[b].observed_upper));
        largest = bins[b].n > largest ? bins[b].n : largest;
    }
    frame f;
    double step;
    axis_range(&f.max, &step, top);
    put(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"13\">\n"
        "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", WIDTH, HEIGHT, WIDTH,
        HEIGHT);
    put(t, "<text class=\"title\" x=\"%d\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">",
        WIDTH / 2);
    if (title)
        put_escaped(t, title);
    else if (group == RISTRA_EVALUATION_OVERALL)
        put(t, "Calibration: all patients");
    else
        put(t, "Calibration: group %ld", (long)s.label);
    put(t, "</text>\n<text x=\"%d\" y=\"50\" text-anchor=\"middle\" fill=\"#444\">%lld patients, "
        "%lld events, observed : expected %.3f</text>\n", WIDTH / 2, (long long)s.n,
        (long long)s.events, s.oe_ratio);
    put_axes(t, &f, step);
    for (int64_t b = 0; b < n_bins; b++)
        if (bins[b].n > 0)
            put_bin(t, &f, &bins[b], b, largest);
    put(t, "</svg>\n");
    free(bins);
    return t->failed ? ristra__oom() : RISTRA_OK;
}

int ristra_evaluation_write_calibration_svg(const ristra_evaluation *e, int64_t group,
                                            const char *path, const char *title)
{
    if (!e || !path)
        return ristra__error(RISTRA_EINVAL, "ristra_evaluation_write_calibration_svg: %s is NULL",
                             !e ? "evaluation" : "path");
    text t = { 0 };
    int rc = draw(&t, e, group, title);
    ristra__output *o = NULL;
    if (!rc)
        rc = ristra__output_open(&o, path, 0);
    if (!rc)
        rc = ristra__output_write(o, t.p, t.len);
    if (!rc) {
        rc = ristra__output_commit(o);
        o = NULL;
    }
    ristra__output_abort(o);
    free(t.p);
    return rc;
}
