/* Text fields of the CSV files ristra writes (ranked lists, rejects,
 * summaries, explanations, evaluations): RFC 4180 quoting, and two
 * defences for files that people open in spreadsheets and print to
 * terminals (docs/score-output.md, "Hostile text"):
 *  - formula guard (OWASP, "CSV injection"): a field beginning with = + - @
 *    tab or CR gets a leading apostrophe and is quoted, so that no
 *    spreadsheet evaluates it. A field that is exactly "-" (the default
 *    name of "no tier") is left alone: nothing evaluates a lone minus.
 *    Numbers are never text fields (they are written by number_format.c),
 *    so -0.5 in a numeric column stays a number.
 *  - with RISTRA__CSV_ESCAPE_CONTROLS, control characters (bytes 0x00-0x1f
 *    and 0x7f: terminal escapes, line breaks) become the four characters
 *    \xNN. Used for text copied from an input file (rejects). */
#ifndef RISTRA_CSV_TEXT_INTERNAL_H
#define RISTRA_CSV_TEXT_INTERNAL_H

#include <stddef.h>

enum { RISTRA__CSV_ESCAPE_CONTROLS = 1 };

/* The most bytes ristra__csv_put_text() writes for a field of n bytes. */
#define RISTRA__CSV_TEXT_BOUND(n) (4 * (n) + 4)

/* Writes s (n bytes) as a CSV field at o; returns the end. No NUL. */
char *ristra__csv_put_text(char *o, const char *s, size_t n, int flags);

/* The field as CSV text in a new NUL-terminated string (NULL: no memory). */
char *ristra__csv_text(const char *s, int flags);

/* s with its control characters as \xNN, for a terminal: a new string. */
char *ristra__escape_controls(const char *s);

#endif
