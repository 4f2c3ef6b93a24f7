/*
 * polls.h — the polling average: recency, sample-size and design-effect
 * weights, rolling-poll de-duplication and house effects (docs/model.md §1).
 */
#ifndef RO_POLLS_H
#define RO_POLLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"
#include "trend.h"

typedef struct {
    bool used;
    const char *excluded_why;   /* static string when !used: "after as_of",
                                   "superseded rolling release" */
    double age_days;            /* reference date - fieldwork midpoint */
    double recency;             /* 0.5^(age/half_life), not normalised (0 when
                                   it underflows); NAN for method dynamic */
    double n_eff;               /* sample / design_effect (dynamic: sample capped
                                   at max_sample first) */
    double weight;              /* exponential: normalised, sums to 1 over used
                                   polls; dynamic: the poll's weight in the
                                   election-day estimate (docs/model.md §1b) */
    double house;               /* house effect subtracted (fraction) */
    double adjusted;            /* two_way_a - house */
} ro_poll_weight;

typedef struct {
    char pollster[RO_NAME_MAX];
    size_t n_polls;             /* used polls from this pollster */
    double effect;              /* fraction */
} ro_house_effect;

typedef struct {
    double mean;                /* A's two-way share, fraction */
    double sd;                  /* sampling sd of the mean, fraction */
    double n_eff;               /* effective sample size of the average */
    size_t n_used;
    int32_t reference_date;     /* as_of, or the election date */
    ro_poll_weight *polls;      /* [scenario n_polls], same order */
    size_t n_polls;
    ro_house_effect *house;     /* one per pollster with a used poll */
    size_t n_house;
    ro_agg_method method;
    ro_trend trend;             /* method dynamic: the fitted model (polls in
                                   trend_poll order); zeroed otherwise */
    size_t *trend_poll;         /* [trend n] scenario index of each fitted poll */
    size_t n_trend;
} ro_poll_average;

/* Days from the midpoint of a fieldwork start..end to the reference date
 * t0 (as_of, or the election date): the age that recency weights use. */
double ro_polls_age(int32_t t0, int32_t start, int32_t end);

/* The recency rule shared by the polls and the transfer surveys, on the
 * log scale: log 0.5^(age/half_life) = ln(0.5) * age / half_life. Callers
 * compare and normalise weights as exp(l - max l), so the most recent item
 * weighs 1 and no weight underflows to 0 however small the half-life (or
 * old the item): exponentiating first would make every weight 0 once
 * age/half_life passes about 1075. */
double ro_polls_log_recency(double age_days, double half_life_days);

/* Compute the average of s's polls into *out (zeroed first), with the
 * scenario's aggregation.method; mean and sd describe A's two-way share on
 * election day (dynamic) or at the reference date (exponential). Fails with
 * RUNOFF_EINPUT when no poll is usable (e.g. all after as_of), naming the
 * reason, unless the scenario does not use its polls (blend: transfers):
 * then *out stays zeroed (n_polls 0, no average) and the call succeeds.
 * On failure *out holds nothing to free. */
runoff_status ro_polls_average(const runoff_scenario *s, ro_poll_average *out,
                               runoff_error *err);
void ro_poll_average_clear(ro_poll_average *avg); /* frees arrays; NULL-safe */

#endif /* RO_POLLS_H */
