/* The report (ristra/report.h): the suppression rule, the pages written
 * with the run's other outputs all or nothing, 0600, carrying the SHA-256
 * of the manifest beside them. What the pages show is checked in a real
 * browser (tests/report/test_report_chromium.py). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ristra/ristra.h>

#include "common/digest_internal.h"
#include "io/output_internal.h"
#include "test_util.h"

static ristra_model *model;
static char *dir, *report_dir, *input;

static void setup(void)
{
    char *path = rt_source_path("models/demo_logistic.json");
    cr_assert_eq(ristra_model_load(&model, path), RISTRA_OK, "%s", ristra_last_error());
    free(path);
    dir = rt_tmpdir();
    cr_assert_not_null(dir);
    report_dir = rt_join(dir, "report");
    cr_assert_eq(mkdir(report_dir, 0700), 0);
    input = rt_join(dir, "pop.csv");
    ristra_synth_options so = RISTRA_SYNTH_OPTIONS_INIT;
    so.n_patients = 3000;
    so.n_practices = 2;
    cr_assert_eq(ristra_synth_write(input, &so), RISTRA_OK, "%s", ristra_last_error());
}

static void teardown(void)
{
    ristra__commit_test_hook = NULL;
    ristra_model_free(model);
    rt_rmtree(dir);
    free(dir), free(report_dir), free(input);
}

TestSuite(report, .init = setup, .fini = teardown);

Test(report, suppressed_counts_hide_one_to_seven_and_round_the_rest_to_five)
{
    static const struct { int64_t n; const char *text; } cases[] = {
        { 0, "0" }, { 1, "\xe2\x89\xa4" "7" }, { 7, "\xe2\x89\xa4" "7" }, { 8, "10" },
        { 12, "10" }, { 13, "15" }, { 15, "15" }, { 1234567, "1234565" }, { -1, "" }
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[32];
        int len = ristra_report_suppressed_count(out, sizeof out, cases[i].n);
        cr_assert_str_eq(out, cases[i].text, "%lld", (long long)cases[i].n);
        cr_assert_eq(len, (int)strlen(cases[i].text));
    }
    char tiny[3] = "xx";
    cr_assert_eq(ristra_report_suppressed_count(tiny, sizeof tiny, 5), RISTRA_EINVAL);
    cr_assert_str_eq(tiny, "");
    cr_assert_eq(ristra_report_suppressed_count(NULL, 8, 5), RISTRA_EINVAL);
}

Test(report, options_init_gives_suppression_on_both_pages)
{
    ristra_report_options o;
    memset(&o, 0x5a, sizeof o);
    cr_assert_eq(ristra_report_options_init(&o, RISTRA_REPORT_OPTIONS_VERSION), RISTRA_OK);
    cr_assert_eq(o.suppress_area, 1);
    cr_assert_eq(o.suppress_practice, 1);
    cr_assert_null(o.title);
    cr_assert_eq(ristra_report_options_init(&o, 99), RISTRA_EINVAL);
}

static int run(const char *output)
{
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    o.report_dir = report_dir;
    return ristra_score_file(NULL, model, input, output, &o);
}

static int count_entries(const char *path)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", path);
    FILE *p = popen(cmd, "r");
    int n = -1;
    cr_assert_eq(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

Test(report, pages_are_private_and_show_the_hash_of_the_manifest_beside_them)
{
    char *out = rt_join(dir, "list.csv"), *manifest = rt_join(dir, "list.csv.manifest.json");
    cr_assert_eq(run(out), RISTRA_OK, "%s", ristra_last_error());
    cr_assert_eq(count_entries(report_dir), 3); /* the area and two practices */
    char *index = rt_join(report_dir, "index.html");
    struct stat st;
    cr_assert_eq(stat(index, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    char hex[RISTRA__SHA256_HEX];
    cr_assert_eq(ristra__sha256_file(manifest, hex, NULL), RISTRA_OK);
    char *page = rt_read_file(index, NULL);
    char want[128];
    snprintf(want, sizeof want, "<code id=\"manifest-sha256\">%s</code>", hex);
    cr_assert_not_null(strstr(page, want), "the area page does not show %s", hex);
    free(page), free(index), free(out), free(manifest);
}

static int fail_last_rename(const char *step, int index)
{
    return strcmp(step, "rename") == 0 && index == 4; /* list, manifest, 3 pages: the last */
}

Test(report, a_failure_renaming_the_last_page_leaves_no_output_at_all)
{
    char *out = rt_join(dir, "list.csv");
    ristra__commit_test_hook = fail_last_rename;
    cr_assert_eq(run(out), RISTRA_EIO);
    ristra__commit_test_hook = NULL;
    cr_assert_eq(count_entries(report_dir), 0);
    cr_assert_eq(access(out, F_OK), -1);
    cr_assert_eq(count_entries(dir), 2); /* pop.csv and the report directory */
    free(out);
}

Test(report, a_report_dir_that_is_not_a_directory_is_refused_before_any_work)
{
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    o.report_dir = input;
    char *out = rt_join(dir, "list.csv");
    cr_assert_eq(ristra_score_file(NULL, model, input, out, &o), RISTRA_EINVAL);
    cr_assert_not_null(strstr(ristra_last_error(), "report_dir"));
    cr_assert_eq(access(out, F_OK), -1);
    free(out);
}
