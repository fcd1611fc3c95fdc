/* help2roff: turns the text `ristra [COMMAND] --help` prints into a man
 * page, at build time, so that the manual and --help are one source and
 * cannot drift. Not installed.
 *
 *   help2roff PAGE VERSION INDEX < help.txt > PAGE.1
 *
 * PAGE is "ristra" or "ristra-COMMAND"; INDEX is the output of
 * `ristra --help`, where the one-line summary of COMMAND is looked up
 * (the tool's own summary is the first sentence of its description).
 *
 * The help text has a fixed shape, which this relies on: a first
 * paragraph "usage: ..."; paragraphs of prose; "heading:" lines; lists
 * whose items are indented two spaces ("  --name V    what it does") and
 * whose continuation lines are indented further; and a last line
 * "The manual: ...", which a man page does not need. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_LINES = 2000, LINE_SIZE = 512 };

static char lines[MAX_LINES][LINE_SIZE];
static int n_lines;

static void read_lines(FILE *f)
{
    while (n_lines < MAX_LINES && fgets(lines[n_lines], LINE_SIZE, f)) {
        lines[n_lines][strcspn(lines[n_lines], "\n")] = '\0';
        n_lines++;
    }
}

/* Writes text escaped for roff; dashes become \- (so options copy and
 * paste as ASCII) when minus is set. */
static void put_escaped(const char *text, int minus)
{
    if (*text == '.' || *text == '\'')
        fputs("\\&", stdout);
    for (const char *c = text; *c; c++) {
        if (*c == '\\')
            fputs("\\e", stdout);
        else if (*c == '-' && minus)
            fputs("\\-", stdout);
        else
            putchar(*c);
    }
}

static const char *skip_spaces(const char *s)
{
    while (*s == ' ')
        s++;
    return s;
}

static int blank(int i) { return *skip_spaces(lines[i]) == '\0'; }

/* A list item: "  TAG  description", the tag ending at two spaces. */
static void put_item(const char *line)
{
    const char *tag = skip_spaces(line);
    const char *gap = strstr(tag, "  ");
    fputs(".TP\n.B ", stdout);
    if (!gap) {
        put_escaped(tag, 1);
        putchar('\n');
        return;
    }
    char buf[LINE_SIZE];
    snprintf(buf, sizeof buf, "%.*s", (int)(gap - tag), tag);
    put_escaped(buf, 1);
    putchar('\n');
    put_escaped(skip_spaces(gap), 0);
    putchar('\n');
}

/* The lines [i, end) of an indented list. */
static void put_list(int i, int end)
{
    for (; i < end; i++) {
        const char *s = lines[i];
        if (s[0] == ' ' && s[1] == ' ' && s[2] != ' ')
            put_item(s);
        else {
            put_escaped(skip_spaces(s), 0);
            putchar('\n');
        }
    }
}

static int is_heading(const char *s)
{
    size_t n = strlen(s);
    return n > 1 && s[0] != ' ' && s[n - 1] == ':' && !strchr(s, '.') && n < 40;
}

static void put_heading(const char *s)
{
    fputs(".SH ", stdout);
    for (const char *c = s; c[1]; c++)
        putchar(toupper((unsigned char)*c));
    putchar('\n');
}

/* The summary for NAME-COMMAND from INDEX: the line "  COMMAND  summary". */
static int find_summary(char *out, size_t size, const char *index_path, const char *command)
{
    FILE *f = fopen(index_path, "r");
    char line[LINE_SIZE];
    size_t n = strlen(command);
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "  ", 2) && !strncmp(line + 2, command, n) && line[2 + n] == ' ') {
            snprintf(out, size, "%s", skip_spaces(line + 2 + n));
            found = 1;
        }
    }
    if (f)
        fclose(f);
    return found;
}

/* The tool's summary: the first sentence of its first prose paragraph. */
static void first_sentence(char *out, size_t size, int from)
{
    size_t o = 0;
    for (int i = from; i < n_lines && !blank(i) && o + 1 < size; i++) {
        for (const char *c = lines[i]; *c && o + 1 < size; c++) {
            if (*c == '.') {
                out[o] = '\0';
                return;
            }
            out[o++] = *c;
        }
        if (o + 1 < size)
            out[o++] = ' ';
    }
    out[o] = '\0';
}

static int paragraph_end(int i)
{
    while (i < n_lines && !blank(i))
        i++;
    return i;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: help2roff PAGE VERSION INDEX < help.txt\n");
        return 2;
    }
    const char *page = argv[1], *version = argv[2];
    read_lines(stdin);
    if (n_lines == 0 || strncmp(lines[0], "usage: ", 7) != 0) {
        fprintf(stderr, "help2roff: %s: the help text does not start with \"usage: \"\n", page);
        return 1;
    }
    int usage_end = paragraph_end(0);
    int body = usage_end;
    while (body < n_lines && blank(body))
        body++;
    char summary[LINE_SIZE] = "";
    const char *dash = strchr(page, '-');
    if (dash ? !find_summary(summary, sizeof summary, argv[3], dash + 1)
             : (first_sentence(summary, sizeof summary, body), !*summary)) {
        fprintf(stderr, "help2roff: %s: no summary found\n", page);
        return 1;
    }
    summary[0] = (char)tolower((unsigned char)summary[0]);

    printf(".\\\" Generated by bindings/cli/help2roff from `%s --help`; do not edit.\n", page);
    printf(".TH \"");
    for (const char *c = page; *c; c++)
        putchar(*c == '-' ? '-' : toupper((unsigned char)*c));
    printf("\" 1 \"\" \"ristra %s\" \"ristra manual\"\n.SH NAME\n", version);
    put_escaped(page, 1);
    fputs(" \\- ", stdout);
    put_escaped(summary, 0);
    fputs("\n.SH SYNOPSIS\n.nf\n", stdout);
    for (int i = 0; i < usage_end; i++) {
        put_escaped(i == 0 ? lines[i] + 7 : lines[i] + (strlen(lines[i]) > 7 ? 7 : 0), 1);
        putchar('\n');
    }
    fputs(".fi\n.SH DESCRIPTION\n", stdout);

    int options_done = 0;
    for (int i = body; i < n_lines;) {
        if (blank(i)) {
            i++;
            continue;
        }
        int end = paragraph_end(i);
        if (!strncmp(lines[i], "The manual:", 11)) {
            i = end;
            continue;
        }
        if (is_heading(lines[i])) {
            put_heading(lines[i]);
            options_done |= !strcmp(lines[i], "options:");
            i++;
        }
        if (i >= end)
            continue;
        if (lines[i][0] == ' ') {
            if (!options_done && *skip_spaces(lines[i]) == '-') {
                fputs(".SH OPTIONS\n", stdout);
                options_done = 1;
            }
            put_list(i, end);
        } else {
            fputs(".PP\n", stdout);
            for (int k = i; k < end; k++) {
                put_escaped(lines[k], 0);
                putchar('\n');
            }
        }
        i = end;
    }
    fputs(".SH SEE ALSO\n", stdout);
    if (dash)
        fputs(".BR ristra (1)\n", stdout);
    else
        fputs("ristra\\-COMMAND(1) for each command listed above\n", stdout);
    return 0;
}
