/* ristra_score_file(): the ranked list against ristra_model_score() and an
 * independent ranking, order independence, tiers, the summary against
 * ristra_evaluate(), rejects, gzip, and that a failed or cancelled run
 * leaves nothing behind and older files untouched. Agreement with pandas
 * and scikit-learn is in tests/cli/test_score.py. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <ristra/ristra.h>

#include "test_util.h"

/* age: reject when missing, [0, 120]; n_ltc: impute 0, [0, 20]. Whole
 * numbers in, so many patients share a risk. */
static const char MODEL[] =
    "{\"format\": \"ristra-model\", \"format_version\": 1, \"kind\": \"logistic\","
    " \"metadata\": {\"name\": \"t\", \"version\": \"1\", \"outcome\": \"o\", \"horizon_days\": 365,"
    "  \"intended_use\": \"tests\", \"training_population\": {}},"
    " \"features\": ["
    "  {\"name\": \"age\", \"valid_range\": [0, 120], \"missing\": {\"policy\": \"reject\"}},"
    "  {\"name\": \"n_ltc\", \"valid_range\": [0, 20], \"missing\": {\"policy\": \"impute\", \"value\": 0}}"
    " ], \"link\": \"logit\", \"logistic\": {\"intercept\": -4.5, \"coefficients\": [0.035, 0.3]}}";

static ristra_model *model;
static char *dir;

static void setup(void)
{
    cr_assert_eq(ristra_model_load_buffer(&model, MODEL, sizeof MODEL - 1, "model"), RISTRA_OK,
                 "%s", ristra_last_error());
    dir = rt_tmpdir();
    cr_assert_not_null(dir);
}

static void teardown(void)
{
    ristra_model_free(model);
    rt_rmtree(dir);
    free(dir);
}

TestSuite(score_file, .init = setup, .fini = teardown);

/* ------------------------------------------------------------ populations */

static uint64_t rng_state = 0x853c49e6748fea9bu;

static uint64_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* The k-th valid NHS number of the 999 range (nine digits whose check
 * digit would be 10 are skipped). */
static uint64_t nhs_number(uint64_t k)
{
    for (uint64_t nine = 999000000 + k * 3;; nine++) {
        int sum = 0;
        uint64_t v = nine;
        for (int w = 2; w <= 10; w++, v /= 10)
            sum += (int)(v % 10) * w;
        int check = 11 - sum % 11;
        if (check == 11)
            check = 0;
        if (check != 10)
            return nine * 10 + (uint64_t)check;
    }
}

typedef struct patient {
    uint64_t nhs;
    const char *practice;
    int age, n_ltc, outcome;   /* outcome -1: empty */
} patient;

static const char *const PRACTICES[] = { "Y02345", "A81001", "P85012", "B86003", "C83009" };

/* n patients; practice 4 (C83009) gets exactly one. */
static patient *make_patients(int64_t n)
{
    patient *p = malloc((size_t)n * sizeof *p);
    cr_assert_not_null(p);
    for (int64_t i = 0; i < n; i++) {
        p[i].nhs = nhs_number((uint64_t)i);
        p[i].practice = i == n / 2 ? PRACTICES[4] : PRACTICES[next_random() % 4];
        p[i].age = (int)(next_random() % 100);
        p[i].n_ltc = (int)(next_random() % 6);
        double z = -4.5 + 0.035 * p[i].age + 0.3 * p[i].n_ltc;
        double risk = 1 / (1 + exp(-z));
        p[i].outcome = (double)(next_random() % 1000000) / 1e6 < risk;
    }
    return p;
}

/* Writes the patients (rows[i] = patients[order[i]]) as a population file. */
static char *write_population(const char *name, const patient *p, int64_t n, int reversed,
                             int with_outcome)
{
    char *path = rt_join(dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, with_outcome ? "nhs_number,practice,age,n_ltc,emergency_admission_next_12m\n"
                            : "nhs_number,practice,age,n_ltc\n");
    for (int64_t k = 0; k < n; k++) {
        const patient *q = &p[reversed ? n - 1 - k : k];
        fprintf(f, "%llu,%s,%d,%d", (unsigned long long)q->nhs, q->practice, q->age, q->n_ltc);
        if (with_outcome) {
            if (q->outcome < 0)
                fprintf(f, ",");
            else
                fprintf(f, ",%d", q->outcome);
        }
        fprintf(f, "\n");
    }
    fclose(f);
    return path;
}

/* ------------------------------------------------------------ reading CSV */

/* Splits one CSV line (RFC 4180 quoting) into fields, in place. */
static int split_csv(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        cr_assert_lt(n, max);
        if (*p == '"') {
            char *o = ++p;
            fields[n++] = o;
            for (;;) {
                if (*p == '"' && p[1] == '"') {
                    *o++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *o++ = *p++;
                }
            }
            *o = '\0';
        } else {
            fields[n++] = p;
            p += strcspn(p, ",");
        }
        if (*p != ',') {
            *p = '\0';
            return n;
        }
        *p++ = '\0';
    }
}

typedef struct csv {
    char *text;
    int64_t n_lines;
    char **line;   /* each NUL-terminated, without the line end */
} csv;

static csv read_csv(const char *path)
{
    csv c = { rt_read_file(path, NULL), 0, NULL };
    cr_assert_not_null(c.text, "cannot read %s", path);
    int64_t cap = 1;
    for (char *p = c.text; *p; p++)
        cap += *p == '\n';
    c.line = malloc((size_t)cap * sizeof *c.line);
    for (char *p = c.text; *p;) {
        char *nl = strchr(p, '\n');
        cr_assert_not_null(nl, "%s: last line without a line end", path);
        *nl = '\0';
        c.line[c.n_lines++] = p;
        p = nl + 1;
    }
    return c;
}

static void free_csv(csv *c)
{
    free(c->text);
    free(c->line);
}

/* Names in dir, sorted, joined by spaces. */
static char *listing(void)
{
    char *names[64];
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[n++] = strdup(e->d_name);
    closedir(d);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(names[j], names[i]) < 0) {
                char *t = names[i];
                names[i] = names[j];
                names[j] = t;
            }
    char *out = calloc(1, 4096);
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, names[i]);
        free(names[i]);
    }
    return out;
}

/* ------------------------------------------------------------ runs */

/* The reader's options ristra_score_file() uses by default, with blocks of
 * block_rows rows (0: the default). */
static ristra_population_options reader_options(int64_t block_rows)
{
    ristra_population_options po = RISTRA_POPULATION_OPTIONS_INIT;
    po.outcome_column = RISTRA_SCORE_FILE_DEFAULT_OUTCOME;
    po.block_rows = block_rows;
    return po;
}

static ristra_score_result *score_ok(const char *input, const char *output,
                                     const ristra_score_file_options *o)
{
    ristra_score_result *r = NULL;
    int rc = ristra_score_file(&r, model, input, output, o);
    cr_assert_eq(rc, RISTRA_OK, "ristra_score_file: %s", ristra_last_error());
    cr_assert_not_null(r);
    return r;
}

static const int64_t CUT_PER_MILLE[] = { 5, 20, 50, 200 };

static int64_t exact_cut(int k, int64_t n)
{
    return (CUT_PER_MILLE[k] * n + 999) / 1000;
}

static const char *const DEFAULT_NAMES[] = { "top 0.5%", "top 2%", "top 5%", "top 20%", "-" };

typedef struct ranked {
    uint64_t nhs;
    int practice;      /* index into PRACTICES */
    double risk;
} ranked;

static int compare_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->risk != y->risk)
        return x->risk > y->risk ? -1 : 1;
    return (x->nhs > y->nhs) - (x->nhs < y->nhs);
}

static int practice_index(const char *code)
{
    for (int i = 0; i < 5; i++)
        if (!strcmp(code, PRACTICES[i]))
            return i;
    cr_assert_fail("unknown practice %s", code);
    return -1;
}

Test(score_file, lists_every_patient_once_ranked_and_tiered_as_an_independent_ranking_does)
{
    const int64_t n = 4000;
    patient *p = make_patients(n);
    char *in = write_population("pop.csv", p, n, 0, 1), *out = rt_join(dir, "out.csv");
    ristra_score_result *r = score_ok(in, out, NULL);

    /* the scorer's own probabilities */
    double *x = malloc((size_t)n * 2 * sizeof *x), *prob = malloc((size_t)n * sizeof *prob);
    for (int64_t i = 0; i < n; i++)
        x[2 * i] = p[i].age, x[2 * i + 1] = p[i].n_ltc;
    cr_assert_eq(ristra_model_score(prob, NULL, NULL, model, x, RISTRA_FLOAT64, n, 2, 2, 1, NULL),
                 RISTRA_OK);
    /* ranks computed here, by a comparison sort */
    ranked *everyone = malloc((size_t)n * sizeof *everyone);
    int64_t list_size[5] = { 0 };
    for (int64_t i = 0; i < n; i++) {
        everyone[i] = (ranked){ p[i].nhs, practice_index(p[i].practice), prob[i] };
        list_size[everyone[i].practice]++;
    }
    qsort(everyone, (size_t)n, sizeof *everyone, compare_ranked);

    csv c = read_csv(out);
    cr_assert_str_eq(c.line[0], "nhs_number,practice,risk,rank_in_practice,"
                                "percentile_in_practice,percentile_overall,tier");
    cr_assert_eq(c.n_lines, n + 1);
    /* expected file order: practices by code, patients by rank */
    static const int by_code[] = { 1, 3, 4, 2, 0 }; /* A81001 B86003 C83009 P85012 Y02345 */
    int64_t line = 1;
    for (int k = 0; k < 5; k++) {
        int prac = by_code[k];
        int64_t rank = 0;
        for (int64_t j = 0; j < n; j++) {
            if (everyone[j].practice != prac)
                continue;
            rank++;
            char *f[8];
            cr_assert_eq(split_csv(c.line[line], f, 8), 7, "line %lld", (long long)line);
            char want_nhs[16];
            snprintf(want_nhs, sizeof want_nhs, "%llu", (unsigned long long)everyone[j].nhs);
            cr_assert_str_eq(f[0], want_nhs, "line %lld", (long long)line);
            cr_assert_str_eq(f[1], PRACTICES[prac]);
            cr_assert_eq(strtod(f[2], NULL), everyone[j].risk, "risk on line %lld: %s",
                         (long long)line, f[2]);
            cr_assert_eq(strtoll(f[3], NULL, 10), rank);
            cr_assert_eq(strtod(f[4], NULL), 100.0 * (double)rank / (double)list_size[prac]);
            cr_assert_eq(strtod(f[5], NULL), 100.0 * (double)(j + 1) / (double)n);
            int tier = 4;
            for (int t = 3; t >= 0; t--)
                if (rank <= exact_cut(t, list_size[prac]))
                    tier = t;
            cr_assert_str_eq(f[6], DEFAULT_NAMES[tier], "line %lld rank %lld of %lld",
                             (long long)line, (long long)rank, (long long)list_size[prac]);
            line++;
        }
    }
    ristra_score_totals t = RISTRA_SCORE_TOTALS_INIT;
    cr_assert_eq(ristra_score_result_totals(&t, r), RISTRA_OK);
    cr_assert_eq(t.n_rows, n);
    cr_assert_eq(t.n_scored, n);
    cr_assert_eq(t.n_rejected, 0);
    cr_assert_eq(t.n_practices, 5);
    cr_assert_eq(t.n_tiers, 4);
    for (int k = 0; k < 4; k++) {
        int64_t count = 0;
        for (int q = 0; q < 5; q++)
            count += exact_cut(k, list_size[q]) - (k ? exact_cut(k - 1, list_size[q]) : 0);
        cr_assert_eq(ristra_score_result_tier_count(r, RISTRA_SCORE_RESULT_ALL, k), count,
                     "tier %d", k);
    }
    /* the one-patient practice's patient is in the first tier */
    ristra_practice_summary s = RISTRA_PRACTICE_SUMMARY_INIT;
    cr_assert_eq(ristra_score_result_practice(&s, r, 2), RISTRA_OK);
    cr_assert_str_eq(s.practice, "C83009");
    cr_assert_eq(s.list_size, 1);
    cr_assert_eq(ristra_score_result_tier_count(r, 2, 0), 1);
    free_csv(&c);
    free(x), free(prob), free(everyone), free(p), free(in), free(out);
    ristra_score_result_free(r);
}

Test(score_file, writes_the_same_bytes_whatever_the_row_order_and_the_threads)
{
    const int64_t n = 3000;
    patient *p = make_patients(n);
    char *a = write_population("a.csv", p, n, 0, 1), *b = write_population("b.csv", p, n, 1, 1);
    char *oa = rt_join(dir, "oa.csv"), *ob = rt_join(dir, "ob.csv");
    char *sa = rt_join(dir, "sa.csv"), *sb = rt_join(dir, "sb.csv");
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    ristra_population_options po = reader_options(700); /* several blocks through the read-ahead slots */
    o.population = &po;
    o.summary_path = sa;
    o.n_threads = 1; /* blocks used in place */
    ristra_score_result_free(score_ok(a, oa, &o));
    o.summary_path = sb;
    o.n_threads = 2; /* read ahead on a thread, blocks copied */
    ristra_score_result_free(score_ok(b, ob, &o));
    size_t na, nb;
    char *ta = rt_read_file(oa, &na), *tb = rt_read_file(ob, &nb);
    cr_assert(na == nb && memcmp(ta, tb, na) == 0, "the ranked lists differ");
    free(ta), free(tb);
    ta = rt_read_file(sa, &na), tb = rt_read_file(sb, &nb);
    cr_assert(na == nb && memcmp(ta, tb, na) == 0, "the summaries differ");
    free(ta), free(tb);
    free(p), free(a), free(b), free(oa), free(ob), free(sa), free(sb);
}

Test(score_file, gives_each_practice_the_figures_ristra_evaluate_gives_its_patients)
{
    const int64_t n = 5000;
    patient *p = make_patients(n);
    p[7].outcome = -1; /* unknown: out of the AUROC and the events */
    char *in = write_population("pop.csv", p, n, 0, 1), *sum = rt_join(dir, "summary.csv");
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    o.summary_path = sum;
    ristra_score_result *r = score_ok(in, NULL, &o);

    double *x = malloc((size_t)n * 2 * sizeof *x), *prob = malloc((size_t)n * sizeof *prob);
    uint8_t *y = malloc((size_t)n);
    int32_t *group = malloc((size_t)n * sizeof *group);
    static const int code_rank[] = { 4, 0, 3, 1, 2 };
    for (int64_t i = 0; i < n; i++)
        x[2 * i] = p[i].age, x[2 * i + 1] = p[i].n_ltc;
    cr_assert_eq(ristra_model_score(prob, NULL, NULL, model, x, RISTRA_FLOAT64, n, 2, 2, 1, NULL),
                 RISTRA_OK);
    int64_t m = 0;
    double expected_all[5] = { 0 };
    for (int64_t i = 0; i < n; i++) {
        expected_all[code_rank[practice_index(p[i].practice)]] += prob[i];
        if (p[i].outcome < 0)
            continue;
        prob[m] = prob[i];
        y[m] = (uint8_t)p[i].outcome;
        group[m++] = code_rank[practice_index(p[i].practice)];
    }
    ristra_evaluation *e = NULL;
    cr_assert_eq(ristra_evaluate(&e, prob, y, m, group, NULL), RISTRA_OK);

    csv c = read_csv(sum);
    cr_assert_str_eq(c.line[0], "practice,list_size,rejected,top 0.5%,top 2%,top 5%,top 20%,"
                                "mean_risk,expected_admissions,observed_admissions,"
                                "observed_expected,auroc");
    cr_assert_eq(c.n_lines, 1 + 5 + 1);
    for (int g = -1; g < 5; g++) {
        ristra_group_summary want = RISTRA_GROUP_SUMMARY_INIT;
        cr_assert_eq(ristra_evaluation_summary(&want, e, g), RISTRA_OK);
        ristra_practice_summary got = RISTRA_PRACTICE_SUMMARY_INIT;
        ristra_score_totals t = RISTRA_SCORE_TOTALS_INIT;
        cr_assert_eq(ristra_score_result_totals(&t, r), RISTRA_OK);
        if (g >= 0) {
            cr_assert_eq(ristra_score_result_practice(&got, r, g), RISTRA_OK);
            cr_assert_float_eq(got.expected, expected_all[g], 1e-9);
            cr_assert_eq(got.list_size, want.n + (g == code_rank[practice_index(p[7].practice)]));
        } else {
            got.expected = t.expected;
            got.observed = t.observed;
            got.auroc = t.auroc;
            got.list_size = t.n_scored;
        }
        cr_assert_eq(got.observed, want.events, "group %d", g);
        if (isnan(want.auroc)) /* the one-patient practice */
            cr_assert(isnan(got.auroc), "group %d", g);
        else
            cr_assert_float_eq(got.auroc, want.auroc, 1e-12, "group %d", g);
        /* the summary file holds the same figures, to the bit */
        char *f[16];
        cr_assert_eq(split_csv(c.line[g < 0 ? 6 : 1 + g], f, 16), 12);
        static const int by_code[] = { 1, 3, 4, 2, 0 };
        const char *code = g < 0 ? "ALL" : PRACTICES[by_code[g]];
        cr_assert_str_eq(f[0], code);
        cr_assert_eq(strtoll(f[1], NULL, 10), got.list_size);
        cr_assert_eq(strtod(f[8], NULL), got.expected);
        cr_assert_eq(strtod(f[7], NULL), got.expected / (double)got.list_size);
        cr_assert_eq(strtoll(f[9], NULL, 10), got.observed);
        cr_assert_eq(strtod(f[10], NULL), (double)got.observed / got.expected);
        if (isnan(got.auroc)) /* the one-patient practice */
            cr_assert_str_eq(f[11], "");
        else
            cr_assert_eq(strtod(f[11], NULL), got.auroc);
    }
    free_csv(&c);
    ristra_evaluation_free(e);
    ristra_score_result_free(r);
    free(x), free(prob), free(y), free(group), free(p), free(in), free(sum);
}

static const char BAD_ROWS[] =
    "nhs_number,practice,age,n_ltc,emergency_admission_next_12m\n"
    "9990000026,A81001,70,2,1\n"     /* line 2: fine */
    "9990000027,A81001,70,2,1\n"     /* 3: check digit */
    "9990000034,A81001,130,2,0\n"    /* 4: age out of range */
    "9990000042,A81001,,2,0\n"       /* 5: age missing */
    "9990000026,B86003,40,1,0\n"     /* 6: duplicate of line 2 */
    "9990000050,B86003,forty,1,0\n"  /* 7: not a number */
    "9990000069,\"B86,003\",40,1,0\n" /* 8: practice code */
    "9990000077,B86003,40,1\n"       /* 9: fields */
    "9990000085,B86003,41,1,0\n";    /* 10: fine */

Test(score_file, writes_each_rejected_row_with_its_line_and_reason_and_counts_it)
{
    char *in = rt_join(dir, "bad.csv"), *out = rt_join(dir, "out.csv"),
         *rej = rt_join(dir, "rejects.csv");
    cr_assert_eq(rt_write_file(in, BAD_ROWS, sizeof BAD_ROWS - 1), 0);
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    o.rejects_path = rej;
    ristra_population_options po = reader_options(3);
    o.population = &po;
    o.n_threads = 1;
    ristra_score_result_free(score_ok(in, out, &o));
    char *in_place = rt_read_file(rej, NULL);
    o.n_threads = 2;
    ristra_score_result *r = score_ok(in, out, &o);
    char *read_ahead = rt_read_file(rej, NULL);
    cr_assert_str_eq(in_place, read_ahead);
    free(in_place), free(read_ahead);
    ristra_score_totals t = RISTRA_SCORE_TOTALS_INIT;
    cr_assert_eq(ristra_score_result_totals(&t, r), RISTRA_OK);
    cr_assert_eq(t.n_rows, 9);
    cr_assert_eq(t.n_scored, 2);
    cr_assert_eq(t.n_rejected, 7);
    cr_assert_eq(t.n_practices, 2);
    ristra_practice_summary a = RISTRA_PRACTICE_SUMMARY_INIT, b = RISTRA_PRACTICE_SUMMARY_INIT;
    cr_assert_eq(ristra_score_result_practice(&a, r, 0), RISTRA_OK);
    cr_assert_eq(ristra_score_result_practice(&b, r, 1), RISTRA_OK);
    cr_assert_str_eq(a.practice, "A81001");
    cr_assert_eq(a.n_rejected, 3); /* line 3's practice is valid too */
    cr_assert_str_eq(b.practice, "B86003");
    cr_assert_eq(b.n_rejected, 3); /* not line 8, whose practice is not a code */

    csv c = read_csv(rej);
    cr_assert_str_eq(c.line[0], "line,nhs_number,practice,status,reason");
    cr_assert_eq(c.n_lines, 8);
    static const struct {
        const char *line, *nhs, *practice;
        int status;
        const char *in_reason;
    } want[] = {
        { "3", "9990000027", "A81001", RISTRA_ROW_BAD_NHS_NUMBER, "9990000027" },
        { "4", "9990000034", "A81001", RISTRA_ROW_OUT_OF_RANGE, "age" },
        { "5", "9990000042", "A81001", RISTRA_ROW_MISSING, "age" },
        { "6", "9990000026", "B86003", RISTRA_ROW_DUPLICATE, "line 2" },
        { "7", "9990000050", "B86003", RISTRA_ROW_NOT_NUMERIC, "forty" },
        { "8", "9990000069", "B86,003", RISTRA_ROW_BAD_PRACTICE, "B86,003" },
        { "9", "9990000077", "B86003", RISTRA_ROW_FIELD_COUNT, "" },
    };
    for (int i = 0; i < 7; i++) {
        char *f[8];
        cr_assert_eq(split_csv(c.line[i + 1], f, 8), 5, "%s", c.line[i + 1]);
        cr_assert_str_eq(f[0], want[i].line);
        cr_assert_str_eq(f[1], want[i].nhs);
        cr_assert_str_eq(f[2], want[i].practice);
        cr_assert_str_eq(f[3], ristra_row_status_string(want[i].status));
        cr_assert_not_null(strstr(f[4], want[i].in_reason), "reason \"%s\"", f[4]);
        cr_assert_gt(strlen(f[4]), 0);
    }
    free_csv(&c);
    c = read_csv(out);
    cr_assert_eq(c.n_lines, 3);
    cr_assert(!strncmp(c.line[1], "9990000026,A81001,", 18));
    cr_assert(!strncmp(c.line[2], "9990000085,B86003,", 18));
    free_csv(&c);
    ristra_score_result_free(r);
    free(in), free(out), free(rej);
}

Test(score_file, succeeds_with_an_empty_list_when_every_row_is_rejected)
{
    static const char TEXT[] = "nhs_number,practice,age,n_ltc\n"
                               "9990000027,A81001,70,2\n"
                               "9990000034,A81001,130,2\n";
    char *in = rt_join(dir, "bad.csv"), *out = rt_join(dir, "out.csv"),
         *rej = rt_join(dir, "rejects.csv"), *sum = rt_join(dir, "summary.csv");
    cr_assert_eq(rt_write_file(in, TEXT, sizeof TEXT - 1), 0);
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    o.rejects_path = rej;
    o.summary_path = sum;
    ristra_score_result *r = score_ok(in, out, &o);
    ristra_score_totals t = RISTRA_SCORE_TOTALS_INIT;
    cr_assert_eq(ristra_score_result_totals(&t, r), RISTRA_OK);
    cr_assert_eq(t.n_scored, 0);
    cr_assert_eq(t.n_rejected, 2);
    cr_assert_eq(t.has_outcome, 0);
    cr_assert_eq(t.observed, -1);
    csv c = read_csv(out);
    cr_assert_eq(c.n_lines, 1);
    free_csv(&c);
    c = read_csv(rej);
    cr_assert_eq(c.n_lines, 3);
    free_csv(&c);
    c = read_csv(sum);
    /* no outcome column: no observed columns; the practice is listed with 0 patients */
    cr_assert_str_eq(c.line[0], "practice,list_size,rejected,top 0.5%,top 2%,top 5%,top 20%,"
                                "mean_risk,expected_admissions");
    cr_assert_str_eq(c.line[1], "A81001,0,2,0,0,0,0,,0");
    cr_assert_str_eq(c.line[2], "ALL,0,2,0,0,0,0,,0");
    free_csv(&c);
    ristra_score_result_free(r);
    free(in), free(out), free(rej), free(sum);
}

Test(score_file, lists_a_large_file_the_same_with_one_thread_and_with_read_ahead)
{
    /* 300,000 patients: the arrays of scored patients and of the ranking
     * grow past 2 MiB, into memory mapped on its own */
    const int64_t n = 300000;
    patient *p = make_patients(n);
    char *in = write_population("pop.csv", p, n, 0, 1), *a = rt_join(dir, "a.csv"),
         *b = rt_join(dir, "b.csv");
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    o.n_threads = 1;
    ristra_score_result *r = score_ok(in, a, &o);
    o.n_threads = 2;
    ristra_score_result_free(score_ok(in, b, &o));
    ristra_score_totals t = RISTRA_SCORE_TOTALS_INIT;
    cr_assert_eq(ristra_score_result_totals(&t, r), RISTRA_OK);
    cr_assert_eq(t.n_scored, n);
    size_t na, nb;
    char *ta = rt_read_file(a, &na), *tb = rt_read_file(b, &nb);
    cr_assert(na == nb && memcmp(ta, tb, na) == 0, "the ranked lists differ");
    int64_t lines = 0;
    for (size_t i = 0; i < na; i++)
        lines += ta[i] == '\n';
    cr_assert_eq(lines, n + 1);
    free(ta), free(tb), free(p), free(in), free(a), free(b);
    ristra_score_result_free(r);
}

static int calls;

static int cancel_on_second_block(void *ctx, int64_t patients, uint64_t done, uint64_t total)
{
    (void)ctx;
    cr_assert_gt(patients, 0);
    cr_assert_leq(done, total);
    return ++calls >= 2;
}

Test(score_file, leaves_no_file_and_older_files_untouched_when_cancelled)
{
    const int64_t n = 3000;
    patient *p = make_patients(n);
    char *in = write_population("pop.csv", p, n, 0, 1), *out = rt_join(dir, "out.csv"),
         *rej = rt_join(dir, "rejects.csv"), *sum = rt_join(dir, "summary.csv");
    cr_assert_eq(rt_write_file(out, "old\n", 4), 0);
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    ristra_population_options po = reader_options(1000);
    o.population = &po;
    o.rejects_path = rej;
    o.summary_path = sum;
    o.progress = cancel_on_second_block;
    ristra_score_result *r = (ristra_score_result *)&o; /* must come back NULL */
    calls = 0;
    cr_assert_eq(ristra_score_file(&r, model, in, out, &o), RISTRA_ECANCELLED);
    cr_assert_null(r);
    cr_assert_eq(calls, 2);
    cr_assert_not_null(strstr(ristra_last_error(), "cancel"));
    char *names = listing();
    cr_assert_str_eq(names, "out.csv pop.csv");
    char *text = rt_read_file(out, NULL);
    cr_assert_str_eq(text, "old\n");
    free(text), free(names), free(p), free(in), free(out), free(rej), free(sum);
}

Test(score_file, leaves_no_file_and_older_files_untouched_when_the_input_breaks_at_the_end)
{
    const int64_t n = 3000;
    patient *p = make_patients(n);
    char *in = write_population("pop.csv", p, n, 0, 1), *out = rt_join(dir, "out.csv"),
         *sum = rt_join(dir, "summary.csv");
    FILE *f = fopen(in, "a");
    fprintf(f, "9990000026,A81001,\"70,2\n"); /* the quote is never closed */
    fclose(f);
    cr_assert_eq(rt_write_file(sum, "old summary\n", 12), 0);
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    o.summary_path = sum;
    ristra_population_options po = reader_options(1000);
    o.population = &po;
    cr_assert_eq(ristra_score_file(NULL, model, in, out, &o), RISTRA_EFORMAT);
    cr_assert_not_null(strstr(ristra_last_error(), "pop.csv"), "%s", ristra_last_error());
    cr_assert_not_null(strstr(ristra_last_error(), "3002"), "%s", ristra_last_error());
    char *names = listing();
    cr_assert_str_eq(names, "pop.csv summary.csv");
    char *text = rt_read_file(sum, NULL);
    cr_assert_str_eq(text, "old summary\n");
    free(text), free(names), free(p), free(in), free(out), free(sum);
}

Test(score_file, fails_with_an_io_error_and_leaves_nothing_when_the_output_cannot_be_made)
{
    const int64_t n = 100;
    patient *p = make_patients(n);
    char *in = write_population("pop.csv", p, n, 0, 1), *out = rt_join(dir, "no/such/out.csv"),
         *rej = rt_join(dir, "rejects.csv");
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    o.rejects_path = rej;
    cr_assert_eq(ristra_score_file(NULL, model, in, out, &o), RISTRA_EIO);
    cr_assert_not_null(strstr(ristra_last_error(), "no/such/out.csv"), "%s", ristra_last_error());
    char *names = listing();
    cr_assert_str_eq(names, "pop.csv");
    free(names), free(p), free(in), free(out), free(rej);
}

static char *gunzip_file(const char *path, size_t *size)
{
    gzFile g = gzopen(path, "rb");
    cr_assert_not_null(g);
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    int got;
    while ((got = gzread(g, buf + n, (unsigned)(cap - n))) > 0) {
        n += (size_t)got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    cr_assert_geq(got, 0);
    gzclose(g);
    *size = n;
    return buf;
}

Test(score_file, writes_gzip_for_gz_names_and_when_asked_and_plain_when_told_not_to)
{
    const int64_t n = 2000;
    patient *p = make_patients(n);
    char *in = write_population("pop.csv", p, n, 0, 1), *plain = rt_join(dir, "out.csv"),
         *gz = rt_join(dir, "out.csv.gz"), *forced = rt_join(dir, "forced.csv"),
         *never = rt_join(dir, "never.csv.gz");
    ristra_score_result_free(score_ok(in, plain, NULL));
    ristra_score_result_free(score_ok(in, gz, NULL));
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    o.gzip_output = 1;
    ristra_score_result_free(score_ok(in, forced, &o));
    o.gzip_output = 0;
    ristra_score_result_free(score_ok(in, never, &o));
    size_t n_plain, n_gz, n_forced, n_never;
    char *t_plain = rt_read_file(plain, &n_plain), *t_never = rt_read_file(never, &n_never);
    char *t_gz = gunzip_file(gz, &n_gz), *t_forced = gunzip_file(forced, &n_forced);
    char *raw = rt_read_file(gz, NULL);
    cr_assert(raw[0] == '\x1f' && raw[1] == '\x8b');
    cr_assert(n_gz == n_plain && !memcmp(t_gz, t_plain, n_plain));
    cr_assert(n_forced == n_plain && !memcmp(t_forced, t_plain, n_plain));
    cr_assert(n_never == n_plain && !memcmp(t_never, t_plain, n_plain));
    free(raw), free(t_plain), free(t_never), free(t_gz), free(t_forced);
    free(p), free(in), free(plain), free(gz), free(forced), free(never);
}

Test(score_file, names_the_tiers_as_asked_and_quotes_names_with_commas)
{
    const int64_t n = 400;
    patient *p = make_patients(n);
    char *in = write_population("pop.csv", p, n, 0, 0), *out = rt_join(dir, "out.csv"),
         *sum = rt_join(dir, "summary.csv");
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    static const double cuts[] = { 0.07, 0.5 };
    static const char *const names[] = { "case management, intensive", "watch \"list\"" };
    o.n_tiers = 2;
    o.tier_cut_points = cuts;
    o.tier_names = names;
    o.untiered_name = "none";
    o.summary_path = sum;
    ristra_score_result *r = score_ok(in, out, &o);
    cr_assert_str_eq(ristra_score_result_tier_name(r, 0), "case management, intensive");
    cr_assert_str_eq(ristra_score_result_tier_name(r, 1), "watch \"list\"");
    cr_assert_null(ristra_score_result_tier_name(r, 2));
    cr_assert_null(ristra_score_result_tier_name(r, -1));
    csv c = read_csv(sum);
    cr_assert_str_eq(c.line[0], "practice,list_size,rejected,\"case management, intensive\","
                                "\"watch \"\"list\"\"\",mean_risk,expected_admissions");
    free_csv(&c);
    c = read_csv(out);
    int64_t seen[3] = { 0 };
    for (int64_t i = 1; i < c.n_lines; i++) {
        char *f[8];
        cr_assert_eq(split_csv(c.line[i], f, 8), 7);
        int64_t rank = strtoll(f[3], NULL, 10);
        int tier = !strcmp(f[6], "case management, intensive") ? 0
                   : !strcmp(f[6], "watch \"list\"")          ? 1
                                                               : 2;
        if (tier == 2)
            cr_assert_str_eq(f[6], "none");
        seen[tier]++;
        (void)rank;
    }
    ristra_score_totals t = RISTRA_SCORE_TOTALS_INIT;
    cr_assert_eq(ristra_score_result_totals(&t, r), RISTRA_OK);
    cr_assert_eq(seen[0], ristra_score_result_tier_count(r, RISTRA_SCORE_RESULT_ALL, 0));
    cr_assert_eq(seen[1], ristra_score_result_tier_count(r, RISTRA_SCORE_RESULT_ALL, 1));
    cr_assert_eq(seen[0] + seen[1] + seen[2], n);
    free_csv(&c);
    ristra_score_result_free(r);
    free(p), free(in), free(out), free(sum);
}

Test(score_file, refuses_bad_arguments_and_options_before_writing_anything)
{
    patient *p = make_patients(50);
    char *in = write_population("pop.csv", p, 50, 0, 0), *out = rt_join(dir, "out.csv");
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    cr_assert_eq(ristra_score_file(NULL, NULL, in, out, NULL), RISTRA_EINVAL);
    cr_assert_eq(ristra_score_file(NULL, model, NULL, out, NULL), RISTRA_EINVAL);
    cr_assert_eq(ristra_score_file(NULL, model, in, in, NULL), RISTRA_EINVAL);
    o.summary_path = out;
    cr_assert_eq(ristra_score_file(NULL, model, in, out, &o), RISTRA_EINVAL);
    cr_assert_not_null(strstr(ristra_last_error(), "same file"));
    o.summary_path = NULL;
    double cuts[RISTRA_MAX_TIERS + 1] = { 0.2, 0.1 };
    o.n_tiers = 2;
    o.tier_cut_points = NULL;
    cr_assert_eq(ristra_score_file(NULL, model, in, out, &o), RISTRA_EINVAL);
    cr_assert_not_null(strstr(ristra_last_error(), "tier_cut_points is NULL"));
    o.tier_cut_points = cuts;
    cr_assert_eq(ristra_score_file(NULL, model, in, out, &o), RISTRA_EINVAL);
    cr_assert_not_null(strstr(ristra_last_error(), "increase"));
    cuts[1] = 1.5;
    cr_assert_eq(ristra_score_file(NULL, model, in, out, &o), RISTRA_EINVAL);
    cuts[1] = NAN;
    cr_assert_eq(ristra_score_file(NULL, model, in, out, &o), RISTRA_EINVAL);
    o.n_tiers = RISTRA_MAX_TIERS + 1;
    cr_assert_eq(ristra_score_file(NULL, model, in, out, &o), RISTRA_EINVAL);
    o.n_tiers = 0;
    o.gzip_output = 2;
    cr_assert_eq(ristra_score_file(NULL, model, in, out, &o), RISTRA_EINVAL);
    o.gzip_output = -1;
    const char *cols[] = { "age" };
    ristra_population_options po = reader_options(0);
    po.columns = cols;
    po.n_columns = 1;
    o.population = &po;
    cr_assert_eq(ristra_score_file(NULL, model, in, out, &o), RISTRA_EINVAL);
    po.version = 99;
    po.columns = NULL;
    cr_assert_eq(ristra_score_file(NULL, model, in, out, &o), RISTRA_EINVAL);
    cr_assert_not_null(strstr(ristra_last_error(), "population"));
    o.population = NULL;
    o.version = 99;
    cr_assert_eq(ristra_score_file(NULL, model, in, out, &o), RISTRA_EINVAL);
    char *names = listing();
    cr_assert_str_eq(names, "pop.csv");
    free(names), free(p), free(in), free(out);
}

Test(score_file, result_accessors_and_options_init_check_their_arguments)
{
    ristra_score_file_options o;
    cr_assert_eq(ristra_score_file_options_init(&o, RISTRA_SCORE_FILE_OPTIONS_VERSION), RISTRA_OK);
    cr_assert_null(o.population, "NULL: the reader's defaults, outcome read when present");
    cr_assert_eq(o.gzip_output, -1);
    cr_assert_eq(ristra_score_file_options_init(&o, 2), RISTRA_EINVAL);
    cr_assert_eq(ristra_score_file_options_init(NULL, 1), RISTRA_EINVAL);
    ristra_score_result_free(NULL);
    ristra_score_totals t = RISTRA_SCORE_TOTALS_INIT;
    cr_assert_eq(ristra_score_result_totals(&t, NULL), RISTRA_EINVAL);
    patient *p = make_patients(20);
    char *in = write_population("pop.csv", p, 20, 0, 1);
    ristra_score_result *r = score_ok(in, NULL, NULL);
    char *names = listing();
    cr_assert_str_eq(names, "pop.csv"); /* no output asked for, none written */
    free(names);
    ristra_practice_summary s = RISTRA_PRACTICE_SUMMARY_INIT;
    cr_assert_eq(ristra_score_result_practice(&s, r, -1), RISTRA_EINVAL);
    cr_assert_eq(ristra_score_result_practice(&s, r, 99), RISTRA_EINVAL);
    cr_assert_eq(ristra_score_result_practice(NULL, r, 0), RISTRA_EINVAL);
    s.version = 0;
    cr_assert_eq(ristra_score_result_practice(&s, r, 0), RISTRA_EINVAL);
    t.version = 0;
    cr_assert_eq(ristra_score_result_totals(&t, r), RISTRA_EINVAL);
    ristra_score_result_free(r);
    free(p), free(in);
}
