/*
 * trend.h — the dynamic poll model (aggregation.method: dynamic,
 * docs/model.md §1b): a daily random walk of A's two-way share on the
 * logit scale, observed by polls over their fieldwork days with house and
 * population effects, sampling noise and a non-sampling poll variance.
 *
 * The model is one Gaussian linear system. ro_trend_fit builds the
 * posterior precision of every unknown (the latent value of each day from
 * the first fieldwork day to the election date, the pollsters' house
 * effects under a sum-to-zero constraint, the population effects), solves
 * it exactly with GSL's Cholesky factorisation. The random walk's daily sd
 * and the non-sampling sd, when the scenario does not give them, are
 * integrated out: a Gauss–Hermite grid over their posterior (around its
 * mode, found with GSL's Nelder-Mead simplex), one exact solve per grid
 * point, and the mixture's mean and total variance reported. Because the
 * latent series runs to the election date, the forecast for election day
 * carries the random walk's drift over the days left.
 *
 * Ownership: ro_trend_fit allocates the arrays of *out (zeroed first);
 * ro_trend_clear frees them. Nothing is kept between calls, so fits on
 * different threads are independent.
 */
#ifndef RO_TREND_H
#define RO_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logodds.h"
#include "scenario.h"

/* One poll as the model sees it. */
typedef struct {
    int32_t start, end;    /* fieldwork days (dates) */
    double share;          /* A's two-way share, fraction, in [0,1] (fixed house
                              effects already removed) */
    double n_eff;          /* effective sample after the cap and design effect */
    size_t pollster;       /* index into 0..n_pollsters-1 */
    ro_population population;
} ro_trend_poll;

typedef struct {
    /* inputs */
    int32_t election_date;
    bool estimate_house;      /* house effects as random effects (mode estimate) */
    double house_sd;          /* prior sd of a house effect, logit */
    double daily_sd;          /* NAN: estimate */
    double poll_sd;           /* NAN: estimate */
    bool plug_in;             /* use the posterior mode of the estimated sds as if
                                 known instead of integrating over them (for
                                 comparison; the engine integrates) */
} ro_trend_settings;

typedef struct {
    int32_t first_day;        /* date of day 0 */
    size_t n_days;            /* day 0 .. the election date (or the last poll, if later) */
    double *mean, *sd;        /* [n_days] posterior mean and sd of the latent logit share
                                 (the mixture over the grid: sd² = E[var] + Var[mean]) */
    size_t election_day;      /* index of the election date */
    double *house, *house_sd; /* [n_pollsters] logit scale */
    size_t n_pollsters;
    double population[RO_POP_COUNT]; /* logit-scale effect of each population; likely = 0 */
    double population_sd[RO_POP_COUNT];
    bool population_used[RO_POP_COUNT]; /* an effect was estimated for this population */
    double daily_sd, poll_sd; /* a given value as given; an estimated one as the
                                 root mean square over the grid, √E[σ²] (what the
                                 drift after the last poll adds a day) */
    bool daily_sd_estimated, poll_sd_estimated;
    double daily_sd_mode, poll_sd_mode; /* at the posterior mode (given: as given) */
    size_t n_nodes;           /* grid points: 1, 7 (one sd estimated) or 25 (both) */
    double log_lik;           /* marginal log likelihood at the mode */
    double *adjusted;         /* [n_polls] poll share with its house and population
                                 effects removed, fraction */
    double *weight;           /* [n_polls] the poll's weight in the election-day
                                 estimate: mean_E = ȳ + Σ weight_i (y_i − ȳ) */
} ro_trend;

/* Bounds of the estimated standard deviations (logit scale); see
 * docs/model.md §1b for where they come from. */
#define RO_TREND_DAILY_SD_MIN 0.002
#define RO_TREND_DAILY_SD_MAX 0.2
#define RO_TREND_POLL_SD_MIN 0.001
#define RO_TREND_POLL_SD_MAX 0.2
/* The prior of the daily sd: log-normal with median RO_TREND_DAILY_SD_PRIOR
 * (the pooled maximum likelihood estimate over the four French run-off
 * campaigns with 18+ polls, docs/model.md §1b) and sd
 * RO_TREND_DAILY_SD_PRIOR_LOGSD on the log scale (a factor e either way),
 * so a campaign of one or two polls, whose likelihood says nothing about
 * movement, gets the prior's spread. The poll sd's prior is uniform on the
 * log scale within its bounds. */
#define RO_TREND_DAILY_SD_PRIOR 0.022
#define RO_TREND_DAILY_SD_PRIOR_LOGSD 1.0
/* The grid over the sds (docs/model.md §1b): the curvature of the log
 * posterior is taken by central differences of this step on the
 * unconstrained scale, and raised to at least the minimum (an sd of 2 on
 * that scale, wider than the log-uniform prior's own 1.81). */
#define RO_TREND_HESSIAN_STEP 0.1
#define RO_TREND_MIN_CURVATURE 0.25
/* Prior sd of a population effect (vague on the logit scale) and the
 * variance of the first day around the mean poll (near-diffuse). */
#define RO_TREND_POPULATION_SD 0.2
#define RO_TREND_DIFFUSE_VAR 100.0
/* The dense solve holds (states + pollsters)^2 doubles and costs their
 * cube: a state per day up to RO_TREND_MAX_STATES days, then one per
 * ceil(days / RO_TREND_MAX_STATES) days (docs/model.md §1b). */
#define RO_TREND_MAX_DAYS 3000
#define RO_TREND_MAX_STATES 200
/* Pollsters with an estimated house effect (the loader refuses more). */
#define RO_TREND_MAX_POLLSTERS 300

/* Fit the model to n polls (n >= 1) from n_pollsters pollsters (each
 * index used at least once). Fails with RUNOFF_EINPUT when the polls span
 * more than RO_TREND_MAX_DAYS days, RUNOFF_ENOMEM on allocation failure. */
runoff_status ro_trend_fit(const ro_trend_poll *polls, size_t n, size_t n_pollsters,
                           const ro_trend_settings *set, ro_trend *out, runoff_error *err);
void ro_trend_clear(ro_trend *t); /* frees arrays; NULL-safe */

/* Node i (0..n-1, ascending) of the n-point Gauss–Hermite rule for a
 * standard normal that the grid uses, n = 5 or 7; *weight its weight (the
 * weights add up to 1). NAN for another n or i >= n. */
double ro_trend_gauss_hermite(size_t n, size_t i, double *weight);


#endif /* RO_TREND_H */
