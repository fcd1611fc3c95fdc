/* Reading a population file into memory for the commands that need every
 * row at once (fit, evaluate, calibrate): the rows that can be used, and
 * an account of those that cannot. Only the public reader and scorer are
 * used. */
#ifndef RISTRA_CLI_POPULATION_H
#define RISTRA_CLI_POPULATION_H

#include <stdint.h>
#include <stdio.h>

#include <ristra/ristra.h>
#include <ristra/population.h>

/* Row statuses counted (ristra_row_status values 0..CLI_N_STATUS-1). */
#define CLI_N_STATUS 16
/* Rejected rows whose reasons are kept as examples. */
#define CLI_N_EXAMPLES 5

typedef struct cli_rows {
    int64_t n;              /* rows kept */
    int64_t n_cols;         /* value columns (the model's features, or opts->columns) */
    int64_t n_extra;        /* extra columns */
    double *values;         /* n x n_cols, when keep_values was asked for; else NULL */
    double *extra;          /* n x n_extra, or NULL */
    uint8_t *outcome;       /* n outcomes, 0 or 1 */
    double *risk;           /* n risks, with a model; else NULL */
    double *margin;         /* n margins, with a model; else NULL */
    int32_t *practice;      /* n practice indices into practice_codes */
    char **practice_codes;  /* n_practices codes, in the reader's order */
    int32_t n_practices;

    /* What was left out, and why. */
    int64_t n_read;                        /* data rows in the file */
    int64_t rejected[CLI_N_STATUS];        /* by ristra_row_status (reader or scorer) */
    int64_t no_outcome;                    /* outcome field empty */
    int64_t missing_values;                /* rows with a missing value column (no model) */
    int64_t *missing_by_column;            /* n_cols counts: rows missing that column */
    int64_t missing_required_extra;        /* rows missing a required extra column */
    int n_examples;
    char examples[CLI_N_EXAMPLES][256];    /* "line L: reason" of the first rejects */
} cli_rows;

/* Reads every row of path. With a model, rows are read against its
 * features and scored (risk and margin); without one, opts->columns are
 * read and a row with any missing value is left out. A row is kept when
 * the reader and the scorer accept it, its outcome is 0 or 1 and its first
 * n_required_extra extra columns are present.
 *
 * Prints the reason and returns CLI_FAILED on error (r is then freed);
 * CLI_OK otherwise. */
int cli_read_population(cli_rows *r, const char *command, const char *path,
                        const ristra_model *model, const ristra_population_options *opts,
                        int keep_values, int64_t n_required_extra,
                        int n_threads);

/* Prints "FILE: N rows read, U used" and what was left out and why. */
void cli_report_rows(FILE *f, const cli_rows *r, const char *path,
                     const ristra_population_options *opts);

void cli_rows_free(cli_rows *r);

#endif
