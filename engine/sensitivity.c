/*
 * sensitivity.c — what decides the outcome: every uncertain input of a
 * scenario moved down and up by a stated amount, each variant simulated on
 * the baseline's random numbers, the inputs ranked by their effect on
 * P(A wins) and on A's median share.
 *
 * A variant is the scenario document with --set style assignments, so it
 * goes through the same validation as any run, and common random numbers
 * come for free: the same seed and draw indices give the same streams.
 * Each run logs its draws (A's share, whether A won) through on_draw, so
 * the Monte Carlo error of a difference is that of the paired draws, far
 * smaller than two independent runs' (the point of common numbers).
 *
 * The amounts are constants here, named and documented in docs/model.md
 * ("Sensitivity"): they are choices of scale, not estimates.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "error.h"
#include "fmt.h"

#define POLL_SHIFT 1.0        /* points of A's two-way share, every poll */
#define SCALE_STEP 1.0        /* points of the systematic polling error's sd */
#define TURNOUT_STEP 2.0      /* points of turnout */
#define TURNOUT_SD_STEP 1.0   /* points of turnout's sd */
#define TRANSFER_STEP 5.0     /* points of A's share of an electorate's row */
#define LOGIT_SD_STEP 0.05    /* regional_error.sd and transfer_sd, logit scale */
#define LEAN_STEP 0.2         /* regional_error.local_lean */
#define SENS_SPARSITY_D 0.01  /* the median's sparsity from the quantiles at 1/2 +- this,
                                 as the report's median error (ro_fmt_quantile_se) */

typedef enum { MOVE_POLLS, MOVE_KEY, MOVE_TRANSFER } move_kind;

typedef struct {
    move_kind kind;
    size_t option;            /* MOVE_TRANSFER: the option index */
} move;

/* The draws of one run, by draw index. */
typedef struct {
    double *share;
    unsigned char *a_won;
    uint64_t n;
} draw_log;

static int log_draw(void *ctx, const runoff_draw *d)
{
    draw_log *l = ctx;
    if (d->index < l->n) {
        l->share[d->index] = d->share_a;
        l->a_won[d->index] = d->winner == 0;
    }
    return 0;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of v[0..n), sorting the scratch copy tmp. */
static double median(const double *v, size_t n, double *tmp)
{
    memcpy(tmp, v, n * sizeof *tmp);
    qsort(tmp, n, sizeof *tmp, by_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

/* The sparsity 1 / f(median) of v, from the sorted copy median() left in
 * tmp: (Q(1/2 + d) - Q(1/2 - d)) / 2d. */
static double sparsity(const double *sorted, size_t n)
{
    return (gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.5 + SENS_SPARSITY_D) -
            gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.5 - SENS_SPARSITY_D)) /
           (2 * SENS_SPARSITY_D);
}

/* ---- one variant ---- */

/* Clone doc, apply the assignments, validate and simulate with the draws
 * logged; keeps the scenario and result when s_out/r_out are given. */
static runoff_status simulate(const runoff_doc *doc, char **sets, size_t n_sets,
                              const runoff_sim_options *opt, draw_log *log,
                              runoff_scenario **s_out, runoff_result **r_out, runoff_error *err)
{
    runoff_doc *d = runoff_doc_clone(doc, err);
    if (d == NULL)
        return err ? err->status : RUNOFF_ENOMEM;
    runoff_status st = RUNOFF_OK;
    for (size_t i = 0; i < n_sets && st == RUNOFF_OK; i++)
        st = runoff_doc_set(d, sets[i], err);
    runoff_scenario *s = st == RUNOFF_OK ? runoff_scenario_from_doc(d, err) : NULL;
    runoff_doc_free(d);
    if (s == NULL)
        return err ? err->status : RUNOFF_EINPUT;
    runoff_sim_options o = *opt;
    o.skip_conditional = 1; /* the ranking reads the national draws only */
    o.on_draw = log_draw;
    o.on_draw_ctx = log;
    runoff_result *r = runoff_simulate(s, &o, err);
    if (r == NULL) {
        runoff_scenario_free(s);
        return err ? err->status : RUNOFF_ERUNTIME;
    }
    if (r_out)
        *r_out = r;
    else
        runoff_result_free(r);
    if (s_out)
        *s_out = s;
    else
        runoff_scenario_free(s);
    return RUNOFF_OK;
}

/* The assignments that set input `in` (moved as mv) to `value`; *n set. */
static char **assignments(const runoff_scenario *s, const runoff_sensitivity_input *in,
                          const move *mv, double value, size_t *n)
{
    size_t count = mv->kind == MOVE_POLLS ? 2 * s->n_polls : 1;
    char **sets = ro_calloc(count, sizeof *sets);
    if (sets == NULL)
        return NULL;
    char buf[512], num[32];
    for (size_t k = 0; k < count; k++) {
        if (mv->kind == MOVE_POLLS) {
            double a = 100 * s->polls[k / 2].two_way_a + value;
            a = fmin(100, fmax(0, a));
            snprintf(buf, sizeof buf, "polls.%zu.shares.%s=%s", k / 2,
                     s->finalist[k % 2].id,
                     ro_fmt_shortest(k % 2 ? 100 - a : a, num, sizeof num));
        } else if (mv->kind == MOVE_TRANSFER) {
            snprintf(buf, sizeof buf, "transfers.adjust.%s.%s=%s", s->options[mv->option].id,
                     s->finalist[0].id, ro_fmt_shortest(value, num, sizeof num));
        } else {
            snprintf(buf, sizeof buf, "%s=%s", in->key, ro_fmt_shortest(value, num, sizeof num));
        }
        if ((sets[k] = ro_strdup(buf)) == NULL) {
            for (size_t j = 0; j < k; j++)
                free(sets[j]);
            free(sets);
            return NULL;
        }
    }
    *n = count;
    return sets;
}

static void free_sets(char **sets, size_t n)
{
    for (size_t i = 0; sets != NULL && i < n; i++)
        free(sets[i]);
    free(sets);
}

/* ---- the inputs of a scenario ---- */

static void add(runoff_sensitivity *sa, move *moves, move mv, const char *label, const char *key,
                const char *unit, double base, double low, double high)
{
    runoff_sensitivity_input *in = &sa->inputs[sa->n];
    snprintf(in->label, sizeof in->label, "%s", label);
    snprintf(in->key, sizeof in->key, "%s", key);
    snprintf(in->unit, sizeof in->unit, "%s", unit);
    in->base = base;
    in->low = low;
    in->high = high;
    moves[sa->n++] = mv;
}

/* Every input the scenario has, with its two values; sa->inputs holds at
 * least 7 + n_options entries. */
static void list_inputs(const runoff_scenario *s, runoff_sensitivity *sa, move *moves)
{
    char label[320], key[256];
    if (s->n_polls > 0 && ro_scenario_uses_polls(s)) {
        snprintf(label, sizeof label, "polls: every poll's %s share", s->finalist[0].name);
        add(sa, moves, (move){MOVE_POLLS, 0}, label, "polls.*.shares", "points", 0, -POLL_SHIFT,
            POLL_SHIFT);
        double scale = 100 * s->polling_error.scale;
        add(sa, moves, (move){MOVE_KEY, 0}, "systematic polling error (sd)", "polling_error.scale",
            "points", scale, fmax(0, scale - SCALE_STEP), scale + SCALE_STEP);
    }
    if (s->turnout.given) {
        double m = 100 * s->turnout.mean, sd = 100 * s->turnout.sd;
        add(sa, moves, (move){MOVE_KEY, 0}, "turnout (mean)", "turnout.mean", "points", m,
            m - TURNOUT_STEP, m + TURNOUT_STEP);
        add(sa, moves, (move){MOVE_KEY, 0}, "turnout (sd)", "turnout.sd", "points", sd,
            fmax(0, sd - TURNOUT_SD_STEP), sd + TURNOUT_SD_STEP);
    }
    if (s->n_regions > 0) {
        const ro_regional_error *re = &s->regional_error;
        add(sa, moves, (move){MOVE_KEY, 0}, "regional error (sd)", "regional_error.sd", "logit",
            re->sd, fmax(0, re->sd - LOGIT_SD_STEP), re->sd + LOGIT_SD_STEP);
        add(sa, moves, (move){MOVE_KEY, 0}, "regional transfer error (sd)",
            "regional_error.transfer_sd", "logit", re->transfer_sd,
            fmax(0, re->transfer_sd - LOGIT_SD_STEP), re->transfer_sd + LOGIT_SD_STEP);
        add(sa, moves, (move){MOVE_KEY, 0}, "local lean", "regional_error.local_lean", "",
            re->local_lean, re->local_lean - LEAN_STEP, re->local_lean + LEAN_STEP);
    }
    for (size_t o = 0; o < s->n_options && s->transfers != NULL; o++) {
        double a = 100 * s->transfers[o].mean[RO_TO_A];
        snprintf(label, sizeof label, "transfers: %s voters to %s", s->options[o].name,
                 s->finalist[0].name);
        snprintf(key, sizeof key, "transfers.adjust.%s.%s", s->options[o].id, s->finalist[0].id);
        add(sa, moves, (move){MOVE_TRANSFER, o}, label, key, "points", a,
            fmax(0, a - TRANSFER_STEP), fmin(100, a + TRANSFER_STEP));
    }
}

/* ---- differences on paired draws ---- */

typedef struct {
    const draw_log *base;
    double *tmp;                    /* scratch: n */
    double base_median, base_sparsity;
} pairing;

/* Change in P(A) and in the median, with their Monte Carlo errors. */
static void difference(const pairing *pr, const draw_log *v, double *dp, double *dp_se,
                       double *dm, double *dm_se)
{
    const draw_log *b = pr->base;
    uint64_t n = b->n;
    double sum = 0, sum2 = 0;
    for (uint64_t i = 0; i < n; i++) {
        double d = (double)v->a_won[i] - (double)b->a_won[i];
        sum += d;
        sum2 += d * d;
    }
    *dp = sum / (double)n;
    *dp_se = n > 1 ? sqrt((sum2 / (double)n - *dp * *dp) / (double)(n - 1)) : NAN;
    const double mv = median(v->share, n, pr->tmp), sv = sparsity(pr->tmp, n);
    const double mb = pr->base_median, sb = pr->base_sparsity;
    *dm = mv - mb;
    /* To first order a median is m = q + (1/n) sum_i (1/2 - 1{x_i <= q}) / f(q)
     * (its influence function), so on paired draws the difference's error
     * is the sd of the paired influences over sqrt(n). Where the variant
     * moves every draw alike, the two indicators agree but for the draws
     * it carries across the median, which is what the error then is. */
    double isum = 0, isum2 = 0;
    for (uint64_t i = 0; i < n; i++) {
        double d = (0.5 - (v->share[i] <= mv)) * sv - (0.5 - (b->share[i] <= mb)) * sb;
        isum += d;
        isum2 += d * d;
    }
    const double imean = isum / (double)n;
    *dm_se = n > 1 ? sqrt(fmax(0, isum2 / (double)n - imean * imean) / (double)(n - 1)) : NAN;
}

static double effect_p(const runoff_sensitivity_input *in) { return fmax(fabs(in->p_low), fabs(in->p_high)); }
static double effect_m(const runoff_sensitivity_input *in) { return fmax(fabs(in->m_low), fabs(in->m_high)); }

static int by_effect_p(const void *x, const void *y)
{
    const runoff_sensitivity_input *a = x, *b = y;
    double ea = effect_p(a), eb = effect_p(b);
    if (ea != eb)
        return ea < eb ? 1 : -1;
    ea = effect_m(a), eb = effect_m(b);
    return ea < eb ? 1 : ea > eb ? -1 : strcmp(a->key, b->key);
}

static int by_effect_m(const void *x, const void *y)
{
    const runoff_sensitivity_input *const *a = x, *const *b = y;
    double ea = effect_m(*a), eb = effect_m(*b);
    return ea < eb ? 1 : ea > eb ? -1 : strcmp((*a)->key, (*b)->key);
}

static void rank(runoff_sensitivity *sa)
{
    qsort(sa->inputs, sa->n, sizeof *sa->inputs, by_effect_p);
    runoff_sensitivity_input **order = ro_calloc(sa->n ? sa->n : 1, sizeof *order);
    for (size_t i = 0; i < sa->n; i++) {
        sa->inputs[i].rank_p = i + 1;
        if (order)
            order[i] = &sa->inputs[i];
    }
    if (order == NULL)
        return;
    qsort(order, sa->n, sizeof *order, by_effect_m);
    for (size_t i = 0; i < sa->n; i++)
        order[i]->rank_m = i + 1;
    free(order);
}

void runoff_sensitivity_free(runoff_sensitivity *sa)
{
    if (sa == NULL)
        return;
    runoff_result_free(sa->result);
    runoff_scenario_free(sa->scenario);
    free(sa->inputs);
    free(sa);
}

/* ---- the analysis ---- */

/* The scratch of one analysis: each input's move (beside sa->inputs), the
 * baseline's draws and a variant's, and pairing's scratch. */
typedef struct {
    move *moves;
    draw_log base, var;
    pairing pr;
} sens_ws;

/* For `cap` inputs and n draws; false when out of memory (then ws_free). */
static bool ws_alloc(sens_ws *w, size_t cap, uint64_t n)
{
    w->moves = ro_calloc(cap, sizeof *w->moves);
    w->base = (draw_log){ro_calloc(n, sizeof(double)), ro_calloc(n, 1), n};
    w->var = (draw_log){ro_calloc(n, sizeof(double)), ro_calloc(n, 1), n};
    w->pr = (pairing){&w->base, ro_calloc(n, sizeof(double)), 0, 0};
    return w->moves != NULL && w->base.share != NULL && w->base.a_won != NULL &&
           w->var.share != NULL && w->var.a_won != NULL && w->pr.tmp != NULL;
}

static void ws_free(sens_ws *w)
{
    free(w->moves);
    free(w->base.share), free(w->base.a_won), free(w->var.share), free(w->var.a_won);
    free(w->pr.tmp);
}

/* The baseline's P(A), median share and the median's sparsity (which the
 * median's Monte Carlo error needs, difference()). */
static void summarise_base(runoff_sensitivity *sa, sens_ws *w)
{
    const uint64_t n = w->base.n;
    double m = 0;
    for (uint64_t i = 0; i < n; i++)
        m += w->base.a_won[i];
    sa->p_base = m / (double)n;
    sa->m_base = w->pr.base_median = median(w->base.share, n, w->pr.tmp);
    w->pr.base_sparsity = sparsity(w->pr.tmp, n);
}

/* Input in, moved as mv to its lower then its higher value, against the
 * baseline on the same draws. */
static runoff_status move_input(const runoff_doc *doc, const runoff_scenario *s,
                                const runoff_sim_options *opt, sens_ws *w,
                                runoff_sensitivity_input *in, const move *mv, runoff_error *err)
{
    for (int side = 0; side < 2; side++) {
        size_t n_sets = 0;
        char **sets = assignments(s, in, mv, side ? in->high : in->low, &n_sets);
        if (sets == NULL)
            return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
        runoff_status st = simulate(doc, sets, n_sets, opt, &w->var, NULL, NULL, err);
        free_sets(sets, n_sets);
        if (st != RUNOFF_OK) {
            ro_error_prefix(err, "sensitivity to %s: ", in->key);
            return st;
        }
        if (side)
            difference(&w->pr, &w->var, &in->p_high, &in->p_high_se, &in->m_high, &in->m_high_se);
        else
            difference(&w->pr, &w->var, &in->p_low, &in->p_low_se, &in->m_low, &in->m_low_se);
    }
    return RUNOFF_OK;
}

runoff_sensitivity *runoff_sensitivity_run(const runoff_doc *doc, const runoff_sim_options *opt,
                                           runoff_error *err)
{
    runoff_sensitivity *sa = ro_calloc(1, sizeof *sa);
    sens_ws w = {0};
    runoff_scenario *s = runoff_scenario_from_doc(doc, err);
    if (sa == NULL || s == NULL) {
        if (sa == NULL)
            ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    uint64_t n = opt->draws ? opt->draws : s->simulation.draws;
    size_t cap = 7 + s->n_options;
    sa->inputs = ro_calloc(cap, sizeof *sa->inputs);
    if (sa->inputs == NULL || !ws_alloc(&w, cap, n)) {
        ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    list_inputs(s, sa, w.moves);
    if (simulate(doc, NULL, 0, opt, &w.base, &sa->scenario, &sa->result, err) != RUNOFF_OK)
        goto fail;
    sa->draws = sa->result->draws;
    sa->seed = sa->result->seed;
    summarise_base(sa, &w);
    for (size_t i = 0; i < sa->n; i++)
        if (move_input(doc, s, opt, &w, &sa->inputs[i], &w.moves[i], err) != RUNOFF_OK)
            goto fail;
    rank(sa);
    runoff_scenario_free(s);
    ws_free(&w);
    return sa;
fail:
    runoff_scenario_free(s);
    ws_free(&w);
    runoff_sensitivity_free(sa);
    return NULL;
}

/* ---- writers ---- */

int runoff_write_sensitivity(FILE *out, const runoff_sensitivity *sa)
{
    ro_fmt_out o = {.f = out};
    const runoff_scenario *s = sa->scenario;
    ro_fmt_printf(&o, "What decides it: each input moved down and up, same %llu draws and seed "
                      "%llu\n",
                  (unsigned long long)sa->draws, (unsigned long long)sa->seed);
    ro_fmt_printf(&o, "Baseline: P(%s wins) %.2f %%, median share %.2f %%\n\n", s->finalist[0].name,
                  100 * sa->p_base, 100 * sa->m_base);
    ro_fmt_puts(&o, "rank  input                                     values tried        "
                    "change in P(A) (points)       change in median (points)\n");
    for (size_t i = 0; i < sa->n; i++) {
        const runoff_sensitivity_input *in = &sa->inputs[i];
        char values[64];
        snprintf(values, sizeof values, "%g .. %g %s", in->low, in->high, in->unit);
        ro_fmt_printf(&o, "%4zu  ", in->rank_p);
        ro_fmt_padded(&o, in->label, 40);
        ro_fmt_printf(&o, "  %-18s %+6.2f/%+6.2f (+/-%.2f)   %+6.3f/%+6.3f (+/-%.3f)\n", values,
                      100 * in->p_low, 100 * in->p_high,
                      100 * fmax(in->p_low_se, in->p_high_se), 100 * in->m_low,
                      100 * in->m_high, 100 * fmax(in->m_low_se, in->m_high_se));
    }
    ro_fmt_puts(&o, "\n(low/high: the change at the lower/higher value; +/-: Monte Carlo standard "
                    "error of the change, common random numbers)\n");
    return ro_fmt_finish(&o);
}

int runoff_write_sensitivity_csv(FILE *out, const runoff_sensitivity *sa)
{
    ro_fmt_out o = {.f = out};
    ro_fmt_puts(&o, "rank_win_probability,rank_share_median,input,key,unit,base,low,high,subject,"
                    "win_probability,win_probability_change_low,win_probability_change_low_se,"
                    "win_probability_change_high,win_probability_change_high_se,"
                    "share_quantile_0.5,share_quantile_0.5_change_low,"
                    "share_quantile_0.5_change_low_se,share_quantile_0.5_change_high,"
                    "share_quantile_0.5_change_high_se");
    ro_fmt_provenance_header(&o, true);
    ro_fmt_puts(&o, "\n");
    for (size_t i = 0; i < sa->n; i++) {
        const runoff_sensitivity_input *in = &sa->inputs[i];
        ro_fmt_printf(&o, "%zu,%zu,", in->rank_p, in->rank_m);
        ro_fmt_csv_field(&o, in->label);
        ro_fmt_puts(&o, ",");
        ro_fmt_csv_field(&o, in->key);
        ro_fmt_puts(&o, ",");
        ro_fmt_csv_field(&o, in->unit);
        const double v1[] = {in->base, in->low, in->high};
        for (size_t k = 0; k < 3; k++) {
            ro_fmt_puts(&o, ",");
            ro_fmt_csv_number(&o, v1[k]);
        }
        ro_fmt_puts(&o, ",");
        ro_fmt_csv_field(&o, sa->scenario->finalist[0].id);
        const double v2[] = {sa->p_base, in->p_low, in->p_low_se, in->p_high, in->p_high_se,
                             sa->m_base, in->m_low, in->m_low_se, in->m_high, in->m_high_se};
        for (size_t k = 0; k < sizeof v2 / sizeof *v2; k++) {
            ro_fmt_puts(&o, ",");
            ro_fmt_csv_number(&o, v2[k]);
        }
        ro_fmt_provenance(&o, sa->scenario, sa->result, true);
        ro_fmt_puts(&o, "\n");
    }
    return ro_fmt_finish(&o);
}
