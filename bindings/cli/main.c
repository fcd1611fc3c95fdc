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
    fprintf(f, "usage: ristra COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(f, "  %-10s %s\n", "version", "print the library version");
    fprintf(f, "\n`ristra COMMAND --help` describes a command's options.\n");
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
        return CLI_OK;
    }
    if (!strcmp(name, "version") || !strcmp(name, "--version")) {
        printf("ristra %s\n", ristra_version_string());
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(name, commands[i]->name))
            return commands[i]->run(argc - 1, argv + 1);
    fprintf(stderr, "ristra: unknown command \"%s\"\n", name);
    usage(stderr);
    return CLI_USAGE;
}
