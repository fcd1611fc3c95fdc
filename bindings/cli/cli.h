/* Shared pieces of the `ristra` command-line tool. The tool uses only the
 * public API: anything it needs that the library lacks belongs in the
 * library, not here. */
#ifndef RISTRA_CLI_H
#define RISTRA_CLI_H

#include <stdint.h>
#include <stdio.h>

#include <ristra/collect.h>

typedef struct cli_command {
    const char *name;
    const char *summary;     /* one line for `ristra help` */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} cli_command;

/* Exit codes of every command (README.md, "Exit status"): a command
 * stopped by SIGINT, SIGTERM or SIGHUP exits 128 + the signal's number. */
enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2, CLI_THRESHOLD = 3, CLI_CHANGED = 4 };

/* Signals (cli_signals.c): SIGINT, SIGTERM and SIGHUP are noted, for the
 * progress callback to cancel the run; a second one exits at once. */
void cli_catch_signals(void);
int cli_signal_received(void);     /* the first signal's number, or 0 */
const char *cli_signal_name(int sig);

/* Writes s to f with control characters as \xNN (paths and messages may
 * hold terminal escapes). */
void cli_put_escaped(FILE *f, const char *s);
/* s with control characters as \xNN, for printf's %s: a ring of four
 * buffers, so up to four may appear in one call (the tool prints from one
 * thread); a text longer than a buffer is cut and ends in "...". */
const char *cli_esc(const char *s);

/* Prints "ristra NAME: <message>" to stderr, with ristra_last_error() when
 * rc is a library error, and returns CLI_FAILED. */
int cli_fail(const char *command, int rc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prints a usage error on one line ("ristra NAME: <message> (see ristra
 * NAME --help)"); returns CLI_USAGE. usage is kept for the callers' sake. */
int cli_usage_error(const char *command, const char *usage, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prints usage to stdout, then the line naming the manual page to read
 * (ristra-COMMAND(1), or ristra(1) when command is NULL). */
void cli_print_help(const char *command, const char *usage);

/* Options are "--name value", "--name=value" or, for flags, "--name".
 * Each command describes its options in a table ending with {NULL}. */
typedef struct cli_option {
    const char *name;          /* without the leading "--" */
    const char **value;        /* set for an option that takes a value */
    int *flag;                 /* set to 1 for a flag (value == NULL) */
} cli_option;

/* Parses argv[1..argc) against opts. Arguments that are not options are
 * collected, in order, into positional[0..*n_positional) (capacity
 * max_positional). Returns CLI_OK; CLI_USAGE after printing the problem
 * and usage; or -1 after printing usage to stdout for --help (exit 0). */
int cli_parse(const char *command, const char *usage, int argc, char **argv,
              const cli_option *opts, const char **positional, int max_positional,
              int *n_positional);

/* Parses a number option; prints an error naming the option on failure. */
int cli_parse_int64(const char *command, const char *option, const char *text, int64_t *out);
/* --id-kind, --id-column and --practice-column (each may be NULL: not
 * given) into po: the same words for every command that reads a
 * population. CLI_USAGE for an id kind other than nhs or pseudonym. */
int cli_population_ids(const char *command, ristra_population_options *po, const char *id_kind,
                       const char *id_column, const char *practice_column);

/* --threads: 0 to RISTRA_MAX_THREADS (the library's one limit), the same
 * words for every command. */
int cli_parse_threads(const char *command, const char *text, int *out);
int cli_parse_double(const char *command, const char *option, const char *text, double *out);

/* Splits "a,b,c" in place at the commas: a malloc'd list of n pointers
 * into text (free() the list; text stays the caller's). NULL when out of
 * memory. */
const char **cli_split_list(char *text, int64_t *n);

/* Reads a whole population file with ristra_population_collect() (keep
 * each row's values, require the first n_required_extra extra columns,
 * score with n_threads) and prints "FILE: N rows read, U used" and what
 * was left out and why. On error prints why and returns CLI_FAILED. */
int cli_collect(ristra_collected **out, const char *command, const char *path,
                const ristra_model *model, const ristra_population_options *po,
                int keep_values, int64_t n_required_extra, int n_threads);

#endif
