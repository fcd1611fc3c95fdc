/* The schema step (see schema_internal.h): column roles from names, the
 * rules of a model's features, and the wording of reject reasons. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/common.h"
#include "../common/error_internal.h"
#include "schema_internal.h"

enum { SHOWN_TEXT = 64 };             /* characters of a bad field shown in a reason */

static char **copy_names(const char *const *names, int64_t n)
{
    char **out = calloc((size_t)(n > 0 ? n : 1), sizeof *out);
    if (!out)
        return NULL;
    for (int64_t i = 0; i < n; i++) {
        out[i] = strdup(names[i]);
        if (!out[i]) {
            for (int64_t j = 0; j < i; j++)
                free(out[j]);
            free(out);
            return NULL;
        }
    }
    return out;
}

static void free_names(char **names, int64_t n)
{
    if (!names)
        return;
    for (int64_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The model's feature names and rules, through its public API. */
static int model_columns(ristra__schema *s, const ristra_model *model)
{
    s->n_cols = ristra_model_n_features(model);
    size_t n = (size_t)(s->n_cols > 0 ? s->n_cols : 1);
    s->col_names = calloc(n, sizeof(char *));
    s->rules = calloc(n, sizeof *s->rules);
    if (!s->col_names || !s->rules)
        return ristra__oom();
    for (int64_t j = 0; j < s->n_cols; j++) {
        ristra_feature_info info = RISTRA_FEATURE_INFO_INIT;
        int rc = ristra_model_feature(&info, model, j);
        if (rc)
            return rc;
        if (!(s->col_names[j] = strdup(info.name)))
            return ristra__oom();
        s->rules[j].lo = info.valid_min;
        s->rules[j].hi = info.valid_max;
        /* a required feature rejects a row without it, whatever its policy */
        s->rules[j].missing_policy = info.required ? RISTRA_MISSING_REJECT : info.missing_policy;
    }
    return RISTRA_OK;
}

int ristra__schema_init(ristra__schema *s, const ristra_model *model,
                        const ristra_population_options *o)
{
    memset(s, 0, sizeof *s);
    s->id_col = s->practice_col = s->outcome_col = -1;
    s->id_kind = o->id_kind ? o->id_kind : RISTRA_ID_NHS;
    s->id_name = strdup(o->id_column ? o->id_column : ristra_id_kind_column(s->id_kind));
    s->practice_name = strdup(o->practice_column);
    if (!s->id_name || !s->practice_name)
        return ristra__oom();
    if (o->outcome_column && !(s->outcome_name = strdup(o->outcome_column)))
        return ristra__oom();
    if (model) {
        int rc = model_columns(s, model);
        if (rc)
            return rc;
    } else {
        s->n_cols = o->n_columns;
        if (!(s->col_names = copy_names(o->columns, o->n_columns)))
            return ristra__oom();
    }
    s->n_extra = o->n_extra;
    if (!(s->extra_names = copy_names(o->extra_columns, o->n_extra)))
        return ristra__oom();
    return RISTRA_OK;
}

void ristra__schema_free(ristra__schema *s)
{
    free_names(s->header, s->n_header);
    free(s->roles);
    free_names(s->col_names, s->n_cols);
    free_names(s->extra_names, s->n_extra);
    free(s->rules);
    free(s->value_col);
    free(s->id_name);
    free(s->practice_name);
    free(s->outcome_name);
    memset(s, 0, sizeof *s);
}

/* The names asked for, in one list: identifier, practice, outcome, the
 * value columns, the extra columns. */
typedef struct wanted {
    const char *name;
    int role;
    int32_t index;
} wanted;

static wanted wanted_at(const ristra__schema *s, int64_t w)
{
    wanted x = { NULL, RISTRA__COL_IGNORED, 0 };
    if (w == 0)
        x.name = s->id_name, x.role = RISTRA__COL_ID;
    else if (w == 1)
        x.name = s->practice_name, x.role = RISTRA__COL_PRACTICE;
    else if (w == 2)
        x.name = s->outcome_name, x.role = RISTRA__COL_OUTCOME;
    else if (w < 3 + s->n_cols)
        x.name = s->col_names[w - 3], x.role = RISTRA__COL_VALUE, x.index = (int32_t)(w - 3);
    else
        x.name = s->extra_names[w - 3 - s->n_cols], x.role = RISTRA__COL_EXTRA,
        x.index = (int32_t)(w - 3 - s->n_cols);
    return x;
}

/* Gives header column c the role of x; an error when it has one already
 * (an extra column may share a column with another role). */
static int assign_role(ristra__schema *s, int32_t c, wanted x)
{
    ristra__column_role *cr = &s->roles[c];
    if (cr->role == RISTRA__COL_IGNORED && x.role == RISTRA__COL_EXTRA) {
        cr->role = RISTRA__COL_EXTRA;
        cr->index = x.index;
    } else if (x.role == RISTRA__COL_EXTRA && cr->extra < 0) {
        cr->extra = x.index; /* e.g. "age" as a feature and for age bands */
    } else if (cr->role == RISTRA__COL_IGNORED) {
        cr->role = x.role;
        cr->index = x.index;
    } else {
        return ristra__error(RISTRA_EINVAL,
                             "%s: column %d (\"%s\") is asked for in two roles (for example "
                             "as the outcome and as a feature, or twice in a list)",
                             s->source, c + 1, s->header[c]);
    }
    return RISTRA_OK;
}

static int find_columns(ristra__schema *s, int32_t *found, int64_t n_wanted)
{
    for (int32_t c = 0; c < s->n_header; c++) {
        const char *name = s->header[c];
        for (int64_t w = 0; w < n_wanted; w++) {
            wanted x = wanted_at(s, w);
            if (!x.name || strcmp(x.name, name) != 0)
                continue;
            if (found[w] >= 0)
                return ristra__error(RISTRA_EFORMAT,
                                     "%s: line 1: columns %d and %d are both named \"%s\"",
                                     s->source, found[w] + 1, c + 1, name);
            found[w] = c;
            int rc = assign_role(s, c, x);
            if (rc)
                return rc;
        }
    }
    return RISTRA_OK;
}

/* Appends text to a growing message buffer (for the list of missing columns). */
static void append(char *buf, size_t cap, const char *text)
{
    size_t n = strlen(buf);
    if (n + 1 < cap)
        snprintf(buf + n, cap - n, "%s", text);
}

static int check_all_found(const ristra__schema *s, const int32_t *found, int64_t n_wanted,
                           int outcome_required)
{
    char missing[1024] = "";
    int n_missing = 0;
    for (int64_t w = 0; w < n_wanted; w++) {
        if (found[w] >= 0 || (w == 2 && (!s->outcome_name || !outcome_required)))
            continue;
        append(missing, sizeof missing, n_missing ? ", \"" : "\"");
        append(missing, sizeof missing, wanted_at(s, w).name);
        append(missing, sizeof missing, "\"");
        n_missing++;
    }
    if (n_missing)
        return ristra__error(RISTRA_ENOTFOUND, "%s: line 1: the header lacks %d required column%s: %s",
                             s->source, n_missing, n_missing == 1 ? "" : "s", missing);
    return RISTRA_OK;
}

int ristra__schema_map_columns(ristra__schema *s, char **header, int32_t n_header,
                               const char *source, int outcome_required)
{
    s->header = header;
    s->n_header = n_header;
    s->source = source;
    s->roles = calloc((size_t)(n_header > 0 ? n_header : 1), sizeof *s->roles);
    for (int32_t c = 0; s->roles && c < n_header; c++)
        s->roles[c].extra = -1;
    s->value_col = malloc((size_t)(s->n_cols > 0 ? s->n_cols : 1) * sizeof *s->value_col);
    if (!s->roles || !s->value_col)
        return ristra__oom();
    int64_t n_wanted = 3 + s->n_cols + s->n_extra;
    int32_t *found = malloc((size_t)n_wanted * sizeof *found);
    if (!found)
        return ristra__oom();
    for (int64_t w = 0; w < n_wanted; w++)
        found[w] = -1;
    int rc = find_columns(s, found, n_wanted);
    if (!rc)
        rc = check_all_found(s, found, n_wanted, outcome_required);
    if (!rc) {
        s->id_col = found[0];
        s->practice_col = found[1];
        s->outcome_col = found[2];
        s->has_outcome = found[2] >= 0;
        for (int64_t j = 0; j < s->n_cols; j++)
            s->value_col[j] = found[3 + j];
    }
    free(found);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Reasons.                                                             */

static void out_of_range_reason(char *msg, size_t cap, const char *col, int shown,
                                const char *f, const char *more, const ristra__value_rule *rule)
{
    snprintf(msg, cap, "field \"%s\": %.*s%s is outside the valid range [%.17g, %.17g]", col,
             shown, f, more, rule->lo, rule->hi);
}

void ristra__schema_reason(char *msg, size_t cap, const ristra__schema *s,
                           const ristra__reject_facts *x)
{
    int shown = (int)(x->len > SHOWN_TEXT ? SHOWN_TEXT : x->len);
    const char *more = x->len > SHOWN_TEXT ? "..." : "", *f = x->text;
    const char *col = x->col >= 0 ? s->header[x->col] : "";
    switch (x->status) {
    case RISTRA_ROW_OK:
        msg[0] = '\0';
        break;
    case RISTRA_ROW_FIELD_COUNT:
        snprintf(msg, cap, "the row has %d field%s; the header has %d", x->n_fields,
                 x->n_fields == 1 ? "" : "s", s->n_header);
        break;
    case RISTRA_ROW_BAD_NHS_NUMBER:
        snprintf(msg, cap,
                 "field \"%s\": \"%.*s%s\" is not a valid NHS number (10 digits ending in a "
                 "modulus-11 check digit)",
                 col, shown, f, more);
        break;
    case RISTRA_ROW_BAD_PRACTICE:
        snprintf(msg, cap,
                 "field \"%s\": \"%.*s%s\" is not an ODS practice code (a capital letter and five "
                 "digits)",
                 col, shown, f, more);
        break;
    case RISTRA_ROW_NOT_NUMERIC:
        snprintf(msg, cap, "field \"%s\": \"%.*s%s\" is not a number", col, shown, f, more);
        break;
    case RISTRA_ROW_OUT_OF_RANGE: {
        double v = 0;
        if (ristra__parse_number(f, x->len, &v) != 1 || !s->rules ||
            s->roles[x->col].role != RISTRA__COL_VALUE)
            snprintf(msg, cap, "field \"%s\": %.*s%s is out of range: beyond the largest double",
                     col, shown, f, more);
        else
            out_of_range_reason(msg, cap, col, shown, f, more, &s->rules[s->roles[x->col].index]);
        break;
    }
    case RISTRA_ROW_MISSING:
        snprintf(msg, cap, "field \"%s\" is missing, and the model rejects a row without it", col);
        break;
    case RISTRA_ROW_BAD_OUTCOME:
        snprintf(msg, cap, "field \"%s\": \"%.*s%s\" is not 0, 1 or empty", col, shown,
                 f, more);
        break;
    case RISTRA_ROW_BAD_PSEUDONYM:
        snprintf(msg, cap,
                 "field \"%s\": \"%.*s%s\" is not a pseudonym (%d to %d of A-Z, a-z, 0-9, _ "
                 "and -)",
                 col, shown, f, more, RISTRA_PSEUDONYM_MIN_LENGTH, RISTRA_PSEUDONYM_MAX_LENGTH);
        break;
    case RISTRA_ROW_DUPLICATE:
        snprintf(msg, cap, "%s %.*s%s is already on line %lld",
                 s->id_kind == RISTRA_ID_PSEUDONYM ? "pseudonym" : "NHS number", shown, f, more,
                 (long long)x->other_line);
        break;
    default:
        snprintf(msg, cap, "%s", ristra_row_status_string(x->status));
        break;
    }
}

int ristra__schema_check_value(const ristra_model *model, const char *name, double value,
                               char *why, size_t cap)
{
    int64_t j = ristra_model_feature_index(model, name);
    if (j < 0)
        return ristra__error(RISTRA_ENOTFOUND, "the model has no feature \"%s\"",
                             name ? name : "(null)");
    ristra_feature_info info = RISTRA_FEATURE_INFO_INIT;
    int rc = ristra_model_feature(&info, model, j);
    if (rc)
        return rc;
    int st = ristra__value_status(value, info.valid_min, info.valid_max, info.missing_policy);
    if (why && cap) {
        char text[64];
        snprintf(text, sizeof text, "%.17g", value);
        ristra__value_rule rule = { info.valid_min, info.valid_max, info.missing_policy };
        char *header[1] = { (char *)(uintptr_t)name };
        ristra__column_role role = { RISTRA__COL_VALUE, 0, -1 };
        ristra__schema one = { 0 };
        one.n_header = 1;
        one.header = header;
        one.roles = &role;
        one.rules = &rule;
        ristra__reject_facts x = { st, 0, text, strlen(text), 1, 0 };
        ristra__schema_reason(why, cap, &one, &x);
    }
    return st;
}
