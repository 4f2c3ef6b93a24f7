/*
 * backtest.c — scores of a forecast against the actual outcome, and the
 * naive baselines a back-test compares the model with.
 *
 * The model's forecast is a histogram; every score reads it as the
 * distribution summary.c defines:
 * each bin's count spread uniformly over the bin, underflow a point mass
 * at lo, overflow a point mass at hi. The CDF is then piecewise linear
 * inside [lo, hi], so the CRPS integral has a closed form per bin and no
 * numerical quadrature is needed; outside [lo, hi] the CDF is 0 or 1 and
 * the integrand is 0 or 1, which gives the tails in closed form too.
 *
 * The baselines' forecasts are location-scale normal or Student-t
 * distributions, scored exactly from their CDF, quantiles and closed-form
 * CRPS; the families are data (ro_backtest_family), so a new error
 * distribution is a new row, not a new branch in every score. Baselines
 * only read the scenario's polls: the rule that picks them is here, once,
 * and docs/model.md states it.
 */
#include "backtest.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "date.h"
#include "error.h"

const double ro_backtest_levels[RO_BACKTEST_N_LEVELS] = {0.5, 0.8, 0.9, 0.95};

double ro_backtest_pit(const ro_hist *h, double actual) { return ro_hist_cdf(h, actual); }

/* Integral of g^2 over a length len where g is linear from g0 to g1. */
static long double sq_integral(long double g0, long double g1, long double len)
{
    return len * (g0 * g0 + g0 * g1 + g1 * g1) / 3;
}

/* Integral over [a, b] of (F - H(x - y))^2, F linear from f0 at a to f1 at b. */
static long double bin_crps(double a, double b, long double f0, long double f1, double y)
{
    if (y <= a)
        return sq_integral(1 - f0, 1 - f1, (long double)b - a);
    if (y >= b)
        return sq_integral(f0, f1, (long double)b - a);
    long double fy = f0 + (f1 - f0) * ((long double)y - a) / ((long double)b - a);
    return sq_integral(f0, fy, (long double)y - a) + sq_integral(1 - fy, 1 - f1, (long double)b - y);
}

/*
 * CRPS over the whole real line: inside [lo, hi] bin by bin, plus the
 * stretch between the actual value and the range when the actual value
 * falls outside it (there the integrand is exactly 1).
 */
double ro_backtest_crps(const ro_hist *h, double actual)
{
    uint64_t n = ro_hist_count(h);
    if (n == 0 || !isfinite(actual))
        return NAN;
    double lo = ro_hist_lo(h), hi = ro_hist_hi(h), w = ro_hist_bin_width(h);
    size_t nb = ro_hist_nbins(h);
    long double total = 0;
    if (actual < lo)
        total += (long double)lo - actual;
    if (actual > hi)
        total += (long double)actual - hi;
    /* F just above lo is the underflow share, which is what cdf(lo) says;
     * from there F grows by each bin's share. */
    long double f0 = ro_hist_cdf(h, lo);
    for (size_t i = 0; i < nb; i++) {
        double a = lo + (double)i * w;
        double b = i + 1 == nb ? hi : lo + (double)(i + 1) * w;
        long double f1 = f0 + (long double)ro_hist_bin_count(h, i) / (long double)n;
        total += bin_crps(a, b, f0, f1, actual);
        f0 = f1;
    }
    return (double)total;
}

double ro_backtest_brier(double p_event, bool happened)
{
    double d = p_event - (happened ? 1.0 : 0.0);
    return d * d;
}

bool ro_backtest_covered(const ro_hist *h, double level, double actual)
{
    double tail = (1 - level) / 2;
    double lo = ro_hist_quantile(h, tail), hi = ro_hist_quantile(h, 1 - tail);
    return lo <= actual && actual <= hi;
}

/* What every forecast's scores are made of: its quantile function (for
 * the median and the intervals, whose coverage follows from them), its
 * P(A wins) with its standard error, and its PIT and CRPS at actual. */
typedef double (*quantile_fn)(const void *forecast, double q);

static void fill_scores(runoff_backtest_scores *out, quantile_fn quantile, const void *forecast,
                        double p_win, double se, double pit, double crps, double actual)
{
    *out = (runoff_backtest_scores){
        .median = quantile(forecast, 0.5),
        .q25 = quantile(forecast, 0.25),
        .q75 = quantile(forecast, 0.75),
        .q05 = quantile(forecast, 0.05),
        .q95 = quantile(forecast, 0.95),
        .win_probability = p_win,
        .win_probability_se = se,
        .pit = pit,
        .crps = crps,
        .brier = ro_backtest_brier(p_win, actual > 0.5),
    };
    out->covered50 = out->q25 <= actual && actual <= out->q75;
    out->covered90 = out->q05 <= actual && actual <= out->q95;
}

static double hist_quantile(const void *h, double q) { return ro_hist_quantile(h, q); }

/* Coverage as ro_backtest_covered has it: from the same quantiles. */
void ro_backtest_score_result(const runoff_result *r, double actual, runoff_backtest_scores *out)
{
    const ro_hist *h = r->share_a;
    double p = runoff_result_win_probability(r, 0);
    fill_scores(out, hist_quantile, h, p, ro_mc_se(p, r->draws), ro_backtest_pit(h, actual),
                ro_backtest_crps(h, actual), actual);
}

/* ---- closed forms ----
 *
 * CRPS of a standard member at z (Gneiting & Raftery 2007; the Student-t
 * form as in the scoringRules package, Jordan, Krueger & Lerch 2019):
 *   normal:  z (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi)
 *   t(nu):   z (2 F(z) - 1) + 2 f(z) (nu + z^2) / (nu - 1)
 *            - 2 sqrt(nu) B(1/2, nu - 1/2) / ((nu - 1) B(1/2, nu/2)^2)
 * and CRPS(loc + scale X, y) = scale * CRPS(X, (y - loc) / scale).
 */

static double normal_cdf(double z, double df) { (void)df; return gsl_cdf_ugaussian_P(z); }
static double normal_sf(double z, double df) { (void)df; return gsl_cdf_ugaussian_Q(z); }
static double normal_quantile(double p, double df) { (void)df; return gsl_cdf_ugaussian_Pinv(p); }

static double normal_crps(double z, double df)
{
    (void)df;
    return z * (2 * gsl_cdf_ugaussian_P(z) - 1) + 2 * gsl_ran_ugaussian_pdf(z) - M_2_SQRTPI / 2;
}

static double t_cdf(double z, double df) { return gsl_cdf_tdist_P(z, df); }
static double t_sf(double z, double df) { return gsl_cdf_tdist_Q(z, df); }
static double t_quantile(double p, double df) { return gsl_cdf_tdist_Pinv(p, df); }

static double t_crps(double z, double df)
{
    double b = gsl_sf_beta(0.5, df / 2);
    return z * (2 * gsl_cdf_tdist_P(z, df) - 1) +
           2 * gsl_ran_tdist_pdf(z, df) * (df + z * z) / (df - 1) -
           2 * sqrt(df) * gsl_sf_beta(0.5, df - 0.5) / ((df - 1) * b * b);
}

const ro_backtest_family ro_backtest_normal = {RO_ERRDIST_NORMAL, normal_cdf, normal_sf,
                                               normal_quantile, normal_crps};
const ro_backtest_family ro_backtest_student_t = {RO_ERRDIST_STUDENT_T, t_cdf, t_sf, t_quantile,
                                                  t_crps};

double ro_backtest_forecast_cdf(const ro_backtest_forecast *f, double x)
{
    if (f->scale == 0)
        return x >= f->loc ? 1 : 0;
    return f->family->cdf((x - f->loc) / f->scale, f->df);
}

double ro_backtest_forecast_quantile(const ro_backtest_forecast *f, double p)
{
    if (f->scale == 0)
        return f->loc;
    return f->loc + f->scale * f->family->quantile(p, f->df);
}

double ro_backtest_forecast_crps(const ro_backtest_forecast *f, double y)
{
    if (f->scale == 0)
        return fabs(y - f->loc);
    return f->scale * f->family->crps((y - f->loc) / f->scale, f->df);
}

/* P(share > 1/2): the survival function, so a near-certain win keeps its
 * digits. */
static double forecast_win(const ro_backtest_forecast *f)
{
    if (f->scale == 0)
        return f->loc > 0.5 ? 1 : 0;
    return f->family->sf((0.5 - f->loc) / f->scale, f->df);
}

static double forecast_quantile(const void *f, double q)
{
    return ro_backtest_forecast_quantile(f, q);
}

void ro_backtest_score_forecast(const ro_backtest_forecast *f, double actual,
                                runoff_backtest_scores *out)
{
    fill_scores(out, forecast_quantile, f, forecast_win(f), 0, ro_backtest_forecast_cdf(f, actual),
                ro_backtest_forecast_crps(f, actual), actual);
}

/* ---- baselines ---- */

/* A baseline with no poll: every number unknown. */
static const runoff_backtest_baseline no_baseline = {
    .share = NAN, .sample = NAN, .sd = NAN, .df = NAN,
    .scores = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0, 0},
};

/* The latest end date among polls ending on or before t0; false if none. */
static bool latest_end(const runoff_scenario *s, int32_t t0, int32_t *latest)
{
    bool any = false;
    for (size_t i = 0; i < s->n_polls; i++)
        if (s->polls[i].end <= t0 && (!any || s->polls[i].end > *latest)) {
            *latest = s->polls[i].end;
            any = true;
        }
    return any;
}

void ro_backtest_baseline_polls(const runoff_scenario *s, int32_t t0, ro_baseline_kind kind,
                                runoff_backtest_baseline *out)
{
    *out = no_baseline;
    int32_t latest = 0;
    if (!latest_end(s, t0, &latest))
        return;
    /* The polls ending in [first, t0]: the final week, or the latest day
     * when it is asked for or the week holds no poll. */
    int32_t first = latest;
    if (kind == RO_BASELINE_FINAL_WEEK) {
        first = t0 - (RO_BACKTEST_WEEK_DAYS - 1);
        out->fallback = latest < first;
        if (out->fallback)
            first = latest;
    }
    double sum = 0, sample = 0;
    for (size_t i = 0; i < s->n_polls; i++) {
        const ro_poll *p = &s->polls[i];
        if (p->end >= first && p->end <= t0) {
            out->n_polls++;
            sum += p->two_way_a;
            sample += p->sample;
        }
    }
    out->share = sum / (double)out->n_polls;
    out->sample = sample;
}

bool ro_backtest_baseline_forecast(const ro_polling_error *pe, runoff_backtest_baseline *b,
                                   ro_backtest_forecast *f)
{
    double var = pe->scale * pe->scale + b->share * (1 - b->share) / b->sample;
    b->sd = sqrt(var);
    switch (pe->dist) {
    case RO_ERRDIST_NORMAL:
        b->df = INFINITY;
        *f = (ro_backtest_forecast){&ro_backtest_normal, b->share, b->sd, INFINITY};
        return true;
    case RO_ERRDIST_STUDENT_T:
        /* a t(df) scaled so that its variance, scale^2 df / (df - 2), is var */
        b->df = pe->df;
        *f = (ro_backtest_forecast){&ro_backtest_student_t, b->share,
                                    sqrt(var * (pe->df - 2) / pe->df), pe->df};
        return true;
    default:
        return false;
    }
}

/* ---- the public entry ---- */

int runoff_backtest_has_actual(const runoff_scenario *s)
{
    return s != NULL && s->actual.has_share;
}

static void score_baseline(const runoff_scenario *s, int32_t t0, ro_baseline_kind kind,
                           double actual, runoff_backtest_baseline *b)
{
    ro_backtest_forecast f;
    ro_backtest_baseline_polls(s, t0, kind, b);
    if (b->n_polls > 0 && ro_backtest_baseline_forecast(&s->polling_error, b, &f))
        ro_backtest_score_forecast(&f, actual, &b->scores);
}

void ro_backtest_regions(const runoff_scenario *s, const runoff_result *r, bool conditional,
                         runoff_backtest_regions *cal)
{
    memset(cal, 0, sizeof *cal);
    cal->carried_actual = cal->carried_q05 = cal->carried_q95 = NAN;
    if (conditional)
        r = r->conditional;
    if (r == NULL || r->draws == 0 || s->actual.region_share_a == NULL)
        return;
    double pit = 0, brier = 0, in[RO_BACKTEST_N_LEVELS] = {0}, carried = 0;
    for (size_t i = 0; i < r->n_regions; i++) {
        const double actual = s->actual.region_share_a[i];
        if (!isfinite(actual))
            continue;
        const double p = ro_backtest_pit(r->region_share[i], actual);
        cal->n++;
        pit += p;
        carried += actual > 0.5;
        for (size_t k = 0; k < RO_BACKTEST_N_LEVELS; k++)
            in[k] += ro_backtest_covered(r->region_share[i], ro_backtest_levels[k], actual);
        brier += ro_backtest_brier((double)r->region_wins_a[i] / (double)r->draws, actual > 0.5);
        size_t k = (size_t)(p * 10);
        cal->pit_decile[k < 10 ? k : 9]++;
    }
    double n = cal->n ? (double)cal->n : NAN;
    cal->pit_mean = pit / n;
    for (size_t k = 0; k < RO_BACKTEST_N_LEVELS; k++)
        cal->covered[k] = in[k] / n;
    cal->brier_mean = brier / n;
    if (r->regions_a != NULL) {
        cal->carried_q05 = ro_hist_integer_quantile(r->regions_a, 0.05);
        cal->carried_q95 = ro_hist_integer_quantile(r->regions_a, 0.95);
        if (cal->n == r->n_regions)
            cal->carried_actual = carried;
    }
}

runoff_status runoff_backtest_score(const runoff_scenario *s, const runoff_result *r,
                                    runoff_backtest_row *row, runoff_error *err)
{
    memset(row, 0, sizeof *row);
    if (!runoff_backtest_has_actual(s))
        return ro_error_set(err, RUNOFF_EINPUT, s->source, 0, 0,
                            "no actual.shares to back-test against");
    if (r->share_a == NULL || r->n_regions != ro_scenario_reported_regions(s))
        return ro_error_set(err, RUNOFF_EINPUT, s->source, 0, 0,
                            "the result is not this scenario's");
    row->actual = s->actual.share_a;
    row->a_won = row->actual > 0.5;
    row->draws = r->draws;
    row->seed = r->seed;
    ro_backtest_score_result(r, row->actual, &row->model);
    ro_backtest_regions(s, r, false, &row->regions);
    ro_backtest_regions(s, r, true, &row->regions_conditional);
    /* The baselines read the polls as of the model's own reference date
     * (docs/model.md §1); without polls the model has none, nor do they. */
    row->final_week = row->last_poll = no_baseline;
    if (r->avg.n_polls == 0)
        return RUNOFF_OK;
    int32_t t0 = r->avg.reference_date;
    ro_date_format(t0, row->reference_date);
    score_baseline(s, t0, RO_BASELINE_FINAL_WEEK, row->actual, &row->final_week);
    score_baseline(s, t0, RO_BASELINE_LAST_POLL, row->actual, &row->last_poll);
    return RUNOFF_OK;
}

static void tally_add(runoff_backtest_tally *t, const runoff_backtest_scores *sc)
{
    if (!isfinite(sc->crps))
        return;
    t->n++;
    t->crps_sum += sc->crps;
    t->brier_sum += sc->brier;
    t->covered50 += (size_t)sc->covered50;
    t->covered90 += (size_t)sc->covered90;
}

void runoff_backtest_summary_add(runoff_backtest_summary *sum, const runoff_backtest_row *row)
{
    sum->n_scenarios++;
    tally_add(&sum->model, &row->model);
    tally_add(&sum->final_week, &row->final_week.scores);
    tally_add(&sum->last_poll, &row->last_poll.scores);
}
