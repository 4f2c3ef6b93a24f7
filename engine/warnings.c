/*
 * warnings.c — warnings as values: what the loader flags as legal but
 * probably not meant, and the list a caller gets (runoff.h, "Warnings").
 *
 * The loader knows where each value came from, so it records its warnings
 * as it reads (ro_warn, at the node). One warning needs more than the
 * file: whether a single poll carries more than a third of the polling
 * average's weight depends on the average, which the loader does not
 * compute (it costs a fit with the dynamic method); runoff_warnings_alloc
 * computes it, the way the simulation will, and appends that warning to a
 * copy of the loader's list. Nothing here prints, except
 * runoff_scenario_warnings, the convenience the CLI's older callers use.
 */
#include "warnings.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "polls.h"

struct runoff_warnings {
    runoff_warning *items;
    size_t n;
};

/* Appends to (*items, *n); 0, or -1 when out of memory. */
static int push(runoff_warning **items, size_t *n, const char *file, ro_pos pos,
                const char *fmt, va_list ap)
{
    runoff_warning *w = ro_realloc(*items, (*n + 1) * sizeof *w);
    if (w == NULL)
        return -1;
    *items = w;
    w += (*n)++;
    snprintf(w->file, sizeof w->file, "%s", file);
    w->line = pos.line;
    w->column = pos.column;
    vsnprintf(w->message, sizeof w->message, fmt, ap);
    return 0;
}

runoff_status ro_warn_at(ro_loader *L, const char *file, ro_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = push(&L->s->warnings, &L->s->n_warnings, file, pos, fmt, ap);
    va_end(ap);
    return r == 0 ? RUNOFF_OK : ro_value_nomem(L);
}

runoff_status ro_warn(ro_loader *L, const ro_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = push(&L->s->warnings, &L->s->n_warnings, ro_node_file(L->doc, n), ro_value_pos(n),
                 fmt, ap);
    va_end(ap);
    return r == 0 ? RUNOFF_OK : ro_value_nomem(L);
}

runoff_status ro_warn_fraction(ro_loader *L, const ro_node *n, const char *label, double pct,
                               double most, const char *unit)
{
    if (n == NULL || !(pct > 0 && pct <= most))
        return RUNOFF_OK;
    return ro_warn(L, n, "%s is %g, which looks like a fraction: it is read as %g%s (write %g "
                         "for %g%s)",
                   label, pct, pct, unit, 100 * pct, 100 * pct, unit);
}

runoff_status ro_warn_poll_fractions(ro_loader *L)
{
    const runoff_scenario *s = L->s;
    if (s->n_polls == 0)
        return RUNOFF_OK;
    for (size_t i = 0; i < s->n_polls; i++)
        if (s->polls[i].share_a + s->polls[i].share_b > 1)
            return RUNOFF_OK;
    const ro_poll *p = &s->polls[0];
    return ro_warn_at(L, s->polls_file[0] ? s->polls_file : ro_doc_name(L->doc), p->pos,
                      "every poll's shares add up to at most 1 (here %g and %g), which looks "
                      "like fractions: shares are percentages, 0..100",
                      p->share_a, p->share_b);
}

/* Polls that carry more than a third of the polling average's weight,
 * when at least WEIGHT_MIN_POLLS are used: with fewer, a third is close to
 * every poll's fair share (with three, the average share), so it says
 * nothing; with five it is 1.7 times the fair share. */
#define WEIGHT_MIN_POLLS 5
static runoff_status weight_warnings(const runoff_scenario *s, runoff_warnings *w,
                                     runoff_error *err)
{
    if (s->n_polls == 0 || !ro_scenario_uses_polls(s))
        return RUNOFF_OK;
    ro_poll_average avg;
    runoff_status st = ro_polls_average(s, &avg, err);
    if (st != RUNOFF_OK)
        return st;
    for (size_t i = 0; i < avg.n_polls && avg.n_used >= WEIGHT_MIN_POLLS && st == RUNOFF_OK; i++) {
        const ro_poll *p = &s->polls[i];
        if (!avg.polls[i].used || !(avg.polls[i].weight > 1.0 / 3))
            continue;
        char d0[11], d1[11];
        ro_date_format(p->start, d0);
        ro_date_format(p->end, d1);
        if (ro_warnings_add(w, s->polls_file[0] ? s->polls_file : s->source, p->pos,
                            "the poll of %s, %s..%s, carries %.1f %% of the polling average's "
                            "weight, more than a third: the forecast rests on it (sample %g)",
                            p->pollster, d0, d1, 100 * avg.polls[i].weight, p->sample) != 0)
            st = ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    ro_poll_average_clear(&avg);
    return st;
}

int ro_warnings_add(runoff_warnings *w, const char *file, ro_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = push(&w->items, &w->n, file, pos, fmt, ap);
    va_end(ap);
    return r;
}

runoff_warnings *runoff_warnings_alloc(const runoff_scenario *s, runoff_error *err)
{
    runoff_warnings *w = ro_calloc(1, sizeof *w);
    if (w == NULL || (s->n_warnings > 0 &&
                      (w->items = ro_malloc(s->n_warnings * sizeof *w->items)) == NULL)) {
        runoff_warnings_free(w);
        ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    if (s->n_warnings > 0)
        memcpy(w->items, s->warnings, s->n_warnings * sizeof *w->items);
    w->n = s->n_warnings;
    if (weight_warnings(s, w, err) != RUNOFF_OK) {
        runoff_warnings_free(w);
        return NULL;
    }
    return w;
}

void runoff_warnings_free(runoff_warnings *w)
{
    if (w == NULL)
        return;
    free(w->items);
    free(w);
}

size_t runoff_warnings_count(const runoff_warnings *w) { return w->n; }

const runoff_warning *runoff_warnings_get(const runoff_warnings *w, size_t i)
{
    return &w->items[i];
}

const char *runoff_warning_format(const runoff_warning *w, char *buf, size_t size)
{
    if (w->line > 0)
        snprintf(buf, size, "%s:%d:%d: warning: %s", w->file, w->line, w->column, w->message);
    else
        snprintf(buf, size, "%s: warning: %s", w->file, w->message);
    return buf;
}

int runoff_scenario_warnings(const runoff_scenario *s, FILE *out)
{
    runoff_error err = {0};
    runoff_warnings *w = runoff_warnings_alloc(s, &err);
    if (w == NULL)
        return -1;
    int n = (int)w->n;
    for (size_t i = 0; i < w->n; i++) {
        char line[sizeof w->items[i].file + sizeof w->items[i].message + 64];
        fprintf(out, "runoff: %s\n", runoff_warning_format(&w->items[i], line, sizeof line));
    }
    runoff_warnings_free(w);
    return ferror(out) ? -1 : n;
}
