#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>

#include "cli.h"

void cli_put_escaped(FILE *f, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x20 || *c == 0x7f)
            fprintf(f, "\\x%02x", *c);
        else
            fputc(*c, f);
    }
}

const char *cli_esc(const char *s)
{
    static char ring[4][4096];
    static unsigned next;
    char *buf = ring[next++ % 4], *o = buf, *end = buf + sizeof ring[0] - 4;
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
        if (o + 4 > end) {
            memcpy(o, "...", 3);
            o += 3;
            break;
        }
        if (*c < 0x20 || *c == 0x7f)
            o += snprintf(o, 5, "\\x%02x", *c);
        else
            *o++ = (char)*c;
    }
    *o = '\0';
    return buf;
}

/* The message is formatted first, then escaped: it may quote file names. */
int cli_fail(const char *command, int rc, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "ristra %s: ", command);
    cli_put_escaped(stderr, msg);
    if (rc < 0) {
        fputs(": ", stderr);
        cli_put_escaped(stderr, ristra_last_error()[0] ? ristra_last_error() : ristra_strerror(rc));
    }
    fputc('\n', stderr);
    return CLI_FAILED;
}

/* One line, as batch logs and grep want it: the problem, then where the
 * accepted forms are described. The full usage text is for --help. */
int cli_usage_error(const char *command, const char *usage, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    (void)usage;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "ristra %s: ", command);
    cli_put_escaped(stderr, msg);
    fprintf(stderr, " (see ristra %s --help)\n", command);
    return CLI_USAGE;
}

void cli_print_help(const char *command, const char *usage)
{
    fputs(usage, stdout);
    if (command)
        printf("\nThe manual: man ristra-%s\n", command);
    else
        printf("\nThe manual: man ristra (and man ristra-COMMAND for each command)\n");
}

int cli_parse_int64(const char *command, const char *option, const char *text, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end) {
        fprintf(stderr, "ristra %s: %s: \"%s\" is not a whole number\n", command, option,
                cli_esc(text));
        return CLI_USAGE;
    }
    *out = v;
    return CLI_OK;
}

int cli_population_ids(const char *command, ristra_population_options *po, const char *id_kind,
                       const char *id_column, const char *practice_column)
{
    if (id_kind && !(po->id_kind = ristra_id_kind_from_string(id_kind))) {
        fprintf(stderr, "ristra %s: --id-kind must be nhs or pseudonym, not %s (see ristra %s "
                "--help)\n", command, cli_esc(id_kind), command);
        return CLI_USAGE;
    }
    if (id_column)
        po->id_column = id_column;
    if (practice_column)
        po->practice_column = practice_column;
    return CLI_OK;
}

int cli_parse_threads(const char *command, const char *text, int *out)
{
    int64_t v;
    int rc = cli_parse_int64(command, "--threads", text, &v);
    if (rc)
        return rc;
    if (v < 0 || v > RISTRA_MAX_THREADS) {
        fprintf(stderr, "ristra %s: --threads: %s is not 0..%d (0: one per CPU)\n", command,
                cli_esc(text), RISTRA_MAX_THREADS);
        return CLI_USAGE;
    }
    *out = (int)v;
    return CLI_OK;
}

int cli_parse_double(const char *command, const char *option, const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end) {
        fprintf(stderr, "ristra %s: %s: \"%s\" is not a number\n", command, option, cli_esc(text));
        return CLI_USAGE;
    }
    *out = v;
    return CLI_OK;
}

int cli_parse(const char *command, const char *usage, int argc, char **argv,
              const cli_option *opts, const char **positional, int max_positional,
              int *n_positional)
{
    *n_positional = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            cli_print_help(command, usage);
            return -1;
        }
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            if (*n_positional >= max_positional)
                return cli_usage_error(command, usage, "unexpected argument \"%s\"", arg);
            positional[(*n_positional)++] = arg;
            continue;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const cli_option *o = opts;
        while (o->name && !(strlen(o->name) == len && !strncmp(o->name, name, len)))
            o++;
        if (!o->name)
            return cli_usage_error(command, usage, "unknown option \"--%.*s\"", (int)len, name);
        if (o->value) {
            if (eq)
                *o->value = eq + 1;
            else if (i + 1 < argc)
                *o->value = argv[++i];
            else
                return cli_usage_error(command, usage, "option --%s needs a value", o->name);
        } else {
            if (eq)
                return cli_usage_error(command, usage, "option --%s takes no value", o->name);
            *o->flag = 1;
        }
    }
    return CLI_OK;
}

const char **cli_split_list(char *text, int64_t *n)
{
    int64_t count = 1;
    for (const char *c = text; *c; c++)
        count += *c == ',';
    const char **names = malloc((size_t)count * sizeof *names);
    if (!names)
        return NULL;
    *n = 0;
    for (char *tok = text;; tok++) {
        names[(*n)++] = tok;
        tok = strchr(tok, ',');
        if (!tok)
            break;
        *tok = '\0';
    }
    return names;
}

/* Prints the rejected rows by status, with the library's examples. */
static void report_rejected(FILE *f, const ristra_collected *c)
{
    int64_t rejected = 0;
    for (int s = 1; s < 32; s++)
        rejected += ristra_collected_n_rejected(c, s);
    if (!rejected)
        return;
    fprintf(f, "  %lld rejected:", (long long)rejected);
    const char *sep = " ";
    for (int s = 1; s < 32; s++)
        if (ristra_collected_n_rejected(c, s)) {
            fprintf(f, "%s%lld %s", sep, (long long)ristra_collected_n_rejected(c, s),
                    ristra_row_status_string(s));
            sep = ", ";
        }
    fprintf(f, "\n");
    for (int i = 0; i < ristra_collected_n_examples(c); i++)
        fprintf(f, "      e.g. %s\n", cli_esc(ristra_collected_example(c, i)));
}

static void report_rows(FILE *f, const ristra_collected *c, const char *path,
                        const ristra_population_options *po)
{
    int64_t n_read = ristra_collected_n_read(c), n = ristra_collected_n_rows(c);
    fprintf(f, "%s: %lld rows read, %lld used", cli_esc(path), (long long)n_read, (long long)n);
    if (n_read == n) {
        fprintf(f, "\n");
        return;
    }
    fprintf(f, ", %lld left out:\n", (long long)(n_read - n));
    report_rejected(f, c);
    int64_t missing = ristra_collected_n_left_out(c, RISTRA_LEFT_OUT_MISSING_VALUE);
    if (missing) {
        fprintf(f, "  %lld with a missing value:", (long long)missing);
        const char *sep = " ";
        for (int64_t j = 0; po->columns && j < ristra_collected_n_cols(c); j++)
            if (ristra_collected_n_missing(c, j)) {
                fprintf(f, "%s%s %lld", sep, cli_esc(po->columns[j]),
                        (long long)ristra_collected_n_missing(c, j));
                sep = ", ";
            }
        fprintf(f, "\n");
    }
    int64_t no_extra = ristra_collected_n_left_out(c, RISTRA_LEFT_OUT_MISSING_EXTRA);
    if (no_extra)
        fprintf(f, "  %lld with no %s\n", (long long)no_extra,
                cli_esc(po->n_extra ? po->extra_columns[0] : "value"));
    int64_t no_outcome = ristra_collected_n_left_out(c, RISTRA_LEFT_OUT_NO_OUTCOME);
    if (no_outcome)
        fprintf(f, "  %lld with no outcome (%s empty)\n", (long long)no_outcome,
                cli_esc(po->outcome_column ? po->outcome_column : "outcome"));
}

int cli_collect(ristra_collected **out, const char *command, const char *path,
                const ristra_model *model, const ristra_population_options *po,
                int keep_values, int64_t n_required_extra, int n_threads)
{
    ristra_collect_options co = RISTRA_COLLECT_OPTIONS_INIT;
    co.population = po;
    co.keep_values = keep_values;
    co.n_required_extra = n_required_extra;
    co.n_threads = n_threads;
    int rc = ristra_population_collect(out, path, model, &co);
    if (rc)
        return cli_fail(command, rc, "cannot read %s", path);
    report_rows(stdout, *out, path, po);
    return CLI_OK;
}
