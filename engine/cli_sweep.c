/*
 * cli_sweep.c — `runoff sweep SCENARIO --vary KEY=SPEC ... --out FILE`.
 *
 * Every point of the grid and the output are validated before the first
 * draw, so a bad value at the end of a range fails in a second, not after
 * an hour. Rows are appended to FILE.partial and flushed as points finish,
 * in grid order; FILE gets them (atomically, through cli_out) only when
 * every row is there, so the final name never holds an incomplete sweep,
 * and an interrupted sweep keeps its finished rows for --resume.
 *
 * FILE.partial is locked (flock) for the sweep's lifetime, and starts with
 * "# KEY VALUE" lines recording everything that determines its rows, which
 * --resume compares with its own before trusting a single row: mixing rows
 * of two settings in one file would be silent and undetectable later.
 *
 * With --shard I/N only a contiguous range of the points runs, and FILE
 * gets a part for `runoff merge` (cli_shard.h): the same settings lines,
 * the shard and its points, the CSV header and the rows. A part is small
 * and rerun whole, so it has no partial file and no --resume.
 *
 * Under mpirun (make MPI=1) rank k runs shard k of N of the points into
 * memory and rank 0 writes them all, in point order, to FILE at the end:
 * the same bytes, without a partial file (and so without --resume).
 */
#define _DEFAULT_SOURCE /* flock */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_shard.h"

static const char sweep_help[] =
    "usage: runoff sweep SCENARIO --vary KEY=SPEC [--vary KEY=SPEC ...] --out FILE [options]\n"
    "\n"
    "Simulate every point of a grid of scenario variants and write one CSV row\n"
    "per point, in grid order. SPEC is a range start:stop:step (stop included),\n"
    "a date range 2022-04-11:2022-04-23:1d, or a list a,b,c. KEY is any value\n"
    "--set accepts. Several --vary make the cartesian product (first slowest);\n"
    "--zip pairs them instead. A `sweep:` section in the scenario adds axes.\n"
    "All points use the same seed and random streams (common random numbers).\n"
    "\n"
    "options:\n"
    "  -V, --vary KEY=SPEC     an axis of the grid (repeatable)\n"
    "      --zip               pair the axes' values instead of the product\n"
    "  -o, --out FILE          the CSV (required); rows go to FILE.partial,\n"
    "                          locked while the sweep runs, and FILE replaces\n"
    "                          its target atomically when the sweep is complete\n"
    "                          (a device, FIFO or - is written row by row)\n"
    "      --resume            continue an interrupted sweep from FILE.partial,\n"
    "                          which must have been written with the same\n"
    "                          scenario, --seed, --draws, --set, --vary, --zip\n"
    "      --shard I/N         run only shard I of N (1 <= I <= N) of the points\n"
    "                          and write a part to FILE for 'runoff merge', which\n"
    "                          writes the whole sweep's CSV; the grid may then have\n"
    "                          N times the usual most points\n"
    "  -t, --threads N         worker threads (default: online cores); with more\n"
    "                          points than threads, points run in parallel\n"
    "  -n, --draws N           draws per point (default: simulation.draws)\n"
    "  -s, --seed N            random seed (default: simulation.seed)\n"
    "  -S, --set KEY=VALUE     override a scenario value for every point\n"
    "  -q, --quiet             no progress line\n"
    "      --progress          progress line even when stderr is not a terminal\n"
    "      --strict            refuse a scenario (exit 2) that has a warning\n"
    "  -h, --help              this help\n";

enum { OPT_ZIP = CLI_OPT_FIRST, OPT_RESUME, OPT_SHARD };

static const struct option sweep_options[] = {
    {"vary", required_argument, NULL, 'V'},
    {"zip", no_argument, NULL, OPT_ZIP},
    {"out", required_argument, NULL, 'o'},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"shard", required_argument, NULL, OPT_SHARD},
    CLI_SIM_OPTIONS,
    CLI_COMMON_OPTIONS,
};

typedef struct {
    cli_list varies;
    const char *out;
    bool zip, resume;
    uint64_t shard_index, shard_count; /* --shard I/N: I - 1, N; N = 0 without */
    cli_common common;
} sweep_args;

static int sweep_option(void *ctx, int c, const char *arg)
{
    sweep_args *a = ctx;
    switch (c) {
    case 'V':
        if (!cli_list_push(&a->varies, arg)) {
            cli_errorf("out of memory");
            return CLI_FAIL;
        }
        break;
    case OPT_ZIP: a->zip = true; break;
    case 'o': a->out = arg; break;
    case OPT_RESUME: a->resume = true; break;
    case OPT_SHARD:
        return cli_parse_shard("--shard", arg, &a->shard_index, &a->shard_count) ? CLI_OK
                                                                                 : CLI_USAGE;
    default: return -1;
    }
    return CLI_OK;
}

static int parse_args(int argc, char **argv, sweep_args *a, const char **scenario)
{
    int st = cli_parse_options("sweep", sweep_help, argc, argv, ":V:o:t:n:s:S:qh", sweep_options,
                               &a->common, sweep_option, a);
    if (st != CLI_OK)
        return st;
    if (cli_one_scenario("sweep", argc, argv, scenario) != CLI_OK)
        return CLI_USAGE;
    if (a->out == NULL) {
        cli_errorf("sweep needs --out FILE (see 'runoff sweep --help')");
        return CLI_USAGE;
    }
    if (a->resume && a->shard_count > 0) {
        cli_errorf("--shard has no --resume: run the shard again");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* The document (file + --set) and the grid (sweep: section + --vary);
 * every point validated. *hash: the file's document, before --set. */
static int build(const char *path, const sweep_args *a, runoff_doc **doc_out,
                 runoff_sweep **sw_out, uint64_t *hash)
{
    runoff_error err = {0};
    runoff_doc *doc = runoff_doc_parse_file(path, &err);
    runoff_sweep *sw = runoff_sweep_alloc();
    runoff_scenario *s = NULL;
    if (doc == NULL || sw == NULL)
        goto fail;
    *hash = runoff_doc_hash(doc);
    for (size_t i = 0; i < a->common.sets.n; i++)
        if (runoff_doc_set(doc, a->common.sets.items[i], &err) != RUNOFF_OK)
            goto fail;
    if ((s = runoff_scenario_from_doc(doc, &err)) == NULL)
        goto fail;
    int warned = cli_warnings(s, a->common.strict);
    runoff_scenario_free(s);
    if (warned != CLI_OK) {
        runoff_sweep_free(sw);
        runoff_doc_free(doc);
        return warned;
    }
    if (runoff_sweep_add_from_doc(sw, doc, &err) != RUNOFF_OK)
        goto fail;
    for (size_t i = 0; i < a->varies.n; i++)
        if (runoff_sweep_add(sw, a->varies.items[i], &err) != RUNOFF_OK)
            goto fail;
    runoff_sweep_set_zip(sw, a->zip);
    if (a->shard_count > 0)
        runoff_sweep_set_max_points(sw, RUNOFF_SWEEP_MAX_POINTS * (size_t)a->shard_count);
    if (runoff_sweep_finish(sw, &err) != RUNOFF_OK)
        goto fail;
    size_t n = runoff_sweep_n_points(sw), lo = 0, hi = n;
    if (a->shard_count > 0) { /* a shard validates its own points */
        lo = (size_t)runoff_shard_begin(n, a->shard_index, a->shard_count);
        hi = (size_t)runoff_shard_begin(n, a->shard_index + 1, a->shard_count);
    }
    for (size_t i = lo; i < hi; i++) {
        if ((s = runoff_sweep_scenario(sw, doc, i, &err)) == NULL)
            goto fail;
        runoff_scenario_free(s);
    }
    *doc_out = doc;
    *sw_out = sw;
    return CLI_OK;
fail:
    runoff_sweep_free(sw);
    runoff_doc_free(doc);
    if (err.status == RUNOFF_OK) {
        cli_errorf("out of memory");
        return CLI_FAIL;
    }
    return cli_report_error(&err);
}

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

/* The first line of every partial file; the settings follow as
 * "# KEY VALUE" lines, in the order of setting_keys. */
#define PARTIAL_TITLE "# runoff sweep partial file: complete it with --resume, or delete it\n"

static const char *const setting_keys[] = {"version", "scenario", "seed", "draws",
                                           "set",     "vary",     "zip"};

static int setting_rank(const char *line)
{
    for (int k = 0; k < (int)(sizeof setting_keys / sizeof *setting_keys); k++) {
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

/* Everything that determines the rows, besides the grid's own columns
 * (checked row by row): the engine's version, the scenario file's
 * fingerprint (which covers its simulation: and sweep: sections), --seed,
 * --draws, every --set and --vary in order, and --zip. */
typedef struct {
    const sweep_args *args;
    uint64_t scenario_hash;
} sweep_settings;

static int write_settings(FILE *m, const void *ctx, size_t unused)
{
    (void)unused;
    const sweep_settings *ss = ctx;
    const sweep_args *a = ss->args;
    fprintf(m, PARTIAL_TITLE "# version %s\n# scenario fnv1a64:%016llx\n", RUNOFF_VERSION,
            (unsigned long long)ss->scenario_hash);
    if (a->common.sim.has_seed)
        fprintf(m, "# seed %llu\n", (unsigned long long)a->common.sim.seed);
    else
        fputs("# seed scenario\n", m);
    if (a->common.sim.draws != 0)
        fprintf(m, "# draws %llu\n", (unsigned long long)a->common.sim.draws);
    else
        fputs("# draws scenario\n", m);
    const cli_list *lists[2] = {&a->common.sets, &a->varies};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < lists[l]->n; i++) {
            fputs(l == 0 ? "# set " : "# vary ", m);
            put_escaped(m, lists[l]->items[i]);
            fputc('\n', m);
        }
    return fprintf(m, "# zip %s\n", a->zip ? "yes" : "no") < 0;
}

/* A settings line as the user would say it, e.g. "--seed 7", into buf. */
static const char *describe(const char *line, char *buf, size_t size)
{
    int k = setting_rank(line);
    const char *v = k < 0 ? line : line + 3 + strlen(setting_keys[k]);
    int n = (int)strcspn(v, "\n");
    bool scenario = strncmp(v, "scenario\n", 9) == 0;
    switch (k) {
    case 0: snprintf(buf, size, "runoff %.*s", n, v); break;
    case 2:
    case 3:
        if (scenario)
            snprintf(buf, size, "the scenario's %s", setting_keys[k]);
        else
            snprintf(buf, size, "--%s %.*s", setting_keys[k], n, v);
        break;
    case 6: snprintf(buf, size, "%s", v[0] == 'y' ? "--zip" : "no --zip"); break;
    case 4:
    case 5: snprintf(buf, size, "--%s %.*s", setting_keys[k], n, v); break;
    default: snprintf(buf, size, "'%.*s'", n, v);
    }
    return buf;
}

/* Compare the settings lines at the start of fp with this sweep's (want);
 * false after printing the first difference. *end: where they end. */
static bool check_settings(FILE *fp, const char *partial, const char *want, long *end)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, fp);
    bool ok = false;
    char was[1024], now[1024];
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
        int rs = stored ? setting_rank(line) : 99, rw = *w ? setting_rank(w) : 99;
        if (rs == 1 && rw == 1)
            cli_errorf("%s: cannot resume: the scenario file has changed since it was written "
                       "(fingerprint %.*s then, %.*s now); restore it, or delete the partial "
                       "file to start again",
                       partial, (int)strcspn(line + 11, "\n"), line + 11,
                       (int)strcspn(w + 11, "\n"), w + 11);
        else if (rs == rw)
            cli_errorf("%s: cannot resume: it was written with %s, this sweep has %s; use the "
                       "same settings, or delete it to start again",
                       partial, describe(line, was, sizeof was), describe(w, now, sizeof now));
        else if (rs < rw)
            cli_errorf("%s: cannot resume: it was written with %s, which this sweep does not "
                       "have; use the same settings, or delete it to start again",
                       partial, describe(line, was, sizeof was));
        else
            cli_errorf("%s: cannot resume: this sweep has %s, which it was written without; "
                       "use the same settings, or delete it to start again",
                       partial, describe(w, now, sizeof now));
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

/* FILE.partial, open and locked (flock, released when fp is closed) for
 * the sweep's lifetime, so that a second sweep on the same file stops at
 * once instead of interleaving rows. */
typedef struct {
    char *path;
    FILE *fp;
    long data_start; /* where the CSV starts, after the settings */
    long first;      /* rows already there (resume) */
} partial_file;

static const char ANOTHER_SWEEP[] =
    "%s: another sweep is writing it; wait for it to end, or stop it and run again with "
    "--resume";

/* A new partial file: written and locked under a temporary name, then
 * linked into place, so it never exists unlocked or without its settings
 * and header, and two sweeps starting together cannot both create it.
 * Returns CLI_OK, -1 if it appeared meanwhile (open it instead), or an
 * exit status after printing why. */
static int partial_create(partial_file *pf, const char *settings, const runoff_sweep *sw)
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
static int partial_reopen(partial_file *pf, int fd, bool resume, const char *settings,
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

static int partial_open(partial_file *pf, bool resume, const char *settings,
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

/* The CSV part of the partial file into the final output (an atomic
 * cli_out), then the partial file removed. */
static bool partial_finish(partial_file *pf, cli_out *out)
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

/* Where rows go: each is flushed (and, in FILE.partial, synced) as it
 * arrives, so an interruption at any moment leaves whole rows there. */
typedef struct {
    FILE *fp;
    const runoff_sweep *sw;
    bool sync;       /* a file (not a device): fsync each row */
    int write_errno; /* 0, or why a row could not be written */
} sweep_rows;

static int write_row(void *ctx, size_t point, const runoff_scenario *s, const runoff_result *r)
{
    sweep_rows *out = ctx;
    if (runoff_write_sweep_row(out->fp, out->sw, point, s, r) != 0 || fflush(out->fp) != 0 ||
        (out->sync && fsync(fileno(out->fp)) != 0)) {
        out->write_errno = errno;
        return -1;
    }
    return 0;
}

/* Resolve --out and its partial file before the first draw, and refuse
 * either when it is the scenario or the other. A regular file (or a link
 * to one) gets a partial file beside its target; anything else (a device,
 * a FIFO, standard output) is written directly, row by row, and cannot be
 * resumed. */
static int resolve_outputs(const char *scenario, const sweep_args *a, cli_out *out,
                           partial_file *pf)
{
    int st = cli_out_resolve(out, "--out", a->out);
    if (st != CLI_OK)
        return st;
    cli_file files[3] = {{.what = "scenario", .path = scenario}, cli_out_file(out)};
    cli_file_id_of_input(scenario, &files[0].id);
    size_t n = 2;
    if (out->kind != CLI_OUT_ATOMIC) {
        if (a->resume) {
            cli_errorf("--resume needs --out to be a regular file; %s is not one", a->out);
            return CLI_USAGE;
        }
        return cli_files_check(files, n);
    }
    size_t plen = strlen(out->dest) + sizeof ".partial";
    if ((pf->path = malloc(plen)) == NULL) {
        cli_errorf("out of memory");
        return CLI_FAIL;
    }
    snprintf(pf->path, plen, "%s.partial", out->dest);
    cli_out probe;
    st = cli_out_resolve(&probe, "partial file", pf->path);
    if (st == CLI_OK && probe.kind != CLI_OUT_ATOMIC) {
        cli_errorf("%s: is not a regular file, expected the sweep's partial file", pf->path);
        st = CLI_USAGE;
    }
    if (st == CLI_OK) {
        files[n++] = cli_out_file(&probe);
        files[n - 1].path = pf->path;
        st = cli_files_check(files, n);
    }
    cli_out_abort(&probe);
    return st;
}

/* --shard: the shard's points into a part for runoff merge (cli_shard.h),
 * written atomically like any output. */
static int sweep_shard(const char *path, const sweep_args *a, runoff_doc *doc,
                       const runoff_sweep *sw, uint64_t hash)
{
    cli_out out = {0};
    char *inputs[] = {(char *)path};
    int status = cli_out_resolve_against(&out, "--out", a->out, inputs, 1, NULL);
    if (status != CLI_OK || !cli_out_open(&out)) {
        cli_out_abort(&out);
        return status != CLI_OK ? status : CLI_FAIL;
    }
    sweep_settings ss = {a, hash};
    char *settings = render_with(write_settings, &ss, 0);
    size_t n = runoff_sweep_n_points(sw);
    size_t lo = (size_t)runoff_shard_begin(n, a->shard_index, a->shard_count);
    size_t hi = (size_t)runoff_shard_begin(n, a->shard_index + 1, a->shard_count);
    status = CLI_FAIL;
    if (settings == NULL) {
        cli_errorf("out of memory");
        goto done;
    }
    /* the sweep's own settings lines, under the part's title */
    fputs(CLI_SHARD_SWEEP_TITLE, out.fp);
    fputs(settings + strlen(PARTIAL_TITLE), out.fp);
    fprintf(out.fp, "# shard %llu/%llu points %zu-%zu of %zu\n",
            (unsigned long long)a->shard_index + 1, (unsigned long long)a->shard_count, lo, hi, n);
    if (runoff_write_sweep_header(out.fp, sw) != 0) {
        cli_errorf("%s: write failed: %s", a->out, strerror(errno));
        goto done;
    }
    cli_progress bar;
    cli_common_progress((cli_common *)&a->common, &bar, "sweeping");
    bar.per_unit = RUNOFF_SWEEP_PROGRESS_UNIT;
    bar.unit = "points";
    sweep_rows rows_out = {.fp = out.fp, .sw = sw};
    runoff_error err = {0};
    size_t rows = 0;
    runoff_status st = runoff_sweep_run_range(sw, doc, lo, hi, &a->common.sim, write_row,
                                              &rows_out, &rows, &err);
    cli_progress_done(&bar);
    if (rows_out.write_errno != 0)
        cli_errorf("%s: write failed: %s", a->out, strerror(rows_out.write_errno));
    else if (st != RUNOFF_OK)
        status = cli_report_error(&err);
    else
        status = cli_out_commit(&out) ? CLI_OK : CLI_FAIL;
done:
    cli_out_abort(&out);
    free(settings);
    return status;
}

/* Under mpirun: this rank's share of the points, gathered on rank 0,
 * which writes the CSV. */
static int sweep_mpi(const char *path, const sweep_args *a, runoff_doc *doc,
                     const runoff_sweep *sw)
{
    const bool writer = cli_mpi_rank() == 0;
    cli_out out = {0};
    int status = CLI_OK;
    if (a->resume || a->shard_count > 0) {
        if (writer)
            cli_errorf("%s is for one process; under mpirun the ranks share the points and "
                       "the CSV is written whole",
                       a->resume ? "--resume" : "--shard");
        status = CLI_USAGE;
    }
    char *inputs[] = {(char *)path};
    if (status == CLI_OK && writer &&
        ((status = cli_out_resolve_against(&out, "--out", a->out, inputs, 1, NULL)) == CLI_OK &&
         !cli_out_open(&out)))
        status = CLI_FAIL;
    if ((status = cli_mpi_agree(status)) != CLI_OK) {
        cli_out_abort(&out);
        return status;
    }
    size_t n = runoff_sweep_n_points(sw);
    size_t lo = (size_t)runoff_shard_begin(n, (uint64_t)cli_mpi_rank(), (uint64_t)cli_mpi_size());
    size_t hi =
        (size_t)runoff_shard_begin(n, (uint64_t)cli_mpi_rank() + 1, (uint64_t)cli_mpi_size());
    char *text = NULL, *all = NULL;
    size_t len = 0, total = 0, rows = 0;
    FILE *m = open_memstream(&text, &len);
    sweep_rows rows_out = {.fp = m, .sw = sw};
    runoff_error err = {0};
    cli_progress bar;
    cli_common quiet = a->common;
    quiet.quiet = a->common.quiet || !writer;
    cli_common_progress(&quiet, &bar, "sweeping");
    bar.per_unit = RUNOFF_SWEEP_PROGRESS_UNIT;
    bar.unit = "points";
    runoff_status st = m == NULL ? RUNOFF_ENOMEM
                                 : runoff_sweep_run_range(sw, doc, lo, hi, &quiet.sim, write_row,
                                                          &rows_out, &rows, &err);
    cli_progress_done(&bar);
    bool ok = m != NULL && fclose(m) == 0 && st == RUNOFF_OK;
    if (st != RUNOFF_OK && m != NULL)
        cli_report_error(&err);
    bool all_ok = false;
    all = cli_mpi_gather_rows(text, len, ok, &total, &all_ok);
    status = ok ? CLI_OK : st == RUNOFF_EINPUT ? CLI_USAGE : CLI_FAIL;
    if (writer && ok) {
        status = CLI_FAIL;
        if (!all_ok)
            cli_errorf("a rank failed (its message is above): %s was not written", a->out);
        else if (runoff_write_sweep_header(out.fp, sw) != 0 ||
                 fwrite(all, 1, total, out.fp) != total || ferror(out.fp))
            cli_errorf("%s: write failed: %s", a->out, strerror(errno));
        else
            status = cli_out_commit(&out) ? CLI_OK : CLI_FAIL;
    }
    cli_out_abort(&out);
    free(text);
    free(all);
    return status;
}

int cli_sweep(int argc, char **argv)
{
    sweep_args a = {0};
    const char *path = NULL;
    int status = parse_args(argc, argv, &a, &path);
    runoff_doc *doc = NULL;
    runoff_sweep *sw = NULL;
    cli_out out = {0};
    partial_file pf = {0};
    char *settings = NULL;
    uint64_t hash = 0;
    if (status != CLI_OK)
        goto done;
    if ((status = build(path, &a, &doc, &sw, &hash)) != CLI_OK)
        goto done;
    if (cli_mpi_size() > 1) {
        status = sweep_mpi(path, &a, doc, sw);
        goto done;
    }
    if (a.shard_count > 0) {
        status = sweep_shard(path, &a, doc, sw, hash);
        goto done;
    }
    if ((status = resolve_outputs(path, &a, &out, &pf)) != CLI_OK)
        goto done;
    status = CLI_FAIL;
    size_t n_points = runoff_sweep_n_points(sw);
    FILE *rows_fp = NULL;
    if (out.kind == CLI_OUT_ATOMIC) {
        sweep_settings ss = {&a, hash};
        if ((settings = render_with(write_settings, &ss, 0)) == NULL) {
            cli_errorf("out of memory");
            goto done;
        }
        if ((status = partial_open(&pf, a.resume, settings, sw)) != CLI_OK)
            goto done;
        status = CLI_FAIL;
        rows_fp = pf.fp;
    } else {
        if (!cli_out_open(&out))
            goto done;
        if (runoff_write_sweep_header(out.fp, sw) != 0 || fflush(out.fp) != 0) {
            cli_errorf("%s: write failed: %s", a.out, strerror(errno));
            goto done;
        }
        rows_fp = out.fp;
    }

    cli_progress bar;
    cli_common_progress(&a.common, &bar, "sweeping");
    bar.per_unit = RUNOFF_SWEEP_PROGRESS_UNIT;
    bar.unit = "points";
    sweep_rows rows_out = {.fp = rows_fp, .sw = sw, .sync = pf.fp != NULL};
    runoff_error err = {0};
    size_t rows = 0;
    runoff_status st = runoff_sweep_run(sw, doc, (size_t)pf.first, &a.common.sim, write_row,
                                        &rows_out, &rows, &err);
    cli_progress_done(&bar);
    const char *where = pf.path != NULL ? pf.path : a.out;
    if (rows_out.write_errno != 0) {
        cli_errorf("%s: write failed: %s", where, strerror(rows_out.write_errno));
        goto done;
    }
    if (st != RUNOFF_OK) {
        status = cli_report_error(&err);
        if (cli_interrupted && pf.path != NULL)
            cli_errorf("interrupted after %zu of %zu points; the finished rows are in %s: "
                       "run again with --resume to complete it",
                       (size_t)pf.first + rows, n_points, pf.path);
        goto done;
    }
    if (out.kind == CLI_OUT_ATOMIC ? !partial_finish(&pf, &out) : !cli_out_commit(&out))
        goto done;
    status = CLI_OK;
done:
    cli_out_abort(&out);
    if (pf.fp != NULL)
        fclose(pf.fp);
    free(pf.path);
    free(settings);
    runoff_sweep_free(sw);
    runoff_doc_free(doc);
    cli_list_free(&a.varies);
    cli_common_free(&a.common);
    return cli_exit_status(status);
}
