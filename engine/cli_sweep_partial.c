/*
 * cli_sweep_partial.c — a sweep's partial file, FILE.partial: created
 * locked, checked and cut back to its whole rows by --resume, and copied
 * into FILE when the sweep is complete (cli_sweep.c runs the sweep and
 * writes the rows).
 *
 * FILE.partial is locked (flock) for the sweep's lifetime, and starts with
 * "# KEY VALUE" lines recording everything that determines its rows, which
 * --resume compares with its own before trusting a single row: mixing rows
 * of two settings in one file would be silent and undetectable later. A
 * difference is told as the user would say it ("--seed 7").
 */
#define _DEFAULT_SOURCE /* flock */
#include "cli_sweep_partial.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* What write(m, ctx, arg) prints, as a string (NULL if out of memory or
 * if write failed). */
typedef int (*render_fn)(FILE *m, const void *ctx, size_t arg);

static char *render_with(render_fn write, const void *ctx, size_t arg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL)
        return NULL;
    int rc = write(m, ctx, arg);
    if (fclose(m) != 0 || rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int write_header_or_keys(FILE *m, const void *sw, size_t point)
{
    return point == SIZE_MAX ? runoff_write_sweep_header(m, sw)
                             : runoff_write_sweep_keys(m, sw, point);
}

/* The header (point == SIZE_MAX) or one point's key columns, exactly as
 * the writers print them, for comparison with a file being resumed. */
static char *render(const runoff_sweep *sw, size_t point)
{
    return render_with(write_header_or_keys, sw, point);
}

/* ------------------------------------------------------------ settings */

/* The settings follow the title (CLI_SWEEP_PARTIAL_TITLE) as "# KEY VALUE"
 * lines, in the order of setting_keys. */
#define PARTIAL_TITLE CLI_SWEEP_PARTIAL_TITLE

enum {
    SETTING_VERSION,
    SETTING_SCENARIO,
    SETTING_SEED,
    SETTING_DRAWS,
    SETTING_SET,
    SETTING_VARY,
    SETTING_ZIP,
    N_SETTINGS /* also the rank of "no line": after every setting */
};

static const char *const setting_keys[] = {
    [SETTING_VERSION] = "version", [SETTING_SCENARIO] = "scenario", [SETTING_SEED] = "seed",
    [SETTING_DRAWS] = "draws",     [SETTING_SET] = "set",           [SETTING_VARY] = "vary",
    [SETTING_ZIP] = "zip"};
_Static_assert(sizeof setting_keys / sizeof *setting_keys == N_SETTINGS, "a key per setting");

static int setting_rank(const char *line)
{
    for (int k = 0; k < N_SETTINGS; k++) {
        size_t n = strlen(setting_keys[k]);
        if (strncmp(line + 2, setting_keys[k], n) == 0 && line[2 + n] == ' ')
            return k;
    }
    return -1;
}

/* text with bytes that could break a line (controls, DEL) and backslash
 * written as \xHH, so every value stays on its line. */
static void put_escaped(FILE *m, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '\\')
            fprintf(m, "\\x%02X", *p);
        else
            fputc(*p, m);
    }
}

/* The settings lines of cli_sweep_settings, in the order of setting_keys
 * (the engine's version first). */
static int write_settings(FILE *m, const void *ctx, size_t unused)
{
    (void)unused;
    const cli_sweep_settings *ss = ctx;
    fprintf(m, PARTIAL_TITLE "# version %s\n# scenario fnv1a64:%016llx\n", RUNOFF_VERSION,
            (unsigned long long)ss->scenario_hash);
    if (ss->sim->has_seed)
        fprintf(m, "# seed %llu\n", (unsigned long long)ss->sim->seed);
    else
        fputs("# seed scenario\n", m);
    if (ss->sim->draws != 0)
        fprintf(m, "# draws %llu\n", (unsigned long long)ss->sim->draws);
    else
        fputs("# draws scenario\n", m);
    const cli_list *lists[2] = {ss->sets, ss->varies};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < lists[l]->n; i++) {
            fputs(l == 0 ? "# set " : "# vary ", m);
            put_escaped(m, lists[l]->items[i]);
            fputc('\n', m);
        }
    return fprintf(m, "# zip %s\n", ss->zip ? "yes" : "no") < 0;
}

char *cli_sweep_partial_settings(const cli_sweep_settings *ss)
{
    return render_with(write_settings, ss, 0);
}

/* A settings line as the user would say it, e.g. "--seed 7", into buf. */
static const char *describe(const char *line, char *buf, size_t size)
{
    int k = setting_rank(line);
    const char *v = k < 0 ? line : line + 3 + strlen(setting_keys[k]);
    int n = (int)strcspn(v, "\n");
    bool scenario = strncmp(v, "scenario\n", 9) == 0;
    switch (k) {
    case SETTING_VERSION: snprintf(buf, size, "runoff %.*s", n, v); break;
    case SETTING_SEED:
    case SETTING_DRAWS:
        if (scenario)
            snprintf(buf, size, "the scenario's %s", setting_keys[k]);
        else
            snprintf(buf, size, "--%s %.*s", setting_keys[k], n, v);
        break;
    case SETTING_ZIP: snprintf(buf, size, "%s", v[0] == 'y' ? "--zip" : "no --zip"); break;
    case SETTING_SET:
    case SETTING_VARY: snprintf(buf, size, "--%s %.*s", setting_keys[k], n, v); break;
    default: snprintf(buf, size, "'%.*s'", n, v);
    }
    return buf;
}

/* The first settings line that differs, as the partial file has it
 * (line, NULL after its last) and as this sweep has it (want, "" after
 * its last): the same setting with another value, or a setting only one
 * of them has (the lower rank is the one missing from the other). */
static void report_difference(const char *partial, const char *line, const char *want)
{
    char was[1024], now[1024];
    int rs = line != NULL ? setting_rank(line) : N_SETTINGS;
    int rw = *want ? setting_rank(want) : N_SETTINGS;
    if (rs == SETTING_SCENARIO && rw == SETTING_SCENARIO)
        cli_errorf("%s: cannot resume: the scenario file has changed since it was written "
                   "(fingerprint %.*s then, %.*s now); restore it, or delete the partial "
                   "file to start again",
                   partial, (int)strcspn(line + 11, "\n"), line + 11,
                   (int)strcspn(want + 11, "\n"), want + 11);
    else if (rs == rw)
        cli_errorf("%s: cannot resume: it was written with %s, this sweep has %s; use the "
                   "same settings, or delete it to start again",
                   partial, describe(line, was, sizeof was), describe(want, now, sizeof now));
    else if (rs < rw)
        cli_errorf("%s: cannot resume: it was written with %s, which this sweep does not "
                   "have; use the same settings, or delete it to start again",
                   partial, describe(line, was, sizeof was));
    else
        cli_errorf("%s: cannot resume: this sweep has %s, which it was written without; "
                   "use the same settings, or delete it to start again",
                   partial, describe(want, now, sizeof now));
}

/* Compare the settings lines at the start of fp with this sweep's (want);
 * false after printing the first difference. *end: where they end. */
static bool check_settings(FILE *fp, const char *partial, const char *want, long *end)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, fp);
    bool ok = false;
    *end = 0;
    if (n <= 0) {
        cli_errorf("%s: is empty, nothing to resume: delete it to start again", partial);
        goto done;
    }
    if (strcmp(line, PARTIAL_TITLE) != 0) {
        cli_errorf("%s: has no sweep settings (written by an older runoff?); cannot resume: "
                   "delete it to start again",
                   partial);
        goto done;
    }
    *end = (long)n;
    const char *w = want + strlen(PARTIAL_TITLE);
    for (;;) {
        long at = *end;
        n = getline(&line, &cap, fp);
        bool stored = n > 2 && strncmp(line, "# ", 2) == 0 && line[n - 1] == '\n';
        if (!stored && fseek(fp, at, SEEK_SET) != 0)
            break;
        if (!stored && *w == '\0') {
            ok = true;
            break;
        }
        size_t wl = strcspn(w, "\n") + 1;
        if (stored && *w != '\0' && (size_t)n == wl && strncmp(line, w, wl) == 0) {
            *end += (long)n;
            w += wl;
            continue;
        }
        report_difference(partial, stored ? line : NULL, w);
        break;
    }
done:
    free(line);
    return ok;
}

/* Check FILE.partial's rows (from offset start) against the grid; returns
 * the number of complete, matching rows and leaves fp positioned after
 * them (a torn last line is cut off), or -1 after printing why. */
static long resume_rows(FILE *fp, const char *partial, const runoff_sweep *sw, long start)
{
    char *header = render(sw, SIZE_MAX);
    char *line = NULL;
    size_t cap = 0;
    long rows = -1, good_end = start;
    ssize_t n;
    if (header == NULL) {
        cli_errorf("out of memory");
        return -1;
    }
    if ((n = getline(&line, &cap, fp)) < 0 || strcmp(line, header) != 0) {
        cli_errorf("%s: its header does not match this sweep; cannot resume", partial);
        goto done;
    }
    good_end += (long)n;
    rows = 0;
    while ((n = getline(&line, &cap, fp)) > 0 && line[n - 1] == '\n') {
        if ((size_t)rows >= runoff_sweep_n_points(sw)) {
            cli_errorf("%s: has more rows than the sweep has points; cannot resume", partial);
            rows = -1;
            goto done;
        }
        char *keys = render(sw, (size_t)rows);
        bool match = keys != NULL && strncmp(line, keys, strlen(keys)) == 0;
        free(keys);
        if (!match) {
            cli_errorf("%s: row %ld does not match point %ld of this sweep; cannot resume",
                       partial, rows + 1, rows + 1);
            rows = -1;
            goto done;
        }
        rows++;
        good_end += (long)n;
    }
    if (fflush(fp) != 0 || ftruncate(fileno(fp), good_end) != 0 ||
        fseek(fp, good_end, SEEK_SET) != 0) {
        cli_errorf("%s: %s", partial, strerror(errno));
        rows = -1;
    }
done:
    free(line);
    free(header);
    return rows;
}

/* ------------------------------------------------------- partial file */

static const char ANOTHER_SWEEP[] =
    "%s: another sweep is writing it; wait for it to end, or stop it and run again with "
    "--resume";

/* A new partial file: written and locked under a temporary name, then
 * linked into place, so it never exists unlocked or without its settings
 * and header, and two sweeps starting together cannot both create it.
 * Returns CLI_OK, -1 if it appeared meanwhile (open it instead), or an
 * exit status after printing why. */
static int partial_create(cli_sweep_partial *pf, const char *settings, const runoff_sweep *sw)
{
    size_t n = strlen(pf->path) + sizeof ".tmpXXXXXX";
    char *tmp = malloc(n);
    if (tmp == NULL) {
        cli_errorf("out of memory");
        return CLI_FAIL;
    }
    snprintf(tmp, n, "%s.tmpXXXXXX", pf->path);
    int fd = mkstemp(tmp), status = CLI_FAIL;
    if (fd >= 0)
        cli_temp_track(tmp);
    if (fd < 0 || fchmod(fd, cli_file_mode()) != 0 || flock(fd, LOCK_EX | LOCK_NB) != 0 ||
        (pf->fp = fdopen(fd, "w+")) == NULL) {
        cli_errorf("%s: cannot create: %s", pf->path, strerror(errno));
        goto done;
    }
    fd = -1;
    pf->data_start = (long)strlen(settings);
    if (fputs(settings, pf->fp) == EOF || runoff_write_sweep_header(pf->fp, sw) != 0 ||
        fflush(pf->fp) != 0) {
        cli_errorf("%s: write failed: %s", pf->path, strerror(errno));
        goto done;
    }
    if (link(tmp, pf->path) == 0) {
        status = CLI_OK;
    } else if (errno == EEXIST) {
        status = -1;
    } else {
        /* No hard links here (some file systems): create the name
         * directly; a sweep starting in the same instant may then see it
         * before it is locked and refuse it as an existing partial file. */
        int fd2 = open(pf->path, O_RDWR | O_CREAT | O_EXCL, 0666);
        if (fd2 < 0) {
            status = errno == EEXIST ? -1 : CLI_FAIL;
            if (status == CLI_FAIL)
                cli_errorf("%s: cannot create: %s", pf->path, strerror(errno));
        } else if (flock(fd2, LOCK_EX | LOCK_NB) != 0 || fclose(pf->fp) != 0 ||
                   (pf->fp = fdopen(fd2, "w+")) == NULL || fputs(settings, pf->fp) == EOF ||
                   runoff_write_sweep_header(pf->fp, sw) != 0 || fflush(pf->fp) != 0) {
            cli_errorf("%s: write failed: %s", pf->path, strerror(errno));
        } else {
            status = CLI_OK;
        }
    }
done:
    if (fd >= 0)
        close(fd);
    if (status != CLI_OK && pf->fp != NULL) {
        fclose(pf->fp);
        pf->fp = NULL;
    }
    unlink(tmp);
    cli_temp_forget(tmp);
    free(tmp);
    return status;
}

/* An existing partial file, locked and (with resume) checked. Returns
 * CLI_OK, -1 if it vanished or was replaced meanwhile (look again), or an
 * exit status after printing why. */
static int partial_reopen(cli_sweep_partial *pf, int fd, bool resume, const char *settings,
                          const runoff_sweep *sw)
{
    struct stat a, b;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            cli_errorf(ANOTHER_SWEEP, pf->path);
        else
            cli_errorf("%s: cannot lock: %s", pf->path, strerror(e));
        return e == EWOULDBLOCK ? CLI_USAGE : CLI_FAIL;
    }
    /* Renamed into place by the sweep that held the lock? */
    if (fstat(fd, &a) != 0 || stat(pf->path, &b) != 0 || a.st_dev != b.st_dev ||
        a.st_ino != b.st_ino) {
        close(fd);
        return -1;
    }
    if (!resume) {
        close(fd);
        cli_errorf("%s: exists (an interrupted sweep?): run again with --resume to complete it, "
                   "or delete it to start again",
                   pf->path);
        return CLI_USAGE;
    }
    if ((pf->fp = fdopen(fd, "r+")) == NULL) {
        cli_errorf("%s: cannot open: %s", pf->path, strerror(errno));
        close(fd);
        return CLI_FAIL;
    }
    if (!check_settings(pf->fp, pf->path, settings, &pf->data_start) ||
        (pf->first = resume_rows(pf->fp, pf->path, sw, pf->data_start)) < 0)
        return CLI_USAGE;
    return CLI_OK;
}

int cli_sweep_partial_open(cli_sweep_partial *pf, bool resume, const char *settings,
                           const runoff_sweep *sw)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        int st, fd = open(pf->path, O_RDWR);
        if (fd >= 0)
            st = partial_reopen(pf, fd, resume, settings, sw);
        else if (errno != ENOENT)
            st = CLI_FAIL, cli_errorf("%s: cannot open: %s", pf->path, strerror(errno));
        else if (resume)
            st = CLI_USAGE, cli_errorf("%s: cannot resume: %s", pf->path, strerror(ENOENT));
        else
            st = partial_create(pf, settings, sw);
        if (st >= 0)
            return st;
    }
    cli_errorf(ANOTHER_SWEEP, pf->path);
    return CLI_USAGE;
}

bool cli_sweep_partial_finish(cli_sweep_partial *pf, cli_out *out)
{
    char buf[65536];
    size_t n;
    if (!cli_out_open(out))
        return false;
    if (fflush(pf->fp) != 0 || fseek(pf->fp, pf->data_start, SEEK_SET) != 0) {
        cli_errorf("%s: %s", pf->path, strerror(errno));
        return false;
    }
    while ((n = fread(buf, 1, sizeof buf, pf->fp)) > 0)
        if (fwrite(buf, 1, n, out->fp) != n)
            break;
    if (ferror(pf->fp)) {
        cli_errorf("%s: cannot read: %s", pf->path, strerror(errno));
        return false;
    }
    if (ferror(out->fp)) {
        cli_errorf("%s: write failed: %s", out->path, strerror(errno));
        return false;
    }
    if (!cli_out_commit(out))
        return false;
    unlink(pf->path);
    return true;
}
