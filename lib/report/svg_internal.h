/* The library's SVG drawing (lib/report): the calibration plot, also
 * behind ristra_evaluation_write_calibration_svg(), and the bar chart of
 * the report's risk distribution. Both draw into a ristra__text; no
 * script, font or image is referenced, so the result may be inlined in a
 * self-contained page. */
#ifndef RISTRA_SVG_INTERNAL_H
#define RISTRA_SVG_INTERNAL_H

#include <stdint.h>

#include "ristra/evaluate.h"
#include "../common/text_internal.h"

/* XML character data and attribute values: markup escaped, control
 * characters XML 1.0 forbids replaced. */
void ristra__svg_escape(ristra__text *t, const char *s);

enum {
    RISTRA__SVG_INLINE = 1,     /* inside HTML: no XML prolog; role="img", labelled */
    RISTRA__SVG_SUPPRESS = 2    /* counts in the titles as a suppressed page shows them,
                                   no data-n/data-events attributes */
};

/* The calibration plot of n_bins bins (empty ones, and those with shown[b]
 * 0 when shown is not NULL, are not drawn). id names the plot (for
 * aria-labelledby); subtitle NULL: none. */
void ristra__svg_calibration(ristra__text *t, const ristra_calibration_bin *bins, int64_t n_bins,
                             const unsigned char *shown, const char *id, const char *title,
                             const char *subtitle, int flags);

/* A vertical bar chart: n bars of the given heights (>= 0) labelled below
 * and with value_text above (and in each bar's title). */
void ristra__svg_bars(ristra__text *t, int n, const char *const *labels, const double *heights,
                      const char *const *value_text, const char *id, const char *title,
                      const char *x_label, const char *y_label);

#endif
