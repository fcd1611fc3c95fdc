/*
 * ristra: the report a practice manager reads. Written by
 * ristra_score_file() when ristra_score_file_options.report_dir is set:
 * an area page (index.html) and one page per practice
 * (practice-<ODS code>.html), each a self-contained HTML file (inline CSS
 * and SVG; no script, font, image or style sheet is fetched from
 * anywhere; a Content-Security-Policy of default-src 'none' says so to
 * the browser). A page shows the list size, the patients in each tier,
 * the risk distribution, calibration by decile of risk with O/E and
 * Wilson intervals, the subgroup audit at each cut-off (the figures of
 * ristra/audit.h, exactly those of the audit CSV), the model's name,
 * version and intended-use statement, and the run's start and the
 * SHA-256 of its manifest. What each figure means: docs/report.md.
 *
 * Small-number suppression (as OpenSAFELY does) is on by default: a count
 * of 1 to 7 is shown as "≤7", any other count rounded to the nearest 5,
 * and a proportion, rate or ratio built on a count of 1 to 7 is not shown.
 * The pages name no patient (aggregates only) but are written 0600 like
 * every output of a run, since a practice page with suppression off shows
 * small counts.
 */
#ifndef RISTRA_REPORT_H
#define RISTRA_REPORT_H

#include "ristra/common.h"

RISTRA_BEGIN_DECL

/** Options of the report (ristra_score_file_options.report). */
typedef struct ristra_report_options {
    int version;               /**< RISTRA_REPORT_OPTIONS_VERSION */
    /** 1 (default): small-number suppression on the area page; 0: off. */
    int suppress_area;
    /** 1 (default): small-number suppression on each practice's page; 0: off. */
    int suppress_practice;
    /** The pages' heading; NULL (default): "Emergency admission risk". */
    const char *title;
    /**
     * A baseline run's manifest (its <output>.manifest.json): the pages
     * then show the drift of this run's input against the population file
     * that run read (ristra_drift_compute() with this run's model; the
     * baseline file checked against the SHA-256 its manifest records, as
     * ristra_drift_compute_manifests() does): every flagged figure, the
     * area's on the area page, each practice's on its page. The input must
     * then be a file, not standard input. NULL (default): no drift.
     */
    const char *baseline_manifest;
} ristra_report_options;

#define RISTRA_REPORT_OPTIONS_VERSION 1
#define RISTRA_REPORT_OPTIONS_INIT { RISTRA_REPORT_OPTIONS_VERSION, 1, 1, NULL, NULL }

/**
 * Fills opts with the defaults of the given struct version.
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_report_options_init(ristra_report_options *opts, int version);

/**
 * Writes a count as a suppressed page shows it, NUL-terminated, into out:
 * "0", "≤7" (UTF-8) for 1 to 7, otherwise the count rounded to the nearest 5
 * (halves up); a negative count gives "". The rule of every suppressed
 * figure of the report, for front ends that show the same counts.
 * @return the length written; RISTRA_EINVAL when out is NULL or size is
 *         too small (out then holds "" when size > 0).
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_report_suppressed_count(char *out, size_t size, int64_t count);

/**
 * Writes the report of a recorded run (`ristra report --manifest M`): the
 * manifest's model file and input are checked against the SHA-256 it
 * records, the run is repeated with the options it records (tiers, columns,
 * identifier kind, threshold, the audit's groupings), writing the report's
 * pages into directory and nothing else, and its counts are checked
 * against the record. The pages show the recorded run's manifest hash and
 * start time.
 * @param manifest   a run's manifest (ristra_score_file()'s).
 * @param directory  an existing directory, as report_dir.
 * @param opts       the report's options (suppression, title, baseline);
 *                   NULL: the defaults.
 * @return RISTRA_OK; RISTRA_EINVAL (NULL arguments, bad options);
 *         RISTRA_EIO (the manifest, model or input cannot be read);
 *         RISTRA_EFORMAT (not a run's manifest, or the model file or the
 *         input has changed since the run: nothing written); the errors of
 *         ristra_score_file().
 * @thread_safety Safe.
 * @since 2.0.0
 */
RISTRA_API int ristra_report_from_manifest(const char *manifest, const char *directory,
                                           const ristra_report_options *opts);

RISTRA_END_DECL

#endif /* RISTRA_REPORT_H */
