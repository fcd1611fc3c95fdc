/* The batch keeps its promises (issue 11): all of a run's outputs are
 * committed or none, at every failure point; nothing is left behind;
 * outputs are private by default and never special files or links; the
 * failure threshold; hostile text in outputs. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <ristra/ristra.h>

#include "io/csv_text_internal.h"
#include "io/output_internal.h"
#include "score/score_file_internal.h"
#include "test_util.h"

static ristra_model *model;
static char *dir;

static void setup(void)
{
    char *path = rt_source_path("models/demo_logistic.json");
    cr_assert_eq(ristra_model_load(&model, path), RISTRA_OK, "%s", ristra_last_error());
    free(path);
    dir = rt_tmpdir();
    cr_assert_not_null(dir);
}

static void teardown(void)
{
    ristra__commit_test_hook = NULL;
    ristra_model_free(model);
    rt_rmtree(dir);
    free(dir);
}

TestSuite(batch_commit, .init = setup, .fini = teardown);

static char *population(int64_t n)
{
    char *path = rt_join(dir, "pop.csv");
    ristra_synth_options so = RISTRA_SYNTH_OPTIONS_INIT;
    so.n_patients = n;
    so.n_practices = n < 3 ? n : 3;
    cr_assert_eq(ristra_synth_write(path, &so), RISTRA_OK, "%s", ristra_last_error());
    return path;
}

/* The directory's file names, sorted, space-separated (free()). */
static char *listing(void)
{
    DIR *d = opendir(dir);
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64)
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
    char *out = calloc(1, 8192);
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, names[i]);
        free(names[i]);
    }
    return out;
}

/* ------------------------------------------------------------ failure points */

static const char *hook_step;
static int hook_index, hook_calls;

static int fail_at(const char *step, int index)
{
    if (strcmp(step, hook_step) == 0 && index == hook_index)
        return ++hook_calls == 1;
    return 0;
}

typedef struct run_paths {
    char *out, *rej, *sum, *man;
} run_paths;

static run_paths paths(void)
{
    run_paths p = { rt_join(dir, "out.csv"), rt_join(dir, "rej.csv"), rt_join(dir, "sum.csv"),
                    rt_join(dir, "out.csv.manifest.json") };
    return p;
}

static void free_paths(run_paths *p) { free(p->out), free(p->rej), free(p->sum), free(p->man); }

static int score(const char *in, const run_paths *p)
{
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    o.rejects_path = p->rej;
    o.summary_path = p->sum;
    return ristra_score_file(NULL, model, in, p->out, &o);
}

static void check_contents(const char *path, const char *want)
{
    char *got = rt_read_file(path, NULL);
    if (!want) {
        cr_assert_null(got, "%s exists", path);
        return;
    }
    cr_assert_not_null(got, "%s is missing", path);
    cr_assert_str_eq(got, want, "%s", path);
    free(got);
}

/* Each step of each of the four outputs (list, rejects, summary, manifest)
 * fails in turn: every destination must be exactly as before, with no
 * temporary or kept-aside file left, whether the old files existed or not. */
static void fail_everywhere(int with_old_files)
{
    char *in = population(500);
    run_paths p = paths();
    static const char *const steps[] = { "finish", "keep", "rename", "sync" };
    const char *files[] = { p.out, p.rej, p.sum, p.man };
    for (size_t s = 0; s < sizeof steps / sizeof *steps; s++) {
        for (int i = 0; i < 4; i++) {
            if (with_old_files)
                for (int f = 0; f < 4; f++)
                    cr_assert_eq(rt_write_file(files[f], "yesterday\n", 10), 0);
            char *before = listing();
            hook_step = steps[s];
            hook_index = i;
            hook_calls = 0;
            ristra__commit_test_hook = fail_at;
            int rc = score(in, &p);
            ristra__commit_test_hook = NULL;
            if (!with_old_files && strcmp(steps[s], "keep") == 0) {
                /* with nothing to keep aside the step still runs, and fails */
            }
            cr_assert_eq(rc, RISTRA_EIO, "%s of output %d: rc %d", steps[s], i, rc);
            cr_assert_not_null(strstr(ristra_last_error(), "injected"), "%s",
                               ristra_last_error());
            for (int f = 0; f < 4; f++)
                check_contents(files[f], with_old_files ? "yesterday\n" : NULL);
            char *after = listing();
            cr_assert_str_eq(after, before, "%s of output %d left files behind", steps[s], i);
            free(before), free(after);
        }
    }
    /* and with no failure, the run replaces all four */
    cr_assert_eq(score(in, &p), RISTRA_OK, "%s", ristra_last_error());
    char *names = listing();
    cr_assert_str_eq(names, "out.csv out.csv.manifest.json pop.csv rej.csv sum.csv");
    free(names);
    free_paths(&p);
    free(in);
}

Test(batch_commit, a_failure_at_any_step_leaves_the_previous_files_exactly_as_they_were)
{
    fail_everywhere(1);
}

Test(batch_commit, a_failure_at_any_step_leaves_no_file_where_there_was_none)
{
    fail_everywhere(0);
}

Test(batch_commit, a_failure_dropping_a_kept_file_still_commits_the_run)
{
    char *in = population(200);
    run_paths p = paths();
    cr_assert_eq(rt_write_file(p.sum, "yesterday\n", 10), 0);
    hook_step = "drop";
    hook_index = 2;
    hook_calls = 0;
    ristra__commit_test_hook = fail_at;
    cr_assert_eq(score(in, &p), RISTRA_OK, "%s", ristra_last_error());
    ristra__commit_test_hook = NULL;
    char *text = rt_read_file(p.sum, NULL);
    cr_assert_not_null(strstr(text, "practice,list_size"));
    free(text);
    free_paths(&p);
    free(in);
}

static int cancel_now(void *ctx, int64_t patients, uint64_t done, uint64_t total)
{
    (void)patients, (void)done, (void)total;
    return ++*(int *)ctx >= 2;
}

Test(batch_commit, a_cancelled_run_leaves_no_temporary_file)
{
    char *in = population(5000);
    run_paths p = paths();
    for (int when = 1; when <= 3; when++) {
        ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
        o.rejects_path = p.rej;
        o.summary_path = p.sum;
        ristra_population_options po = RISTRA_POPULATION_OPTIONS_INIT;
        po.block_rows = 1000;
        o.population = &po;
        int calls = 2 - when; /* cancels at the when-th call */
        o.progress = cancel_now;
        o.progress_ctx = &calls;
        cr_assert_eq(ristra_score_file(NULL, model, in, p.out, &o), RISTRA_ECANCELLED);
        char *names = listing();
        cr_assert_str_eq(names, "pop.csv", "cancelled at call %d", when);
        free(names);
    }
    free_paths(&p);
    free(in);
}

/* ------------------------------------------------------------ permissions */

static unsigned mode_of(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s", path);
    return (unsigned)(st.st_mode & 07777);
}

Test(batch_commit, outputs_are_private_by_default_and_take_the_mode_asked_for)
{
    char *in = population(200);
    run_paths p = paths();
    cr_assert_eq(score(in, &p), RISTRA_OK, "%s", ristra_last_error());
    const char *files[] = { p.out, p.rej, p.sum, p.man };
    for (int f = 0; f < 4; f++)
        cr_assert_eq(mode_of(files[f]), 0600, "%s is %o", files[f], mode_of(files[f]));
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    o.summary_path = p.sum;
    o.file_mode = 0640;
    mode_t old = umask(022); /* the test process's own umask, not the library's */
    cr_assert_eq(ristra_score_file(NULL, model, in, p.out, &o), RISTRA_OK);
    cr_assert_eq(mode_of(p.out), 0640);
    cr_assert_eq(mode_of(p.sum), 0640);
    o.file_mode = 0666; /* the umask narrows it */
    cr_assert_eq(ristra_score_file(NULL, model, in, p.out, &o), RISTRA_OK);
    cr_assert_eq(mode_of(p.out), 0644);
    umask(old);
    o.file_mode = 01777;
    cr_assert_eq(ristra_score_file(NULL, model, in, p.out, &o), RISTRA_EINVAL);
    free_paths(&p);
    free(in);
}

/* Files created on several threads at once get exactly the mode asked for
 * (no umask(0); umask(m) probe): tests/tsan/tsan_commit_threads.c, which
 * runs in this build, the ASan build and under ThreadSanitizer. */

/* ------------------------------------------------------------ what an output may be */

static void refused(const char *in, const char *out, const char *rejects, const char *word)
{
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    o.rejects_path = rejects;
    o.manifest_path = "";
    cr_assert_eq(ristra_score_file(NULL, model, in, out, &o), RISTRA_EINVAL, "%s %s", out,
                 rejects ? rejects : "");
    cr_assert_not_null(strstr(ristra_last_error(), word), "%s", ristra_last_error());
}

Test(batch_commit, special_files_at_an_output_path_are_refused_before_any_work)
{
    char *in = population(100);
    char *out = rt_join(dir, "out.csv"), *sub = rt_join(dir, "adir"),
         *fifo = rt_join(dir, "fifo"), *sock = rt_join(dir, "sock");
    cr_assert_eq(mkdir(sub, 0700), 0);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
    cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0, "%s", strerror(errno));
    refused(in, out, sub, "is a directory");
    refused(in, "/dev/null", NULL, "/dev/null is a character device");
    refused(in, out, fifo, "FIFO");
    refused(in, sock, NULL, "socket");
    close(fd);
    char *names = listing();
    cr_assert_str_eq(names, "adir fifo pop.csv sock");
    free(names), free(out), free(sub), free(fifo), free(sock), free(in);
}

Test(batch_commit, symbolic_links_at_an_output_path_are_refused_and_the_target_kept)
{
    char *in = population(100);
    char *out = rt_join(dir, "out.csv"), *target = rt_join(dir, "target.csv"),
         *to_stdout = rt_join(dir, "to_stdout");
    cr_assert_eq(rt_write_file(target, "kept\n", 5), 0);
    cr_assert_eq(symlink(target, out), 0);
    cr_assert_eq(symlink("/proc/self/fd/1", to_stdout), 0);
    refused(in, out, NULL, "symbolic link");
    refused(in, to_stdout, NULL, "symbolic link");
    check_contents(target, "kept\n");
    free(out), free(target), free(to_stdout), free(in);
}

Test(batch_commit, an_output_that_is_the_input_is_refused_however_it_is_reached)
{
    char *in = population(100);
    char *link_to_in = rt_join(dir, "link.csv"), *hard = rt_join(dir, "hard.csv"),
         *spelled = rt_join(dir, "./pop.csv");
    cr_assert_eq(symlink(in, link_to_in), 0);
    cr_assert_eq(link(in, hard), 0);
    refused(in, spelled, NULL, "same file");
    refused(in, hard, NULL, "same file");
    refused(link_to_in, in, NULL, "same file"); /* the input through a link */
    run_paths p = paths();
    refused(in, p.out, p.out, "same file");
    free_paths(&p);
    free(link_to_in), free(hard), free(spelled), free(in);
}

/* ------------------------------------------------------------ threshold */

Test(batch_commit, too_many_rejects_fail_the_run_with_counts_by_reason_and_write_nothing)
{
    /* a synthetic file whose two NHS numbers are broken (check digit) */
    char *in = population(2);
    char *text = rt_read_file(in, NULL);
    for (char *line = strchr(text, '\n'); line && line[1]; line = strchr(line + 1, '\n'))
        line[10] = line[10] == '9' ? '0' : (char)(line[10] + 1);
    cr_assert_eq(rt_write_file(in, text, strlen(text)), 0);
    free(text);
    run_paths p = paths();
    cr_assert_eq(rt_write_file(p.out, "yesterday\n", 10), 0);
    cr_assert_eq(score(in, &p), RISTRA_ETHRESHOLD);
    cr_assert_not_null(strstr(ristra_last_error(), "2 of 2 rows rejected"), "%s",
                       ristra_last_error());
    cr_assert_not_null(strstr(ristra_last_error(), "invalid NHS number 2"), "%s",
                       ristra_last_error());
    check_contents(p.out, "yesterday\n");
    char *names = listing();
    cr_assert_str_eq(names, "out.csv pop.csv");
    free(names);
    free_paths(&p);
    free(in);
}

/* 20,000 copies of one patient: each later copy is a rejected duplicate.
 * Reading the rejects must grow the feed's arrays geometrically (a few
 * reallocations per block), not once per rejected row, which made this
 * file take 30 s under ASan. A count, not a time. */
Test(batch_commit, many_repeats_of_one_nhs_number_cost_a_few_reallocations)
{
    char *in = population(1);
    char *text = rt_read_file(in, NULL);
    char *row = strchr(text, '\n') + 1;
    size_t head = (size_t)(row - text), len = strlen(row);
    enum { COPIES = 20000 };
    char *big = malloc(head + len * COPIES + 1), *o = big;
    memcpy(o, text, head), o += head;
    for (int i = 0; i < COPIES; i++)
        memcpy(o, row, len), o += len;
    cr_assert_eq(rt_write_file(in, big, (size_t)(o - big)), 0);
    free(big), free(text);
    run_paths p = paths();
    ristra_score_file_options opts = RISTRA_SCORE_FILE_OPTIONS_INIT;
    opts.rejects_path = p.rej;
    opts.max_reject_rate = 1.0;
    int64_t before = ristra__feed_grow_count;
    cr_assert_eq(ristra_score_file(NULL, model, in, p.out, &opts), RISTRA_OK, "%s",
                 ristra_last_error());
    int64_t grew = ristra__feed_grow_count - before;
    cr_assert_lt(grew, 64, "%lld reallocations for %d rows", (long long)grew, COPIES);
    char *rej = rt_read_file(p.rej, NULL);
    int64_t lines = 0;
    for (const char *c = rej; *c; c++)
        lines += *c == '\n';
    cr_assert_eq(lines, COPIES); /* the header and 19,999 duplicates */
    free(rej);
    free_paths(&p);
    free(in);
}

Test(batch_commit, too_few_scored_fails_the_run)
{
    char *in = population(50);
    run_paths p = paths();
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    o.min_scored = 51;
    cr_assert_eq(ristra_score_file(NULL, model, in, p.out, &o), RISTRA_ETHRESHOLD);
    cr_assert_not_null(strstr(ristra_last_error(), "fewer than min_scored 51"), "%s",
                       ristra_last_error());
    o.min_scored = 50;
    cr_assert_eq(ristra_score_file(NULL, model, in, p.out, &o), RISTRA_OK);
    free_paths(&p);
    free(in);
}

/* ------------------------------------------------------------ hostile text */

static void check_field(const char *in, int flags, const char *want)
{
    char *got = ristra__csv_text(in, flags);
    cr_assert_str_eq(got, want, "field [%s]", in);
    free(got);
}

Test(batch_commit, text_that_a_spreadsheet_would_evaluate_is_guarded)
{
    check_field("=HYPERLINK(\"x\")", 0, "\"'=HYPERLINK(\"\"x\"\")\"");
    check_field("+1", 0, "\"'+1\"");
    check_field("-2+3", 0, "\"'-2+3\"");
    check_field("@SUM(A1)", 0, "\"'@SUM(A1)\"");
    check_field("\tcmd", 0, "\"'\tcmd\"");
    check_field("\rcmd", 0, "\"'\rcmd\"");
    check_field("-", 0, "-"); /* the default name of "no tier" */
    check_field("top 5%", 0, "top 5%");
    check_field("a=b", 0, "a=b");
    check_field("", 0, "");
}

Test(batch_commit, control_characters_from_the_input_are_escaped)
{
    check_field("bad \x1b[31mred\x1b[0m", RISTRA__CSV_ESCAPE_CONTROLS,
                "bad \\x1b[31mred\\x1b[0m");
    check_field("\tcmd", RISTRA__CSV_ESCAPE_CONTROLS, "\\x09cmd");
    check_field("=1,2", RISTRA__CSV_ESCAPE_CONTROLS, "\"'=1,2\"");
    check_field("two\nlines", RISTRA__CSV_ESCAPE_CONTROLS, "two\\x0alines");
}

Test(batch_commit, tier_names_that_look_like_formulas_are_guarded_in_the_list_and_summary)
{
    char *in = population(300);
    run_paths p = paths();
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    o.summary_path = p.sum;
    static const double cut[] = { 0.5 };
    static const char *const name[] = { "=cmd|'/C calc'!A0" };
    o.n_tiers = 1;
    o.tier_cut_points = cut;
    o.tier_names = name;
    o.untiered_name = "@rest";
    cr_assert_eq(ristra_score_file(NULL, model, in, p.out, &o), RISTRA_OK, "%s",
                 ristra_last_error());
    char *list = rt_read_file(p.out, NULL), *sum = rt_read_file(p.sum, NULL);
    cr_assert_not_null(strstr(list, ",\"'=cmd|'/C calc'!A0\"\n"));
    cr_assert_not_null(strstr(list, ",\"'@rest\"\n"));
    cr_assert_null(strstr(list, ",=cmd"));
    cr_assert_not_null(strstr(sum, ",\"'=cmd|'/C calc'!A0\","));
    free(list), free(sum);
    free_paths(&p);
    free(in);
}
