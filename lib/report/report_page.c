/* The report's two kinds of page: the area and one practice. Both are one
 * HTML file each, with inline CSS and SVG only; the Content-Security-Policy
 * forbids the browser to fetch anything. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ristra/version.h"
#include "report_page_internal.h"
#include "svg_internal.h"

static const char CSS[] =
    "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem;"
    "color:#111;background:#fff;line-height:1.4}"
    "h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:.5rem 0 1rem}caption{text-align:left;"
    "font-weight:600;padding:.25rem 0}th,td{border:1px solid #bbb;padding:.2rem .45rem;"
    "text-align:right;vertical-align:top}th[scope=row],td.name{text-align:left}"
    "thead th{background:#eef2f7}.ci{color:#444;font-size:.85em}"
    "td.suppressed,td.na{color:#444;text-align:center}dl{display:grid;"
    "grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}"
    ".note{background:#fff8e1;border-left:4px solid #b58900;padding:.5rem 1rem}"
    "a{color:#0b4f9c}svg{max-width:100%;height:auto}code{word-break:break-all}";

typedef ristra__report_page page;

static void esc(page *p, const char *s) { ristra__svg_escape(&p->t, s ? s : ""); }

static void head(page *p, const char *heading)
{
    ristra__text_put(&p->t, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">\n<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\">\n<title>");
    esc(p, heading);
    ristra__text_put(&p->t, " \xe2\x80\x93 ");
    esc(p, p->title);
    ristra__text_put(&p->t, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n", CSS);
}

static void about(page *p)
{
    const ristra__report_input *in = p->in;
    ristra__text_put(&p->t, "<section aria-labelledby=\"about\">\n<h2 id=\"about\">About this "
        "list</h2>\n<dl>\n<dt>Model</dt><dd>");
    esc(p, p->model_name ? p->model_name : "(unnamed)");
    ristra__text_put(&p->t, ", version ");
    esc(p, p->model_version ? p->model_version : "(none)");
    ristra__text_put(&p->t, "</dd>\n<dt>Intended use</dt><dd>");
    esc(p, p->intended_use ? p->intended_use : "(not stated by the model)");
    ristra__text_put(&p->t, "</dd>\n<dt>Run started</dt><dd>");
    esc(p, in->started_utc ? in->started_utc : "(no manifest)");
    ristra__text_put(&p->t, "</dd>\n<dt>Manifest SHA-256</dt><dd><code id=\"manifest-sha256\">");
    esc(p, in->manifest_sha256 ? in->manifest_sha256 : "(no manifest was written)");
    ristra__text_put(&p->t, "</code></dd>\n<dt>Made by</dt><dd>ristra %s</dd>\n</dl>\n",
        RISTRA_VERSION_STRING);
    if (p->suppress)
        ristra__text_put(&p->t, "<p class=\"note\" id=\"suppression\">Small numbers are "
            "suppressed on this page: counts of 1 to 7 are shown as \xe2\x89\xa4" "7 and other "
            "counts are rounded to the nearest 5; a figure built on a count of 1 to 7 is "
            "shown as *.</p>\n");
    else
        ristra__text_put(&p->t, "<p class=\"note\" id=\"suppression\">Small-number suppression "
            "is OFF on this page: it shows exact counts, some of them small. Keep it within "
            "the practice.</p>\n");
    ristra__text_put(&p->t, "<p>This page names no patient.</p>\n</section>\n");
}

/* List size, expected and observed, and the patients in each tier. */
static void list_and_tiers(page *p, int32_t practice, int64_t g)
{
    ristra__text *t = &p->t;
    const ristra__audit_figures *f = p->in->fig;
    ristra__text_put(t, "<section aria-labelledby=\"tiers\">\n<h2 id=\"tiers\">List and "
        "tiers</h2>\n<table>\n<caption>The list</caption>\n<tbody>\n");
    static const char *const rows[][2] = {
        { "Patients scored", "list_size" }, { "Expected admissions", "expected" },
        { "Observed admission rate", "observed_rate" },
        { "Observed : expected", "observed_expected" }, { "AUROC", "auroc" }
    };
    for (int i = 0; i < 5; i++) {
        if (i > 1 && !f->has_outcome)
            break;
        ristra__text_put(t, "<tr><th scope=\"row\">%s</th>", rows[i][0]);
        ristra__report_cell(p, g, -1, rows[i][1], 0);
        ristra__text_put(t, "</tr>\n");
    }
    ristra__text_put(t, "</tbody>\n</table>\n<table>\n<caption>Patients in each tier (each "
        "patient in the tightest tier that holds them)</caption>\n<thead><tr><th scope=\"col\">"
        "Tier</th><th scope=\"col\">Cut-off (share of each practice's list)</th>"
        "<th scope=\"col\">Patients</th></tr></thead>\n<tbody>\n");
    for (int k = 0; k < f->n_tiers; k++) {
        ristra__text_put(t, "<tr><th scope=\"row\">");
        esc(p, f->tier_name[k]);
        ristra__text_put(t, "</th><td>%.4g%%</td><td data-tier-count=\"%d\">",
                         100.0 * f->tier_cut[k], k);
        ristra__report_count(p, ristra_score_result_tier_count(p->in->result, practice, k));
        ristra__text_put(t, "</td></tr>\n");
    }
    ristra__text_put(t, "</tbody>\n</table>\n</section>\n");
}

static void risk_distribution(page *p, int64_t g)
{
    const ristra__audit_group *gr = &p->in->fig->group[g];
    char labels[RISTRA__RISK_BANDS][32], values[RISTRA__RISK_BANDS][32];
    const char *lp[RISTRA__RISK_BANDS], *vp[RISTRA__RISK_BANDS];
    double h[RISTRA__RISK_BANDS];
    for (int b = 0; b < RISTRA__RISK_BANDS; b++) {
        double lo = b ? ristra__risk_band_upper[b - 1] : 0.0;
        snprintf(labels[b], sizeof labels[b], "%g-%g%%", 100.0 * lo,
                 100.0 * ristra__risk_band_upper[b]);
        int64_t n = gr->band[b];
        if (p->suppress)
            ristra__suppressed_count_text(values[b], sizeof values[b], n);
        else
            snprintf(values[b], sizeof values[b], "%lld", (long long)n);
        /* the bar shows what the label says: a suppressed count has no height */
        h[b] = p->suppress ? (n >= 1 && n <= 7 ? 0.0 : (double)((n + 2) / 5 * 5)) : (double)n;
        lp[b] = labels[b], vp[b] = values[b];
    }
    ristra__text_put(&p->t, "<section aria-labelledby=\"distribution\">\n<h2 id=\"distribution\">"
        "Risk distribution</h2>\n<figure>\n");
    ristra__svg_bars(&p->t, RISTRA__RISK_BANDS, lp, h, vp, "bands", "Patients by predicted "
        "risk of emergency admission", "Predicted risk", "Patients");
    ristra__text_put(&p->t, "<figcaption>Patients by predicted risk (the table below holds "
        "the same counts).</figcaption>\n</figure>\n<table>\n<thead><tr><th scope=\"col\">"
        "Predicted risk</th><th scope=\"col\">Patients</th></tr></thead>\n<tbody>\n");
    for (int b = 0; b < RISTRA__RISK_BANDS; b++) {
        ristra__text_put(&p->t, "<tr><th scope=\"row\">%s</th><td data-band=\"%d\">%s</td></tr>\n",
            labels[b], b, values[b]);
    }
    ristra__text_put(&p->t, "</tbody>\n</table>\n</section>\n");
}

static void calibration_row(page *p, const ristra_calibration_bin *b, int64_t i, int show)
{
    ristra__text *t = &p->t;
    ristra__text_put(t, "<tr><th scope=\"row\">%lld</th><td>", (long long)i + 1);
    ristra__report_count(p, b->n);
    ristra__text_put(t, "</td><td>");
    ristra__report_count(p, b->events);
    if (!show) {
        ristra__text_put(t, "</td><td class=\"suppressed\" data-suppressed=\"1\">*</td>"
            "<td class=\"suppressed\">*</td><td class=\"suppressed\">*</td></tr>\n");
        return;
    }
    ristra__text_put(t, "</td><td>%.1f%%</td><td><span class=\"est\">%.1f%%</span> "
        "<span class=\"ci\">(%.1f\xe2\x80\x93%.1f)</span></td><td>", 100.0 * b->mean_risk,
        100.0 * b->observed_rate, 100.0 * b->observed_lower, 100.0 * b->observed_upper);
    if (b->expected > 0)
        ristra__text_put(t, "%.2f", (double)b->events / b->expected);
    else
        ristra__text_put(t, "\xe2\x80\x93");
    ristra__text_put(t, "</td></tr>\n");
}

static void calibration(page *p, int64_t g)
{
    const ristra__audit_group *gr = &p->in->fig->group[g];
    ristra__text *t = &p->t;
    ristra__text_put(t, "<section aria-labelledby=\"calibration\">\n<h2 id=\"calibration\">"
        "Calibration by decile of risk</h2>\n");
    if (gr->n_bins == 0) {
        ristra__text_put(t, "<p>No outcomes in this run: calibration cannot be shown.</p>\n"
            "</section>\n");
        return;
    }
    unsigned char shown[RISTRA_EVALUATE_MAX_BINS];
    for (int64_t b = 0; b < gr->n_bins; b++)
        shown[b] = (unsigned char)(gr->bins[b].n > 0 &&
                                   ristra__report_shows(p, gr->bins[b].events, gr->bins[b].n));
    ristra__text_put(t, "<figure>\n");
    ristra__svg_calibration(t, gr->bins, gr->n_bins, shown, "calplot", "Observed against "
        "predicted, by decile of risk", NULL, RISTRA__SVG_INLINE |
        (p->suppress ? RISTRA__SVG_SUPPRESS : 0));
    ristra__text_put(t, "<figcaption>Each circle is a tenth of the patients with a known "
        "outcome, by predicted risk; bars are 95%% Wilson intervals.</figcaption>\n</figure>\n"
        "<table>\n<thead><tr><th scope=\"col\">Decile</th><th scope=\"col\">Patients</th>"
        "<th scope=\"col\">Admitted</th><th scope=\"col\">Mean predicted</th>"
        "<th scope=\"col\">Observed (95%% CI)</th><th scope=\"col\">O/E</th></tr></thead>\n"
        "<tbody>\n");
    for (int64_t b = 0; b < gr->n_bins; b++)
        if (gr->bins[b].n > 0)
            calibration_row(p, &gr->bins[b], b, shown[b]);
    ristra__text_put(t, "</tbody>\n</table>\n</section>\n");
}

static const char *const CUT_MEASURES[] = {
    "share_selected", "sensitivity", "specificity", "ppv", "false_omission_rate",
    "false_discovery_rate", "false_negative_rate", "demographic_parity_ratio",
    "equal_opportunity_ratio"
};
static const char *const CUT_HEADINGS[] = {
    "Selected", "Share selected", "Sensitivity", "Specificity", "PPV", "False omission rate",
    "False discovery rate", "False negative rate", "Demographic parity ratio",
    "Equal opportunity ratio"
};

static void group_heading(page *p, int64_t g)
{
    const ristra__audit_group *gr = &p->in->fig->group[g];
    ristra__text_put(&p->t, "<tr><th scope=\"row\">");
    esc(p, gr->grouping);
    ristra__text_put(&p->t, ": ");
    esc(p, gr->name);
    ristra__text_put(&p->t, "</th>");
}

/* One table per cut-off: a row per group of groups[0..n). */
static void cut_tables(page *p, const int64_t *groups, int64_t n)
{
    const ristra__audit_figures *f = p->in->fig;
    int n_measures = f->has_outcome ? 9 : 1;
    ristra__text_put(&p->t, "<section aria-labelledby=\"cutoffs\">\n<h2 id=\"cutoffs\">At each "
        "cut-off</h2>\n<p>Ratios compare a group with the whole area (1 = the same).</p>\n");
    for (int k = 0; k < f->n_tiers; k++) {
        ristra__text_put(&p->t, "<table>\n<caption>Tier ");
        esc(p, f->tier_name[k]);
        ristra__text_put(&p->t, " (cut-off %.4g%% of each list)</caption>\n<thead><tr>"
            "<th scope=\"col\">Group</th>", 100.0 * f->tier_cut[k]);
        for (int m = 0; m <= n_measures; m++)
            ristra__text_put(&p->t, "<th scope=\"col\">%s</th>", CUT_HEADINGS[m]);
        ristra__text_put(&p->t, "</tr></thead>\n<tbody>\n");
        for (int64_t j = 0; j < n; j++) {
            group_heading(p, groups[j]);
            ristra__report_cell(p, groups[j], k, "share_selected", 1);
            for (int m = 0; m < n_measures; m++)
                ristra__report_cell(p, groups[j], k, CUT_MEASURES[m], 0);
            ristra__text_put(&p->t, "</tr>\n");
        }
        ristra__text_put(&p->t, "</tbody>\n</table>\n");
    }
    ristra__text_put(&p->t, "</section>\n");
}

static void group_table(page *p, const int64_t *groups, int64_t n)
{
    static const char *const measures[] = { "list_size", "observed_rate", "expected",
                                            "observed_expected", "calibration_in_the_large",
                                            "calibration_slope", "auroc" };
    static const char *const headings[] = { "Patients", "Observed rate", "Expected",
                                            "O/E", "Calibration-in-the-large",
                                            "Calibration slope", "AUROC (95% CI)" };
    int n_measures = p->in->fig->has_outcome ? 7 : 1;
    ristra__text_put(&p->t, "<section aria-labelledby=\"groups\">\n<h2 id=\"groups\">Calibration "
        "and discrimination by group</h2>\n<table>\n<thead><tr><th scope=\"col\">Group</th>");
    for (int m = 0; m < n_measures; m++)
        ristra__text_put(&p->t, "<th scope=\"col\">%s</th>", headings[m]);
    ristra__text_put(&p->t, "</tr></thead>\n<tbody>\n");
    for (int64_t j = 0; j < n; j++) {
        group_heading(p, groups[j]);
        for (int m = 0; m < n_measures; m++)
            ristra__report_cell(p, groups[j], -1, measures[m], 0);
        ristra__text_put(&p->t, "</tr>\n");
    }
    ristra__text_put(&p->t, "</tbody>\n</table>\n</section>\n");
}

static void practices_table(page *p)
{
    const ristra__audit_figures *f = p->in->fig;
    ristra__text_put(&p->t, "<section aria-labelledby=\"practices\">\n<h2 id=\"practices\">"
        "Practices</h2>\n<table>\n<thead><tr><th scope=\"col\">Practice</th>"
        "<th scope=\"col\">Patients</th><th scope=\"col\">O/E</th><th scope=\"col\">AUROC</th>"
        "</tr></thead>\n<tbody>\n");
    for (int64_t g = 0; g < f->n_groups; g++) {
        if (strcmp(f->group[g].grouping, "practice") != 0)
            continue;
        ristra__text_put(&p->t, "<tr><th scope=\"row\"><a href=\"practice-");
        esc(p, f->group[g].name);
        ristra__text_put(&p->t, ".html\">");
        esc(p, f->group[g].name);
        ristra__text_put(&p->t, "</a></th>");
        ristra__report_cell(p, g, -1, "list_size", 0);
        ristra__report_cell(p, g, -1, "observed_expected", 0);
        ristra__report_cell(p, g, -1, "auroc", 0);
        ristra__text_put(&p->t, "</tr>\n");
    }
    ristra__text_put(&p->t, "</tbody>\n</table>\n</section>\n");
}

static const char *const FLAG_WORDS[] = { "", "moderate", "major", "changed" };

static int is_count_measure(const char *m)
{
    return strcmp(m, "list_size") == 0 || strcmp(m, "tier_size") == 0;
}

static void drift_value(page *p, const char *m, double v)
{
    if (!isfinite(v))
        ristra__text_put(&p->t, "\xe2\x80\x93");
    else if (is_count_measure(m))
        ristra__report_count(p, (int64_t)llround(v));
    else
        ristra__text_put(&p->t, "%.4g", v);
}

static void drift_row(page *p, const ristra_drift_row *r)
{
    ristra__text *t = &p->t;
    ristra__text_put(t, "<tr data-drift-measure=\"");
    esc(p, r->measure);
    ristra__text_put(t, "\" data-drift-subject=\"");
    esc(p, r->subject);
    ristra__text_put(t, "\" data-drift-flag=\"%s\"><th scope=\"row\">",
                     FLAG_WORDS[r->flag >= 0 && r->flag <= 3 ? r->flag : 0]);
    esc(p, r->measure);
    ristra__text_put(t, "</th><td class=\"name\">");
    esc(p, r->subject);
    ristra__text_put(t, "</td><td>");
    drift_value(p, r->measure, r->baseline);
    ristra__text_put(t, "</td><td>");
    drift_value(p, r->measure, r->current);
    ristra__text_put(t, "</td><td>");
    if (is_count_measure(r->measure) && p->suppress)
        ristra__text_put(t, "*"); /* a difference of rounded counts says nothing */
    else
        ristra__text_put(t, isfinite(r->change) ? "%+.4g" : "\xe2\x80\x93", r->change);
    ristra__text_put(t, "</td><td>%s</td></tr>\n",
                     FLAG_WORDS[r->flag >= 0 && r->flag <= 3 ? r->flag : 0]);
}

/* Whether a drift row is about the practice (NULL: the area's page, all). */
static int about_practice(const char *subject, const char *practice)
{
    size_t len = strlen(practice);
    return strncmp(subject, practice, len) == 0 && (subject[len] == '\0' || subject[len] == ' ');
}

/* The figures of the drift against the baseline that crossed a flag. */
static void drift_section(page *p, const char *practice)
{
    const ristra_drift *d = p->in->drift;
    ristra__text_put(&p->t, "<section aria-labelledby=\"drift\">\n<h2 id=\"drift\">Drift "
        "against the baseline</h2>\n");
    if (!d) {
        ristra__text_put(&p->t, "<p>No baseline was given for this run.</p>\n</section>\n");
        return;
    }
    ristra__text_put(&p->t, "<table id=\"drift-flags\">\n<caption>Figures that crossed a flag "
        "(PSI 0.1 moderate, 0.25 major; docs/drift.md)</caption>\n<thead><tr>"
        "<th scope=\"col\">Measure</th><th scope=\"col\">Subject</th><th scope=\"col\">"
        "Baseline</th><th scope=\"col\">Now</th><th scope=\"col\">Change</th>"
        "<th scope=\"col\">Flag</th></tr></thead>\n<tbody>\n");
    int64_t shown = 0;
    for (int64_t i = 0; i < ristra_drift_n_rows(d); i++) {
        ristra_drift_row r = RISTRA_DRIFT_ROW_INIT;
        if (ristra_drift_row_get(&r, d, i) || r.flag == RISTRA_DRIFT_NONE)
            continue;
        if (practice && !about_practice(r.subject, practice))
            continue;
        drift_row(p, &r);
        shown++;
    }
    if (!shown)
        ristra__text_put(&p->t, "<tr><td colspan=\"6\" class=\"name\">Nothing crossed a "
            "flag.</td></tr>\n");
    ristra__text_put(&p->t, "</tbody>\n</table>\n</section>\n");
}

static void foot(page *p)
{
    ristra__text_put(&p->t, "</main>\n<footer><p>Written by ristra %s. Definitions of every "
        "figure: docs/audit.md and docs/report.md in ristra's documentation.</p></footer>\n"
        "</body>\n</html>\n", RISTRA_VERSION_STRING);
}

void ristra__report_area_page(page *p)
{
    const ristra__audit_figures *f = p->in->fig;
    head(p, "Area");
    ristra__text_put(&p->t, "<h1>");
    esc(p, p->title);
    ristra__text_put(&p->t, ": the area</h1>\n</header>\n<main>\n");
    about(p);
    int64_t area = ristra__report_group(f, "area", "all");
    list_and_tiers(p, RISTRA_SCORE_RESULT_ALL, area);
    risk_distribution(p, area);
    calibration(p, area);
    int64_t groups[4096], n = 0; /* every group but the practices */
    for (int64_t g = 0; g < f->n_groups && n < 4096; g++)
        if (strcmp(f->group[g].grouping, "practice") != 0)
            groups[n++] = g;
    cut_tables(p, groups, n);
    group_table(p, groups, n);
    practices_table(p);
    drift_section(p, NULL);
    foot(p);
}

void ristra__report_practice_page(page *p, int32_t practice)
{
    const ristra__audit_figures *f = p->in->fig;
    ristra_practice_summary s = RISTRA_PRACTICE_SUMMARY_INIT;
    ristra_score_result_practice(&s, p->in->result, practice);
    head(p, s.practice);
    ristra__text_put(&p->t, "<p><a href=\"index.html\">The area</a></p>\n<h1>");
    esc(p, p->title);
    ristra__text_put(&p->t, ": practice ");
    esc(p, s.practice);
    ristra__text_put(&p->t, "</h1>\n</header>\n<main>\n");
    about(p);
    int64_t g = ristra__report_group(f, "practice", s.practice);
    if (g < 0) {
        ristra__text_put(&p->t, "<p>No patient of this practice was scored.</p>\n");
        foot(p);
        return;
    }
    list_and_tiers(p, practice, g);
    risk_distribution(p, g);
    calibration(p, g);
    int64_t groups[2] = { g, ristra__report_group(f, "area", "all") };
    cut_tables(p, groups, 2);
    group_table(p, groups, 2);
    drift_section(p, s.practice);
    foot(p);
}
