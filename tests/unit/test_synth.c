/* The synthetic population generator: options, determinism, identifiers,
 * practices, column ranges, gzip, and clean failure. (Statistical checks
 * of the population are in tests/cli/test_synth.py, with pandas.) */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zlib.h>

#include <ristra/ristra.h>
#include <ristra/synth.h>

#include "synth/nhs_numbers_internal.h"
#include "synth/practices_internal.h"
#include "test_util.h"

static const char *const COLUMNS[] = {
    "nhs_number", "practice", "age", "female", "imd_decile", "care_home", "hypertension",
    "diabetes", "copd", "asthma", "heart_failure", "ckd", "af", "dementia", "cancer",
    "depression", "frailty_index", "n_ltc", "n_medications", "ae_attendances_12m",
    "emergency_admissions_12m", "emergency_admission_next_12m", "true_risk"
};
enum { N_BASE_COLUMNS = 21, MAX_FIELDS = 32 };

static char *dir;

static void make_dir(void) { dir = rt_tmpdir(); }
static void remove_dir(void)
{
    rt_rmtree(dir);
    free(dir);
}

static int entries_in(const char *path)
{
    DIR *d = opendir(path);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static ristra_synth_options options(int64_t n, int64_t p, uint64_t seed)
{
    ristra_synth_options o = RISTRA_SYNTH_OPTIONS_INIT;
    o.n_patients = n;
    o.n_practices = p;
    o.seed = seed;
    return o;
}

/* Writes a population to dir/name and returns its bytes (free()). */
static char *generate(const char *name, const ristra_synth_options *o, size_t *size)
{
    char *path = rt_join(dir, name);
    int rc = ristra_synth_write(path, o);
    cr_assert_eq(rc, RISTRA_OK, "%s", ristra_last_error());
    char *text = rt_read_file(path, size);
    cr_assert_not_null(text);
    free(path);
    return text;
}

static int split(char *line, char **fields)
{
    int n = 0;
    for (char *p = line;; p++) {
        if (n < MAX_FIELDS)
            fields[n] = p;
        n++;
        p = strchr(p, ',');
        if (!p)
            return n;
        *p = '\0';
    }
}

TestSuite(synth, .init = make_dir, .fini = remove_dir);

Test(synth, options_init_gives_the_documented_defaults)
{
    ristra_synth_options o;
    cr_assert_eq(ristra_synth_options_init(&o, RISTRA_SYNTH_OPTIONS_VERSION), RISTRA_OK);
    cr_assert_eq(o.version, RISTRA_SYNTH_OPTIONS_VERSION);
    cr_assert_eq(o.n_patients, 10000);
    cr_assert_eq(o.n_practices, 0); /* one per 10,000 patients, rounded */
    cr_assert_eq(o.seed, 1);
    cr_assert_eq(o.write_outcome, 1);
    cr_assert_eq(o.write_true_risk, 0);
    cr_assert_eq(o.gzip_level, -1);
    cr_assert_eq(ristra_synth_options_init(&o, 99), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "not a version of ristra_synth_options"));
    cr_assert_eq(ristra_synth_options_init(NULL, 1), RISTRA_EINVAL);
}

Test(synth, the_same_options_give_the_same_bytes_and_another_seed_does_not)
{
    ristra_synth_options o = options(3000, 3, 42);
    size_t na, nb, nc;
    char *a = generate("a.csv", &o, &na);
    char *b = generate("b.csv", &o, &nb);
    o.seed = 43;
    char *c = generate("c.csv", &o, &nc);
    cr_assert_eq(na, nb);
    cr_assert_eq(memcmp(a, b, na), 0, "same seed, different bytes");
    cr_assert(na != nc || memcmp(a, c, na) != 0, "seeds 42 and 43 gave the same file");
    free(a);
    free(b);
    free(c);
}

/* n_practices 0 (the default): one practice per 10,000 patients, rounded,
 * 1 below 15,000: the same bytes as asking for that many. */
Test(synth, the_default_practice_count_is_one_per_ten_thousand_rounded)
{
    static const int64_t cases[][2] = { { 14999, 1 }, { 25000, 3 }, { 34999, 3 } };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ristra_synth_options d = options(cases[i][0], 0, 5), e = options(cases[i][0], cases[i][1], 5);
        size_t nd, ne;
        char *a = generate("d.csv", &d, &nd);
        char *b = generate("e.csv", &e, &ne);
        cr_assert(nd == ne && memcmp(a, b, nd) == 0, "%lld patients: not %lld practices",
                  (long long)cases[i][0], (long long)cases[i][1]);
        free(a);
        free(b);
    }
}

Test(synth, null_options_mean_the_defaults)
{
    ristra_synth_options d = RISTRA_SYNTH_OPTIONS_INIT;
    size_t na, nb;
    char *a = generate("a.csv", NULL, &na);
    char *b = generate("b.csv", &d, &nb);
    cr_assert(na == nb && memcmp(a, b, na) == 0);
    free(a);
    free(b);
}

Test(synth, the_walk_is_a_permutation_of_the_test_range_tails)
{
    ristra__nhs_walk w;
    ristra__nhs_walk_init(&w, 7);
    unsigned char *seen = calloc(RISTRA__NHS_TEST_TAILS, 1);
    int64_t in_order = 0;
    for (uint32_t t = 0; t < RISTRA__NHS_TEST_TAILS; t++) {
        uint32_t y = ristra__nhs_walk_permute(&w, t);
        cr_assert_lt(y, RISTRA__NHS_TEST_TAILS);
        cr_assert_eq(seen[y], 0, "tail %u reached twice", y);
        seen[y] = 1;
        in_order += y == t;
    }
    cr_assert_lt(in_order, 100, "%lld tails map to themselves", (long long)in_order);
    free(seen);
}

Test(synth, the_walk_gives_every_valid_test_number_exactly_once)
{
    ristra__nhs_walk w;
    ristra__nhs_walk_init(&w, 1);
    unsigned char *seen = calloc(RISTRA__NHS_TEST_TAILS, 1);
    char nhs[11] = { 0 };
    int64_t n = 0, ascending = 0;
    uint32_t previous = 0;
    while (ristra__nhs_walk_next(&w, nhs)) {
        cr_assert(ristra_nhs_number_is_test(nhs, 10), "%s", nhs);
        uint32_t tail = (uint32_t)atol(nhs + 3) / 10;
        cr_assert_eq(seen[tail], 0, "%s given twice", nhs);
        seen[tail] = 1;
        ascending += tail > previous;
        previous = tail;
        n++;
    }
    cr_assert_eq(n, RISTRA_SYNTH_MAX_PATIENTS);
    /* a random order rises about half the time; a sequential one always */
    cr_assert(ascending > n * 4 / 10 && ascending < n * 6 / 10, "%lld rises", (long long)ascending);
    int64_t valid = 0; /* every valid number of the range, counted by brute force */
    for (uint32_t t = 0; t < RISTRA__NHS_TEST_TAILS; t++) {
        char s[11];
        snprintf(s, sizeof s, "999%06u", t);
        for (char d = '0'; d <= '9'; d++) {
            s[9] = d;
            valid += ristra_nhs_number_valid(s, 10);
        }
    }
    cr_assert_eq(valid, RISTRA_SYNTH_MAX_PATIENTS);
    free(seen);
}

Test(synth, list_sizes_are_positive_and_sum_to_the_population)
{
    static const int64_t cases[][2] = { { 1, 1 },      { 7, 7 },        { 10, 3 },
                                        { 315000, 32 }, { 5000, 4999 }, { 200000, 20000 },
                                        { 909091, 60000 } };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        int64_t n = cases[c][0], p = cases[c][1], total = 0;
        ristra__synth_practice *pr = NULL;
        cr_assert_eq(ristra__synth_practices(&pr, p, n, 3), RISTRA_OK);
        for (int64_t k = 0; k < p; k++) {
            cr_assert_geq(pr[k].size, 1);
            cr_assert_eq(pr[k].first, total);
            cr_assert(ristra_ods_practice_code_valid(pr[k].code, strlen(pr[k].code)), "%s",
                      pr[k].code);
            if (k > 0)
                cr_assert_lt(strcmp(pr[k - 1].code, pr[k].code), 0, "codes unique and sorted");
            total += pr[k].size;
        }
        cr_assert_eq(total, n, "%lld patients in %lld practices", (long long)n, (long long)p);
        free(pr);
    }
}

Test(synth, a_small_area_uses_one_region_letter_apart_from_newer_y_codes)
{
    ristra__synth_practice *pr = NULL;
    cr_assert_eq(ristra__synth_practices(&pr, 32, 315000, 1), RISTRA_OK);
    char region = 0;
    for (int k = 0; k < 32; k++) {
        if (pr[k].code[0] == 'Y')
            continue;
        cr_assert_eq(pr[k].code[1], '8', "%s", pr[k].code);
        if (!region)
            region = pr[k].code[0];
        cr_assert_eq(pr[k].code[0], region, "%s", pr[k].code);
    }
    free(pr);
}

typedef struct column_range {
    int column;
    double lo, hi;
} column_range;

static void check_row_ranges(char **f, int nf, int with_truth)
{
    static const column_range ranges[] = {
        { 2, 0, 105 }, { 3, 0, 1 },  { 4, 1, 10 },  { 5, 0, 1 },   { 16, 0, 1 },
        { 17, 0, 10 }, { 18, 0, 200 }, { 19, 0, 500 }, { 20, 0, 500 }, { 21, 0, 1 },
    };
    for (size_t i = 0; i < sizeof ranges / sizeof *ranges; i++) {
        char *end;
        double v = strtod(f[ranges[i].column], &end);
        cr_assert(*end == '\0' && end != f[ranges[i].column], "%s: \"%s\"",
                  COLUMNS[ranges[i].column], f[ranges[i].column]);
        cr_assert(v >= ranges[i].lo && v <= ranges[i].hi, "%s = %g", COLUMNS[ranges[i].column], v);
    }
    int n_ltc = 0;
    for (int c = 6; c < 16; c++) {
        cr_assert(!strcmp(f[c], "0") || !strcmp(f[c], "1"), "%s = %s", COLUMNS[c], f[c]);
        n_ltc += f[c][0] - '0';
    }
    cr_assert_eq(atoi(f[17]), n_ltc, "n_ltc counts the ten conditions");
    cr_assert_eq(strlen(f[16]), 4, "frailty_index \"%s\" has two decimals", f[16]);
    int deficits = -1;
    for (int k = 0; k <= 36; k++) {
        char s[8];
        snprintf(s, sizeof s, "%.2f", k / 36.0);
        if (!strcmp(s, f[16]))
            deficits = k;
    }
    cr_assert_geq(deficits, 0, "frailty_index %s is not k/36", f[16]);
    if (atoi(f[5]))
        cr_assert_geq(atoi(f[2]), 18, "a care-home resident aged %s", f[2]);
    if (with_truth) {
        cr_assert_eq(nf, 23);
        cr_assert_eq(strlen(f[22]), 8, "true_risk \"%s\" has six decimals", f[22]);
        double r = atof(f[22]);
        cr_assert(r > 0.0 && r < 1.0, "true_risk %s", f[22]);
    }
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(synth, every_row_has_valid_unique_identifiers_and_values_in_range)
{
    enum { N = 20000, P = 5 };
    ristra_synth_options o = options(N, P, 9);
    o.write_true_risk = 1;
    size_t size;
    char *text = generate("pop.csv", &o, &size);
    char *save = NULL, *fields[MAX_FIELDS];
    char *line = strtok_r(text, "\n", &save);
    cr_assert_eq(split(line, fields), 23);
    for (int j = 0; j < 23; j++)
        cr_assert_str_eq(fields[j], COLUMNS[j]);

    char **nhs = malloc(N * sizeof *nhs);
    char practices[P][8];
    int n_practices = 0, rows = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        int nf = split(line, fields);
        cr_assert(ristra_nhs_number_is_test(fields[0], strlen(fields[0])), "%s", fields[0]);
        cr_assert(ristra_ods_practice_code_valid(fields[1], strlen(fields[1])), "%s", fields[1]);
        if (!n_practices || strcmp(practices[n_practices - 1], fields[1])) {
            for (int k = 0; k < n_practices; k++)
                cr_assert_str_neq(practices[k], fields[1], "practice rows are not contiguous");
            cr_assert_lt(n_practices, P);
            strcpy(practices[n_practices++], fields[1]);
        }
        check_row_ranges(fields, nf, 1);
        cr_assert_lt(rows, N);
        nhs[rows++] = fields[0];
    }
    cr_assert_eq(rows, N);
    cr_assert_eq(n_practices, P);
    qsort(nhs, N, sizeof *nhs, by_string);
    for (int i = 1; i < N; i++)
        cr_assert_str_neq(nhs[i - 1], nhs[i], "NHS number %s repeated", nhs[i]);
    free(nhs);
    free(text);
}

Test(synth, the_outcome_and_truth_columns_follow_the_options)
{
    ristra_synth_options o = options(50, 2, 1);
    o.write_outcome = 0;
    size_t size;
    char *text = generate("no_outcome.csv", &o, &size);
    char *fields[MAX_FIELDS];
    *strchr(text, '\n') = '\0';
    cr_assert_eq(split(text, fields), N_BASE_COLUMNS);
    cr_assert_str_eq(fields[N_BASE_COLUMNS - 1], "emergency_admissions_12m");
    free(text);
    o.write_true_risk = 1;
    text = generate("truth_only.csv", &o, &size);
    *strchr(text, '\n') = '\0';
    cr_assert_eq(split(text, fields), N_BASE_COLUMNS + 1);
    cr_assert_str_eq(fields[N_BASE_COLUMNS], "true_risk");
    free(text);
}

Test(synth, the_largest_population_gives_every_patient_a_unique_number)
{
    ristra_synth_options o = options(RISTRA_SYNTH_MAX_PATIENTS, 91, 5);
    o.write_outcome = 0;
    char *path = rt_join(dir, "max.csv");
    cr_assert_eq(ristra_synth_write(path, &o), RISTRA_OK, "%s", ristra_last_error());
    size_t size;
    char *text = rt_read_file(path, &size);
    unsigned char *seen = calloc(RISTRA__NHS_TEST_TAILS, 1);
    int64_t rows = 0;
    for (char *line = strchr(text, '\n') + 1; *line; line = strchr(line, '\n') + 1, rows++) {
        cr_assert(ristra_nhs_number_is_test(line, 10));
        uint32_t tail = (uint32_t)strtoul(line + 3, NULL, 10) / 10 % RISTRA__NHS_TEST_TAILS;
        cr_assert_eq(seen[tail], 0);
        seen[tail] = 1;
    }
    cr_assert_eq(rows, RISTRA_SYNTH_MAX_PATIENTS);
    free(seen);
    free(text);
    free(path);
}

static char *gunzip_file(const char *path, size_t *size)
{
    gzFile g = gzopen(path, "rb");
    cr_assert_not_null(g);
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    int r;
    while ((r = gzread(g, buf + n, (unsigned)(cap - n))) > 0) {
        n += (size_t)r;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    cr_assert_geq(r, 0);
    gzclose(g);
    *size = n;
    return buf;
}

Test(synth, a_gz_name_writes_gzip_that_decompresses_to_the_plain_file)
{
    ristra_synth_options o = options(5000, 2, 11);
    size_t plain_size, gz_size, raw_size;
    char *plain = generate("pop.csv", &o, &plain_size);
    char *raw = generate("pop.csv.gz", &o, &raw_size);
    cr_assert(raw_size > 2 && (unsigned char)raw[0] == 0x1f && (unsigned char)raw[1] == 0x8b);
    cr_assert_lt(raw_size, plain_size / 2);
    char *path = rt_join(dir, "pop.csv.gz");
    char *unzipped = gunzip_file(path, &gz_size);
    cr_assert_eq(gz_size, plain_size);
    cr_assert_eq(memcmp(unzipped, plain, plain_size), 0);
    free(plain);
    free(raw);
    free(unzipped);
    free(path);
}

Test(synth, an_explicit_gzip_level_overrides_the_name)
{
    ristra_synth_options o = options(100, 1, 1);
    size_t n;
    o.gzip_level = 0;
    char *text = generate("plain.gz", &o, &n);
    cr_assert_eq(strncmp(text, "nhs_number,", 11), 0, "level 0 writes plain text");
    free(text);
    o.gzip_level = 1;
    text = generate("packed.csv", &o, &n);
    cr_assert((unsigned char)text[0] == 0x1f && (unsigned char)text[1] == 0x8b);
    free(text);
}

typedef struct bad_case {
    int64_t n_patients, n_practices;
    int gzip_level, version;
    char words[80];
} bad_case;

ParameterizedTestParameters(synth, bad_options_are_refused_and_nothing_is_written)
{
    static bad_case cases[] = {
        { 0, 1, -1, 1, "n_patients is 0; it must be at least 1" },
        { -5, 1, -1, 1, "n_patients is -5" },
        { RISTRA_SYNTH_MAX_PATIENTS + 1, 1, -1, 1, "at most 909091 patients" },
        { 100, -1, -1, 1, "n_practices is -1; it must be between 1 and n_patients (100), or 0" },
        { 100, 101, -1, 1, "n_practices is 101" },
        { 100, 1, 10, 1, "gzip_level is 10" },
        { 100, 1, -2, 1, "gzip_level is -2" },
        { 100, 1, -1, 2, "opts->version is 2" },
    };
    return cr_make_param_array(bad_case, cases, sizeof cases / sizeof *cases);
}

ParameterizedTest(bad_case *c, synth, bad_options_are_refused_and_nothing_is_written)
{
    ristra_synth_options o = options(c->n_patients, c->n_practices, 1);
    o.gzip_level = c->gzip_level;
    o.version = c->version;
    char *path = rt_join(dir, "pop.csv");
    cr_assert_eq(ristra_synth_write(path, &o), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), c->words), "\"%s\" lacks \"%s\"", ristra_last_error(),
              c->words);
    cr_assert(strstr(ristra_last_error(), "ristra_synth_write"));
    cr_assert_eq(entries_in(dir), 0);
    free(path);
}

Test(synth, a_null_path_is_refused)
{
    cr_assert_eq(ristra_synth_write(NULL, NULL), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "path is NULL"));
}

Test(synth, a_missing_directory_is_an_io_error_naming_the_file)
{
    char *path = rt_join(dir, "no/such/dir/pop.csv");
    cr_assert_eq(ristra_synth_write(path, NULL), RISTRA_EIO);
    cr_assert(strstr(ristra_last_error(), path), "%s", ristra_last_error());
    free(path);
}

Test(synth, a_write_that_fails_part_way_leaves_the_old_file_and_no_temporary)
{
    char *path = rt_join(dir, "pop.csv");
    cr_assert_eq(rt_write_file(path, "old\n", 4), 0);
    /* Files may not grow past 64 KiB: the write fails with EFBIG mid-way. */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = { 64 * 1024, 64 * 1024 };
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    ristra_synth_options o = options(100000, 10, 1);
    cr_assert_eq(ristra_synth_write(path, &o), RISTRA_EIO);
    cr_assert(strstr(ristra_last_error(), "write failed"), "%s", ristra_last_error());
    size_t n;
    char *text = rt_read_file(path, &n);
    cr_assert_str_eq(text, "old\n");
    cr_assert_eq(entries_in(dir), 1, "the temporary file was left behind");
    free(text);
    free(path);
}

Test(synth, seed_1_still_gives_the_committed_golden_file)
{
    /* A change here means every population changes: if that is intended,
     * rerun tests/fixtures/synth/make_golden.sh and update the figures in
     * examples/data/README.md. */
    char *golden_path = rt_source_path("tests/fixtures/synth/golden_seed1.csv");
    size_t golden_size, size;
    char *golden = rt_read_file(golden_path, &golden_size);
    cr_assert_not_null(golden);
    ristra_synth_options o = options(300, 3, 1);
    o.write_true_risk = 1;
    char *text = generate("golden.csv", &o, &size);
    cr_assert_eq(size, golden_size);
    cr_assert_eq(memcmp(text, golden, size), 0, "the generator's output has changed");
    free(text);
    free(golden);
    free(golden_path);
}
