/*
 * cli_merge.c — `runoff merge PART...`: the parts `runoff run --shard` or
 * `runoff sweep --shard` wrote, put back together into the outputs of the
 * whole command, the same bytes.
 *
 * Before anything is written, every part must have the same title and
 * settings lines (cli_shard.h) and together the parts must be shards 1..N
 * of one N, each exactly once: a part of another scenario, seed, --set or
 * shard count, a shard given twice (an overlap) or missing (a gap) is
 * refused with exit status 2, naming the files. A run's parts carry their
 * accumulators, which add up exactly (runoff_result_load_add); a sweep's
 * carry their rows, which are written in point order under one header.
 * The parts are read one at a time, so a thousand of them need one open
 * file and one result in memory.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_shard.h"

static const char merge_help[] =
    "usage: runoff merge PART... [options]\n"
    "\n"
    "Put together the partial files written by 'runoff run --shard I/N' or\n"
    "'runoff sweep --shard I/N': every shard 1..N once, all of one scenario\n"
    "and settings. The outputs are the same bytes as the unsharded command's.\n"
    "\n"
    "options for the parts of a run (as for runoff run; default: the text\n"
    "report on stdout):\n"
    "      --csv FILE          summary statistics, tidy CSV\n"
    "      --histogram-csv FILE  histogram of the first finalist's share\n"
    "      --regions-csv FILE  per-region table\n"
    "      --trend-csv FILE    the dynamic poll model's trend\n"
    "      --json[=FILE]       JSON summary to FILE, or instead of the report\n"
    "      --html FILE         the report page (with the map when the scenario\n"
    "                          names one: its path is read, as run reads it,\n"
    "                          relative to the scenario's as the shards named it)\n"
    "      --brief             print only the headline\n"
    "options for the parts of a sweep:\n"
    "  -o, --out FILE          the sweep's CSV (default: standard output)\n"
    "  -q, --quiet             accepted, for symmetry with run and sweep\n"
    "  -h, --help              this help\n";

static const struct option merge_options[] = {
    CLI_RUN_OUTPUT_OPTIONS,
    {"out", required_argument, NULL, 'o'},
    CLI_COMMON_OPTIONS,
};

typedef struct {
    cli_run_paths paths;
    bool run_outputs;
    const char *out;
} merge_args;

static int merge_option(void *ctx, int c, const char *arg)
{
    merge_args *a = ctx;
    if (c == 'o') {
        a->out = arg;
        return CLI_OK;
    }
    if (cli_run_output_option(&a->paths, c, arg) != CLI_OK)
        return -1;
    a->run_outputs = true;
    return CLI_OK;
}

/* One part's header: its title, settings (the shard line apart) and the
 * first line of its data. */
typedef struct {
    const char *path;
    FILE *fp;
    char *title, *settings, *shard_line, *data_line;
    uint64_t index, count;       /* shard index (0-based) and count */
    uint64_t lo, hi, points;     /* a sweep's: its points [lo, hi) of points */
} part;

static void part_close(part *p)
{
    if (p->fp != NULL)
        fclose(p->fp);
    free(p->title);
    free(p->settings);
    free(p->shard_line);
    free(p->data_line);
    *p = (part){.path = p->path};
}

/* Read p's header lines: the title (else nothing more), the settings lines
 * into m, the shard line and the first line of data. */
static void read_header(part *p, FILE *m)
{
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, p->fp) > 0) {
        if (p->title == NULL) {
            if (strcmp(line, CLI_SHARD_RUN_TITLE) != 0 && strcmp(line, CLI_SHARD_SWEEP_TITLE) != 0)
                break;
            p->title = strdup(line);
        } else if (strncmp(line, "# shard ", 8) == 0 && p->shard_line == NULL) {
            p->shard_line = strdup(line);
        } else if (strncmp(line, "# ", 2) == 0) {
            fputs(line, m);
        } else {
            p->data_line = strdup(line);
            break;
        }
    }
    free(line);
}

/* "# shard I/N" with 1 <= I <= N, and for a sweep "points LO-HI of P"
 * with exactly the points shard I of N gets; sets index, count and the
 * points. False for a damaged line, or no data after it. */
static bool parse_shard_line(part *p)
{
    uint64_t i = 0;
    int used = 0;
    bool ok = p->shard_line != NULL && p->data_line != NULL &&
              sscanf(p->shard_line, "# shard %" SCNu64 "/%" SCNu64 "%n", &i, &p->count, &used) >= 2 &&
              i >= 1 && i <= p->count;
    if (ok && strcmp(p->title, CLI_SHARD_SWEEP_TITLE) == 0)
        ok = sscanf(p->shard_line + used, " points %" SCNu64 "-%" SCNu64 " of %" SCNu64, &p->lo,
                    &p->hi, &p->points) == 3 &&
             p->lo <= p->hi && p->hi <= p->points &&
             p->lo == runoff_shard_begin(p->points, i - 1, p->count) &&
             p->hi == runoff_shard_begin(p->points, i, p->count);
    p->index = i - 1;
    return ok;
}

/* Open path and read its header into *p; CLI_OK or an exit status after
 * printing why. */
static int part_open(part *p, const char *path)
{
    *p = (part){.path = path};
    if ((p->fp = fopen(path, "rb")) == NULL) {
        cli_errorf("%s: cannot open: %s", path, strerror(errno));
        return errno == ENOENT ? CLI_USAGE : CLI_FAIL;
    }
    size_t n_settings = 0;
    FILE *m = open_memstream(&p->settings, &n_settings);
    if (m == NULL) {
        cli_errorf("out of memory");
        part_close(p);
        return CLI_FAIL;
    }
    read_header(p, m);
    fclose(m);
    int status = CLI_USAGE;
    if (p->title == NULL)
        cli_errorf("%s: is not a part written by runoff run --shard or runoff sweep --shard",
                   path);
    else if (!parse_shard_line(p))
        cli_errorf("%s: its header is damaged (no valid '# shard' line or no data)", path);
    else
        status = CLI_OK;
    if (status != CLI_OK)
        part_close(p);
    return status;
}

/* The first line where a and b differ, for the message. */
static void first_difference(const char *a, const char *b, char *out_a, char *out_b, size_t size)
{
    while (*a && *a == *b) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
        if (la != lb || memcmp(a, b, la) != 0)
            break;
        a += la + (ea != NULL);
        b += lb + (eb != NULL);
    }
    snprintf(out_a, size, "%.*s", (int)strcspn(a, "\n"), *a ? a : "(nothing)");
    snprintf(out_b, size, "%.*s", (int)strcspn(b, "\n"), *b ? b : "(nothing)");
}

/* p against the first part: same kind, settings and shard count, and a
 * shard not seen yet (seen[count]). */
static int part_check(const part *p, const part *first, unsigned char *seen, const char **seen_by)
{
    if (strcmp(p->title, first->title) != 0) {
        cli_errorf("%s and %s do not belong together: one is a run's shard, the other a "
                   "sweep's",
                   first->path, p->path);
        return CLI_USAGE;
    }
    if (strcmp(p->settings, first->settings) != 0) {
        char a[256], b[256];
        first_difference(first->settings, p->settings, a, b, sizeof a);
        cli_errorf("%s and %s are not shards of the same %s: '%s' against '%s'", first->path,
                   p->path, strcmp(p->title, CLI_SHARD_RUN_TITLE) == 0 ? "run" : "sweep", a + 2,
                   b + 2);
        return CLI_USAGE;
    }
    if (p->count != first->count || p->points != first->points) {
        cli_errorf("%s and %s are shards of different splits: %" PRIu64 " and %" PRIu64
                   " shards",
                   first->path, p->path, first->count, p->count);
        return CLI_USAGE;
    }
    if (seen[p->index]) {
        cli_errorf("%s and %s are both shard %" PRIu64 "/%" PRIu64 " (an overlap): give each "
                   "shard once",
                   seen_by[p->index], p->path, p->index + 1, p->count);
        return CLI_USAGE;
    }
    seen[p->index] = 1;
    seen_by[p->index] = p->path;
    return CLI_OK;
}

static int check_coverage(const unsigned char *seen, uint64_t count)
{
    uint64_t missing = 0, first = 0;
    for (uint64_t i = 0; i < count; i++)
        if (!seen[i] && missing++ == 0)
            first = i;
    if (missing == 0)
        return CLI_OK;
    cli_errorf("shard %" PRIu64 "/%" PRIu64 " is missing (a gap)%s: give every shard's part",
               first + 1, count, missing > 1 ? ", and others" : "");
    return CLI_USAGE;
}

/* Which part holds which shard, as the parts are opened. */
typedef struct {
    unsigned char *seen;         /* [count] */
    const char **seen_by;        /* [count]: the part's path */
    size_t *order;               /* [count]: the part's position in the arguments */
} shard_set;

static void shard_set_free(shard_set *set)
{
    free(set->seen);
    free(set->seen_by);
    free(set->order);
}

/* Open paths[k] into *cur (k == 0: into *first, which sizes the set) and
 * check it against the first part. CLI_OK or an exit status after
 * printing why. */
static int shard_set_add(shard_set *set, part *first, part *cur, char **paths, size_t k)
{
    int status = part_open(cur, paths[k]);
    if (status != CLI_OK)
        return status;
    if (k == 0) {
        set->seen = calloc(first->count, 1);
        set->seen_by = calloc(first->count, sizeof *set->seen_by);
        set->order = calloc(first->count, sizeof *set->order);
        if (set->seen == NULL || set->seen_by == NULL || set->order == NULL) {
            cli_errorf("out of memory");
            return CLI_FAIL;
        }
    }
    if ((status = part_check(cur, first, set->seen, set->seen_by)) != CLI_OK)
        return status;
    set->order[cur->index] = k;
    return CLI_OK;
}

/* What a merge does with each part once it is checked: k is its position
 * in the arguments, and cur is first when k == 0. CLI_OK or an exit status
 * after printing why. */
typedef int (*part_visit)(void *ctx, part *first, part *cur, size_t k);

/* Open the parts in turn into *first and a second slot, check each against
 * the first (shard_set_add), hand it to visit and close it, all but the
 * first, which the caller closes; then check that the shards cover 1..N. */
static int for_each_part(char **paths, size_t n, part *first, shard_set *set, part_visit visit,
                         void *ctx)
{
    part p = {0};
    int status = CLI_OK;
    for (size_t k = 0; k < n && status == CLI_OK; k++) {
        part *cur = k == 0 ? first : &p;
        if ((status = shard_set_add(set, first, cur, paths, k)) == CLI_OK)
            status = visit(ctx, first, cur, k);
        if (k > 0)
            part_close(&p);
    }
    return status != CLI_OK ? status : check_coverage(set->seen, first->count);
}

/* ----------------------------------------------------------------- run */

/* The scenario's bytes that follow a run part's header. */
static char *read_scenario(part *p, size_t *len)
{
    size_t n = 0;
    char *text = NULL;
    if (sscanf(p->data_line, "scenario %zu", &n) != 1 || n > ((size_t)64 << 20) ||
        (text = malloc(n + 1)) == NULL || fread(text, 1, n, p->fp) != n ||
        fgetc(p->fp) != '\n') {
        free(text);
        cli_errorf("%s: its scenario is damaged or cut short", p->path);
        return NULL;
    }
    text[n] = '\0';
    *len = n;
    return text;
}

/* The settings lines' value of KEY ("# KEY VALUE"), unescaped into a new
 * string, or NULL. */
static char *setting(const char *settings, const char *key)
{
    size_t k = strlen(key);
    for (const char *l = settings; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l + 2, key, k) != 0 || l[2 + k] != ' ')
            continue;
        const char *v = l + 3 + k;
        size_t n = strcspn(v, "\n");
        char *out = malloc(n + 1), *o = out;
        if (out == NULL)
            return NULL;
        for (size_t i = 0; i < n; i++) {
            unsigned x;
            if (v[i] == '\\' && i + 3 < n + 1 && sscanf(v + i, "\\x%2X", &x) == 1) {
                *o++ = (char)x;
                i += 3;
            } else {
                *o++ = v[i];
            }
        }
        *o = '\0';
        return out;
    }
    return NULL;
}

/* The scenario as the shards loaded it: the text, its display name and
 * every --set of the settings lines. The display name is left in
 * *source_out (NULL if the part has none; the caller frees it, also on
 * failure). */
static runoff_scenario *load_scenario(const part *p, const char *text, size_t len,
                                      char **source_out)
{
    char *source = *source_out = setting(p->settings, "source");
    runoff_error err = {0};
    runoff_scenario *s = NULL;
    runoff_doc *doc = NULL;
    if (source == NULL) {
        cli_errorf("%s: has no '# source' line", p->path);
        goto done;
    }
    if ((doc = runoff_doc_parse_buffer(source, text, len, &err)) == NULL)
        goto error;
    char want[32];
    snprintf(want, sizeof want, "fnv1a64:%016" PRIx64, runoff_doc_hash(doc));
    char *hash = setting(p->settings, "scenario");
    bool same = hash != NULL && strcmp(hash, want) == 0;
    free(hash);
    if (!same) {
        cli_errorf("%s: its scenario text does not match its fingerprint (damaged)", p->path);
        goto done;
    }
    /* every "# set" line, in order */
    for (const char *l = p->settings; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, "# set ", 6) != 0)
            continue;
        char *one = setting(l, "set");
        if (one == NULL || runoff_doc_set(doc, one, &err) != RUNOFF_OK) {
            free(one);
            goto error;
        }
        free(one);
    }
    if ((s = runoff_scenario_from_doc(doc, &err)) == NULL)
        goto error;
    goto done;
error:
    cli_report_error(&err);
done:
    runoff_doc_free(doc);
    return s;
}

/* What the parts of a run add up to. */
typedef struct {
    char *text;           /* the first part's scenario; every part has the same */
    size_t len;
    char *source;         /* the scenario's path as the shards named it */
    runoff_scenario *s;
    runoff_result *r;
} run_merge;

/* From the first part: the scenario, and an empty result for the seed the
 * shards used (the one in its first result). */
static int first_run_part(run_merge *m, part *p)
{
    if ((m->text = read_scenario(p, &m->len)) == NULL ||
        (m->s = load_scenario(p, m->text, m->len, &m->source)) == NULL)
        return CLI_USAGE;
    if (strcmp(m->source, "<stdin>") == 0)
        strcpy(m->source, "-"); /* as run names standard input */
    long at = ftell(p->fp);
    uint64_t used = 0;
    if (fscanf(p->fp, " result 1 draws %*u seed %" SCNu64, &used) != 1 ||
        fseek(p->fp, at, SEEK_SET) != 0) {
        cli_errorf("%s: its result is damaged", p->path);
        return CLI_USAGE;
    }
    runoff_error err = {0};
    if ((m->r = runoff_result_alloc(m->s, used, &err)) == NULL)
        return cli_report_error(&err);
    return CLI_OK;
}

/* Whether cur's scenario is the first part's, byte for byte. */
static int same_scenario(const run_merge *m, const part *first, part *cur)
{
    size_t len = 0;
    char *other = read_scenario(cur, &len);
    if (other == NULL)
        return CLI_USAGE;
    bool same = len == m->len && memcmp(other, m->text, len) == 0;
    free(other);
    if (!same) {
        cli_errorf("%s and %s are not shards of the same run: their scenarios differ",
                   first->path, cur->path);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* A part_visit: cur's result added to the run's. */
static int add_run_part(void *ctx, part *first, part *cur, size_t k)
{
    run_merge *m = ctx;
    int status = k == 0 ? first_run_part(m, cur) : same_scenario(m, first, cur);
    if (status != CLI_OK)
        return status;
    runoff_error err = {0};
    if (runoff_result_load_add(m->r, cur->fp, &err) != RUNOFF_OK) {
        char buf[2048];
        cli_errorf("%s: %s", cur->path, runoff_error_format(&err, buf, sizeof buf));
        return CLI_USAGE;
    }
    if (k == 0) { /* only its header is needed now: one part's file open at a time */
        fclose(first->fp);
        first->fp = NULL;
    }
    return CLI_OK;
}

static int merge_run(char **paths, size_t n, const merge_args *a)
{
    if (a->out != NULL) {
        cli_errorf("--out is for a sweep's parts; a run's outputs are --csv, --json and the "
                   "others");
        return CLI_USAGE;
    }
    cli_run_sink sink;
    int status = cli_run_sink_open(&sink, &a->paths, "part", (const char *const *)paths, n);
    part first = {0};
    shard_set set = {0};
    run_merge m = {0};
    if (status == CLI_OK)
        status = for_each_part(paths, n, &first, &set, add_run_part, &m);
    if (status == CLI_OK) /* the page's map, from where the shards read the scenario */
        status = cli_run_sink_map(&sink, m.s, m.source);
    if (status == CLI_OK)
        status = cli_run_sink_write(&sink, m.s, m.r);
    cli_run_sink_abort(&sink);
    part_close(&first);
    shard_set_free(&set);
    free(m.text);
    free(m.source);
    runoff_result_free(m.r);
    runoff_scenario_free(m.s);
    return status;
}

/* --------------------------------------------------------------- sweep */

/* A part_visit: every part of a sweep has the same CSV header. */
static int same_csv_header(void *ctx, part *first, part *cur, size_t k)
{
    (void)ctx;
    (void)k;
    if (strcmp(cur->data_line, first->data_line) != 0) {
        cli_errorf("%s and %s are not shards of the same sweep: their CSV headers differ",
                   first->path, cur->path);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* cur's rows to out: exactly as many whole rows as it has points. */
static int copy_rows(part *cur, cli_out *out)
{
    char *line = NULL;
    size_t cap = 0;
    uint64_t rows = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, cur->fp)) > 0) {
        if (line[got - 1] != '\n')
            break; /* a cut row */
        fwrite(line, 1, (size_t)got, out->fp);
        rows++;
    }
    free(line);
    if (rows != cur->hi - cur->lo || got > 0) {
        cli_errorf("%s: has %" PRIu64 " whole rows, expected %" PRIu64 " (points %" PRIu64
                   "-%" PRIu64 "): an unfinished or damaged shard",
                   cur->path, rows, cur->hi - cur->lo, cur->lo + 1, cur->hi);
        return CLI_USAGE;
    }
    if (ferror(out->fp)) {
        cli_errorf("%s: write failed: %s", out->path, strerror(errno));
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* The rows of every shard in shard order, which is point order: the first
 * part is still open after its header, the others are opened again. */
static int copy_all_rows(char **paths, part *first, const shard_set *set, cli_out *out)
{
    const uint64_t count = first->count; /* closing first clears it */
    part p = {0};
    int status = CLI_OK;
    for (uint64_t i = 0; i < count && status == CLI_OK; i++) {
        part *cur = set->order[i] == 0 ? first : &p;
        if (set->order[i] != 0 && (status = part_open(cur, paths[set->order[i]])) != CLI_OK)
            break;
        status = copy_rows(cur, out);
        part_close(cur);
    }
    return status;
}

static int merge_sweep(char **paths, size_t n, const merge_args *a)
{
    if (a->run_outputs) {
        cli_errorf("--csv, --json and the others are for a run's parts; a sweep's CSV goes "
                   "to --out");
        return CLI_USAGE;
    }
    cli_out out = {0};
    part first = {0};
    shard_set set = {0};
    int status = cli_out_resolve_against(&out, "--out", a->out ? a->out : "-", paths, n, NULL);
    if (status == CLI_OK)
        status = for_each_part(paths, n, &first, &set, same_csv_header, NULL);
    if (status == CLI_OK && !cli_out_open(&out))
        status = CLI_FAIL;
    if (status == CLI_OK) {
        fputs(first.data_line, out.fp);
        status = copy_all_rows(paths, &first, &set, &out);
    }
    if (status == CLI_OK && !cli_out_commit(&out))
        status = CLI_FAIL;
    cli_out_abort(&out);
    part_close(&first);
    shard_set_free(&set);
    return status;
}

int cli_merge(int argc, char **argv)
{
    merge_args a = {0};
    cli_common common = {0};
    int status = cli_parse_options("merge", merge_help, argc, argv, ":o:S:qh", merge_options,
                                   &common, merge_option, &a);
    if (status == CLI_OK && common.sets.n > 0) {
        cli_errorf("merge takes no --set: the parts record the run's settings");
        status = CLI_USAGE;
    }
    if (status == CLI_OK && optind >= argc) {
        cli_errorf("merge needs the parts to put together (see 'runoff merge --help')");
        status = CLI_USAGE;
    }
    cli_common_free(&common);
    if (status != CLI_OK)
        return cli_exit_status(status);
    char **paths = argv + optind;
    size_t n = (size_t)(argc - optind);
    part probe;
    if ((status = part_open(&probe, paths[0])) != CLI_OK)
        return status;
    bool run = strcmp(probe.title, CLI_SHARD_RUN_TITLE) == 0;
    part_close(&probe);
    return run ? merge_run(paths, n, &a) : merge_sweep(paths, n, &a);
}
