/*
 * sweep.c — grids of scenario variants and the sweep CSV.
 *
 * A sweep is a list of axes, each a key path and the list of values it
 * takes, all kept as text: a point's scenario is the base document with
 * each value applied through runoff_doc_set and then validated like the
 * file, so a sweep accepts exactly what --set accepts and a row can be
 * reproduced with `runoff run --set KEY=VALUE`. Numeric ranges are
 * generated as start + i*step (never by repeated addition, which drifts)
 * and printed with 12 significant digits so 0.1 steps read 0.3, not
 * 0.30000000000000004.
 *
 * Running a sweep: with more points than threads, whole points run in
 * parallel, one thread each, rather than one point at a time over all
 * threads. A point is often only a few blocks of draws, and the part of a
 * point that does not draw (building its scenario, allocating and merging
 * results, quantiles, the row) is serial: measured on the 21 x 21 grid of
 * 20 000 draws per point, it left one core idle ~40 % of the time. Points
 * are built from the document one at a time (it is modified in place),
 * and results wait in a small window until the rows before them are out,
 * so rows leave in grid order.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "doc.h"
#include "error.h"
#include "fmt.h"
#include "scenario.h"
#include "sim.h"

#define VARY_FILE "--vary"

/* Where a spec error is reported: the --vary text, or a node of the file.
 * Offsets into the spec are added to column0 only when the spec is the
 * text as written (a plain scalar or a --vary argument); in a quoted or
 * block scalar they would not match the file, so errors point at the
 * value's start. */
typedef struct {
    const char *file;
    int line, column0; /* column of the spec's first character */
    bool exact;
} spec_pos;

typedef struct {
    char *key;
    char **values;
    size_t n;
    char *file;        /* where the axis was declared, for grid errors */
    int line, column;
} sweep_axis;

struct runoff_sweep {
    sweep_axis *axes;
    size_t n_axes;
    bool zip;          /* --zip (runoff_sweep_set_zip) */
    bool doc_zip;      /* zip: true in the sweep: section; either one pairs */
    size_t n_points;
    size_t max_points; /* the grid's limit; 0: RUNOFF_SWEEP_MAX_POINTS */
};

void runoff_sweep_set_max_points(runoff_sweep *sw, size_t max_points)
{
    sw->max_points = max_points;
}

runoff_sweep *runoff_sweep_alloc(void)
{
    return ro_calloc(1, sizeof(runoff_sweep));
}

static void axis_clear(sweep_axis *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->values[i]);
    free(a->values);
    free(a->key);
    free(a->file);
}

void runoff_sweep_free(runoff_sweep *sw)
{
    if (sw == NULL)
        return;
    for (size_t i = 0; i < sw->n_axes; i++)
        axis_clear(&sw->axes[i]);
    free(sw->axes);
    free(sw);
}

void runoff_sweep_set_zip(runoff_sweep *sw, int zip) { sw->zip = zip != 0; }
size_t runoff_sweep_n_points(const runoff_sweep *sw) { return sw->n_points; }
size_t runoff_sweep_n_axes(const runoff_sweep *sw) { return sw->n_axes; }

static runoff_status spec_error(runoff_error *err, const spec_pos *p, size_t offset,
                                const char *fmt, const char *a, const char *b)
{
    return ro_error_set(err, RUNOFF_EINPUT, p->file, p->line,
                        p->column0 + (p->exact ? (int)offset : 0), fmt, a, b);
}

static bool push_value(sweep_axis *a, const char *text, size_t len)
{
    /* Capacity is the next power of two >= n, so grow when n is 0 or a
     * power of two: a range of 100000 values takes 17 reallocs, not
     * 100000 (quadratic copying where realloc cannot extend in place). */
    if ((a->n & (a->n - 1)) == 0) {
        char **v = ro_realloc(a->values, (a->n ? 2 * a->n : 1) * sizeof *v);
        if (v == NULL)
            return false;
        a->values = v;
    }
    char *s = ro_malloc(len + 1);
    if (s == NULL)
        return false;
    memcpy(s, text, len);
    s[len] = '\0';
    a->values[a->n++] = s;
    return true;
}

static bool parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    if (*s == '\0' || strpbrk(s, "xXnN") != NULL) /* no hex, nan, inf */
        return false;
    *out = strtod(s, &end);
    return errno == 0 && *end == '\0' && isfinite(*out);
}

/* The three parts of start:stop:step, and where each starts in the spec. */
typedef struct {
    char part[3][128];
    size_t offs[3];
} range_parts;

static runoff_status split_range(range_parts *r, const char *spec, const spec_pos *p,
                                 runoff_error *err)
{
    const char *s = spec;
    for (int k = 0; k < 3; k++) {
        const char *c = k < 2 ? strchr(s, ':') : s + strlen(s);
        if (c == NULL || (size_t)(c - s) >= sizeof r->part[k])
            return spec_error(err, p, c == NULL ? 0 : (size_t)(s - spec),
                              "range '%s' must be start:stop:step%s", spec, "");
        memcpy(r->part[k], s, (size_t)(c - s));
        r->part[k][c - s] = '\0';
        r->offs[k] = (size_t)(s - spec);
        s = c + 1;
    }
    return RUNOFF_OK;
}

/* From day d0 (the start, already read) to the stop by a step of Nd. */
static runoff_status date_range(sweep_axis *a, const range_parts *r, int32_t d0, const char *spec,
                                const spec_pos *p, runoff_error *err)
{
    int32_t d1;
    if (!ro_date_parse(r->part[1], &d1))
        return spec_error(err, p, r->offs[1], "'%s' is not a date (YYYY-MM-DD)%s", r->part[1],
                          "");
    const char *step_text = r->part[2];
    size_t n = strlen(step_text);
    char *end;
    errno = 0;
    long step = n > 1 && step_text[n - 1] == 'd' ? strtol(step_text, &end, 10) : 0;
    if (n < 2 || step_text[n - 1] != 'd' || errno != 0 || end != step_text + n - 1 ||
        step <= 0)
        return spec_error(err, p, r->offs[2],
                          "date step '%s' must be a positive number of days, e.g. 1d%s", step_text,
                          "");
    if (d1 < d0)
        return spec_error(err, p, r->offs[1], "range ends (%s) before it starts (%s)",
                          r->part[1], r->part[0]);
    if ((d1 - d0) / step + 1 > RUNOFF_SWEEP_MAX_POINTS)
        return spec_error(err, p, 0, "range '%s' has more than %s points", spec, "100000");
    /* By index, in long: a step beyond int32 (e.g. 6666666666d) must
     * give the one point d0, not a truncated, negative step. */
    for (long i = 0, n_dates = (d1 - d0) / step + 1; i < n_dates; i++) {
        char buf[11];
        ro_date_format((int32_t)(d0 + i * step), buf);
        if (!push_value(a, buf, 10))
            return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    return RUNOFF_OK;
}

static runoff_status number_range(sweep_axis *a, const range_parts *r, const char *spec,
                                  const spec_pos *p, runoff_error *err)
{
    double v[3];
    for (int k = 0; k < 3; k++)
        if (!parse_number(r->part[k], &v[k]))
            return spec_error(err, p, r->offs[k], "'%s' is not a number%s", r->part[k], "");
    if (!(v[2] > 0))
        return spec_error(err, p, r->offs[2], "step '%s' must be positive%s", r->part[2], "");
    if (v[1] < v[0])
        return spec_error(err, p, r->offs[1], "range ends (%s) before it starts (%s)",
                          r->part[1], r->part[0]);
    /* Tolerance so that 0:1:0.1 includes 1 despite rounding. */
    double count = floor((v[1] - v[0]) / v[2] + 1e-9) + 1;
    if (count > RUNOFF_SWEEP_MAX_POINTS)
        return spec_error(err, p, 0, "range '%s' has more than %s points", spec, "100000");
    for (size_t i = 0; i < (size_t)count; i++) {
        char buf[64];
        int len = snprintf(buf, sizeof buf, "%.12g", v[0] + (double)i * v[2]);
        if (!push_value(a, buf, (size_t)len))
            return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    return RUNOFF_OK;
}

/* start:stop:step, dates when the start is one, else numbers; fills
 * a->values. */
static runoff_status parse_range(sweep_axis *a, const char *spec, const spec_pos *p,
                                 runoff_error *err)
{
    range_parts r;
    int32_t d0;
    runoff_status st = split_range(&r, spec, p, err);
    if (st != RUNOFF_OK)
        return st;
    return ro_date_parse(r.part[0], &d0) ? date_range(a, &r, d0, spec, p, err)
                                         : number_range(a, &r, spec, p, err);
}

static runoff_status parse_list(sweep_axis *a, const char *spec, const spec_pos *p,
                                runoff_error *err)
{
    const char *s = spec;
    for (;;) {
        const char *c = strchr(s, ',');
        size_t len = c ? (size_t)(c - s) : strlen(s);
        if (len == 0)
            return spec_error(err, p, (size_t)(s - spec), "empty value in list '%s'%s", spec,
                              "");
        if (a->n >= RUNOFF_SWEEP_MAX_POINTS)
            return spec_error(err, p, 0, "list '%s' has more than %s values", spec, "100000");
        if (!push_value(a, s, len))
            return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
        if (c == NULL)
            return RUNOFF_OK;
        s = c + 1;
    }
}

static runoff_status add_axis(runoff_sweep *sw, const char *key, size_t key_len, const char *spec,
                              const spec_pos *p, runoff_error *err)
{
    if (key_len == 0)
        return spec_error(err, p, 0, "missing key before '='%s%s", "", "");
    for (size_t i = 0; i < sw->n_axes; i++)
        if (strlen(sw->axes[i].key) == key_len && memcmp(sw->axes[i].key, key, key_len) == 0)
            return spec_error(err, p, 0, "'%s' is varied twice%s", sw->axes[i].key, "");
    if (*spec == '\0')
        return spec_error(err, p, key_len + 1, "missing values after '='%s%s", "", "");
    sweep_axis *axes = ro_realloc(sw->axes, (sw->n_axes + 1) * sizeof *axes);
    if (axes == NULL)
        return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    sw->axes = axes;
    sweep_axis a = {0};
    spec_pos sp = *p;
    sp.column0 += (int)key_len + 1;
    a.key = ro_malloc(key_len + 1);
    a.file = ro_strdup(p->file);
    if (a.key == NULL || a.file == NULL) {
        axis_clear(&a);
        return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    memcpy(a.key, key, key_len);
    a.key[key_len] = '\0';
    a.line = sp.line;
    a.column = sp.column0;
    runoff_status st = strchr(spec, ':') != NULL ? parse_range(&a, spec, &sp, err)
                                                 : parse_list(&a, spec, &sp, err);
    if (st != RUNOFF_OK) {
        axis_clear(&a);
        return st;
    }
    sw->axes[sw->n_axes++] = a;
    return RUNOFF_OK;
}

runoff_status runoff_sweep_add(runoff_sweep *sw, const char *vary, runoff_error *err)
{
    spec_pos p = {VARY_FILE, 1, 1, true};
    const char *eq = strchr(vary, '=');
    if (eq == NULL)
        return spec_error(err, &p, 0, "'%s' must be KEY=SPEC (a:b:step, a,b,c or dates)%s",
                          vary, "");
    return add_axis(sw, vary, (size_t)(eq - vary), eq + 1, &p, err);
}

runoff_status runoff_sweep_add_from_doc(runoff_sweep *sw, const runoff_doc *doc,
                                        runoff_error *err)
{
    const ro_node *sweep = ro_node_get(ro_doc_root(doc), "sweep", NULL);
    if (sweep == NULL)
        return RUNOFF_OK;
    const ro_node *vary = ro_node_get(sweep, "vary", NULL);
    const ro_node *zip = ro_node_get(sweep, "zip", NULL);
    /* The loader has checked it is a YAML boolean (true/True/TRUE, ...). */
    if (zip != NULL && (ro_node_text(zip)[0] == 't' || ro_node_text(zip)[0] == 'T'))
        sw->doc_zip = true;
    for (size_t i = 0; vary != NULL && i < ro_node_len(vary); i++) {
        const ro_node *k = ro_node_key(vary, i), *v = ro_node_value(vary, i);
        spec_pos p = {ro_node_file(doc, v), ro_node_line(v), ro_node_column(v),
                      !ro_node_quoted(v)};
        /* Columns in errors point into the value; the key is not repeated
         * there, so shift back by the key length that add_axis adds. */
        p.column0 -= (int)ro_node_text_len(k) + 1;
        runoff_status st =
            add_axis(sw, ro_node_text(k), ro_node_text_len(k), ro_node_text(v), &p, err);
        if (st != RUNOFF_OK)
            return st;
    }
    return RUNOFF_OK;
}

runoff_status runoff_sweep_finish(runoff_sweep *sw, runoff_error *err)
{
    if (sw->n_axes == 0)
        return ro_error_set(err, RUNOFF_EINPUT, NULL, 0, 0,
                            "nothing to sweep: give --vary KEY=SPEC or a sweep: section");
    sw->zip = sw->zip || sw->doc_zip;
    size_t n = sw->zip ? sw->axes[0].n : 1;
    const size_t max = sw->max_points ? sw->max_points : RUNOFF_SWEEP_MAX_POINTS;
    /* Errors point at the axis that breaks the rule, in the file or --vary. */
    for (size_t i = 0; i < sw->n_axes; i++) {
        const sweep_axis *a = &sw->axes[i];
        if (sw->zip && a->n != n)
            return ro_error_set(err, RUNOFF_EINPUT, a->file, a->line, a->column,
                                "'%s' has %zu values, expected %zu like '%s' (zip pairs the "
                                "axes' values)", a->key, a->n, n, sw->axes[0].key);
        if (!sw->zip) {
            if (a->n > max / n)
                return ro_error_set(err, RUNOFF_EINPUT, a->file, a->line, a->column,
                                    "the grid has %zu x %zu points with '%s', expected at most "
                                    "%zu (vary fewer values)", n, a->n, a->key, max);
            n *= a->n;
        }
    }
    sw->n_points = n;
    return RUNOFF_OK;
}

/* The value axis k takes at point i (first axis slowest). */
static const char *point_value(const runoff_sweep *sw, size_t point, size_t k)
{
    if (sw->zip)
        return sw->axes[k].values[point];
    size_t stride = 1;
    for (size_t j = k + 1; j < sw->n_axes; j++)
        stride *= sw->axes[j].n;
    return sw->axes[k].values[(point / stride) % sw->axes[k].n];
}

/* A value a point applied is reported by the loader at "--set:1:COL", a
 * column in an assignment the user never wrote. Name the point's
 * assignments instead, which `runoff run --set` reproduces. */
static void name_point(const runoff_sweep *sw, size_t point, runoff_error *err)
{
    if (err == NULL || err->status != RUNOFF_EINPUT || strcmp(err->file, RO_SET_FILE) != 0)
        return;
    char msg[sizeof err->message];
    size_t used = 0;
    for (size_t k = 0; k < sw->n_axes && used < sizeof msg - 1; k++) {
        int w = snprintf(msg + used, sizeof msg - used, "%s%s=%s", k ? ", " : "",
                         sw->axes[k].key, point_value(sw, point, k));
        used = w < 0 || used + (size_t)w >= sizeof msg ? sizeof msg - 1 : used + (size_t)w;
    }
    ro_error_prefix(err, "%s: ", msg);
    err->file[0] = '\0';
    err->line = err->column = 0;
}

runoff_scenario *runoff_sweep_scenario(const runoff_sweep *sw, runoff_doc *doc, size_t point,
                                       runoff_error *err)
{
    runoff_scenario *s = NULL;
    runoff_status st = RUNOFF_OK;
    for (size_t k = 0; k < sw->n_axes && st == RUNOFF_OK; k++) {
        const char *v = point_value(sw, point, k);
        size_t n = strlen(sw->axes[k].key) + strlen(v) + 2;
        char *assign = ro_malloc(n);
        if (assign == NULL) {
            st = ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        snprintf(assign, n, "%s=%s", sw->axes[k].key, v);
        st = runoff_doc_set(doc, assign, err);
        free(assign);
    }
    if (st == RUNOFF_OK && (s = runoff_scenario_from_doc(doc, err)) == NULL)
        name_point(sw, point, err);
    if (s == NULL)
        ro_error_prefix(err, "sweep point %zu of %zu: ", point + 1, sw->n_points);
    return s;
}

static const char *const fixed_columns =
    "subject,draws,seed,win_probability,win_probability_se,share_mean,share_quantile_0.05,"
    "share_quantile_0.25,share_quantile_0.5,share_quantile_0.75,share_quantile_0.95,"
    "turnout_quantile_0.5,turnout_quantile_0.05,turnout_quantile_0.95,"
    "regions_carried_quantile_0.5,actual_share,runoff_version,scenario_hash\n";

int runoff_write_sweep_header(FILE *out, const runoff_sweep *sw)
{
    ro_fmt_out o = {.f = out};
    for (size_t k = 0; k < sw->n_axes; k++) {
        ro_fmt_csv_field(&o, sw->axes[k].key);
        ro_fmt_puts(&o, ",");
    }
    ro_fmt_puts(&o, fixed_columns);
    return ro_fmt_finish(&o);
}

static void write_keys(ro_fmt_out *o, const runoff_sweep *sw, size_t point)
{
    for (size_t k = 0; k < sw->n_axes; k++) {
        ro_fmt_csv_field(o, point_value(sw, point, k));
        ro_fmt_puts(o, ",");
    }
}

int runoff_write_sweep_keys(FILE *out, const runoff_sweep *sw, size_t point)
{
    ro_fmt_out o = {.f = out};
    write_keys(&o, sw, point);
    return ro_fmt_finish(&o);
}

int runoff_write_sweep_row(FILE *out, const runoff_sweep *sw, size_t point,
                           const runoff_scenario *s, const runoff_result *r)
{
    ro_fmt_out o;
    if (ro_fmt_begin(&o, out, s, r) != 0)
        return -1;
    write_keys(&o, sw, point);
    double p = ro_fmt_win_probability(r, 0);
    const ro_hist *t = r->has_turnout ? r->turnout : NULL;
    double cols[] = {
        p,
        ro_mc_se(p, r->draws),
        ro_hist_mean(r->share_a),
        ro_hist_quantile(r->share_a, 0.05),
        ro_hist_quantile(r->share_a, 0.25),
        ro_hist_quantile(r->share_a, 0.5),
        ro_hist_quantile(r->share_a, 0.75),
        ro_hist_quantile(r->share_a, 0.95),
        t ? ro_hist_quantile(t, 0.5) : NAN,
        t ? ro_hist_quantile(t, 0.05) : NAN,
        t ? ro_hist_quantile(t, 0.95) : NAN,
        r->regions_a ? ro_hist_integer_quantile(r->regions_a, 0.5) : NAN,
        s->actual.has_share ? s->actual.share_a : NAN,
    };
    ro_fmt_csv_field(&o, s->finalist[0].id);
    /* draws and seed are integers: print them exactly, not via double. */
    ro_fmt_printf(&o, ",%llu,%llu", (unsigned long long)r->draws, (unsigned long long)r->seed);
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        ro_fmt_puts(&o, ",");
        ro_fmt_csv_number(&o, cols[i]);
    }
    /* the point's own scenario (after its --vary values) */
    ro_fmt_provenance(&o, s, r, false);
    ro_fmt_puts(&o, "\n");
    return ro_fmt_finish(&o);
}

/* ------------------------------------------------------------ running */

typedef struct {
    runoff_scenario *s;
    runoff_result *r;
    bool ready;
} sweep_slot;

typedef struct sweep_run sweep_run;

typedef struct {
    sweep_run *run;
    size_t point;     /* the point this worker is running */
    unsigned threads; /* threads for each of its points */
    uint64_t units;   /* progress of that point */
} sweep_worker;

/* Stopping keeps the serial loop's outcome: when point i fails, the
 * points before it still finish and are written, the ones after it are
 * cancelled, and the error reported is that of the lowest failing point.
 * A cancel through progress, or a row that cannot be written, stops
 * everything at once. fail_point and cancel_all are read without the lock
 * by the points' progress callbacks; everything else is under it. */
struct sweep_run {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    const runoff_sweep *sw;
    runoff_doc *doc;
    const runoff_sim_options *opt; /* the caller's */
    runoff_sweep_row_fn on_row;
    void *ctx;
    size_t next, end;       /* next point to hand out, one past the last */
    size_t next_row;        /* next point to hand to on_row */
    size_t window;          /* points handed out but not yet written, at most */
    sweep_slot *slots;      /* [window]: point i waits in slots[i % window] */
    sweep_worker *workers;
    pthread_t *tid;         /* [n_workers] */
    unsigned n_workers;
    uint64_t units_done, units_total;
    atomic_size_t fail_point; /* lowest failed point, SIZE_MAX if none */
    atomic_bool cancel_all;
    runoff_status status;
    runoff_error err;
};

static void set_error(sweep_run *run, const runoff_error *e)
{
    run->status = e->status != RUNOFF_OK ? e->status : RUNOFF_ERUNTIME;
    run->err = *e;
}

/* Point i failed with e. Lock held. */
static void point_failed(sweep_run *run, size_t i, const runoff_error *e)
{
    if (atomic_load(&run->cancel_all) || i >= atomic_load(&run->fail_point))
        return; /* cancelled by a stop that already has its error */
    atomic_store(&run->fail_point, i);
    set_error(run, e);
}

/* Stop everything (cancel, or a row not written). Lock held. */
static void run_cancel(sweep_run *run, const char *why)
{
    if (!atomic_load(&run->cancel_all)) {
        runoff_error e = {0};
        ro_error_set(&e, RUNOFF_ERUNTIME, NULL, 0, 0, "%s", why);
        if (run->status == RUNOFF_OK)
            set_error(run, &e);
        atomic_store(&run->cancel_all, true);
    }
}

/* Whether point i should stop (or never start). */
static bool point_stopped(sweep_run *run, size_t i)
{
    return atomic_load(&run->cancel_all) || i > atomic_load(&run->fail_point);
}

/* The caller's progress over the whole run; a non-zero answer cancels.
 * Lock held. */
static void run_progress(sweep_run *run)
{
    if (run->opt->progress == NULL || atomic_load(&run->cancel_all))
        return;
    uint64_t units = run->units_done;
    for (unsigned k = 0; k < run->n_workers; k++)
        units += run->workers[k].units;
    if (run->opt->progress(run->opt->progress_ctx, units, run->units_total))
        run_cancel(run, "interrupted");
}

/* A point's progress callback: reports, and cancels the point when the
 * run has stopped for it. */
static int point_progress(void *ctx, uint64_t done, uint64_t total)
{
    sweep_worker *w = ctx;
    sweep_run *run = w->run;
    if (run->opt->progress != NULL && !point_stopped(run, w->point)) {
        pthread_mutex_lock(&run->lock);
        w->units =
            total ? (uint64_t)((double)done / (double)total * RUNOFF_SWEEP_PROGRESS_UNIT) : 0;
        run_progress(run);
        pthread_mutex_unlock(&run->lock);
    }
    return point_stopped(run, w->point);
}

/* Hand the finished points that come next in grid order to on_row, up to
 * the lowest failed point; rows finished before a cancel are still
 * written (they are complete). Lock held. */
static void run_flush(sweep_run *run)
{
    while (run->next_row < atomic_load(&run->fail_point)) {
        sweep_slot *slot = &run->slots[run->next_row % run->window];
        if (!slot->ready)
            return;
        int rc = run->on_row(run->ctx, run->next_row, slot->s, slot->r);
        runoff_result_free(slot->r);
        runoff_scenario_free(slot->s);
        *slot = (sweep_slot){0};
        if (rc != 0) {
            run_cancel(run, "the row could not be written");
            /* a cancel from progress may have come first: a row that
             * failed is still the reason writing stopped */
            atomic_store(&run->fail_point, run->next_row);
            return;
        }
        run->next_row++;
    }
}

static void *run_worker(void *arg)
{
    sweep_worker *w = arg;
    sweep_run *run = w->run;
    runoff_sim_options o = *run->opt;
    o.skip_conditional = 1; /* a sweep row has no conditional regional scores */
    o.threads = w->threads;
    o.progress = point_progress;
    o.progress_ctx = w;
    pthread_mutex_lock(&run->lock);
    while (run->next < run->end && !point_stopped(run, run->next)) {
        if (run->next >= run->next_row + run->window) { /* the window is full */
            pthread_cond_wait(&run->cond, &run->lock);
            continue;
        }
        size_t i = run->next++;
        w->point = i;
        runoff_error e = {0};
        runoff_scenario *s = runoff_sweep_scenario(run->sw, run->doc, i, &e);
        pthread_mutex_unlock(&run->lock);
        runoff_result *r = s != NULL ? runoff_simulate(s, &o, &e) : NULL;
        pthread_mutex_lock(&run->lock);
        w->units = 0;
        if (r == NULL) {
            runoff_scenario_free(s);
            point_failed(run, i, &e);
        } else {
            run->units_done += RUNOFF_SWEEP_PROGRESS_UNIT;
            run->slots[i % run->window] = (sweep_slot){.s = s, .r = r, .ready = true};
            run_flush(run);
            run_progress(run);
        }
        pthread_cond_broadcast(&run->cond);
    }
    pthread_cond_broadcast(&run->cond);
    pthread_mutex_unlock(&run->lock);
    return NULL;
}

/* The run's slots, workers and lock; nothing to undo on failure. */
static runoff_status run_alloc(sweep_run *run, runoff_error *err)
{
    int rc = 0;
    runoff_status st = RUNOFF_OK;
    run->slots = ro_calloc(run->window, sizeof *run->slots);
    run->workers = ro_calloc(run->n_workers, sizeof *run->workers);
    run->tid = ro_calloc(run->n_workers, sizeof *run->tid);
    if (run->slots == NULL || run->workers == NULL || run->tid == NULL)
        st = ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    else if ((rc = pthread_mutex_init(&run->lock, NULL)) == 0 &&
             (rc = pthread_cond_init(&run->cond, NULL)) != 0)
        pthread_mutex_destroy(&run->lock);
    if (st == RUNOFF_OK && rc != 0)
        st = ro_error_set(err, RUNOFF_ERUNTIME, NULL, 0, 0, "cannot create a lock: %s",
                          strerror(rc));
    if (st != RUNOFF_OK) {
        free(run->slots);
        free(run->workers);
        free(run->tid);
    }
    return st;
}

/* Start the workers, sharing the threads among them, and wait for them;
 * run->status says how it went. */
static void run_workers(sweep_run *run, unsigned threads)
{
    const unsigned n_workers = run->n_workers;
    unsigned started = 0;
    int rc = 0;
    for (; started < n_workers; started++) {
        sweep_worker *w = &run->workers[started];
        w->run = run;
        /* the threads left over go to the first workers */
        w->threads = threads / n_workers + (started < threads % n_workers ? 1u : 0u);
        if ((rc = pthread_create(&run->tid[started], NULL, run_worker, w)) != 0)
            break; /* if some started, they take every point */
    }
    if (started == 0)
        run->status = ro_error_set(&run->err, RUNOFF_ERUNTIME, NULL, 0, 0,
                                   "cannot start thread: %s", strerror(rc));
    for (unsigned k = 0; k < started; k++)
        pthread_join(run->tid[k], NULL);
}

static void run_free(sweep_run *run)
{
    for (size_t k = 0; k < run->window; k++) { /* finished but never written */
        runoff_result_free(run->slots[k].r);
        runoff_scenario_free(run->slots[k].s);
    }
    pthread_cond_destroy(&run->cond);
    pthread_mutex_destroy(&run->lock);
    free(run->slots);
    free(run->workers);
    free(run->tid);
}

runoff_status runoff_sweep_run(const runoff_sweep *sw, runoff_doc *doc, size_t first,
                               const runoff_sim_options *opt, runoff_sweep_row_fn on_row,
                               void *ctx, size_t *rows, runoff_error *err)
{
    return runoff_sweep_run_range(sw, doc, first, sw->n_points, opt, on_row, ctx, rows, err);
}

runoff_status runoff_sweep_run_range(const runoff_sweep *sw, runoff_doc *doc, size_t first,
                                     size_t end, const runoff_sim_options *opt,
                                     runoff_sweep_row_fn on_row, void *ctx, size_t *rows,
                                     runoff_error *err)
{
    static const runoff_sim_options defaults;
    size_t rows_ignored;
    if (rows == NULL)
        rows = &rows_ignored;
    *rows = 0;
    if (opt == NULL)
        opt = &defaults;
    if (end > sw->n_points)
        end = sw->n_points;
    if (first >= end)
        return RUNOFF_OK;
    const size_t points = end - first;
    const unsigned threads = opt->threads ? opt->threads : ro_default_threads();
    const unsigned n_workers =
        opt->on_draw != NULL ? 1u : points < threads ? (unsigned)points : threads;
    sweep_run run = {
        .sw = sw,
        .doc = doc,
        .opt = opt,
        .on_row = on_row,
        .ctx = ctx,
        .next = first,
        .end = end,
        .next_row = first,
        .window = 2 * (size_t)n_workers,
        .n_workers = n_workers,
        .units_total = (uint64_t)points * RUNOFF_SWEEP_PROGRESS_UNIT,
    };
    atomic_init(&run.fail_point, SIZE_MAX);
    atomic_init(&run.cancel_all, false);
    runoff_status st = run_alloc(&run, err);
    if (st != RUNOFF_OK)
        return st;
    run_workers(&run, threads);
    run_free(&run);
    *rows = run.next_row - first;
    if (run.status != RUNOFF_OK && err != NULL)
        *err = run.err;
    return run.status;
}
