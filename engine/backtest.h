/*
 * backtest.h — scores of a forecast distribution against what happened,
 * and the naive baselines a back-test compares the model with.
 *
 * Two kinds of forecast are scored, on the same scale as the outcome:
 *  - a ro_hist (the model's simulated distribution), read as summary.c
 *    defines it (piecewise-linear CDF);
 *  - a ro_backtest_forecast, loc + scale * X with X from a standard family
 *    (normal, Student-t) given as data, scored in closed form.
 * The equations are in docs/model.md, "Back-tests".
 */
#ifndef RO_BACKTEST_H
#define RO_BACKTEST_H

#include <stdbool.h>

#include "scenario.h"
#include "result.h"
#include "summary.h"

/* Probability integral transform: forecast CDF at the actual value. */
/* Central interval levels scored and printed, and their count. */
#define RO_BACKTEST_N_LEVELS 4
extern const double ro_backtest_levels[RO_BACKTEST_N_LEVELS];

double ro_backtest_pit(const ro_hist *h, double actual);
/* Continuous ranked probability score, same units as the values
 * (integral of (F(x) - 1{x >= actual})^2 dx over the histogram range,
 * F piecewise linear inside bins). Lower is better. */
double ro_backtest_crps(const ro_hist *h, double actual);
/* Brier score of a binary call: (p - outcome)^2. */
double ro_backtest_brier(double p_event, bool happened);
/* Whether the central interval of this level (e.g. 0.9 -> 5 % .. 95 %)
 * contains the actual value. */
bool ro_backtest_covered(const ro_hist *h, double level, double actual);

/* Every score of the model's result r (A's share) against actual. */
void ro_backtest_score_result(const runoff_result *r, double actual, runoff_backtest_scores *out);

/* ---- forecasts in closed form ---- */

/* A standard distribution family indexed by df, as data. */
typedef struct {
    ro_error_dist dist; /* the polling_error.distribution it is; its name is
                         * ro_error_dist_names[dist], stated only there */
    double (*cdf)(double z, double df);
    double (*sf)(double z, double df);       /* 1 - cdf, accurate in the upper tail */
    double (*quantile)(double p, double df);
    double (*crps)(double z, double df);     /* CRPS of the standard member at z */
} ro_backtest_family;

extern const ro_backtest_family ro_backtest_normal;    /* df ignored */
extern const ro_backtest_family ro_backtest_student_t; /* df > 1 */

/* The distribution of loc + scale * X, X from family with df; scale 0 is a
 * point mass at loc. */
typedef struct {
    const ro_backtest_family *family;
    double loc, scale, df;
} ro_backtest_forecast;

double ro_backtest_forecast_cdf(const ro_backtest_forecast *f, double x);
double ro_backtest_forecast_quantile(const ro_backtest_forecast *f, double p);
double ro_backtest_forecast_crps(const ro_backtest_forecast *f, double y);
/* Every score of f against actual (win_probability_se = 0). */
void ro_backtest_score_forecast(const ro_backtest_forecast *f, double actual,
                                runoff_backtest_scores *out);

/* ---- baselines ---- */

/* The final week: polls whose fieldwork ended in (t0 - 7, t0]. */
#define RO_BACKTEST_WEEK_DAYS 7

typedef enum { RO_BASELINE_FINAL_WEEK, RO_BASELINE_LAST_POLL } ro_baseline_kind;

/* Which polls of s a baseline averages for reference date t0, and their
 * plain mean: fills n_polls, fallback, share and sample of *out (the rest
 * NAN). Polls ending after t0 are never used. */
void ro_backtest_baseline_polls(const runoff_scenario *s, int32_t t0, ro_baseline_kind kind,
                                runoff_backtest_baseline *out);
/* The forecast distribution of baseline b (n_polls > 0) under the
 * systematic error pe: centre b->share, variance pe->scale^2 plus the
 * sampling variance; a Student-t error keeps its df and is scaled to that
 * variance. Sets b->sd and b->df. Returns false for a distribution with no
 * closed form here. */
bool ro_backtest_baseline_forecast(const ro_polling_error *pe, runoff_backtest_baseline *b,
                                   ro_backtest_forecast *f);

/* The regions of r (or, conditional, of r->conditional: the national
 * share held at the actual one) scored against actual.regions; n == 0
 * when there is nothing to score. */
void ro_backtest_regions(const runoff_scenario *s, const runoff_result *r, bool conditional,
                         runoff_backtest_regions *cal);

#endif /* RO_BACKTEST_H */
