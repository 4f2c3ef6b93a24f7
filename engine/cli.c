/*
 * cli.c — main(), the command table and the helpers every subcommand
 * shares: error printing, strict number parsing, progress, signal
 * handling. Outputs are cli_out.c's.
 *
 * Commands are data (git's git.c): adding one is a row in the table and a
 * cli_<name>.c file. SIGPIPE is ignored so that a closed stdout
 * (`runoff run ... | head -1`) becomes a write error we can report and turn
 * into exit status 1, instead of a silent death by signal.
 *
 * The terminating signals a user or a supervisor sends (INT, TERM, HUP,
 * QUIT) never leave a temporary file behind and end the program as the
 * signal would, status 128+n. While a simulation runs, the first one only
 * asks it to stop (cli_interrupted, polled by the progress callback), so
 * that the command can say what was kept (a sweep's finished rows); at any
 * other moment, or at a second signal, the handler removes the temporary
 * files itself and dies at once: loading a huge scenario is interruptible
 * too.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

volatile sig_atomic_t cli_interrupted;
static volatile sig_atomic_t cancellable;

static const int terminating_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/* Remove temporary files and end as sig would; async-signal-safe. SIGQUIT
 * exits 128+n instead of dumping core: there is nothing to debug. */
static void die_by(int sig)
{
    cli_out_remove_temps();
    if (sig != SIGQUIT) {
        sigset_t set;
        signal(sig, SIG_DFL);
        sigemptyset(&set);
        sigaddset(&set, sig);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        raise(sig);
    }
    _exit(128 + sig);
}

static void on_signal(int sig)
{
    if (cancellable && !cli_interrupted) {
        cli_interrupted = sig;
        return;
    }
    die_by(sig);
}

void cli_errorf(const char *fmt, ...)
{
    /* Messages quote paths and arguments, which can hold anything. */
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    runoff_text_make_inert(msg, sizeof msg);
    fprintf(stderr, "runoff: %s\n", msg);
}

int cli_report_error(const runoff_error *err)
{
    char buf[2048];
    cli_errorf("%s", runoff_error_format(err, buf, sizeof buf));
    return err->status == RUNOFF_EINPUT ? CLI_USAGE : CLI_FAIL;
}

bool cli_parse_u64(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    /* strtoull would skip leading white space and take a sign. */
    if (text == NULL || text[0] < '0' || text[0] > '9') {
        cli_errorf("%s expects a whole number from %llu to %llu, got '%s'", opt,
                   (unsigned long long)min, (unsigned long long)max, text ? text : "");
        return false;
    }
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max) {
        cli_errorf("%s expects a whole number from %llu to %llu, got '%s'", opt,
                   (unsigned long long)min, (unsigned long long)max, text);
        return false;
    }
    *out = v;
    return true;
}

bool cli_list_push(cli_list *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        const char **items = realloc(l->items, cap * sizeof *items);
        if (items == NULL)
            return false;
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = s;
    return true;
}

void cli_list_free(cli_list *l)
{
    free(l->items);
    memset(l, 0, sizeof *l);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A live progress is also the window in which a signal stops the run
 * instead of killing the program: its callback polls cli_interrupted. */
void cli_progress_init(cli_progress *p, bool enabled, const char *what)
{
    cancellable = 1;
    p->enabled = enabled;
    p->start = p->last = now_seconds();
    p->what = what;
    p->per_unit = 1;
    p->unit = "draws";
}

int cli_progress_cb(void *ctx, uint64_t done, uint64_t total)
{
    cli_progress *p = ctx;
    if (cli_interrupted)
        return 1;
    if (p == NULL || !p->enabled || total == 0)
        return 0;
    double t = now_seconds();
    if (t - p->last < 0.2 && done < total)
        return 0;
    p->last = t;
    double frac = (double)done / (double)total;
    double elapsed = t - p->start;
    double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
    int width = 30, filled = (int)(frac * width + 0.5);
    fprintf(stderr, "\r%s [%.*s%*s] %5.1f%%  %llu/%llu %s  ETA %.0fs ", p->what, filled,
            "##############################", width - filled, "", 100 * frac,
            (unsigned long long)(done / p->per_unit), (unsigned long long)(total / p->per_unit),
            p->unit, eta);
    fflush(stderr);
    return 0;
}

void cli_progress_done(cli_progress *p)
{
    cancellable = 0;
    if (p->enabled)
        fputs("\r\033[K", stderr);
}

int cli_sim_option(int c, const char *arg, runoff_sim_options *sim)
{
    uint64_t v;
    switch (c) {
    case 't':
        if (!cli_parse_u64("--threads", arg, 1, 256, &v))
            return CLI_USAGE;
        sim->threads = (unsigned)v;
        return CLI_OK;
    case 'n':
        if (!cli_parse_u64("--draws", arg, 1, UINT64_C(1000000000000), &v))
            return CLI_USAGE;
        sim->draws = v;
        return CLI_OK;
    case 's':
        if (!cli_parse_u64("--seed", arg, 0, UINT64_MAX, &v))
            return CLI_USAGE;
        sim->seed = v;
        sim->has_seed = 1;
        return CLI_OK;
    default:
        return -1;
    }
}

int cli_bad_option(const char *cmd, int c, char **argv)
{
    cli_errorf(c == ':' ? "option '%s' needs a value (see 'runoff %s --help')"
                        : "unknown option '%s' (see 'runoff %s --help')",
               argv[optind - 1], cmd);
    return CLI_USAGE;
}

int cli_one_scenario(const char *cmd, int argc, char **argv, const char **scenario)
{
    if (optind >= argc) {
        cli_errorf("%s needs a scenario file (see 'runoff %s --help')", cmd, cmd);
        return CLI_USAGE;
    }
    if (optind != argc - 1) {
        cli_errorf("%s takes one scenario file, got %d arguments", cmd, argc - optind);
        return CLI_USAGE;
    }
    *scenario = argv[optind];
    return CLI_OK;
}

int cli_parse_options(const char *cmd, const char *help, int argc, char **argv,
                      const char *shortopts, const struct option *longopts, cli_common *common,
                      cli_option_fn own, void *ctx)
{
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        int st = -1;
        switch (c) {
        case 'S':
            if (!cli_list_push(&common->sets, optarg)) {
                cli_errorf("out of memory");
                return CLI_FAIL;
            }
            continue;
        case 'q': common->quiet = true; continue;
        case CLI_OPT_PROGRESS: common->force_progress = true; continue;
        case CLI_OPT_STRICT: common->strict = true; continue;
        case 'h':
            fputs(help, stdout);
            return -1;
        case ':':
        case '?':
            return cli_bad_option(cmd, c, argv);
        default:
            st = cli_sim_option(c, optarg, &common->sim);
            if (st < 0 && own != NULL)
                st = own(ctx, c, optarg);
        }
        if (st != CLI_OK)
            return st < 0 ? cli_bad_option(cmd, c, argv) : st;
    }
    return CLI_OK;
}

void cli_common_free(cli_common *common) { cli_list_free(&common->sets); }

int cli_exit_status(int status)
{
    if (status >= 0)
        return status;
    return fflush(stdout) == 0 && !ferror(stdout) ? CLI_OK : CLI_FAIL;
}

void cli_common_progress(cli_common *common, cli_progress *p, const char *what)
{
    cli_progress_init(p, !common->quiet && (common->force_progress || isatty(STDERR_FILENO)),
                      what);
    common->sim.progress = cli_progress_cb;
    common->sim.progress_ctx = p;
}

int cli_warnings(const runoff_scenario *s, bool strict)
{
    runoff_error err = {0};
    runoff_warnings *w = runoff_warnings_alloc(s, &err);
    if (w == NULL)
        return cli_report_error(&err);
    size_t n = runoff_warnings_count(w);
    for (size_t i = 0; i < n; i++) {
        char line[1200];
        cli_errorf("%s", runoff_warning_format(runoff_warnings_get(w, i), line, sizeof line));
    }
    runoff_warnings_free(w);
    if (n == 0 || !strict)
        return CLI_OK;
    cli_errorf("--strict: %zu warning%s, refusing the scenario", n, n == 1 ? "" : "s");
    return CLI_USAGE;
}

runoff_scenario *cli_load(const char *path, const cli_common *common, int *status,
                          runoff_doc **doc_out)
{
    const cli_list *sets = &common->sets;
    runoff_error err = {0};
    runoff_scenario *s = NULL;
    runoff_doc *doc = runoff_doc_parse_file(path, &err);
    for (size_t i = 0; doc != NULL && i < sets->n; i++)
        if (runoff_doc_set(doc, sets->items[i], &err) != RUNOFF_OK)
            goto done;
    if (doc != NULL)
        s = runoff_scenario_from_doc(doc, &err);
done:
    if (s == NULL)
        *status = cli_report_error(&err);
    else if ((*status = cli_warnings(s, common->strict)) != CLI_OK) {
        runoff_scenario_free(s);
        s = NULL;
    }
    if (s != NULL && doc_out != NULL)
        *doc_out = doc;
    else
        runoff_doc_free(doc);
    return s;
}

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"run", cli_run, "simulate a scenario and report the forecast"},
    {"check", cli_check, "validate a scenario and summarise what was loaded"},
    {"sweep", cli_sweep, "simulate a grid of scenario variants into one CSV"},
    {"backtest", cli_backtest, "score forecasts of scenarios with an actual result"},
    {"calibrate", cli_calibrate, "fit the regional error on past elections"},
    {"merge", cli_merge, "put the parts of a sharded run or sweep together"},
    {"sensitivity", cli_sensitivity, "rank the inputs by their effect on the outcome"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: runoff <command> [options]\n"
            "       runoff --help | --version\n"
            "\n"
            "Monte Carlo simulation of a two-candidate run-off from a YAML scenario.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "'runoff <command> --help' describes a command's options.\n"
            "Exit status: 0 ok, 1 runtime failure, 2 bad usage or input, 128+n\n"
            "after signal n (temporary files removed).\n"
            "Scenario format: docs/scenario.md; model: docs/model.md.\n");
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof terminating_signals / sizeof *terminating_signals; i++)
        sigaddset(&sa.sa_mask, terminating_signals[i]);
    for (size_t i = 0; i < sizeof terminating_signals / sizeof *terminating_signals; i++)
        sigaction(terminating_signals[i], &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return fflush(stdout) == 0 && !ferror(stdout) ? CLI_OK : CLI_FAIL;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("runoff %s\n", RUNOFF_VERSION);
        return fflush(stdout) == 0 && !ferror(stdout) ? CLI_OK : CLI_FAIL;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(cmd, commands[i].name) != 0)
            continue;
        cli_mpi_init(&argc, &argv);
        int status = commands[i].fn(argc - 1, argv + 1);
        cli_mpi_finalize();
        if (cli_interrupted) {
            fflush(stdout);
            die_by(cli_interrupted);
        }
        return status;
    }
    char names[256] = "";
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                 commands[i].name);
    cli_errorf("unknown command '%s' (commands: %s; see 'runoff --help')", cmd, names);
    return CLI_USAGE;
}
