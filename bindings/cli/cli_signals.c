/* SIGINT, SIGTERM and SIGHUP become the library's cancellation: the
 * handler only notes the signal; the progress callback of a running
 * command sees it and returns non-zero, the library removes its temporary
 * files and returns RISTRA_ECANCELLED, and the command exits 128 + the
 * signal's number (130, 143, 129). The handler says so on standard error
 * (write(2) is async-signal-safe). A second signal exits at once
 * (_exit, 128 + its number), leaving whatever temporaries exist. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static volatile sig_atomic_t received;

static void on_signal(int sig)
{
    static const char msg[] = "\nristra: stopping (removing temporary files); signal again "
                              "to exit at once\n";
    if (received)
        _exit(128 + sig);
    received = sig;
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1); /* async-signal-safe */
    (void)ignored;
}

void cli_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; /* reads and writes go on; the callback stops the run */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int cli_signal_received(void)
{
    return (int)received;
}

const char *cli_signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "a signal";
}
