/* The report's pages: the area (index.html) and each practice
 * (practice-<code>.html), self-contained HTML drawn from the audit's
 * figures (the very rows of the audit CSV) and the run's result. Every
 * figure cell carries data-grouping, data-group, data-cut and
 * data-measure, so that a test (and anyone) can match it to its CSV row.
 * Suppression (ristra/report.h, docs/report.md) is decided here, cell by
 * cell, from the counts the figure is built on. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ristra/version.h"
#include "../common/error_internal.h"
#include "../common/struct_version_internal.h"
#include "report_internal.h"
#include "report_page_internal.h"
#include "svg_internal.h"

static const ristra_report_options DEFAULTS = RISTRA_REPORT_OPTIONS_INIT;

int ristra_report_options_init(ristra_report_options *opts, int version)
{
    return ristra__struct_init(opts, version, &DEFAULTS, &ristra__info_report_options,
                               "ristra_report_options_init");
}

int ristra__suppressed_count_text(char *out, size_t size, int64_t count)
{
    if (count < 0)
        return snprintf(out, size, "%s", "");
    if (count >= 1 && count <= 7)
        return snprintf(out, size, "%s", "\xe2\x89\xa4" "7"); /* U+2264 */
    return snprintf(out, size, "%lld", (long long)((count + 2) / 5 * 5));
}

int ristra_report_suppressed_count(char *out, size_t size, int64_t count)
{
    char text[32];
    int len = ristra__suppressed_count_text(text, sizeof text, count);
    if (!out || (size_t)len >= size) {
        if (out && size > 0)
            out[0] = '\0';
        return ristra__error(RISTRA_EINVAL, "ristra_report_suppressed_count: %s",
                             !out ? "out is NULL" : "out is too small");
    }
    memcpy(out, text, (size_t)len + 1);
    return len;
}

int ristra__report_check(const char *dir, const ristra_report_options *opts)
{
    static const char fn[] = "ristra_score_file: opts->report";
    if (opts && (opts->version < 1 || opts->version > RISTRA_REPORT_OPTIONS_VERSION))
        return ristra__error(RISTRA_EINVAL, "%s->version is %d (expected 1 to %d)", fn,
                             opts->version, RISTRA_REPORT_OPTIONS_VERSION);
    struct stat st;
    if (!dir[0] || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return ristra__error(RISTRA_EINVAL, "ristra_score_file: report_dir %s is not an "
                             "existing directory%s%s", dir, errno ? ": " : "",
                             errno ? strerror(errno) : "");
    return RISTRA_OK;
}

/* ------------------------------------------------------------ writing a page */

/* A practice code as part of a file name: letters and digits only (ODS
 * codes are); anything else is refused rather than escaped. */
static int page_name(char *out, size_t size, const char *code)
{
    for (const char *c = code; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')))
            return ristra__error(RISTRA_EINVAL, "ristra_score_file: practice code %s cannot "
                                 "name a report page (letters and digits only)", code);
    if ((size_t)snprintf(out, size, "practice-%s.html", code) >= size)
        return ristra__error(RISTRA_EINVAL, "ristra_score_file: practice code %s is too long "
                             "for a report page name", code);
    return RISTRA_OK;
}

static int add_page(ristra__commit *set, const char *dir, const char *name,
                    const ristra__text *t)
{
    if (t->failed)
        return ristra__oom();
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = malloc(len);
    if (!path)
        return ristra__oom();
    snprintf(path, len, "%s/%s", dir, name);
    ristra__output *o = NULL;
    int rc = ristra__output_check_path(path, "report page");
    if (!rc)
        rc = ristra__output_open(&o, path, 0); /* 0600: see ristra/report.h */
    if (!rc)
        rc = ristra__output_write(o, t->p, t->len);
    if (!rc)
        rc = ristra__commit_add(set, o); /* the set's now, even on failure */
    else
        ristra__output_abort(o);
    free(path);
    return rc;
}

/* The model's name, version and intended use, from its metadata. */
static void model_identity(ristra__report_page *p, const char *metadata)
{
    json_t *meta = metadata ? json_loads(metadata, 0, NULL) : NULL;
    const char *keys[] = { "name", "version", "intended_use" };
    const char **dest[] = { &p->model_name, &p->model_version, &p->intended_use };
    for (int i = 0; i < 3; i++) {
        const char *s = json_string_value(json_object_get(meta, keys[i]));
        *dest[i] = s ? strdup(s) : NULL;
    }
    json_decref(meta);
}

int ristra__report_write(ristra__commit *set, const ristra__report_input *in)
{
    ristra_report_options o = DEFAULTS;
    int rc = ristra__struct_load(&o, in->opts, &DEFAULTS, &ristra__info_report_options,
                                 "ristra_score_file: opts->report");
    if (rc)
        return rc;
    ristra__report_page p;
    memset(&p, 0, sizeof p);
    p.in = in;
    p.title = o.title ? o.title : "Emergency admission risk";
    model_identity(&p, in->model_metadata);
    p.suppress = p.suppress_area = o.suppress_area != 0;
    ristra__report_area_page(&p);
    rc = add_page(set, in->dir, "index.html", &p.t);
    free(p.t.p);
    ristra_score_totals totals = RISTRA_SCORE_TOTALS_INIT;
    if (!rc)
        rc = ristra_score_result_totals(&totals, in->result);
    for (int32_t i = 0; i < totals.n_practices && !rc; i++) {
        ristra_practice_summary s = RISTRA_PRACTICE_SUMMARY_INIT;
        char name[96];
        rc = ristra_score_result_practice(&s, in->result, i);
        if (!rc)
            rc = page_name(name, sizeof name, s.practice);
        if (rc)
            break;
        memset(&p.t, 0, sizeof p.t);
        p.suppress = o.suppress_practice != 0;
        ristra__report_practice_page(&p, i);
        rc = add_page(set, in->dir, name, &p.t);
        free(p.t.p);
    }
    free((char *)p.model_name), free((char *)p.model_version), free((char *)p.intended_use);
    return rc;
}
