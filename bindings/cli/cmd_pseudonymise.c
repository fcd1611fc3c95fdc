/* ristra pseudonymise: replace NHS numbers by keyed pseudonyms. */
#include <stdio.h>
#include <string.h>

#include <ristra/ristra.h>
#include <ristra/identifiers.h>

#include "cli.h"

static const char USAGE[] =
    "usage: ristra pseudonymise --key-file K --input F --output G\n"
    "                           [--id-column C] [--encoding base64url|hex] [--length N]\n"
    "\n"
    "Copies the population file F to G with every NHS number replaced by its\n"
    "pseudonym: the first N characters of HMAC-SHA-256 under the key in K (the\n"
    "whole file, 32 to 1024 bytes, readable by its owner only: make one with\n"
    "`head -c 32 /dev/urandom > K; chmod 600 K`). The column is renamed\n"
    "pseudonym; every other byte is kept. The same key gives the same pseudonym\n"
    "for the same patient, so the practice holding K re-links a list scored with\n"
    "--id-kind pseudonym to its patients by pseudonymising its own list with K.\n"
    "A row without a valid NHS number gets an empty pseudonym (scoring rejects\n"
    "it by line). G is written whole or not at all, mode 0600; the key is never\n"
    "printed. See docs/population-files.md, \"Pseudonymised files\".\n"
    "\n"
    "  --key-file K     the key (kept secret by the practice)\n"
    "  --input F        the population file (CSV or CSV.gz)\n"
    "  --output G       the pseudonymised file (gzip when G ends in .gz)\n"
    "  --id-column C    the NHS number column of F (default nhs_number)\n"
    "  --encoding E     base64url (default) or hex\n"
    "  --length N       characters kept: 16..43 for base64url, 16..64 for hex\n"
    "                   (default 32)\n"
    "  --quiet          print nothing on success\n";

static int run(int argc, char **argv)
{
    const char *key = NULL, *input = NULL, *output = NULL, *encoding = NULL, *length = NULL;
    const char *pos[1];
    int quiet = 0, npos;
    ristra_pseudonymise_options o = RISTRA_PSEUDONYMISE_OPTIONS_INIT;
    cli_option opts[] = {
        { "key-file", &key, NULL },      { "input", &input, NULL },
        { "output", &output, NULL },     { "id-column", &o.id_column, NULL },
        { "encoding", &encoding, NULL }, { "length", &length, NULL },
        { "quiet", NULL, &quiet },       { NULL, NULL, NULL }
    };
    int rc = cli_parse("pseudonymise", USAGE, argc, argv, opts, pos, 0, &npos);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    if (!key || !input || !output)
        return cli_usage_error("pseudonymise", USAGE,
                               "--key-file, --input and --output are required");
    if (encoding) {
        if (!(o.encoding = ristra_pseudonym_encoding_from_string(encoding)))
            return cli_usage_error("pseudonymise", USAGE,
                                   "--encoding must be base64url or hex, not %s", encoding);
    }
    if (length) {
        int64_t v;
        if ((rc = cli_parse_int64("pseudonymise", "--length", length, &v)))
            return rc;
        o.length = v > 0 && v <= 64 ? (int)v : -1;   /* the library names the range */
    }
    ristra_pseudonymise_totals t = RISTRA_PSEUDONYMISE_TOTALS_INIT;
    rc = ristra_pseudonymise_file(&t, input, output, key, &o);
    if (rc == RISTRA_EINVAL)
        return cli_usage_error("pseudonymise", USAGE, "%s", ristra_last_error());
    if (rc)
        return cli_fail("pseudonymise", rc, "nothing written");
    if (!quiet)
        printf("Pseudonymised %lld of %lld rows of %s into %s (%lld without a valid NHS "
               "number, left empty).\n",
               (long long)t.n_pseudonymised, (long long)t.n_rows, cli_esc(input), cli_esc(output),
               (long long)t.n_invalid);
    return CLI_OK;
}

const cli_command cli_cmd_pseudonymise = { "pseudonymise",
                                           "replace NHS numbers by keyed pseudonyms", run };
