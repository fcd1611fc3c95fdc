/* The library's SVG drawing (lib/report): the calibration plot (a
 * self-contained SVG drawn from the evaluation's public figures and written
 * atomically through lib/io/output, or inlined in the report) and the
 * report's bar chart. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/evaluate.h"
#include "../common/error_internal.h"
#include "../common/text_internal.h"
#include "../io/output_internal.h"
#include "report_internal.h"
#include "svg_internal.h"

/* Geometry, in SVG user units: a square plot area with room for labels. */
enum { WIDTH = 580, HEIGHT = 625, LEFT = 90, TOP = 70, SIDE = 460 };
static const double MIN_RADIUS = 3.0, MAX_EXTRA_RADIUS = 9.0;

typedef ristra__text text;

void ristra__svg_escape(text *t, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': ristra__text_put(t, "&amp;"); break;
        case '<': ristra__text_put(t, "&lt;"); break;
        case '>': ristra__text_put(t, "&gt;"); break;
        case '"': ristra__text_put(t, "&quot;"); break;
        default: ristra__text_put(t, "%c", c < 0x20 && c != '\t' && c != '\n' ? '?' : (char)c);
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
    ristra__text_put(t, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n",
        LEFT, TOP, SIDE, SIDE);
    int n_ticks = (int)floor(f->max / step + 1e-9);
    for (int i = 0; i <= n_ticks; i++) {
        double v = i * step, x = px(f, v), y = py(f, v);
        ristra__text_put(t, "<path class=\"grid\" d=\"M%.2f %d V%d M%d %.2f H%d\" stroke=\"#eee\"/>\n", x, TOP,
            TOP + SIDE, LEFT, y, LEFT + SIDE);
        ristra__text_put(t, "<line class=\"tick\" x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#444\"/>\n",
            x, TOP + SIDE, x, TOP + SIDE + 6);
        ristra__text_put(t, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%g%%</text>\n", x,
            TOP + SIDE + 22, v * 100.0);
        ristra__text_put(t, "<line class=\"tick\" x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\" stroke=\"#444\"/>\n",
            LEFT - 6, y, LEFT, y);
        ristra__text_put(t, "<text x=\"%d\" y=\"%.2f\" text-anchor=\"end\">%g%%</text>\n", LEFT - 10, y + 4,
            v * 100.0);
    }
    ristra__text_put(t, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">Mean predicted risk</text>\n",
        LEFT + SIDE / 2, TOP + SIDE + 50);
    ristra__text_put(t, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\" fill=\"#666\">"
        "Circles: risk bins (area by patients); bars: Wilson interval; dashed: perfect "
        "calibration</text>\n", WIDTH / 2, HEIGHT - 12);
    ristra__text_put(t, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 %d %d)\">"
        "Observed rate</text>\n", 30, TOP + SIDE / 2, 30, TOP + SIDE / 2);
    ristra__text_put(t, "<line class=\"diagonal\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
        "stroke=\"#888\" stroke-dasharray=\"6 4\"/>\n", px(f, 0.0), py(f, 0.0), px(f, f->max),
        py(f, f->max));
}

static void put_bin(text *t, const frame *f, const ristra_calibration_bin *b, int64_t index,
                    int64_t largest, int flags)
{
    double x = px(f, b->mean_risk), y = py(f, b->observed_rate);
    double r = MIN_RADIUS + MAX_EXTRA_RADIUS * sqrt((double)b->n / (double)largest);
    double lo = py(f, b->observed_lower), hi = py(f, b->observed_upper);
    ristra__text_put(t, "<path class=\"interval\" d=\"M%.2f %.2f V%.2f M%.2f %.2f H%.2f M%.2f %.2f H%.2f\" "
        "stroke=\"#1f4e79\"/>\n", x, lo, hi, x - 4, lo, x + 4, x - 4, hi, x + 4);
    if (flags & RISTRA__SVG_SUPPRESS) {
        char n[32], events[32];
        ristra__suppressed_count_text(n, sizeof n, b->n);
        ristra__suppressed_count_text(events, sizeof events, b->events);
        ristra__text_put(t, "<circle class=\"bin\" data-bin=\"%lld\" cx=\"%.2f\" cy=\"%.2f\" "
            "r=\"%.2f\" fill=\"#2e75b6\" fill-opacity=\"0.7\" stroke=\"#1f4e79\"><title>Bin %lld: "
            "%s patients, %s events; predicted %.3g%%, observed %.3g%%</title></circle>\n",
            (long long)index, x, y, r, (long long)index + 1, n, events, 100.0 * b->mean_risk,
            100.0 * b->observed_rate);
        return;
    }
    ristra__text_put(t, "<circle class=\"bin\" data-bin=\"%lld\" data-n=\"%lld\" data-events=\"%lld\" "
        "data-mean-risk=\"%.17g\" data-observed-rate=\"%.17g\" cx=\"%.2f\" cy=\"%.2f\" "
        "r=\"%.2f\" fill=\"#2e75b6\" fill-opacity=\"0.7\" stroke=\"#1f4e79\">",
        (long long)index, (long long)b->n, (long long)b->events, b->mean_risk,
        b->observed_rate, x, y, r);
    ristra__text_put(t, "<title>Bin %lld: %lld patients, %lld events; predicted %.3g%%, observed %.3g%%"
        "</title></circle>\n", (long long)index + 1, (long long)b->n, (long long)b->events,
        100.0 * b->mean_risk, 100.0 * b->observed_rate);
}

void ristra__svg_calibration(text *t, const ristra_calibration_bin *bins, int64_t n_bins,
                             const unsigned char *shown, const char *id, const char *title,
                             const char *subtitle, int flags)
{
    double top = 0.0;
    int64_t largest = 1;
    for (int64_t b = 0; b < n_bins; b++) {
        if (bins[b].n == 0 || (shown && !shown[b]))
            continue;
        top = fmax(top, fmax(bins[b].mean_risk, bins[b].observed_upper));
        largest = bins[b].n > largest ? bins[b].n : largest;
    }
    frame f;
    double step;
    axis_range(&f.max, &step, top);
    if (flags & RISTRA__SVG_INLINE) {
        ristra__text_put(t, "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
            "aria-labelledby=\"%s-title\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "font-family=\"sans-serif\" font-size=\"13\">\n<title id=\"%s-title\">", id, WIDTH,
            HEIGHT, WIDTH, HEIGHT, id);
        ristra__svg_escape(t, title);
        ristra__text_put(t, "</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    } else {
        ristra__text_put(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"13\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", WIDTH, HEIGHT, WIDTH,
            HEIGHT);
    }
    ristra__text_put(t, "<text class=\"title\" x=\"%d\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">",
        WIDTH / 2);
    ristra__svg_escape(t, title);
    ristra__text_put(t, "</text>\n");
    if (subtitle) {
        ristra__text_put(t, "<text x=\"%d\" y=\"50\" text-anchor=\"middle\" fill=\"#444\">", WIDTH / 2);
        ristra__svg_escape(t, subtitle);
        ristra__text_put(t, "</text>\n");
    }
    put_axes(t, &f, step);
    for (int64_t b = 0; b < n_bins; b++)
        if (bins[b].n > 0 && (!shown || shown[b]))
            put_bin(t, &f, &bins[b], b, largest, flags);
    ristra__text_put(t, "</svg>\n");
}

static int draw(text *t, const ristra_evaluation *e, int64_t group, const char *title)
{
    ristra_group_summary s = RISTRA_GROUP_SUMMARY_INIT;
    int rc = ristra_evaluation_summary(&s, e, group);
    if (rc)
        return rc;
    int64_t n_bins = ristra_evaluation_n_bins(e);
    ristra_calibration_bin *bins = malloc((size_t)n_bins * sizeof *bins);
    if (!bins)
        return ristra__oom();
    for (int64_t b = 0; b < n_bins; b++) {
        ristra_calibration_bin init = RISTRA_CALIBRATION_BIN_INIT;
        bins[b] = init;
        ristra_evaluation_bin(&bins[b], e, group, b);
    }
    char heading[64], subtitle[160];
    if (group == RISTRA_EVALUATION_OVERALL)
        snprintf(heading, sizeof heading, "Calibration: all patients");
    else
        snprintf(heading, sizeof heading, "Calibration: group %ld", (long)s.label);
    snprintf(subtitle, sizeof subtitle, "%lld patients, %lld events, observed : expected %.3f",
             (long long)s.n, (long long)s.events, s.oe_ratio);
    ristra__svg_calibration(t, bins, n_bins, NULL, "calibration", title ? title : heading,
                            subtitle, 0);
    free(bins);
    return t->failed ? ristra__oom() : RISTRA_OK;
}

/* ------------------------------------------------------------ bar chart */

enum { BAR_WIDTH = 580, BAR_HEIGHT = 300, BAR_LEFT = 70, BAR_TOP = 40, BAR_PLOT = 200 };

void ristra__svg_bars(text *t, int n, const char *const *labels, const double *heights,
                      const char *const *value_text, const char *id, const char *title,
                      const char *x_label, const char *y_label)
{
    double top = 0.0;
    for (int i = 0; i < n; i++)
        top = fmax(top, heights[i]);
    if (!(top > 0.0))
        top = 1.0;
    double slot = (double)(BAR_WIDTH - BAR_LEFT - 20) / (n > 0 ? n : 1);
    ristra__text_put(t, "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
        "aria-labelledby=\"%s-title\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
        "font-family=\"sans-serif\" font-size=\"12\">\n<title id=\"%s-title\">", id,
        BAR_WIDTH, BAR_HEIGHT, BAR_WIDTH, BAR_HEIGHT, id);
    ristra__svg_escape(t, title);
    ristra__text_put(t, "</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n", BAR_LEFT,
        BAR_TOP + BAR_PLOT, BAR_WIDTH - 20, BAR_TOP + BAR_PLOT);
    for (int i = 0; i < n; i++) {
        double h = BAR_PLOT * heights[i] / top, x = BAR_LEFT + i * slot + slot * 0.1;
        double y = BAR_TOP + BAR_PLOT - h;
        ristra__text_put(t, "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
            "height=\"%.2f\" fill=\"#2e75b6\"><title>", x, y, slot * 0.8, h);
        ristra__svg_escape(t, labels[i]);
        ristra__text_put(t, ": ");
        ristra__svg_escape(t, value_text[i]);
        ristra__text_put(t, "</title></rect>\n<text x=\"%.2f\" y=\"%.2f\" "
            "text-anchor=\"middle\">", x + slot * 0.4, y - 4);
        ristra__svg_escape(t, value_text[i]);
        ristra__text_put(t, "</text>\n<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">",
            x + slot * 0.4, BAR_TOP + BAR_PLOT + 18);
        ristra__svg_escape(t, labels[i]);
        ristra__text_put(t, "</text>\n");
    }
    ristra__text_put(t, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", BAR_LEFT +
        (BAR_WIDTH - BAR_LEFT) / 2, BAR_HEIGHT - 12);
    ristra__svg_escape(t, x_label);
    ristra__text_put(t, "</text>\n<text x=\"20\" y=\"%d\" text-anchor=\"middle\" "
        "transform=\"rotate(-90 20 %d)\">", BAR_TOP + BAR_PLOT / 2, BAR_TOP + BAR_PLOT / 2);
    ristra__svg_escape(t, y_label);
    ristra__text_put(t, "</text>\n</svg>\n");
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
        rc = ristra__output_open_mode(&o, path, 0, RISTRA__SHARED_MODE); /* aggregates only */
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
