/* ristra: the command-line front end. `ristra help` lists the commands. */
#include <stdio.h>
#include <string.h>

#include <ristra/ristra.h>

#include "cli.h"

#define CLI_COMMAND(name) extern const cli_command cli_cmd_##name;
#include "cli_commands.h"
#undef CLI_COMMAND

static const cli_command *const commands[] = {
#define CLI_COMMAND(name) &cli_cmd_##name,
#include "cli_commands.h"
#undef CLI_COMMAND
};

static void usage(FILE *f)
{
    fprintf(f, "usage: ristra COMMAND [OPTIONS]\n"
               "       ristra --version | -V\n"
               "       ristra --help | -h\n\n"
               "Scores registered GP practice populations for risk of emergency hospital\n"
               "admission in the next 12 months, ranks each practice's patients and\n"
               "writes the ranked lists, the per-practice summaries and the rejected rows.\n"
               "The tool is a thin front end over libristra; each command has its own\n"
               "manual page.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-14s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(f, "  %-14s %s\n", "version", "print the version of ristra and of its library");
    fprintf(f, "  %-14s %s\n", "help", "print this text");
    fprintf(f, "\noptions:\n"
               "  -V, --version  print the version of ristra and of its library, then exit\n"
               "  -h, --help     print this text, then exit\n"
               "\n`ristra COMMAND --help` describes a command's options.\n");
}

static int version(void)
{
    printf("ristra %s (libristra %s)\n", RISTRA_VERSION_STRING, ristra_version_string());
    return CLI_OK;
}

int main(int argc, char **argv)
{
    if (ristra_version() / 10000 != RISTRA_VERSION_MAJOR) {
        fprintf(stderr, "ristra: libristra %s does not match this tool (%s)\n",
                ristra_version_string(), RISTRA_VERSION_STRING);
        return CLI_FAILED;
    }
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h")) {
        usage(stdout);
        printf("\nThe manual: man ristra (and man ristra-COMMAND for each command)\n");
        return CLI_OK;
    }
    if (!strcmp(name, "version") || !strcmp(name, "--version") || !strcmp(name, "-V"))
        return version();
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(name, commands[i]->name))
            return commands[i]->run(argc - 1, argv + 1);
    fprintf(stderr, "ristra: unknown command \"%s\" (see ristra --help)\n", cli_esc(name));
    return CLI_USAGE;
}
