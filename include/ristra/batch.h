/*
 * ristra: the nightly batch. ristra_score_file() reads a population file
 * (see ristra/population.h), scores every patient, ranks them within each
 * practice and overall, assigns risk tiers and writes the ranked list, the
 * rejected rows and a per-practice summary.
 */
#ifndef RISTRA_BATCH_H
#define RISTRA_BATCH_H

#include "ristra/audit.h"
#include "ristra/fhir.h"
#include "ristra/population.h"
#include "ristra/report.h"

RISTRA_BEGIN_DECL

/**
 * The most tiers ristra_score_file() assigns in this release. Not part of
 * the ABI: no public struct has an array of this size, and a later
 * release may raise it.
 */
#define RISTRA_MAX_TIERS 8

/**
 * Progress callback: patients read so far and bytes of input consumed of
 * bytes_total (0 when unknown). Called from the thread that called
 * ristra_score_file(), after each block. A non-zero return stops the run
 * (RISTRA_ECANCELLED) and nothing is written.
 */
typedef int (*ristra_progress_fn)(void *ctx, int64_t patients, uint64_t bytes_done,
                                  uint64_t bytes_total);

/** The outcome column ristra_score_file() reads, when present, by default. */
#define RISTRA_SCORE_FILE_DEFAULT_OUTCOME "emergency_admission_next_12m"

/** Options for ristra_score_file(). */
typedef struct ristra_score_file_options {
    int version;                   /**< RISTRA_SCORE_FILE_OPTIONS_VERSION */
    /**
     * How to read the input, or NULL (the default) for the defaults of
     * ristra_population_options with the outcome column
     * RISTRA_SCORE_FILE_DEFAULT_OUTCOME, read when present (observed
     * admissions and AUROC in the summary). Held by pointer so that
     * either struct can grow on its own. columns and extra_columns must
     * be NULL, and n_threads is not used (n_threads below is).
     */
    const ristra_population_options *population;
    /**
     * Rejected rows, CSV, in file order, with the header
     * line,nhs_number,practice,status,reason: the line the row starts on,
     * the NHS number and practice fields as written, the status as
     * ristra_row_status_string() words it and the reason (which names the
     * field and value). NULL: none.
     */
    const char *rejects_path;
    /**
     * Per-practice summary, CSV, one line per practice in practice-code
     * order and a last line "ALL" for everyone: practice, list_size,
     * rejected, one column per tier (headed by its name), mean_risk,
     * expected_admissions and, when the input has the outcome column,
     * observed_admissions, observed_expected and auroc (see
     * ristra_practice_summary; an undefined figure is an empty field).
     * NULL: none.
     */
    const char *summary_path;
    /**
     * Tier cut-points as fractions of each practice's list, strictly
     * increasing, in (0, 1]: a patient is in the first tier whose cut c
     * satisfies rank_in_practice <= ceil(c * list_size), where c *
     * list_size is computed in double precision and anything within a
     * relative 1e-12 above a whole number counts as that number (0.07 of
     * 100 patients is 7, not 8), as in ristra_evaluate(). Every practice's
     * highest-risk patient is therefore in the first tier. Default
     * (n_tiers 0): 0.005, 0.02, 0.05, 0.20. At most RISTRA_MAX_TIERS
     * (a limit of this release, not of the ABI).
     */
    int64_t n_tiers;
    const double *tier_cut_points;   /**< n_tiers cut-points (read only when n_tiers > 0) */
    /**
     * NULL (the default), or one name per tier: n_tiers names, or with
     * n_tiers 0 one per default tier (ristra_default_tiers(): 4). A NULL
     * name gives "top 0.5%" and so on.
     */
    const char *const *tier_names;
    /** Name of the tier of patients in no tier; NULL: "-". */
    const char *untiered_name;
    /**
     * Threads for parsing, scoring and writing; 0 (default) = one per
     * CPU. With more than one, the next block of rows is read and parsed
     * on a thread of its own while the current one is scored (holding a
     * copy of up to two blocks). The output does not depend on it.
     */
    int n_threads;
    /**
     * -1 (default): gzip each output file (list, rejects, summary) whose
     * name ends in ".gz"; 0 never; 1 always. (zlib level 1: fast.)
     */
    int gzip_output;
    ristra_progress_fn progress;   /**< NULL: none */
    void *progress_ctx;
    /**
     * The subgroup audit at the tiers applied (ristra/audit.h), tidy CSV,
     * computed in the same pass and committed with the other outputs;
     * NULL (default): none. @since 2.0.0
     */
    const char *audit_path;
    /** The audit's options; NULL (default): RISTRA_AUDIT_OPTIONS_INIT. @since 2.0.0 */
    const ristra_audit_options *audit;
    /**
     * Every scored patient as a FHIR R4 RiskAssessment (ristra/fhir.h),
     * in list order, committed with the other outputs; NULL (default):
     * none. Identifies patients. @since 2.0.0
     */
    const char *fhir_path;
    /** Its options; NULL (default): RISTRA_FHIR_OPTIONS_INIT. @since 2.0.0 */
    const ristra_fhir_options *fhir;
    /**
     * Permission bits of every file written (list, rejects, summary,
     * manifest); the process's umask can only narrow them. 0 (default):
     * 0600, since these files hold NHS numbers. @since 2.0.0
     */
    int file_mode;
    /**
     * The run's manifest (JSON: see docs/score-output.md, "The run
     * record"), committed with the other outputs. NULL (default):
     * "<output>.manifest.json" when output is a file, none when output is
     * NULL or "-"; "": none. @since 2.0.0
     */
    const char *manifest_path;
    /**
     * The run fails (RISTRA_ETHRESHOLD, nothing written) when more than
     * this fraction of the rows read is rejected. Default 0.05; 1 never
     * fails. @since 2.0.0
     */
    double max_reject_rate;
    /**
     * The run fails (RISTRA_ETHRESHOLD, nothing written) when fewer rows
     * than this are scored. Default 1 (an empty extract fails). @since 2.0.0
     */
    int64_t min_scored;
    /**
     * The report (ristra/report.h): an existing directory that receives
     * index.html (the area) and practice-<code>.html (one per practice),
     * committed with the other outputs (after the manifest, whose SHA-256
     * the pages show; the manifest therefore does not list them). Computes
     * the audit (ristra/audit.h, with opts->audit) even without
     * audit_path. NULL (default): none. @since 2.0.0
     */
    const char *report_dir;
    /** Its options; NULL (default): RISTRA_REPORT_OPTIONS_INIT. @since 2.0.0 */
    const ristra_report_options *report;
    /**
     * Reason codes: each ranked-list row gains, for the n_reasons
     * features that raise that patient's risk most (the largest positive
     * contributions of ristra_model_explain(), largest first), the
     * columns reasonK_feature, reasonK_value (empty when missing),
     * reasonK_contribution (log-odds) and reasonK, a readable text made
     * from the feature's description and unit, e.g. "Emergency admissions
     * in the previous 12 months: 3 (+0.82)". Fewer raising features leave
     * the rest empty. 0 (default): none; at most RISTRA_MAX_REASONS. The
     * model must be explainable (ristra_model_explainable()).
     * See docs/score-output.md. @since 2.0.0
     */
    int n_reasons;
    /**
     * The contribution matrix, CSV: nhs_number, practice, one column per
     * feature (named as the feature) and bias, one row per patient
     * scored, in file order; each row sums to the patient's log-odds
     * (ristra_model_explain()). Written and committed with the other
     * outputs. NULL (default): none. @since 2.0.0
     */
    const char *contributions_path;
} ristra_score_file_options;

/** The most reason codes per patient ristra_score_file() writes. */
#define RISTRA_MAX_REASONS 16

#define RISTRA_SCORE_FILE_OPTIONS_VERSION 1
#define RISTRA_SCORE_FILE_OPTIONS_INIT                                                       \
    { RISTRA_SCORE_FILE_OPTIONS_VERSION, NULL, NULL, NULL, 0, NULL, NULL, NULL, 0, -1, NULL, \
      NULL, NULL, NULL, NULL, NULL, 0, NULL, 0.05, 1, NULL, NULL, 0, NULL }

/**
 * Fills opts with the defaults of the given struct version.
 * @return RISTRA_OK, or RISTRA_EINVAL for NULL or an unknown version.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_score_file_options_init(ristra_score_file_options *opts, int version);

/** What a ristra_score_file() run did. Opaque; immutable. */
typedef struct ristra_score_result ristra_score_result;

/**
 * Scores every patient of a population file and writes the ranked list:
 * one row per scored patient, sorted by practice code and then by rank,
 * with columns nhs_number, practice, risk, rank_in_practice,
 * percentile_in_practice, percentile_overall, tier. Ranks order patients
 * by risk, highest first; equal risks are ordered by NHS number (then by
 * practice code), so the output does not depend on the order of the
 * input rows. rank_in_practice counts from 1 within the practice;
 * percentile_in_practice = 100 * rank_in_practice / list_size and
 * percentile_overall = 100 * overall rank / patients scored (the
 * highest-risk patient of 1,000 is at 0.1), computed in that order in
 * double precision. Numbers are written as the shortest text that reads
 * back as the same double (risk is the probability ristra_model_score()
 * gives, to the bit). tier is the tier's name, or untiered_name.
 *
 * Rows that cannot be scored (see ristra_population_read(), and rows the
 * model itself rejects) are left out of the list and go to the rejects.
 *
 * Every output file (list, rejects, summary, manifest) is written and
 * fsynced in a temporary file "<path>.tmp.XXXXXX" beside it (mode
 * file_mode, default 0600) and all are renamed into place together only
 * when the whole run has succeeded, previous files kept aside (hard links)
 * until the last rename: a failed or cancelled run, at any step including
 * part-way through the renames, leaves every destination exactly as it
 * was and no temporary file (docs/score-output.md, "All or nothing").
 * A path "-" is standard output (outside that promise); input "-" is
 * standard input. An output path that is a directory, device, FIFO,
 * socket or symbolic link, or the same file as another path, is refused
 * before any work (RISTRA_EINVAL, naming it).
 *
 * @param[out] out  what the run did (counts, per-practice summary); free
 *                  with ristra_score_result_free(). May be NULL if not wanted.
 * @param output    the ranked list; NULL to write none (only the result).
 * @return RISTRA_OK (rejected rows within the threshold); the reader's
 *         errors; RISTRA_EIO (cannot write); RISTRA_ECANCELLED;
 *         RISTRA_ETHRESHOLD (more than max_reject_rate rejected, or fewer
 *         than min_scored scored: nothing written; the message counts the
 *         rejects by reason); RISTRA_EINVAL (also: an output path refused).
 * @thread_safety Safe; the model may be shared.
 * @since 1.0.0
 */
RISTRA_API int ristra_score_file(ristra_score_result **out, const ristra_model *model,
                                 const char *input, const char *output,
                                 const ristra_score_file_options *opts);

/**
 * Frees a result. NULL is a no-op.
 * @thread_safety No other thread may be using the result.
 * @since 1.0.0
 */
RISTRA_API void ristra_score_result_free(ristra_score_result *result);

/** Totals of a run. */
typedef struct ristra_score_totals {
    int version;               /**< RISTRA_SCORE_TOTALS_VERSION */
    int64_t n_rows;            /**< data rows read */
    int64_t n_scored;          /**< rows scored */
    int64_t n_rejected;        /**< rows rejected */
    /**
     * Practices in the summary: every valid practice code in the file,
     * including one whose rows were all rejected (its list_size is 0).
     */
    int32_t n_practices;
    /** tiers; ristra_score_result_tier_count() gives the patients in each */
    int n_tiers;
    int has_outcome;           /**< 1 when the input had the outcome column */
    double expected;           /**< sum of risks */
    int64_t observed;          /**< patients with outcome 1 (-1 without outcomes) */
    /** AUROC over everyone scored with a known outcome; NaN as for a practice. */
    double auroc;
    /**
     * The run's identifier kind (a ristra_id_kind), which names the
     * identifier column of the list and the rejects. @since 2.0.0
     */
    int id_kind;
} ristra_score_totals;

#define RISTRA_SCORE_TOTALS_VERSION 1
#define RISTRA_SCORE_TOTALS_INIT                                                             \
    { RISTRA_SCORE_TOTALS_VERSION, 0, 0, 0, 0, 0, 0, 0.0, -1, 0.0, RISTRA_ID_NHS }

/**
 * Fills out with the run's totals; out->version must be set.
 * @return RISTRA_OK or RISTRA_EINVAL (NULL, unknown version).
 * @thread_safety Safe: a result is immutable.
 * @since 1.0.0
 */
RISTRA_API int ristra_score_result_totals(ristra_score_totals *out,
                                          const ristra_score_result *result);

/** One practice's line of the summary. */
typedef struct ristra_practice_summary {
    int version;               /**< RISTRA_PRACTICE_SUMMARY_VERSION */
    const char *practice;      /**< ODS code; valid while the result lives */
    int64_t list_size;         /**< patients scored */
    int64_t n_rejected;        /**< rows rejected that named this practice (a valid code) */
    double mean_risk;          /**< expected / list_size; NaN when list_size is 0 */
    double expected;           /**< sum of risks: expected admissions */
    /**
     * Patients with outcome 1 among the scored; -1 without outcomes. A
     * patient whose outcome field is empty counts as no event here and
     * is left out of the AUROC.
     */
    int64_t observed;
    /** observed / expected; NaN without outcomes or when expected is 0 */
    double observed_expected;
    /**
     * AUROC of risk against outcome among the scored with a known
     * outcome (the Mann-Whitney statistic, ties counting one half, as
     * sklearn.metrics.roc_auc_score); NaN without outcomes or without
     * both outcomes.
     */
    double auroc;
} ristra_practice_summary;

#define RISTRA_PRACTICE_SUMMARY_VERSION 1
#define RISTRA_PRACTICE_SUMMARY_INIT                                                         \
    { RISTRA_PRACTICE_SUMMARY_VERSION, NULL, 0, 0, 0.0, 0.0, -1, 0.0, 0.0 }

/**
 * The summary of practice `index`, 0 <= index < totals.n_practices, in
 * practice-code order (the order of the summary file).
 * @return RISTRA_OK or RISTRA_EINVAL.
 * @thread_safety Safe: a result is immutable.
 * @since 1.0.0
 */
RISTRA_API int ristra_score_result_practice(ristra_practice_summary *out,
                                            const ristra_score_result *result, int32_t index);

/** The practice argument of ristra_score_result_tier_count() for everyone. */
#define RISTRA_SCORE_RESULT_ALL (-1)

/**
 * Patients in tier k (0 <= k < totals.n_tiers; the tightest tier only, so
 * the tiers do not overlap) of practice `practice` (its index in the
 * summary, as for ristra_score_result_practice()), or of everyone with
 * RISTRA_SCORE_RESULT_ALL.
 * @return the count, or -1 when result is NULL or practice or k is out of
 *         range.
 * @thread_safety Safe: a result is immutable.
 * @since 2.0.0
 */
RISTRA_API int64_t ristra_score_result_tier_count(const ristra_score_result *result,
                                                  int32_t practice, int k);

/**
 * @return the name of tier k (0 <= k < n_tiers), valid while the result
 *         lives; NULL when k is out of range or result is NULL.
 * @thread_safety Safe: a result is immutable.
 * @since 1.0.0
 */
RISTRA_API const char *ristra_score_result_tier_name(const ristra_score_result *result, int k);

RISTRA_END_DECL

#endif /* RISTRA_BATCH_H */
