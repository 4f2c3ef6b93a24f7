/*
 * report.c — the human-readable report of a run (runoff run's stdout),
 * and the back-test table (runoff backtest's).
 *
 * Layout only: every number comes from the result's histograms through
 * summary.c, backtest.c and the helpers in fmt.c that the CSV and JSON
 * writers use too. Percentages are printed with fixed decimals (shares
 * to 0.01 point, the histograms' resolution is finer); the output is
 * plain ASCII apart from names, at most 80 columns for the fixed parts.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "date.h"
#include "backtest.h"
#include "fmt.h"
#include "polls.h"

#define HIST_ROWS 40
#define HIST_BAR_MAX 50
#define REGIONS_SHOWN 10

static const char *name_a(const runoff_scenario *s) { return s->finalist[0].name; }
static const char *name_b(const runoff_scenario *s) { return s->finalist[1].name; }

/* Who wins, how likely (also in words), and the winner's share: what a
 * reader needs first, in five lines. */
static void report_headline(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r)
{
    ro_fmt_headline h;
    char date[11];
    ro_fmt_headline_of(r, &h);
    ro_date_format(s->election_date, date);
    const char *win = s->finalist[h.winner].name, *lose = s->finalist[!h.winner].name;
    ro_fmt_printf(o, "%s, %s\n", s->name, date);
    ro_fmt_printf(o, "  Most likely winner   %s\n", win);
    ro_fmt_printf(o, "  Chance of winning    %.2f %% +/- %.2g", 100 * h.probability,
                  100 * h.probability_se);
    if (h.odds_of_loser)
        ro_fmt_printf(o, " (%s wins %s)\n", lose, h.odds);
    else
        ro_fmt_printf(o, " (%s)\n", h.odds);
    ro_fmt_printf(o, "  Winner's share       median %.2f %% +/- %.2g of valid votes\n",
                  100 * h.median, 100 * h.median_se);
    ro_fmt_printf(o, "  90 %% interval        %.2f .. %.2f %%\n", 100 * h.q05, 100 * h.q95);
    ro_fmt_printf(o, "  (+/-: Monte Carlo standard error; %llu draws, seed %llu)\n",
                  (unsigned long long)r->draws, (unsigned long long)r->seed);
}

static void report_header(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r)
{
    char date[11];
    ro_date_format(s->election_date, date);
    ro_fmt_printf(o, "Scenario       %s (%s)\n", s->name, s->source);
    ro_fmt_printf(o, "Election date  %s\n", date);
    ro_fmt_printf(o, "Finalists      A = %s, B = %s\n", name_a(s), name_b(s));
    ro_fmt_printf(o, "Seed           %llu\n", (unsigned long long)r->seed);
    ro_fmt_printf(o, "Draws          %llu\n", (unsigned long long)r->draws);
}

/* The dynamic model's fitted variances and population effects. */
static void report_trend(ro_fmt_out *o, const runoff_scenario *s, const ro_poll_average *a)
{
    const ro_trend *t = &a->trend;
    char d0[11];
    ro_date_format(t->first_day + (int32_t)t->election_day, d0);
    ro_fmt_printf(o, "  dynamic model: forecast for %s; daily sd %.4f (%s), poll sd %.4f (%s), "
                     "house sd %.3f (logit scale)\n",
                  d0, t->daily_sd, t->daily_sd_estimated ? "estimated" : "given", t->poll_sd,
                  t->poll_sd_estimated ? "estimated" : "given", s->aggregation.house_sd);
    for (int k = 0; k < RO_POP_COUNT; k++)
        if (t->population_used[k])
            ro_fmt_printf(o, "  %s-voter polls differ from likely-voter polls by %+.3f "
                             "(sd %.3f, logit scale)\n",
                          ro_population_names[k], t->population[k], t->population_sd[k]);
    ro_fmt_puts(o, "  weight = the poll's share of the election-day estimate (can be negative)\n");
}

static void report_polls(ro_fmt_out *o, const runoff_scenario *s, const ro_poll_average *a)
{
    if (a->n_polls == 0)
        return;
    char ref[11], d0[11], d1[11];
    ro_date_format(a->reference_date, ref);
    ro_fmt_printf(o, "\nPolling average (reference date %s)\n", ref);
    ro_fmt_printf(o, "  %s's two-way share %.2f %% (sd %.2f points)\n", name_a(s),
                  100 * a->mean, 100 * a->sd);
    ro_fmt_printf(o, "  n_eff %.0f, %zu of %zu polls used\n", a->n_eff, a->n_used, a->n_polls);
    if (s->n_default_sample > 0)
        ro_fmt_printf(o, "  %s\n", ro_scenario_default_sample_text(s));
    if (a->method == RO_AGG_DYNAMIC)
        report_trend(o, s, a);
    ro_fmt_printf(o, "\n  %-20s %-22s %7s %9s %7s %7s\n", "pollster", "fieldwork", "sample",
                  "two-way", "weight", "house");
    for (size_t i = 0; i < a->n_polls && i < s->n_polls; i++) {
        const ro_poll *p = &s->polls[i];
        const ro_poll_weight *w = &a->polls[i];
        if (!w->used)
            continue;
        ro_date_format(p->start, d0);
        ro_date_format(p->end, d1);
        ro_fmt_puts(o, "  ");
        ro_fmt_padded(o, p->pollster, 20);
        ro_fmt_printf(o, " %s..%s %7.0f %7.2f %% %5.1f %% %+7.2f\n", d0, d1, p->sample,
                      100 * p->two_way_a, 100 * w->weight, 100 * w->house);
    }
    for (size_t i = 0; i < a->n_polls && i < s->n_polls; i++) {
        const ro_poll *p = &s->polls[i];
        const ro_poll_weight *w = &a->polls[i];
        if (w->used)
            continue;
        ro_date_format(p->start, d0);
        ro_date_format(p->end, d1);
        ro_fmt_printf(o, "  excluded: %s %s..%s (%s)\n", p->pollster, d0, d1,
                      w->excluded_why ? w->excluded_why : "excluded");
    }
}

static void report_wins(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r)
{
    ro_fmt_puts(o, "\nWin probability (+/- Monte Carlo standard error)\n");
    for (int f = 0; f < 2; f++) {
        double p = ro_fmt_win_probability(r, f);
        ro_fmt_puts(o, "  ");
        ro_fmt_padded(o, s->finalist[f].name, 28);
        ro_fmt_printf(o, " %6.2f %% +/- %.2f\n", 100 * p, 100 * ro_mc_se(p, r->draws));
    }
    if (r->ties > 0)
        ro_fmt_printf(o, "  %-28s %6.2f %%\n", "ties",
                      100 * (double)r->ties / (double)r->draws);
}

/* Mean (when kept), median and the central intervals of h, in percent. */
static void report_intervals(ro_fmt_out *o, const ro_hist *h)
{
    double mean = ro_hist_mean(h);
    if (isfinite(mean))
        ro_fmt_printf(o, "  mean %.2f %%, ", 100 * mean);
    else
        ro_fmt_puts(o, "  ");
    ro_fmt_printf(o, "median %.2f %%\n", 100 * ro_hist_quantile(h, 0.5));
    for (size_t k = 0; k < RO_BACKTEST_N_LEVELS; k++) {
        double tail = (1 - ro_backtest_levels[k]) / 2;
        ro_fmt_printf(o, "  %2.0f %% interval  %6.2f .. %6.2f %%\n", 100 * ro_backtest_levels[k],
                      100 * ro_hist_quantile(h, tail), 100 * ro_hist_quantile(h, 1 - tail));
    }
}

static void report_distributions(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r)
{
    ro_fmt_printf(o, "\n%s's share of valid votes (%s's is 100 minus)\n", name_a(s), name_b(s));
    report_intervals(o, r->share_a);
    if (r->has_turnout && r->turnout != NULL) {
        ro_fmt_puts(o, "\nTurnout (% of registered voters)\n");
        report_intervals(o, r->turnout);
    }
    if (r->blank_null != NULL) {
        ro_fmt_puts(o, "\nBlank and null ballots (% of voters)\n");
        report_intervals(o, r->blank_null);
    }
    if (r->has_votes && r->margin != NULL) {
        double v = r->registered;
        ro_fmt_printf(o, "\nMargin in votes, %s minus %s\n", name_a(s), name_b(s));
        ro_fmt_printf(o, "  median %+.0f, 90 %% interval %+.0f .. %+.0f\n",
                      v * ro_hist_quantile(r->margin, 0.5),
                      v * ro_hist_quantile(r->margin, 0.05), v * ro_hist_quantile(r->margin, 0.95));
    }
}

typedef struct {
    double p, median;
    size_t index;
} ranked_region;

/* By P(A) descending, then median share, then scenario order: a total
 * order, so the table does not depend on qsort's stability. */
static int by_win_probability(const void *x, const void *y)
{
    const ranked_region *a = x, *b = y;
    if (a->p != b->p)
        return a->p < b->p ? 1 : -1;
    if (a->median != b->median)
        return a->median < b->median ? 1 : -1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static void region_line(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r, size_t i)
{
    ro_fmt_region row;
    ro_fmt_region_row(s, r, i, &row);
    ro_fmt_puts(o, "  ");
    ro_fmt_padded(o, s->regions[i].code, 6);
    ro_fmt_puts(o, " ");
    ro_fmt_padded(o, s->regions[i].name, 26);
    ro_fmt_printf(o, " %6.1f %% %6.2f %% %6.2f .. %6.2f %%\n", 100 * row.win_probability_a,
                  100 * row.median, 100 * row.q05, 100 * row.q95);
}

static void report_regions(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r)
{
    if (r->n_regions == 0)
        return;
    ro_fmt_printf(o, "\nRegions (%zu)\n", r->n_regions);
    if (r->regions_a != NULL) {
        ro_fmt_printf(o, "  carried by %s: median %.0f, 90 %% interval %.0f .. %.0f\n",
                      name_a(s), ro_hist_integer_quantile(r->regions_a, 0.5),
                      ro_hist_integer_quantile(r->regions_a, 0.05),
                      ro_hist_integer_quantile(r->regions_a, 0.95));
        ro_fmt_printf(o, "  P(%s carries a majority of regions) %.1f %%\n", name_a(s),
                      100 * ro_fmt_regions_majority(r->regions_a, r->n_regions));
    }
    ranked_region *rank = ro_malloc(r->n_regions * sizeof *rank);
    if (rank == NULL) {
        ro_fmt_fail(o, ENOMEM);
        return;
    }
    for (size_t i = 0; i < r->n_regions; i++) {
        rank[i].p = (double)r->region_wins_a[i] / (double)r->draws;
        rank[i].median = ro_hist_quantile(r->region_share[i], 0.5);
        rank[i].index = i;
    }
    qsort(rank, r->n_regions, sizeof *rank, by_win_probability);
    bool all = r->n_regions <= 2 * REGIONS_SHOWN;
    ro_fmt_printf(o, "\n  %-6s %-26s %8s %8s %18s\n", "code", "name", "P(A)", "median",
                  "90 % interval");
    for (size_t k = 0; k < r->n_regions; k++) {
        if (!all && k == REGIONS_SHOWN)
            ro_fmt_printf(o, "  ... %zu more ...\n", r->n_regions - 2 * REGIONS_SHOWN);
        if (all || k < REGIONS_SHOWN || k >= r->n_regions - REGIONS_SHOWN)
            region_line(o, s, r, rank[k].index);
    }
    free(rank);
}

/* About 40 rows over the central 99.8 % of A's share, one '#' per 2 % of
 * the tallest row's mass (50 columns at most). */
static void report_histogram(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r)
{
    const ro_hist *h = r->share_a;
    double lo = ro_hist_quantile(h, 0.001), hi = ro_hist_quantile(h, 0.999);
    ro_fmt_printf(o, "\nDistribution of %s's share (central 99.8 %%)\n", name_a(s));
    if (!(hi > lo)) {
        ro_fmt_printf(o, "  every draw at %.2f %%\n", 100 * lo);
        return;
    }
    double step = (hi - lo) / HIST_ROWS, mass[HIST_ROWS], top = 0;
    for (int k = 0; k < HIST_ROWS; k++) {
        double a = lo + k * step, b = k + 1 == HIST_ROWS ? hi : a + step;
        mass[k] = ro_hist_cdf(h, b) - ro_hist_cdf(h, a);
        if (mass[k] > top)
            top = mass[k];
    }
    for (int k = 0; k < HIST_ROWS; k++) {
        int len = (int)lround(mass[k] / top * HIST_BAR_MAX);
        ro_fmt_printf(o, "  %6.2f-%6.2f %% |%.*s%*s %4.1f %%\n", 100 * (lo + k * step),
                      100 * (lo + (k + 1) * step), len,
                      "##################################################", HIST_BAR_MAX - len,
                      "", 100 * mass[k]);
    }
}

static void report_actual(ro_fmt_out *o, const char *what, const ro_hist *h, double actual)
{
    ro_fmt_printf(o, "  %s: actual %.2f %%, PIT %.3f, CRPS %.3f points\n", what, 100 * actual,
                  ro_backtest_pit(h, actual), 100 * ro_backtest_crps(h, actual));
    ro_fmt_puts(o, "    inside the central intervals:");
    int any = 0;
    for (size_t k = 0; k < RO_BACKTEST_N_LEVELS; k++)
        if (ro_backtest_covered(h, ro_backtest_levels[k], actual)) {
            ro_fmt_printf(o, "%s %.0f %%", any ? "," : "", 100 * ro_backtest_levels[k]);
            any = 1;
        }
    ro_fmt_puts(o, any ? "\n" : " none\n");
}

/* One block of regional scores (as simulated, or conditional on the actual
 * national share). */
static void report_region_scores(ro_fmt_out *o, const runoff_backtest_regions *cal,
                                 const char *what)
{
    ro_fmt_printf(o, "  regions, %s (%zu with an actual share):\n", what, cal->n);
    ro_fmt_printf(o, "    mean PIT %.3f (0.5 if calibrated); by tenths:", cal->pit_mean);
    for (size_t k = 0; k < 10; k++)
        ro_fmt_printf(o, " %zu", cal->pit_decile[k]);
    ro_fmt_puts(o, "\n    in their central");
    for (size_t k = 0; k < RO_BACKTEST_N_LEVELS; k++)
        ro_fmt_printf(o, "%s%.0f", k ? "/" : " ", 100 * ro_backtest_levels[k]);
    ro_fmt_puts(o, " % intervals:");
    for (size_t k = 0; k < RO_BACKTEST_N_LEVELS; k++)
        ro_fmt_printf(o, "%s%.1f", k ? " / " : " ", 100 * cal->covered[k]);
    ro_fmt_printf(o, " %%\n    mean Brier score of the region calls: %.4f\n", cal->brier_mean);
    if (isfinite(cal->carried_actual))
        ro_fmt_printf(o, "    regions carried by A: %.0f, 90 %% interval %.0f-%.0f\n",
                      cal->carried_actual, cal->carried_q05, cal->carried_q95);
}

static void report_backtest(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r)
{
    const ro_actual *act = &s->actual;
    runoff_backtest_regions cal, cond;
    ro_backtest_regions(s, r, false, &cal);
    ro_backtest_regions(s, r, true, &cond);
    bool turnout = act->has_turnout && r->has_turnout && r->turnout != NULL;
    bool blank = act->has_blank_null && r->blank_null != NULL;
    if (!act->has_share && !turnout && !blank && cal.n == 0)
        return;
    ro_fmt_puts(o, "\nBack-test against the actual result\n");
    if (act->has_share) {
        char what[RO_NAME_MAX + 16];
        snprintf(what, sizeof what, "%s's share", name_a(s));
        report_actual(o, what, r->share_a, act->share_a);
        bool a_won = act->share_a > 0.5;
        ro_fmt_printf(o, "  Brier score of the winner call: %.4f (%s won)\n",
                      ro_backtest_brier(ro_fmt_win_probability(r, 0), a_won),
                      a_won ? name_a(s) : name_b(s));
    }
    if (turnout)
        report_actual(o, "turnout", r->turnout, act->turnout);
    if (blank)
        report_actual(o, "blank and null", r->blank_null, act->blank_null);
    if (cal.n > 0)
        report_region_scores(o, &cal, "as simulated");
    if (cond.n > 0)
        report_region_scores(o, &cond, "national share held at the actual one");
}

int runoff_write_report(FILE *out, const runoff_scenario *s, const runoff_result *r)
{
    ro_fmt_out o;
    if (ro_fmt_begin(&o, out, s, r) != 0)
        return -1;
    report_headline(&o, s, r);
    ro_fmt_puts(&o, "\n");
    report_header(&o, s, r);
    report_polls(&o, s, &r->avg);
    report_wins(&o, s, r);
    report_distributions(&o, s, r);
    report_regions(&o, s, r);
    report_histogram(&o, s, r);
    report_backtest(&o, s, r);
    return ro_fmt_finish(&o);
}

int runoff_write_headline(FILE *out, const runoff_scenario *s, const runoff_result *r)
{
    ro_fmt_out o;
    if (ro_fmt_begin(&o, out, s, r) != 0)
        return -1;
    report_headline(&o, s, r);
    return ro_fmt_finish(&o);
}

runoff_status runoff_write_poll_table(FILE *out, const runoff_scenario *s, runoff_error *err)
{
    if (s->n_polls == 0)
        return RUNOFF_OK;
    ro_poll_average avg;
    runoff_status st = ro_polls_average(s, &avg, err);
    if (st != RUNOFF_OK)
        return st;
    ro_fmt_out o = {.f = out};
    report_polls(&o, s, &avg);
    ro_poll_average_clear(&avg);
    if (ro_fmt_finish(&o) != 0)
        return ro_error_set(err, RUNOFF_ERUNTIME, NULL, 0, 0, "write failed");
    return RUNOFF_OK;
}

/* ---- back-tests (runoff backtest): a block per scenario, a summary ---- */

static void backtest_line(ro_fmt_out *o, const char *what, const runoff_backtest_scores *sc,
                          bool with_se)
{
    ro_fmt_printf(o, "  %-10s", what);
    if (!isfinite(sc->crps)) {
        ro_fmt_puts(o, " (no poll on or before the reference date)\n");
        return;
    }
    char se[16] = "";
    if (with_se)
        snprintf(se, sizeof se, "+/-%.1f", 100 * sc->win_probability_se);
    ro_fmt_printf(o, " %6.2f %4.1f-%4.1f %4.1f-%4.1f %5.1f%-6s %5.3f %5.3f %6.4f %4s %4s\n",
                  100 * sc->median, 100 * sc->q25, 100 * sc->q75, 100 * sc->q05, 100 * sc->q95,
                  100 * sc->win_probability, se, sc->pit, 100 * sc->crps, sc->brier,
                  sc->covered50 ? "yes" : "no", sc->covered90 ? "yes" : "no");
}

/* What a baseline averaged and how wide its forecast is. */
static void backtest_baseline_note(ro_fmt_out *o, const char *what,
                                   const runoff_backtest_baseline *b)
{
    if (b->n_polls == 0)
        return;
    char err[32] = "normal";
    if (isfinite(b->df))
        snprintf(err, sizeof err, "t(%g)", b->df);
    ro_fmt_printf(o, "  %-11s %zu poll%s (n %.0f), %s error, sd %.2f points\n", what, b->n_polls,
                  b->n_polls == 1 ? "" : "s", b->sample, err, 100 * b->sd);
    if (b->fallback)
        ro_fmt_puts(o, "              (no poll ended in the week: the latest day's polls)\n");
}

int runoff_write_backtest_row(FILE *out, const runoff_scenario *s, const runoff_backtest_row *row)
{
    ro_fmt_out o = {.f = out};
    ro_fmt_printf(&o, "%s (%s), %llu draws, seed %llu\n", s->name, s->source,
                  (unsigned long long)row->draws, (unsigned long long)row->seed);
    ro_fmt_printf(&o, "  actual %.2f %% (%s won); polls as of %s\n", 100 * row->actual,
                  row->a_won ? name_a(s) : name_b(s),
                  row->reference_date[0] ? row->reference_date : "-");
    ro_fmt_puts(&o, "  forecast   median 50 % int. 90 % int. P(A wins) %   PIT  CRPS  Brier"
                    " in50 in90\n");
    backtest_line(&o, "model", &row->model, true);
    backtest_line(&o, "final week", &row->final_week.scores, false);
    backtest_line(&o, "last poll", &row->last_poll.scores, false);
    backtest_baseline_note(&o, "final week:", &row->final_week);
    backtest_baseline_note(&o, "last poll:", &row->last_poll);
    if (row->regions.n > 0)
        report_region_scores(&o, &row->regions, "as simulated");
    if (row->regions_conditional.n > 0)
        report_region_scores(&o, &row->regions_conditional,
                             "national share held at the actual one");
    ro_fmt_puts(&o, "\n");
    return ro_fmt_finish(&o);
}

int runoff_write_backtest_summary(FILE *out, const runoff_backtest_summary *sum)
{
    ro_fmt_out o = {.f = out};
    const struct {
        const char *what;
        const runoff_backtest_tally *t;
    } rows[] = {{"model", &sum->model},
                {"final week", &sum->final_week},
                {"last poll", &sum->last_poll}};
    ro_fmt_printf(&o, "Summary over %zu scenario%s (CRPS in points)\n", sum->n_scenarios,
                  sum->n_scenarios == 1 ? "" : "s");
    ro_fmt_puts(&o, "  forecast   scored  mean CRPS  mean Brier  in 50 %  in 90 %\n");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const runoff_backtest_tally *t = rows[i].t;
        double n = t->n ? (double)t->n : NAN;
        ro_fmt_printf(&o, "  %-10s %6zu %10.3f %11.4f %8zu %8zu\n", rows[i].what, t->n,
                      100 * t->crps_sum / n, t->brier_sum / n, t->covered50, t->covered90);
    }
    return ro_fmt_finish(&o);
}
