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
 * FILE.partial (locked for the sweep's lifetime, its settings lines, what
 * --resume checks) is cli_sweep_partial.c's; this file runs the sweep and
 * writes the rows.
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
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_shard.h"
#include "cli_sweep_partial.h"

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

/* The points [*lo, *hi) of n that part index of count gets (a shard, or
 * an MPI rank). */
static void part_points(size_t n, uint64_t index, uint64_t count, size_t *lo, size_t *hi)
{
    *lo = (size_t)runoff_shard_begin(n, index, count);
    *hi = (size_t)runoff_shard_begin(n, index + 1, count);
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
    if (a->shard_count > 0) /* a shard validates its own points */
        part_points(n, a->shard_index, a->shard_count, &lo, &hi);
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

/* This sweep's settings lines (cli_sweep_partial_settings), or NULL if
 * out of memory. */
static char *settings_of(const sweep_args *a, uint64_t hash)
{
    cli_sweep_settings ss = {hash, &a->common.sim, &a->common.sets, &a->varies, a->zip};
    return cli_sweep_partial_settings(&ss);
}

/* The progress line, counted in points; its callback goes into c->sim. */
static void points_progress(cli_common *c, cli_progress *bar)
{
    cli_common_progress(c, bar, "sweeping");
    bar->per_unit = RUNOFF_SWEEP_PROGRESS_UNIT;
    bar->unit = "points";
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
                           cli_sweep_partial *pf)
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
static int sweep_shard(const char *path, sweep_args *a, runoff_doc *doc, const runoff_sweep *sw,
                       uint64_t hash)
{
    cli_out out = {0};
    char *inputs[] = {(char *)path};
    int status = cli_out_resolve_against(&out, "--out", a->out, inputs, 1, NULL);
    if (status != CLI_OK || !cli_out_open(&out)) {
        cli_out_abort(&out);
        return status != CLI_OK ? status : CLI_FAIL;
    }
    char *settings = settings_of(a, hash);
    size_t n = runoff_sweep_n_points(sw), lo, hi;
    part_points(n, a->shard_index, a->shard_count, &lo, &hi);
    status = CLI_FAIL;
    if (settings == NULL) {
        cli_errorf("out of memory");
        goto done;
    }
    /* the sweep's own settings lines, under the part's title */
    fputs(CLI_SHARD_SWEEP_TITLE, out.fp);
    fputs(settings + strlen(CLI_SWEEP_PARTIAL_TITLE), out.fp);
    fprintf(out.fp, "# shard %llu/%llu points %zu-%zu of %zu\n",
            (unsigned long long)a->shard_index + 1, (unsigned long long)a->shard_count, lo, hi, n);
    if (runoff_write_sweep_header(out.fp, sw) != 0) {
        cli_errorf("%s: write failed: %s", a->out, strerror(errno));
        goto done;
    }
    cli_progress bar;
    points_progress(&a->common, &bar);
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

/* Under mpirun, on rank 0: the CSV of every rank's rows (all, total
 * bytes), if every rank succeeded. */
static int write_gathered(cli_out *out, const sweep_args *a, const runoff_sweep *sw,
                          const char *all, size_t total, bool all_ok)
{
    if (!all_ok)
        cli_errorf("a rank failed (its message is above): %s was not written", a->out);
    else if (runoff_write_sweep_header(out->fp, sw) != 0 ||
             fwrite(all, 1, total, out->fp) != total || ferror(out->fp))
        cli_errorf("%s: write failed: %s", a->out, strerror(errno));
    else
        return cli_out_commit(out) ? CLI_OK : CLI_FAIL;
    return CLI_FAIL;
}

/* Under mpirun: rank 0 opens --out, once every rank agrees the sweep can
 * run (no --resume, no --shard). */
static int mpi_open(const char *path, const sweep_args *a, cli_out *out, bool writer)
{
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
        ((status = cli_out_resolve_against(out, "--out", a->out, inputs, 1, NULL)) == CLI_OK &&
         !cli_out_open(out)))
        status = CLI_FAIL;
    return cli_mpi_agree(status);
}

/* Under mpirun: this rank's share of the points, gathered on rank 0,
 * which writes the CSV. */
static int sweep_mpi(const char *path, const sweep_args *a, runoff_doc *doc,
                     const runoff_sweep *sw)
{
    const bool writer = cli_mpi_rank() == 0;
    cli_out out = {0};
    int status = mpi_open(path, a, &out, writer);
    if (status != CLI_OK) {
        cli_out_abort(&out);
        return status;
    }
    size_t lo, hi;
    part_points(runoff_sweep_n_points(sw), (uint64_t)cli_mpi_rank(), (uint64_t)cli_mpi_size(),
                &lo, &hi);
    char *text = NULL, *all = NULL;
    size_t len = 0, total = 0, rows = 0;
    FILE *m = open_memstream(&text, &len);
    sweep_rows rows_out = {.fp = m, .sw = sw};
    runoff_error err = {0};
    cli_progress bar;
    cli_common quiet = a->common;
    quiet.quiet = a->common.quiet || !writer;
    points_progress(&quiet, &bar);
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
    if (writer && ok)
        status = write_gathered(&out, a, sw, all, total, all_ok);
    cli_out_abort(&out);
    free(text);
    free(all);
    return status;
}

/* Where the rows of a whole sweep go: for a regular file, the partial
 * file (new, or resumed), which has the settings and the CSV header; else
 * --out itself, after the CSV header. */
static int open_rows(const sweep_args *a, const runoff_sweep *sw, uint64_t hash, cli_out *out,
                     cli_sweep_partial *pf, FILE **rows_fp)
{
    if (out->kind == CLI_OUT_ATOMIC) {
        char *settings = settings_of(a, hash);
        if (settings == NULL) {
            cli_errorf("out of memory");
            return CLI_FAIL;
        }
        int status = cli_sweep_partial_open(pf, a->resume, settings, sw);
        free(settings);
        *rows_fp = pf->fp;
        return status;
    }
    if (!cli_out_open(out))
        return CLI_FAIL;
    if (runoff_write_sweep_header(out->fp, sw) != 0 || fflush(out->fp) != 0) {
        cli_errorf("%s: write failed: %s", a->out, strerror(errno));
        return CLI_FAIL;
    }
    *rows_fp = out->fp;
    return CLI_OK;
}

/* The points not written yet into rows_fp, then --out committed; an
 * interrupted sweep says how to resume it. */
static int run_rows(sweep_args *a, runoff_doc *doc, const runoff_sweep *sw, cli_out *out,
                    cli_sweep_partial *pf, FILE *rows_fp)
{
    cli_progress bar;
    points_progress(&a->common, &bar);
    sweep_rows rows_out = {.fp = rows_fp, .sw = sw, .sync = pf->fp != NULL};
    runoff_error err = {0};
    size_t rows = 0;
    runoff_status st = runoff_sweep_run(sw, doc, (size_t)pf->first, &a->common.sim, write_row,
                                        &rows_out, &rows, &err);
    cli_progress_done(&bar);
    const char *where = pf->path != NULL ? pf->path : a->out;
    if (rows_out.write_errno != 0) {
        cli_errorf("%s: write failed: %s", where, strerror(rows_out.write_errno));
        return CLI_FAIL;
    }
    if (st != RUNOFF_OK) {
        int status = cli_report_error(&err);
        if (cli_interrupted && pf->path != NULL)
            cli_errorf("interrupted after %zu of %zu points; the finished rows are in %s: "
                       "run again with --resume to complete it",
                       (size_t)pf->first + rows, runoff_sweep_n_points(sw), pf->path);
        return status;
    }
    bool done = out->kind == CLI_OUT_ATOMIC ? cli_sweep_partial_finish(pf, out)
                                            : cli_out_commit(out);
    return done ? CLI_OK : CLI_FAIL;
}

/* The whole grid into --out, through FILE.partial (resumable) when --out
 * is a regular file, else row by row. */
static int sweep_whole(const char *path, sweep_args *a, runoff_doc *doc, const runoff_sweep *sw,
                       uint64_t hash)
{
    cli_out out = {0};
    cli_sweep_partial pf = {0};
    FILE *rows_fp = NULL;
    int status = resolve_outputs(path, a, &out, &pf);
    if (status == CLI_OK)
        status = open_rows(a, sw, hash, &out, &pf, &rows_fp);
    if (status == CLI_OK)
        status = run_rows(a, doc, sw, &out, &pf, rows_fp);
    cli_out_abort(&out);
    if (pf.fp != NULL)
        fclose(pf.fp);
    free(pf.path);
    return status;
}

int cli_sweep(int argc, char **argv)
{
    sweep_args a = {0};
    const char *path = NULL;
    runoff_doc *doc = NULL;
    runoff_sweep *sw = NULL;
    uint64_t hash = 0;
    int status = parse_args(argc, argv, &a, &path);
    if (status == CLI_OK)
        status = build(path, &a, &doc, &sw, &hash);
    if (status == CLI_OK)
        status = cli_mpi_size() > 1  ? sweep_mpi(path, &a, doc, sw)
                 : a.shard_count > 0 ? sweep_shard(path, &a, doc, sw, hash)
                                     : sweep_whole(path, &a, doc, sw, hash);
    runoff_sweep_free(sw);
    runoff_doc_free(doc);
    cli_list_free(&a.varies);
    cli_common_free(&a.common);
    return cli_exit_status(status);
}
