/*
 * cli_harness.h — running the runoff binary from cmocka tests.
 *
 * Each test runs the real program (RUNOFF_BIN, default build/runoff) in a
 * child process with files for stdin/stdout/stderr, then checks the exit
 * status, what was printed and which files exist. Each test program that
 * includes this gets its own temporary directory (cli_setup/cli_teardown
 * as the group fixtures). Header-only: every function is static.
 */
#ifndef RO_CLI_HARNESS_H
#define RO_CLI_HARNESS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runoff.h"
#include "testutil.h"

static char tmpdir[256];

typedef struct {
    int status;      /* exit status, or 128+signal */
    char *out, *err; /* NUL-terminated contents */
    size_t out_len;
} run_result;

static inline char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t k;
    while ((k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static inline const char *bin(void)
{
    const char *b = getenv("RUNOFF_BIN");
    return b ? b : "build/runoff";
}

/* Run runoff with argv (NULL-terminated, without the program name).
 * stdin_path may be NULL (/dev/null). stdout_path NULL = capture file.
 * If kill_after_ms > 0, send cli_signal (SIGINT unless changed) after
 * that delay. */
static int cli_signal = SIGINT;
/* Or, when cli_kill_file is set: send cli_signal as soon as that file
 * holds cli_kill_lines complete lines (no race with how fast the machine
 * is: e.g. interrupt a sweep once its first row is written). */
static const char *cli_kill_file;
static int cli_kill_lines;

static inline int count_lines(const char *path)
{
    FILE *f = fopen(path, "rb");
    int n = 0, c;
    if (f == NULL)
        return 0;
    while ((c = getc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static inline run_result run_ex(const char *stdin_path, const char *stdout_path, int kill_after_ms,
                         const char *const *args)
{
    char out_path[512], err_path[512];
    snprintf(out_path, sizeof out_path, "%s/stdout", tmpdir);
    snprintf(err_path, sizeof err_path, "%s/stderr", tmpdir);
    const char *argv[64];
    int n = 0;
    argv[n++] = bin();
    for (; args[n - 1] != NULL && n < 63; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY);
        int out = open(stdout_path ? stdout_path : out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st;
    if (cli_kill_file != NULL) {
        const struct timespec tick = {0, 2000000L};
        while (waitpid(pid, &st, WNOHANG) == 0) {
            if (count_lines(cli_kill_file) >= cli_kill_lines) {
                kill(pid, cli_signal);
                break;
            }
            nanosleep(&tick, NULL);
        }
    } else if (kill_after_ms > 0) {
        struct timespec ts = {kill_after_ms / 1000, (kill_after_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, cli_signal);
    }
    waitpid(pid, &st, 0);
    run_result r = {0};
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = stdout_path ? strdup("") : slurp(out_path, &r.out_len);
    r.err = slurp(err_path, NULL);
    return r;
}

#define RUN(...) run_ex(NULL, NULL, 0, (const char *const[]){__VA_ARGS__, NULL})

static inline void run_free(run_result *r)
{
    free(r->out);
    free(r->err);
}

static inline void assert_contains(const char *hay, const char *needle)
{
    if (hay == NULL || strstr(hay, needle) == NULL) {
        print_error("expected to find \"%s\" in:\n%s\n", needle, hay ? hay : "(null)");
        fail();
    }
}

static inline char *path_in_tmp(const char *name)
{
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

static inline bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* No file in tmpdir other than the listed ones (catches leftover
 * temporaries from atomic writes). */
static inline int count_tmp_leftovers(void)
{
    DIR *d = opendir(tmpdir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp") != NULL)
            n++;
    closedir(d);
    return n;
}

/* n bytes of text written to the test directory as name; returns its
 * path. */
static inline const char *write_to_tmp(const char *name, const char *text, size_t n)
{
    const char *path = path_in_tmp(name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* A copy of src in the test directory, as name; returns its path. */
static inline const char *copy_to_tmp(const char *src, const char *name)
{
    size_t n = 0;
    char *text = slurp(src, &n);
    assert_non_null(text);
    const char *path = write_to_tmp(name, text, n);
    free(text);
    return path;
}

/* A child that copies what it reads from the FIFO at fifo into the file
 * got, and gives up after 10 s (so a program that never opens the FIFO
 * fails a test instead of hanging it). Returns its pid. */
static inline pid_t fifo_reader(const char *fifo, const char *got)
{
    pid_t reader = fork();
    assert_true(reader >= 0);
    if (reader == 0) {
        alarm(10);
        int in = open(fifo, O_RDONLY), out = open(got, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        char buf[4096];
        ssize_t n;
        while ((n = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)n) != n)
                _exit(1);
        _exit(0);
    }
    return reader;
}

static inline int cli_setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/runoff-test-cli-XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static inline int cli_teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}


#endif /* RO_CLI_HARNESS_H */
