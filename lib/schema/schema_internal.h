/* The schema step: what each column of a population file means, how one
 * value is checked, and the words a rejected row is given.
 *
 * The reader (lib/reader) splits text into records and fields and hands
 * each field to ristra__schema_field(); the features step
 * (lib/features) checks caller blocks with the same ristra__value_status().
 * The schema owns:
 *   - the role of every header column (identifier, practice, outcome,
 *     model feature, grouping column), from the names a caller asks for;
 *   - value checks: a decimal number (number.c), an NHS number and an ODS
 *     practice code (identifiers.c), a feature's valid range and missing
 *     policy, the outcome's 0/1;
 *   - the wording of every reject reason (ristra__schema_reason). */
#ifndef RISTRA_SCHEMA_INTERNAL_H
#define RISTRA_SCHEMA_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ristra/identifiers.h"
#include "ristra/model.h"
#include "ristra/population.h"
#include "ristra/score.h"
#include "identifiers_internal.h"
#include "number_internal.h"

/* What a column of the file is used for. */
enum {
    RISTRA__COL_IGNORED = 0,
    RISTRA__COL_ID,
    RISTRA__COL_PRACTICE,
    RISTRA__COL_OUTCOME,
    RISTRA__COL_VALUE,       /* a model feature (or a caller's value column) */
    RISTRA__COL_EXTRA        /* a grouping column, read as a number */
};

typedef struct ristra__column_role {
    int role;        /* RISTRA__COL_* */
    int32_t index;   /* value or extra column index */
    int32_t extra;   /* also extra column `extra` (-1: no), e.g. a feature used for groups */
} ristra__column_role;

/* The check on one value column: a feature's valid range and what a
 * missing value means. */
typedef struct ristra__value_rule {
    double lo, hi;           /* inclusive; -inf/+inf when unbounded */
    int missing_policy;      /* ristra_missing_policy */
} ristra__value_rule;

typedef struct ristra__schema {
    const char *source;               /* the file's name, for messages (borrowed) */
    int32_t n_header;
    char **header;                    /* the file's column names */
    ristra__column_role *roles;       /* n_header */
    int64_t n_cols, n_extra;
    char **col_names;                 /* n_cols value column names */
    char **extra_names;
    ristra__value_rule *rules;        /* n_cols; NULL: values are parsed, not checked */
    int32_t *value_col;               /* header column of value j */
    int has_outcome;
    int32_t id_col, practice_col, outcome_col;
    char *id_name, *practice_name, *outcome_name;
    int id_kind;                      /* a ristra_id_kind: how the identifier is checked */
} ristra__schema;

/* The status one value causes under a feature's rule (RISTRA_ROW_OK,
 * RISTRA_ROW_MISSING, RISTRA_ROW_OUT_OF_RANGE). A missing value (NaN) is
 * usable unless the policy rejects it; imputing is the features step's. */
static inline int ristra__value_status(double v, double lo, double hi, int missing_policy)
{
    if (__builtin_expect(v >= lo && v <= hi, 1))
        return RISTRA_ROW_OK; /* the common case: present and in range */
    if (isnan(v))
        return missing_policy == RISTRA_MISSING_REJECT ? RISTRA_ROW_MISSING : RISTRA_ROW_OK;
    return RISTRA_ROW_OUT_OF_RANGE;
}

/* A missing value: an empty field (spaces only) or "NA", as R writes it. */
static inline int ristra__is_missing_text(const char *s, size_t n)
{
    while (n > 0 && *s == ' ')
        s++, n--;
    while (n > 0 && s[n - 1] == ' ')
        n--;
    return n == 0 || (n == 2 && s[0] == 'N' && s[1] == 'A');
}

/* A valid ODS practice code packed into a uint64 (0: not valid). */
static inline uint64_t ristra__practice_key(const char *s, size_t n)
{
    if (!ristra_ods_practice_code_valid(s, n))
        return 0;
    uint64_t k = 0;
    memcpy(&k, s, n);
    return k;
}

/* What the fields of one row gave, gathered field by field. */
typedef struct ristra__row_fields {
    double *vals, *extra;             /* the row's value and extra columns */
    int st_id, st_pr, st_val;         /* identifier, practice, first value status */
    int32_t bad_val;                  /* the column of st_val */
    uint64_t nhs, pkey;
    double outcome;                   /* NaN when missing */
} ristra__row_fields;

static inline void ristra__row_start(ristra__row_fields *row, double *vals, double *extra)
{
    row->vals = vals;
    row->extra = extra;
    row->st_id = RISTRA_ROW_BAD_NHS_NUMBER;
    row->st_pr = RISTRA_ROW_BAD_PRACTICE;
    row->st_val = RISTRA_ROW_OK;
    row->bad_val = -1;
    row->nhs = row->pkey = 0;
    row->outcome = NAN;
}

/* A number column's text: NaN when missing; RISTRA_ROW_NOT_NUMERIC;
 * RISTRA_ROW_OUT_OF_RANGE for a decimal beyond the largest double (1e400
 * is out of range as 1e308 is for a feature bounded below it). */
static inline int ristra__number_field(const char *f, size_t fl, double *v)
{
    *v = NAN;
    if (ristra__is_missing_text(f, fl))
        return RISTRA_ROW_OK;
    int k = ristra__parse_number(f, fl, v);
    return k == 1 ? RISTRA_ROW_OK
           : k == RISTRA__NUMBER_OVERFLOW ? RISTRA_ROW_OUT_OF_RANGE
                                          : RISTRA_ROW_NOT_NUMERIC;
}

/* The outcome is exactly what the documentation says: "0", "1" (spaces
 * around allowed) or missing; "1.0", "01", "1e0" and "-0" are not. */
static inline int ristra__outcome_field(const char *f, size_t fl, double *outcome)
{
    if (ristra__is_missing_text(f, fl))
        return RISTRA_ROW_OK;
    while (fl > 0 && *f == ' ')
        f++, fl--;
    while (fl > 0 && f[fl - 1] == ' ')
        fl--;
    if (fl != 1 || (f[0] != '0' && f[0] != '1'))
        return RISTRA_ROW_BAD_OUTCOME;
    *outcome = f[0] == '1';
    return RISTRA_ROW_OK;
}

/* The value role of a column: parsed, then checked against its rule. */
static inline int ristra__value_field(const ristra__schema *s, int32_t j, const char *f,
                                      size_t fl, double *v)
{
    int st = ristra__number_field(f, fl, v);
    if (st == RISTRA_ROW_OK && s->rules)
        st = ristra__value_status(*v, s->rules[j].lo, s->rules[j].hi,
                                  s->rules[j].missing_policy);
    return st;
}

/* Reads field c (text f[0..fl)) of a row into row. Inline: the reader
 * calls it for every field of every row. */
static inline void ristra__schema_field(const ristra__schema *s, ristra__row_fields *row,
                                        int32_t c, const char *f, size_t fl)
{
    const ristra__column_role role = s->roles[c];
    double v = NAN;
    int st = RISTRA_ROW_OK;
    switch (role.role) {
    case RISTRA__COL_ID:
        row->st_id = ristra__identifier_check(s->id_kind, f, fl, &row->nhs);
        break;
    case RISTRA__COL_PRACTICE:
        row->pkey = ristra__practice_key(f, fl);
        if (row->pkey)
            row->st_pr = RISTRA_ROW_OK;
        break;
    case RISTRA__COL_VALUE:
        st = ristra__value_field(s, role.index, f, fl, &v);
        row->vals[role.index] = v;
        break;
    case RISTRA__COL_EXTRA:
        st = ristra__number_field(f, fl, &v);
        row->extra[role.index] = v;
        break;
    case RISTRA__COL_OUTCOME:
        st = ristra__outcome_field(f, fl, &row->outcome);
        break;
    default:
        break;
    }
    if (role.extra >= 0) { /* the same column also read as an extra column */
        double e = v;
        if (role.role != RISTRA__COL_VALUE) {
            int est = ristra__number_field(f, fl, &e);
            if (st == RISTRA_ROW_OK)
                st = est;
        }
        row->extra[role.extra] = e;
    }
    if (st != RISTRA_ROW_OK && row->st_val == RISTRA_ROW_OK) {
        row->st_val = st;
        row->bad_val = c;
    }
}

/* The row's status once all n_fields fields were read, in the order of
 * precedence (field count, identifier, practice, first bad value); sets
 * *bad_col to the column to blame (-1 for none or the field count). */
static inline int ristra__row_status(const ristra__schema *s, const ristra__row_fields *row,
                                     int32_t n_fields, int32_t *bad_col)
{
    *bad_col = -1;
    if (n_fields != s->n_header)
        return RISTRA_ROW_FIELD_COUNT;
    if (row->st_id != RISTRA_ROW_OK)
        return *bad_col = s->id_col, row->st_id;
    if (row->st_pr != RISTRA_ROW_OK)
        return *bad_col = s->practice_col, row->st_pr;
    if (row->st_val != RISTRA_ROW_OK)
        return *bad_col = row->bad_val, row->st_val;
    return RISTRA_ROW_OK;
}

/* Copies the names a caller asks for (the model's features, or
 * opts->columns; opts->extra_columns, the identifier, practice and
 * outcome column names) and, with a model, each feature's rule. */
int ristra__schema_init(ristra__schema *s, const ristra_model *model,
                        const ristra_population_options *opts);

/* Gives every header column its role; header (n_header names) is taken
 * over. Names every required column that is absent in one error; source
 * names the file in messages. */
int ristra__schema_map_columns(ristra__schema *s, char **header, int32_t n_header,
                               const char *source, int outcome_required);

void ristra__schema_free(ristra__schema *s);

/* What is known of a rejected row, for its reason. */
typedef struct ristra__reject_facts {
    int status;                       /* a ristra_row_status */
    int32_t col;                      /* the header column to blame, or -1 */
    const char *text;                 /* that field's text */
    size_t len;
    int32_t n_fields;                 /* fields the row has */
    int64_t other_line;               /* RISTRA_ROW_DUPLICATE: where the number was first */
} ristra__reject_facts;

/* Writes the reason a row was rejected (empty for RISTRA_ROW_OK). */
void ristra__schema_reason(char *msg, size_t cap, const ristra__schema *s,
                           const ristra__reject_facts *facts);

/* Checks one value of the named feature of model the way a population
 * file's field is checked: returns its ristra_row_status (RISTRA_ROW_OK
 * for a usable value, NaN meaning missing), or RISTRA_ENOTFOUND when the
 * model has no such feature. With why != NULL, a rejection's reason in the
 * words of ristra_population_reject_info is written there. For the
 * what-if calculator of `ristra explain`. */
int ristra__schema_check_value(const ristra_model *model, const char *name, double value,
                               char *why, size_t cap);

#endif
