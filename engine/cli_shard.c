/*
 * cli_shard.c — `runoff run SCENARIO --shard I/N --out PART`: one shard
 * of a run, for machines that each run a part (a Slurm job array, GNU
 * parallel) and `runoff merge`, which turns the parts into the run's
 * outputs (cli_merge.c).
 *
 * A part is self-contained: it carries the scenario's text as read (so
 * that merge needs no other file and cannot be handed the wrong one), the
 * settings that decide the draws as "# KEY VALUE" lines (version, the
 * scenario's fingerprint, its display name, --seed, --draws, each --set,
 * the shard), and the shard's accumulators, exactly (runoff_result_save).
 * Merge refuses parts whose settings or scenario differ, and sets of parts
 * that do not cover the shards 1..N exactly once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_shard.h"

#define SHARD_MAX 1000000u

bool cli_parse_shard(const char *opt, const char *text, uint64_t *index, uint64_t *count)
{
    const char *slash = text != NULL ? strchr(text, '/') : NULL;
    char left[32];
    uint64_t i = 0, n = 0;
    bool ok = slash != NULL && (size_t)(slash - text) < sizeof left;
    if (ok) {
        memcpy(left, text, (size_t)(slash - text));
        left[slash - text] = '\0';
        /* quiet parses first: one message below, naming the whole value */
        char *end = NULL;
        errno = 0;
        ok = left[0] >= '0' && left[0] <= '9' && slash[1] >= '0' && slash[1] <= '9';
        if (ok) {
            i = strtoull(left, &end, 10);
            ok = errno == 0 && *end == '\0';
            n = strtoull(slash + 1, &end, 10);
            ok = ok && errno == 0 && *end == '\0' && n >= 1 && n <= SHARD_MAX && i >= 1 && i <= n;
        }
    }
    if (!ok) {
        cli_errorf("%s expects I/N, shard I of N with 1 <= I <= N <= %u, got '%s'", opt,
                   SHARD_MAX, text != NULL ? text : "");
        return false;
    }
    *index = i - 1;
    *count = n;
    return true;
}

void cli_shard_put_escaped(FILE *m, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '\\')
            fprintf(m, "\\x%02X", *p);
        else
            fputc(*p, m);
    }
}

/* The whole of path ("-": standard input) into *buf; false after printing
 * why. Bounded like the loader (a larger file is refused by it). */
static bool read_input(const char *path, const char *display, char **buf, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        cli_errorf("%s: cannot open: %s", display, strerror(errno));
        return false;
    }
    char *text = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&text, &n);
    char chunk[65536];
    size_t got;
    bool ok = m != NULL;
    while (ok && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        ok = fwrite(chunk, 1, got, m) == got && n <= ((size_t)64 << 20);
    if (ferror(f)) {
        cli_errorf("%s: cannot read: %s", display, strerror(errno));
        ok = false;
    }
    if (m != NULL && fclose(m) != 0)
        ok = false;
    if (f != stdin)
        fclose(f);
    if (!ok) {
        free(text);
        return false;
    }
    *buf = text;
    *len = n;
    return true;
}

/* The outputs of the whole run belong to merge: a shard writes its part. */
static bool refuse_outputs(const cli_run_paths *p, const char *out, uint64_t count)
{
    const struct {
        const char *option, *given; /* given: non-NULL if the option was */
    } outputs[] = {
        {"--csv", p->csv},
        {"--histogram-csv", p->hist},
        {"--regions-csv", p->regions},
        {"--draws-csv", p->draws_csv},
        {"--trend-csv", p->trend},
        {"--json", p->json != NULL || p->json_stdout ? "" : NULL},
        {"--html", p->html},
        {"--brief", p->brief ? "" : NULL},
    };
    if (count == 0) {
        cli_errorf("--out is the partial file of --shard I/N; a whole run writes --csv, "
                   "--json and the others");
        return false;
    }
    for (size_t i = 0; i < sizeof outputs / sizeof *outputs; i++)
        if (outputs[i].given != NULL) {
            cli_errorf("%s: a shard writes only its partial file (--out); give %s to "
                       "'runoff merge'",
                       outputs[i].option, outputs[i].option);
            return false;
        }
    if (out == NULL) {
        cli_errorf("--shard needs --out FILE, the partial file for 'runoff merge'");
        return false;
    }
    return true;
}

/* The scenario as a part carries it (the text as read) and as the shard
 * simulates it (the document with every --set). */
typedef struct {
    const char *display; /* "<stdin>" for "-" */
    char *text;
    size_t len;
    uint64_t hash;       /* the document's, before --set */
    runoff_doc *doc;
    runoff_scenario *s;
} shard_input;

/* CLI_OK, or an exit status after printing why; shard_input_free in
 * either case. */
static int shard_input_load(shard_input *in, const char *path, const cli_common *common)
{
    runoff_error err = {0};
    if (!read_input(path, in->display, &in->text, &in->len))
        return CLI_USAGE;
    if ((in->doc = runoff_doc_parse_buffer(in->display, in->text, in->len, &err)) == NULL)
        return cli_report_error(&err);
    in->hash = runoff_doc_hash(in->doc);
    for (size_t i = 0; i < common->sets.n; i++)
        if (runoff_doc_set(in->doc, common->sets.items[i], &err) != RUNOFF_OK)
            return cli_report_error(&err);
    if ((in->s = runoff_scenario_from_doc(in->doc, &err)) == NULL)
        return cli_report_error(&err);
    /* the warnings an unsharded run prints, and --strict's refusal */
    return cli_warnings(in->s, common->strict);
}

static void shard_input_free(shard_input *in)
{
    runoff_scenario_free(in->s);
    runoff_doc_free(in->doc);
    free(in->text);
}

/* The part (cli_shard.h): the settings lines, the shard line, the
 * scenario's text, the result. */
static bool write_part(FILE *fp, const shard_input *in, const cli_common *common, uint64_t index,
                       uint64_t count, const runoff_result *r)
{
    cli_shard_settings set = {.title = CLI_SHARD_RUN_TITLE, .hash = in->hash,
                              .source = in->display, .sim = &common->sim, .sets = &common->sets};
    cli_shard_write_settings(fp, &set);
    fprintf(fp, "# shard %" PRIu64 "/%" PRIu64 "\nscenario %zu\n", index + 1, count, in->len);
    return fwrite(in->text, 1, in->len, fp) == in->len && fputc('\n', fp) != EOF &&
           runoff_result_save(fp, r) == 0 && !ferror(fp);
}

int cli_run_shard(const char *path, const cli_run_paths *paths, const char *out, uint64_t index,
                  uint64_t count, cli_common *common)
{
    if (!refuse_outputs(paths, out, count))
        return CLI_USAGE;
    shard_input in = {.display = strcmp(path, "-") == 0 ? "<stdin>" : path};
    runoff_result *r = NULL;
    cli_out o = {0};
    runoff_error err = {0};
    char *inputs[] = {(char *)path};
    int status = shard_input_load(&in, path, common);
    if (status == CLI_OK &&
        (status = cli_out_resolve_against(&o, "--out", out, inputs, 1, NULL)) == CLI_OK &&
        !cli_out_open(&o))
        status = CLI_FAIL;
    if (status != CLI_OK)
        goto done;
    common->sim.shard_index = index;
    common->sim.shard_count = count;
    cli_progress prog;
    cli_common_progress(common, &prog, "simulating");
    r = runoff_simulate(in.s, &common->sim, &err);
    cli_progress_done(&prog);
    if (r == NULL) {
        if (cli_interrupted)
            cli_errorf("interrupted: no output file was written");
        status = cli_report_error(&err);
    } else if (!write_part(o.fp, &in, common, index, count, r)) {
        cli_errorf("%s: write failed: %s", out, strerror(errno));
        status = CLI_FAIL;
    } else {
        status = cli_out_commit(&o) ? CLI_OK : CLI_FAIL;
    }
done:
    cli_out_abort(&o);
    runoff_result_free(r);
    shard_input_free(&in);
    return status;
}

void cli_shard_write_settings(FILE *m, const cli_shard_settings *set)
{
    fprintf(m, "%s# version %s\n# scenario fnv1a64:%016" PRIx64 "\n", set->title, RUNOFF_VERSION,
            set->hash);
    if (set->source != NULL) {
        fputs("# source ", m);
        cli_shard_put_escaped(m, set->source);
        fputc('\n', m);
    }
    if (set->sim->has_seed)
        fprintf(m, "# seed %" PRIu64 "\n", set->sim->seed);
    else
        fputs("# seed scenario\n", m);
    if (set->sim->draws != 0)
        fprintf(m, "# draws %" PRIu64 "\n", set->sim->draws);
    else
        fputs("# draws scenario\n", m);
    for (size_t i = 0; i < set->sets->n; i++) {
        fputs("# set ", m);
        cli_shard_put_escaped(m, set->sets->items[i]);
        fputc('\n', m);
    }
}
