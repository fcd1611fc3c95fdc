/* The population reader: columns by name, RFC 4180 CSV, per-row checks
 * with reasons, file-level errors, blocks and threads, exact numbers. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <ristra/ristra.h>

#include "schema/number_internal.h"
#include "test_util.h"

/* age: reject when missing, [0, 120]; imd_decile: impute 5, [1, 10]. */
static const char MODEL[] =
    "{\"format\": \"ristra-model\", \"format_version\": 1, \"kind\": \"logistic\","
    " \"metadata\": {\"name\": \"t\", \"version\": \"1\", \"outcome\": \"o\", \"horizon_days\": 365,"
    "  \"intended_use\": \"tests\", \"training_population\": {}},"
    " \"features\": ["
    "  {\"name\": \"age\", \"valid_range\": [0, 120], \"missing\": {\"policy\": \"reject\"}},"
    "  {\"name\": \"imd_decile\", \"valid_range\": [1, 10], \"missing\": {\"policy\": \"impute\", \"value\": 5}}"
    " ], \"link\": \"logit\", \"logistic\": {\"intercept\": -3, \"coefficients\": [0.03, -0.1]}}";

static ristra_model *model;

static void setup(void)
{
    cr_assert_eq(ristra_model_load_buffer(&model, MODEL, sizeof MODEL - 1, "model"), RISTRA_OK,
                 "%s", ristra_last_error());
}

static void teardown(void) { ristra_model_free(model); }

TestSuite(population_read, .init = setup, .fini = teardown);

/* Opens text with the model and the outcome column "y". */
static ristra_population *open_text(const char *text, int outcome_required)
{
    ristra_population_options o = RISTRA_POPULATION_OPTIONS_INIT;
    o.outcome_column = "y";
    o.outcome_required = outcome_required;
    ristra_population *pop = NULL;
    int rc = ristra_population_open_buffer(&pop, text, strlen(text), "pop.csv", model, &o);
    cr_assert_eq(rc, RISTRA_OK, "%s", ristra_last_error());
    return pop;
}

static int open_error(const char *text, size_t size)
{
    ristra_population *pop = NULL;
    int rc = ristra_population_open_buffer(&pop, text, size, "pop.csv", model, NULL);
    if (rc == RISTRA_OK) {
        ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
        rc = ristra_population_read(&b, pop);
        while (rc == RISTRA_OK && b.n_rows > 0)
            rc = ristra_population_read(&b, pop);
        ristra_population_close(pop);
    } else {
        cr_assert_null(pop);
    }
    return rc;
}

static const char *reason(ristra_population *pop, int64_t row)
{
    ristra_population_reject r = RISTRA_POPULATION_REJECT_INIT;
    cr_assert_eq(ristra_population_reject_info(&r, pop, row), RISTRA_OK);
    return r.reason;
}

Test(population_read, maps_columns_by_name_and_ignores_the_rest)
{
    ristra_population *pop = open_text("note,imd_decile,practice,y,age,nhs_number\n"
                                       "x,3,C81010,1,70,9434765919\n"
                                       "y,,C81010,0,45.5,943 476 5870\n"
                                       "z,10,A12345,,0,4010232137\n",
                                       1);
    ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
    cr_assert_eq(ristra_population_read(&b, pop), RISTRA_OK, "%s", ristra_last_error());
    cr_assert_eq(b.n_rows, 3);
    cr_assert_eq(b.n_cols, 2);
    for (int r = 0; r < 3; r++)
        cr_assert_eq(b.status[r], RISTRA_ROW_OK, "row %d: %s", r, reason(pop, r));
    cr_assert_eq(b.values[0], 70.0);
    cr_assert_eq(b.values[1], 3.0);
    cr_assert_eq(b.values[2], 45.5);
    cr_assert(isnan(b.values[3]), "an imputed feature stays NaN: scoring imputes it");
    cr_assert_eq(b.nhs_number[0], 9434765919ull);
    cr_assert_eq(b.nhs_number[1], 9434765870ull);
    cr_assert_eq(b.practice[0], 0);
    cr_assert_eq(b.practice[1], 0);
    cr_assert_eq(b.practice[2], 1);
    cr_assert_str_eq(ristra_population_practice(pop, 1), "A12345");
    cr_assert_null(ristra_population_practice(pop, 2));
    cr_assert_eq(ristra_population_n_practices(pop), 2);
    cr_assert_eq(b.outcome[0], 1.0);
    cr_assert_eq(b.outcome[1], 0.0);
    cr_assert(isnan(b.outcome[2]));
    cr_assert_eq(b.line[0], 2);
    cr_assert_eq(b.line[2], 4);
    cr_assert_eq(b.first_row, 0);
    cr_assert_null(b.extra);
    cr_assert_eq(ristra_population_read(&b, pop), RISTRA_OK);
    cr_assert_eq(b.n_rows, 0);
    cr_assert_eq(b.first_row, 3);
    ristra_population_close(pop);
}

Test(population_read, names_every_missing_column)
{
    ristra_population_options o = RISTRA_POPULATION_OPTIONS_INIT;
    o.outcome_column = "y";
    o.outcome_required = 1;
    ristra_population *pop = NULL;
    const char *text = "nhs_number,age\n9434765919,70\n";
    int rc = ristra_population_open_buffer(&pop, text, strlen(text), "pop.csv", model, &o);
    cr_assert_eq(rc, RISTRA_ENOTFOUND);
    cr_assert_null(pop);
    const char *msg = ristra_last_error();
    cr_assert(strstr(msg, "pop.csv"), "%s", msg);
    cr_assert(strstr(msg, "\"practice\"") && strstr(msg, "\"y\"") && strstr(msg, "\"imd_decile\""),
              "%s", msg);
    cr_assert_null(strstr(msg, "\"age\""), "%s", msg);
}

Test(population_read, outcome_column_is_optional_unless_required)
{
    ristra_population *pop = open_text("nhs_number,practice,age,imd_decile\n9434765919,C81010,70,3\n", 0);
    ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
    cr_assert_eq(ristra_population_read(&b, pop), RISTRA_OK);
    cr_assert_null(b.outcome);
    ristra_population_close(pop);
}

Test(population_read, repeated_column_name_is_an_error)
{
    const char *text = "nhs_number,practice,age,imd_decile,age\n";
    cr_assert_eq(open_error(text, strlen(text)), RISTRA_EFORMAT);
    cr_assert(strstr(ristra_last_error(), "columns 3 and 5 are both named \"age\""), "%s",
              ristra_last_error());
}

Test(population_read, rfc4180_quotes_crlf_bom_and_blank_lines)
{
    const char *text = "\xEF\xBB\xBF\"nhs_number\",practice,\"note, with comma\",age,imd_decile\r\n"
                       "9434765919,\"C81010\",\"he said \"\"hi\"\"\",\"70\",3\r\n"
                       "\r\n"
                       "9434765870,C81010,\"two\nlines\",71,4\r\n"
                       "4010232137,C81010,,72,5";
    ristra_population *pop = NULL;
    cr_assert_eq(ristra_population_open_buffer(&pop, text, strlen(text), "q.csv", model, NULL),
                 RISTRA_OK, "%s", ristra_last_error());
    ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
    cr_assert_eq(ristra_population_read(&b, pop), RISTRA_OK, "%s", ristra_last_error());
    cr_assert_eq(b.n_rows, 3);
    for (int r = 0; r < 3; r++)
        cr_assert_eq(b.status[r], RISTRA_ROW_OK, "row %d: %s", r, reason(pop, r));
    cr_assert_eq(b.values[0], 70.0);
    cr_assert_eq(b.values[2], 71.0);
    cr_assert_eq(b.values[5], 5.0, "the last line needs no line end (and CR is not part of it)");
    cr_assert_eq(b.line[0], 2);
    cr_assert_eq(b.line[1], 4, "the blank line 3 is skipped but counted");
    cr_assert_eq(b.line[2], 6, "the quoted line break makes row 2 two lines long");
    ristra_population_close(pop);
}

Test(population_read, each_bad_row_gets_a_status_and_a_reason)
{
    ristra_population *pop = open_text("nhs_number,practice,age,imd_decile,y\n"
                                       "9434765919,C81010,70,3,1\n"      /* 2 ok */
                                       "9434765918,C81010,70,3,1\n"      /* 3 check digit */
                                       "9434765870,c81010,70,3,1\n"      /* 4 practice */
                                       "9434765870,C81010,seventy,3,1\n" /* 5 not numeric */
                                       "9434765870,C81010,130,3,1\n"     /* 6 out of range */
                                       "9434765870,C81010,,3,1\n"        /* 7 missing, reject */
                                       "9434765870,C81010,70,3\n"        /* 8 field count */
                                       "9434765870,C81010,70,3,2\n"      /* 9 outcome */
                                       "9434765919,C81010,71,4,0\n"      /* 10 duplicate of 2 */
                                       "9434765870,C81010,70,0.5,0\n"    /* 11 imd out of range */
                                       "9434765870,C81010,70,NA,0\n",    /* 12 ok: NA imputed */
                                       1);
    ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
    cr_assert_eq(ristra_population_read(&b, pop), RISTRA_OK, "%s", ristra_last_error());
    cr_assert_eq(b.n_rows, 11);
    const int expect[11] = { RISTRA_ROW_OK, RISTRA_ROW_BAD_NHS_NUMBER, RISTRA_ROW_BAD_PRACTICE,
                             RISTRA_ROW_NOT_NUMERIC, RISTRA_ROW_OUT_OF_RANGE, RISTRA_ROW_MISSING,
                             RISTRA_ROW_FIELD_COUNT, RISTRA_ROW_BAD_OUTCOME, RISTRA_ROW_DUPLICATE,
                             RISTRA_ROW_OUT_OF_RANGE, RISTRA_ROW_OK };
    for (int r = 0; r < 11; r++) {
        cr_assert_eq(b.status[r], expect[r], "line %lld: status %d, want %d (%s)",
                     (long long)b.line[r], b.status[r], expect[r], reason(pop, r));
        if (expect[r] != RISTRA_ROW_OK) {
            cr_assert(isnan(b.values[2 * r]) && isnan(b.values[2 * r + 1]) && isnan(b.outcome[r]),
                      "a rejected row's values are NaN");
        }
    }
    cr_assert_str_eq(reason(pop, 0), "");
    cr_assert(strstr(reason(pop, 1), "\"nhs_number\": \"9434765918\" is not a valid NHS number"),
              "%s", reason(pop, 1));
    cr_assert(strstr(reason(pop, 2), "\"c81010\" is not an ODS practice code"), "%s",
              reason(pop, 2));
    cr_assert(strstr(reason(pop, 3), "field \"age\": \"seventy\" is not a number"), "%s",
              reason(pop, 3));
    cr_assert(strstr(reason(pop, 4), "field \"age\": 130 is outside the valid range [0, 120]"),
              "%s", reason(pop, 4));
    cr_assert(strstr(reason(pop, 5), "\"age\" is missing"), "%s", reason(pop, 5));
    cr_assert(strstr(reason(pop, 6), "4 fields; the header has 5"), "%s", reason(pop, 6));
    cr_assert(strstr(reason(pop, 7), "\"y\": \"2\" is not 0, 1 or empty"), "%s", reason(pop, 7));
    cr_assert(strstr(reason(pop, 8), "9434765919 is already on line 2"), "%s", reason(pop, 8));
    cr_assert(isnan(b.values[21]));

    ristra_population_reject rj = RISTRA_POPULATION_REJECT_INIT;
    cr_assert_eq(ristra_population_reject_info(&rj, pop, 2), RISTRA_OK);
    cr_assert_eq(rj.line, 4);
    cr_assert_eq(rj.status, RISTRA_ROW_BAD_PRACTICE);
    cr_assert_str_eq(rj.nhs_number, "9434765870");
    cr_assert_str_eq(rj.practice, "c81010");
    cr_assert_eq(b.practice[2], -1);
    cr_assert_eq(b.practice[3], 0, "a row rejected for a value keeps its practice");
    cr_assert_eq(ristra_population_reject_info(&rj, pop, 11), RISTRA_EINVAL);
    cr_assert_eq(ristra_population_reject_info(&rj, pop, -1), RISTRA_EINVAL);
    ristra_population_close(pop);
}

Test(population_read, a_rejected_row_does_not_claim_its_nhs_number)
{
    ristra_population *pop = open_text("nhs_number,practice,age,imd_decile\n"
                                       "9434765919,C81010,700,3\n"
                                       "9434765919,C81010,70,3\n",
                                       0);
    ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
    cr_assert_eq(ristra_population_read(&b, pop), RISTRA_OK);
    cr_assert_eq(b.status[0], RISTRA_ROW_OUT_OF_RANGE);
    cr_assert_eq(b.status[1], RISTRA_ROW_OK);
    ristra_population_close(pop);
}

Test(population_read, whole_file_errors_name_the_file_and_line)
{
    const char *h = "nhs_number,practice,age,imd_decile\n";
    cr_assert_eq(open_error("", 0), RISTRA_EFORMAT);
    cr_assert(strstr(ristra_last_error(), "pop.csv: the file is empty"), "%s", ristra_last_error());
    cr_assert_eq(open_error(h, strlen(h)), RISTRA_EFORMAT);
    cr_assert(strstr(ristra_last_error(), "header but no rows"), "%s", ristra_last_error());
    cr_assert_eq(open_error("\n9434765919\n", 12), RISTRA_EFORMAT);
    cr_assert(strstr(ristra_last_error(), "line 1: the header line is empty"), "%s",
              ristra_last_error());

    char text[256];
    snprintf(text, sizeof text, "%s9434765919,C81010,70,3\n9434765870,\"C81010,70,3\n", h);
    cr_assert_eq(open_error(text, strlen(text)), RISTRA_EFORMAT);
    cr_assert(strstr(ristra_last_error(), "pop.csv: line 3: a quoted field is never closed"), "%s",
              ristra_last_error());

    snprintf(text, sizeof text, "%s9434765919,C81010,70,3\n94347", h);
    size_t n = strlen(text);
    text[n] = '\0';
    memcpy(text + n, "\0\0\0\n", 4);
    cr_assert_eq(open_error(text, n + 4), RISTRA_EFORMAT);
    cr_assert(strstr(ristra_last_error(), "line 3: a NUL byte"), "%s", ristra_last_error());

    static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13 };
    cr_assert_eq(open_error((const char *)png, sizeof png), RISTRA_EFORMAT);
}

/* gzip-compresses text (a whole gzip member) into a new buffer. */
static unsigned char *gzip_text(const char *text, size_t *size_out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, strlen(text)) + 64;
    unsigned char *out = malloc(cap);
    z.next_in = (unsigned char *)(uintptr_t)text;
    z.avail_in = (uInt)strlen(text);
    z.next_out = out;
    z.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    *size_out = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

static char *many_rows(int n)
{
    char *text = malloc((size_t)n * 40 + 64);
    size_t k = (size_t)sprintf(text, "nhs_number,practice,age,imd_decile\n");
    for (int i = 0; i < n; i++) {
        /* 999 000 0000 + i*11, with its check digit: find valid numbers */
        int d[10];
        long long base = 999000000LL + i;
        for (int j = 8; j >= 0; j--, base /= 10)
            d[j] = (int)(base % 10);
        int sum = 0;
        for (int j = 0; j < 9; j++)
            sum += d[j] * (10 - j);
        int check = 11 - sum % 11;
        if (check == 11)
            check = 0;
        if (check == 10) /* no valid number: write an invalid one */
            check = 0, d[0] = 1;
        k += (size_t)sprintf(text + k, "%d%d%d%d%d%d%d%d%d%d,%c%05d,%d,%d\n", d[0], d[1], d[2],
                             d[3], d[4], d[5], d[6], d[7], d[8], check, 'A' + i % 7, i % 13,
                             i % 121, 1 + i % 10);
    }
    return text;
}

Test(population_read, gzip_input_reads_the_same_and_truncation_is_an_error)
{
    char *text = many_rows(5000);
    size_t gz_size = 0;
    unsigned char *gz = gzip_text(text, &gz_size);
    ristra_population *a = NULL, *z = NULL;
    cr_assert_eq(ristra_population_open_buffer(&a, text, strlen(text), "p.csv", model, NULL), 0);
    cr_assert_eq(ristra_population_open_buffer(&z, gz, gz_size, "p.csv.gz", model, NULL), 0);
    ristra_population_block ba = RISTRA_POPULATION_BLOCK_INIT, bz = RISTRA_POPULATION_BLOCK_INIT;
    cr_assert_eq(ristra_population_read(&ba, a), 0);
    cr_assert_eq(ristra_population_read(&bz, z), 0);
    cr_assert_eq(ba.n_rows, 5000);
    cr_assert_eq(bz.n_rows, 5000);
    cr_assert_eq(memcmp(ba.status, bz.status, 5000 * sizeof *ba.status), 0);
    cr_assert_eq(memcmp(ba.nhs_number, bz.nhs_number, 5000 * sizeof *ba.nhs_number), 0);
    ristra_population_close(a);
    ristra_population_close(z);

    cr_assert_eq(open_error((const char *)gz, gz_size / 2), RISTRA_EFORMAT);
    cr_assert(strstr(ristra_last_error(), "pop.csv"), "%s", ristra_last_error());
    cr_assert(strstr(ristra_last_error(), "cannot be read past line"), "%s", ristra_last_error());
    free(gz);
    free(text);
}

/* Reads everything with the given block size and threads; returns a
 * checksum of values, statuses, NHS numbers, practices and lines. */
static double read_all(const char *text, int64_t block_rows, int n_threads, int64_t *rows)
{
    ristra_population_options o = RISTRA_POPULATION_OPTIONS_INIT;
    o.block_rows = block_rows;
    o.n_threads = n_threads;
    ristra_population *pop = NULL;
    cr_assert_eq(ristra_population_open_buffer(&pop, text, strlen(text), "p", model, &o), 0);
    double sum = 0;
    *rows = 0;
    ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
    while (ristra_population_read(&b, pop) == 0 && b.n_rows > 0) {
        cr_assert_eq(b.first_row, *rows);
        for (int64_t r = 0; r < b.n_rows; r++) {
            int64_t g = *rows + r + 1;
            sum += (double)g * (b.status[r] + 3.0 * b.practice[r] + (double)(b.nhs_number[r] % 1000) +
                                (double)b.line[r] + (isnan(b.values[2 * r]) ? 0.5 : b.values[2 * r]));
        }
        *rows += b.n_rows;
    }
    ristra_population_close(pop);
    return sum;
}

Test(population_read, blocks_and_threads_do_not_change_what_is_read)
{
    char *text = many_rows(20000);
    int64_t n1 = 0, n2 = 0, n3 = 0;
    double a = read_all(text, 0, 1, &n1);
    double b = read_all(text, 777, 1, &n2);
    double c = read_all(text, 5000, 2, &n3);
    cr_assert_eq(n1, 20000);
    cr_assert_eq(n2, 20000);
    cr_assert_eq(n3, 20000);
    cr_assert_eq(a, b);
    cr_assert_eq(a, c);
    free(text);
}

Test(population_read, columns_without_a_model_and_extra_columns)
{
    const char *cols[] = { "imd_decile", "age" };
    const char *extra[] = { "female" };
    ristra_population_options o = RISTRA_POPULATION_OPTIONS_INIT;
    o.columns = cols;
    o.n_columns = 2;
    o.extra_columns = extra;
    o.n_extra = 1;
    const char *text = "nhs_number,practice,age,imd_decile,female\n"
                       "9434765919,C81010,700,3,1\n"
                       "9434765870,C81010,70,,F\n";
    ristra_population *pop = NULL;
    cr_assert_eq(ristra_population_open_buffer(&pop, text, strlen(text), "p", NULL, &o), 0, "%s",
                 ristra_last_error());
    ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
    cr_assert_eq(ristra_population_read(&b, pop), 0);
    cr_assert_eq(b.status[0], RISTRA_ROW_OK, "no model: no range checks");
    cr_assert_eq(b.values[0], 3.0);
    cr_assert_eq(b.values[1], 700.0);
    cr_assert_eq(b.extra[0], 1.0);
    cr_assert_eq(b.status[1], RISTRA_ROW_NOT_NUMERIC);
    cr_assert(strstr(reason(pop, 1), "\"female\": \"F\" is not a number"), "%s", reason(pop, 1));
    ristra_population_close(pop);
}

Test(population_read, argument_errors)
{
    ristra_population *pop = NULL;
    const char *text = "a\n1\n";
    cr_assert_eq(ristra_population_open_buffer(NULL, text, 4, "p", model, NULL), RISTRA_EINVAL);
    cr_assert_eq(ristra_population_open(&pop, NULL, model, NULL), RISTRA_EINVAL);
    cr_assert_eq(ristra_population_open_buffer(&pop, text, 4, "p", NULL, NULL), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "neither"), "%s", ristra_last_error());
    ristra_population_options o = RISTRA_POPULATION_OPTIONS_INIT;
    o.version = 99;
    cr_assert_eq(ristra_population_open_buffer(&pop, text, 4, "p", model, &o), RISTRA_EINVAL);
    cr_assert_eq(ristra_population_options_init(&o, 99), RISTRA_EINVAL);
    cr_assert_eq(ristra_population_options_init(&o, RISTRA_POPULATION_OPTIONS_VERSION), 0);
    cr_assert_null(o.id_column); /* the column of id_kind: nhs_number by default */
    cr_assert_eq(o.id_kind, RISTRA_ID_NHS);
    o.id_kind = 7;
    cr_assert_eq(ristra_population_open_buffer(&pop, text, 4, "p", model, &o), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "id_kind"), "%s", ristra_last_error());
    o.id_kind = RISTRA_ID_NHS;
    cr_assert_eq(ristra_population_open(&pop, "/nonexistent/pop.csv", model, NULL), RISTRA_EIO);
    cr_assert(strstr(ristra_last_error(), "/nonexistent/pop.csv"), "%s", ristra_last_error());
    cr_assert_null(pop);
    ristra_population_close(NULL);
    ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
    cr_assert_eq(ristra_population_read(&b, NULL), RISTRA_EINVAL);
    uint64_t d, t;
    cr_assert_eq(ristra_population_progress(&d, &t, NULL), RISTRA_EINVAL);
}

Test(population_read, progress_reaches_the_file_size)
{
    char *text = many_rows(3000);
    ristra_population *pop = NULL;
    cr_assert_eq(ristra_population_open_buffer(&pop, text, strlen(text), "p", model, NULL), 0);
    ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
    while (ristra_population_read(&b, pop) == 0 && b.n_rows > 0) {
    }
    uint64_t done = 0, total = 0;
    cr_assert_eq(ristra_population_progress(&done, &total, pop), 0);
    cr_assert_eq(total, strlen(text));
    cr_assert_eq(done, total);
    ristra_population_close(pop);
    free(text);
}

/* The fast path must give exactly what a correctly rounding strtod gives. */
Test(population_number, parses_exactly_like_strtod)
{
    const char *ok[] = { "0", "-0", "7", "+7", "0.1", ".5", "5.", "1e3", "1E-3", "  42 ",
                         "123456789012345678", "0.30000000000000004", "1e308", "4.9e-324",
                         "2.2250738585072014e-308", "9007199254740993", "00012.5000" };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        double v = NAN;
        cr_assert(ristra__parse_number(ok[i], strlen(ok[i]), &v), "%s", ok[i]);
        cr_assert_eq(v, strtod(ok[i], NULL), "%s", ok[i]);
    }
    const char *bad[] = { "", " ", "-", ".", "e5", "1e", "1e+", "inf", "nan", "0x10", "1,5",
                          "1.2.3", "12a", "--1", "NA" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double v = 0;
        cr_assert_not(ristra__parse_number(bad[i], strlen(bad[i]), &v), "%s", bad[i]);
    }
    /* beyond the largest double: an overflow, not "not a number" */
    const char *huge[] = { "1e400", "-1e400", "1.8e308", "1e99999999" };
    for (size_t i = 0; i < sizeof huge / sizeof *huge; i++) {
        double v = 0;
        cr_assert_eq(ristra__parse_number(huge[i], strlen(huge[i]), &v), RISTRA__NUMBER_OVERFLOW,
                     "%s", huge[i]);
    }
    srand(7);
    char s[64];
    for (int i = 0; i < 200000; i++) {
        int digits = 1 + rand() % 19, point = rand() % (digits + 1), e = rand() % 60 - 30;
        int k = 0;
        if (rand() % 2)
            s[k++] = '-';
        for (int d = 0; d < digits; d++) {
            if (d == point)
                s[k++] = '.';
            s[k++] = (char)('0' + rand() % 10);
        }
        if (rand() % 3 == 0)
            k += sprintf(s + k, "e%d", e);
        s[k] = '\0';
        double v = NAN;
        cr_assert(ristra__parse_number(s, (size_t)k, &v), "%s", s);
        cr_assert_eq(v, strtod(s, NULL), "%s: %.17g vs %.17g", s, v, strtod(s, NULL));
    }
}

/* Every committed bad-input fixture (tests/fixtures/population/) gives the
 * error it should, naming the file and, where there is one, the line. */
Test(population_read, fixture_files)
{
    static const struct {
        const char *file;
        int rc;             /* from open, or else from reading to the end */
        const char *message;
        int64_t rows, rejected;
    } cases[] = {
        { "good.csv", RISTRA_OK, NULL, 3, 0 },
        { "good.csv.gz", RISTRA_OK, NULL, 3, 0 },
        { "good_multimember.csv.gz", RISTRA_OK, NULL, 3, 0 },
        { "bad_rows.csv", RISTRA_OK, NULL, 10, 8 },
        { "empty.csv", RISTRA_EFORMAT, "empty.csv: the file is empty", 0, 0 },
        { "header_only.csv", RISTRA_EFORMAT, "header_only.csv: the file has a header but no rows", 0, 0 },
        { "blank_header.csv", RISTRA_EFORMAT, "blank_header.csv: line 1: the header line is empty", 0, 0 },
        { "missing_columns.csv", RISTRA_ENOTFOUND, "missing_columns.csv: line 1: the header lacks 2 required columns: \"practice\", \"imd_decile\"", 0, 0 },
        { "duplicate_header.csv", RISTRA_EFORMAT, "duplicate_header.csv: line 1: columns 3 and 5 are both named \"age\"", 0, 0 },
        { "unterminated_quote.csv", RISTRA_EFORMAT, "unterminated_quote.csv: line 3: a quoted field is never closed", 0, 0 },
        { "nul_byte.csv", RISTRA_EFORMAT, "nul_byte.csv: line 3: a NUL byte", 0, 0 },
        { "not_csv.bin", RISTRA_EFORMAT, "not_csv.bin: line 1: a NUL byte", 0, 0 },
        { "truncated.csv.gz", RISTRA_EFORMAT, "truncated.csv.gz: truncated gzip stream", 0, 0 },
        { "corrupt.csv.gz", RISTRA_EFORMAT, "corrupt.csv.gz: corrupt gzip stream", 0, 0 },
        { "trailing_garbage.csv.gz", RISTRA_EFORMAT, "trailing_garbage.csv.gz: trailing data after the gzip stream", 0, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "tests/fixtures/population/%s", cases[i].file);
        char *path = rt_source_path(rel);
        ristra_population_options o = RISTRA_POPULATION_OPTIONS_INIT;
        o.outcome_column = "y";
        ristra_population *pop = NULL;
        int rc = ristra_population_open(&pop, path, model, &o);
        int64_t rows = 0, rejected = 0;
        if (rc == RISTRA_OK) {
            ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
            while ((rc = ristra_population_read(&b, pop)) == RISTRA_OK && b.n_rows > 0) {
                rows += b.n_rows;
                for (int64_t r = 0; r < b.n_rows; r++)
                    rejected += b.status[r] != RISTRA_ROW_OK;
            }
            ristra_population_close(pop);
        }
        cr_assert_eq(rc, cases[i].rc, "%s: rc %d (%s)", cases[i].file, rc, ristra_last_error());
        if (cases[i].message)
            cr_assert(strstr(ristra_last_error(), cases[i].message), "%s: message \"%s\"",
                      cases[i].file, ristra_last_error());
        cr_assert_eq(rows, cases[i].rows, "%s: %lld rows", cases[i].file, (long long)rows);
        cr_assert_eq(rejected, cases[i].rejected, "%s", cases[i].file);
        free(path);
    }
}

Test(population_read, a_feature_can_also_be_an_extra_column)
{
    const char *extra[] = { "age", "female" };
    ristra_population_options o = RISTRA_POPULATION_OPTIONS_INIT;
    o.extra_columns = extra;
    o.n_extra = 2;
    const char *text = "nhs_number,practice,age,imd_decile,female\n"
                       "9434765919,C81010,70,3,1\n"
                       "9434765870,C81010,,3,0\n";
    ristra_population *pop = NULL;
    cr_assert_eq(ristra_population_open_buffer(&pop, text, strlen(text), "p", model, &o), 0, "%s",
                 ristra_last_error());
    ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
    cr_assert_eq(ristra_population_read(&b, pop), 0);
    cr_assert_eq(b.values[0], 70.0);
    cr_assert_eq(b.extra[0], 70.0);
    cr_assert_eq(b.extra[1], 1.0);
    cr_assert_eq(b.status[1], RISTRA_ROW_MISSING);
    ristra_population_close(pop);

    const char *twice[] = { "female", "female" };
    o.extra_columns = twice;
    cr_assert_eq(ristra_population_open_buffer(&pop, text, strlen(text), "p", model, &o), 0);
    cr_assert_eq(ristra_population_read(&b, pop), 0);
    cr_assert_eq(b.extra[0], 1.0);
    cr_assert_eq(b.extra[1], 1.0);
    ristra_population_close(pop);
    ristra_population_options y = RISTRA_POPULATION_OPTIONS_INIT;
    y.outcome_column = "age";
    cr_assert_eq(ristra_population_open_buffer(&pop, text, strlen(text), "p", model, &y),
                 RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "column 3 (\"age\") is asked for in two roles"), "%s",
              ristra_last_error());
}

/* The what-if row (ristra_population_read_values) is read as a file's row. */
Test(read_values, typed_values_get_the_readers_checks_and_words)
{
    char *path = rt_source_path("models/demo_gbdt.json.gz"); /* missing values native */
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load(&m, path), RISTRA_OK, "%s", ristra_last_error());
    free(path);
    int64_t nf = ristra_model_n_features(m);
    double *x = malloc((size_t)nf * sizeof *x);
    int32_t status = -1;
    char why[256];
    const char *names[] = { "age", "copd", "frailty_index", "emergency_admissions_12m", "female" };
    const char *good[] = { "82", "1", "0.4", "3", "1" };
    cr_assert_eq(ristra_population_read_values(x, &status, why, sizeof why, m, names, good, 5),
                 RISTRA_OK, "%s", ristra_last_error());
    cr_assert_eq(status, RISTRA_ROW_OK, "%s", why);
    cr_assert_eq(x[ristra_model_feature_index(m, "age")], 82.0);
    cr_assert(isnan(x[ristra_model_feature_index(m, "ckd")]), "not given: missing");
    cr_assert_eq(ristra_population_read_values(x, &status, why, sizeof why, m, names, good, 2),
                 RISTRA_OK);
    cr_assert_eq(status, RISTRA_ROW_INSUFFICIENT_DATA);
    cr_assert(strstr(why, "2 of the model's"), "%s", why);
    const char *old[] = { "old" };
    cr_assert_eq(ristra_population_read_values(x, &status, why, sizeof why, m, names, old, 1),
                 RISTRA_OK);
    cr_assert_neq(status, RISTRA_ROW_OK);
    cr_assert(strstr(why, "\"old\" is not a number"), "%s", why);
    const char *shoe[] = { "shoe_size" }, *nine[] = { "9" };
    cr_assert_eq(ristra_population_read_values(x, &status, why, sizeof why, m, shoe, nine, 1),
                 RISTRA_ENOTFOUND);
    cr_assert(strstr(ristra_last_error(), "no feature \"shoe_size\""));
    const char *twice[] = { "age", "age" }, *v2[] = { "1", "2" };
    cr_assert_eq(ristra_population_read_values(x, &status, why, sizeof why, m, twice, v2, 2),
                 RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "given twice"));
    free(x);
    ristra_model_free(m);
}
