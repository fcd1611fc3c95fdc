/* ristra verify: re-hash the files a run manifest names, over
 * ristra_manifest_verify(). */
#include <stdio.h>
#include <string.h>

#include <ristra/ristra.h>

#include "cli.h"

static const char USAGE[] =
    "usage: ristra verify MANIFEST [--quiet]\n"
    "\n"
    "Re-hashes the model file, the input and every output that the run manifest\n"
    "MANIFEST (written by `ristra score`) names, and says for each whether it is as\n"
    "recorded, changed or missing. Exit status: 0 every file as recorded; 4 some\n"
    "changed or missing; 1 the manifest cannot be read; 2 usage.\n"
    "\n"
    "  --quiet    print only the files that changed or are missing\n";

typedef struct verify_ctx {
    int quiet;
} verify_ctx;

static void print_file(void *ctx, const char *role, const char *path, int status)
{
    const verify_ctx *v = ctx;
    static const char *const words[] = { "ok", "CHANGED", "MISSING", "not checked" };
    if (v->quiet && (status == RISTRA_VERIFY_SAME || status == RISTRA_VERIFY_NOT_CHECKED))
        return;
    printf("%-11s %-8s ", status >= 0 && status <= 3 ? words[status] : "?", role);
    cli_put_escaped(stdout, path);
    putchar('\n');
}

static int run(int argc, char **argv)
{
    const char *pos[1];
    int npos = 0;
    verify_ctx v = { 0 };
    cli_option opts[] = { { "quiet", NULL, &v.quiet }, { NULL, NULL, NULL } };
    int rc = cli_parse("verify", USAGE, argc, argv, opts, pos, 1, &npos);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    if (npos != 1)
        return cli_usage_error("verify", USAGE, "give one manifest");
    int64_t changed = 0;
    rc = ristra_manifest_verify(&changed, pos[0], print_file, &v);
    if (rc)
        return cli_fail("verify", rc, "cannot verify");
    if (changed) {
        fprintf(stderr, "ristra verify: %lld file%s changed or missing since the run\n",
                (long long)changed, changed == 1 ? "" : "s");
        return CLI_CHANGED;
    }
    return CLI_OK;
}

const cli_command cli_cmd_verify = { "verify", "check a run's files against its manifest", run };
