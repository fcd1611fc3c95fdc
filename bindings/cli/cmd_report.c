/* ristra report: the report of a recorded run, from its manifest, over
 * ristra_report_from_manifest(). */
#include <stdio.h>

#include <ristra/ristra.h>
#include <ristra/report.h>

#include "cli.h"

static const char USAGE[] =
    "usage: ristra report --manifest M --output-dir D [--unsuppressed] [--baseline B]\n"
    "                     [--title TEXT]\n"
    "\n"
    "Writes the report of the run that the manifest M (written by `ristra score`)\n"
    "records, into the existing directory D: D/index.html for the area and\n"
    "D/practice-<code>.html per practice, as `ristra score --report-dir D` would\n"
    "have (docs/report.md). The model file and the input must be the bytes the\n"
    "run read (their SHA-256 are checked against the manifest's; nothing is\n"
    "written otherwise); the run is repeated with the options it records, and\n"
    "the pages show its manifest's hash and start time.\n"
    "\n"
    "  --manifest M      the run's manifest\n"
    "  --output-dir D    the directory to write the pages into (must exist)\n"
    "  --unsuppressed    exact counts on the practice pages (the area page keeps\n"
    "                    small-number suppression)\n"
    "  --baseline B      a baseline run's manifest: the pages show the drift flags\n"
    "  --title TEXT      the pages' heading\n";

static int run(int argc, char **argv)
{
    const char *manifest = NULL, *dir = NULL, *pos[1];
    int npos = 0, unsuppressed = 0;
    ristra_report_options o = RISTRA_REPORT_OPTIONS_INIT;
    cli_option opts[] = {
        { "manifest", &manifest, NULL },         { "output-dir", &dir, NULL },
        { "unsuppressed", NULL, &unsuppressed }, { "baseline", &o.baseline_manifest, NULL },
        { "title", &o.title, NULL },             { NULL, NULL, NULL },
    };
    int rc = cli_parse("report", USAGE, argc, argv, opts, pos, 0, &npos);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    if (!manifest || !dir)
        return cli_usage_error("report", USAGE, "--manifest and --output-dir are required");
    o.suppress_practice = !unsuppressed;
    rc = ristra_report_from_manifest(manifest, dir, &o);
    if (rc)
        return cli_fail("report", rc, "nothing written");
    printf("wrote the report of %s into %s/index.html\n", cli_esc(manifest), cli_esc(dir));
    return CLI_OK;
}

const cli_command cli_cmd_report = { "report", "write the report of a recorded run", run };
