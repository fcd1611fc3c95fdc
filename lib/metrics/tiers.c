/* Tiers: the default cut-points, their default names and the one reader of
 * tier text, for the batch, the evaluation, drift and every front end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/evaluate.h"
#include "../common/error_internal.h"
#include "metrics_internal.h"

static const double DEFAULT_TIERS[] = { 0.005, 0.02, 0.05, 0.20 };

int64_t ristra_default_tiers(const double **cut_points_out)
{
    if (cut_points_out)
        *cut_points_out = DEFAULT_TIERS;
    return (int64_t)(sizeof DEFAULT_TIERS / sizeof *DEFAULT_TIERS);
}

void ristra__tier_default_name(char *buf, size_t size, double cut)
{
    snprintf(buf, size, "top %.12g%%", cut * 100.0);
}

/* One piece, "2%" or "0.02", without its surrounding blanks. */
static int parse_piece(double *out, const char *p, size_t len, int64_t k)
{
    static const char fn[] = "ristra_tiers_parse";
    while (len && (*p == ' ' || *p == '\t'))
        p++, len--;
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    char piece[64];
    if (len == 0 || len >= sizeof piece)
        return ristra__error(RISTRA_EINVAL, "%s: cut-point %lld is %s", fn, (long long)k + 1,
                             len ? "too long" : "empty");
    memcpy(piece, p, len);
    piece[len] = '\0';
    int percent = piece[len - 1] == '%';
    if (percent)
        piece[len - 1] = '\0';
    char *end;
    errno = 0;
    double v = strtod(piece, &end);
    if (errno || end == piece || *end)
        return ristra__error(RISTRA_EINVAL, "%s: cut-point %lld, \"%.*s\", is not a number "
                             "(a fraction such as 0.02, or a percentage such as 2%%)", fn,
                             (long long)k + 1, (int)len, p);
    v = percent ? v / 100.0 : v;
    if (!(v > 0.0 && v <= 1.0))
        return ristra__error(RISTRA_EINVAL, "%s: cut-point %lld, \"%.*s\", is not a fraction "
                             "of the list in (0, 1]", fn, (long long)k + 1, (int)len, p);
    *out = v;
    return RISTRA_OK;
}

int ristra_tiers_parse(double *out, int64_t max, int64_t *n_out, const char *text)
{
    static const char fn[] = "ristra_tiers_parse";
    if (!out || !n_out || !text)
        return ristra__error(RISTRA_EINVAL, "%s: %s is NULL", fn,
                             !out ? "out" : !n_out ? "n_out" : "text");
    *n_out = 0;
    int64_t n = 0;
    for (const char *p = text;; n++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (n >= max)
            return ristra__error(RISTRA_EINVAL, "%s: more than %lld cut-points in \"%s\"", fn,
                                 (long long)max, text);
        int rc = parse_piece(&out[n], p, len, n);
        if (rc)
            return rc;
        if (!comma)
            break;
        p = comma + 1;
    }
    *n_out = n + 1;
    return RISTRA_OK;
}
