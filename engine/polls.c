/*
 * polls.c — the polling average: which polls count, how much each weighs,
 * house effects, and the sampling uncertainty of the result.
 *
 * Everything is computed once per scenario (the model draws around the
 * result), so clarity wins over speed: the rolling-poll rule is a plain
 * O(n^2) scan over a few hundred polls at most. Every intermediate value
 * is kept per poll in ro_poll_average so reports can show why a poll
 * weighs what it weighs. The equations, with symbols, are in
 * docs/model.md §1; the names below follow them.
 */
#include "polls.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "error.h"

static const char WHY_AFTER_AS_OF[] = "after as_of";
static const char WHY_SUPERSEDED[] = "superseded rolling release";
static const char WHY_OVERLAP[] = "overlaps a later release";

/* Is rolling poll j a later release than rolling poll i of the same
 * pollster? Later end, then later start, then later in the file. */
static bool later_release(const ro_poll *pi, size_t i, const ro_poll *pj, size_t j)
{
    if (pj->end != pi->end)
        return pj->end > pi->end;
    if (pj->start != pi->start)
        return pj->start > pi->start;
    return j > i;
}

/* Dynamic method, rolling: latest. A rolling release shares respondents
 * with the releases it overlaps, so counting them all would count people
 * twice; going back from each pollster's latest release, a release is kept
 * only if its fieldwork ends before the start of the last one kept. The
 * kept chain has no respondent twice and still follows the trend. */
static void select_rolling_chain(const runoff_scenario *s, ro_poll_weight *w, bool *in_chain)
{
    const ro_poll *p = s->polls;
    const size_t n = s->n_polls;
    for (size_t i = 0; i < n; i++) {
        if (!w[i].used || !p[i].rolling || in_chain[i])
            continue;
        bool latest = true; /* is i its pollster's latest used release? */
        for (size_t j = 0; j < n && latest; j++)
            latest = !(j != i && w[j].used && p[j].rolling &&
                       strcmp(p[j].pollster, p[i].pollster) == 0 &&
                       later_release(&p[i], i, &p[j], j));
        if (!latest)
            continue;
        in_chain[i] = true;
        for (int32_t boundary = p[i].start;;) {
            size_t best = n; /* the latest release ending before the boundary */
            for (size_t j = 0; j < n; j++)
                if (w[j].used && p[j].rolling && p[j].end < boundary &&
                    strcmp(p[j].pollster, p[i].pollster) == 0 &&
                    (best == n || later_release(&p[best], best, &p[j], j)))
                    best = j;
            if (best == n)
                break;
            in_chain[best] = true;
            boundary = p[best].start;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (w[i].used && p[i].rolling && !in_chain[i]) {
            w[i].used = false;
            w[i].excluded_why = WHY_OVERLAP;
        }
}

/* Mark polls as excluded: fieldwork ending after the reference date, then,
 * with rolling = latest, superseded rolling releases: for the exponential
 * method every release that a later release of the same pollster, itself
 * not excluded by date, supersedes; for the dynamic method the releases
 * outside each pollster's non-overlapping chain (select_rolling_chain,
 * which needs in_chain: n_polls flags, all false). Returns the count used. */
static size_t select_polls(const runoff_scenario *s, int32_t t0, ro_poll_weight *w,
                           bool *in_chain)
{
    const ro_poll *p = s->polls;
    for (size_t i = 0; i < s->n_polls; i++) {
        w[i].used = p[i].end <= t0;
        w[i].excluded_why = w[i].used ? NULL : WHY_AFTER_AS_OF;
    }
    if (s->aggregation.rolling == RO_ROLLING_LATEST && s->aggregation.method == RO_AGG_DYNAMIC)
        select_rolling_chain(s, w, in_chain);
    else if (s->aggregation.rolling == RO_ROLLING_LATEST) {
        for (size_t i = 0; i < s->n_polls; i++) {
            if (!w[i].used || !p[i].rolling)
                continue;
            for (size_t j = 0; j < s->n_polls; j++) {
                if (j != i && p[j].rolling && p[j].end <= t0 &&
                    strcmp(p[j].pollster, p[i].pollster) == 0 &&
                    later_release(&p[i], i, &p[j], j)) {
                    w[i].used = false;
                    w[i].excluded_why = WHY_SUPERSEDED;
                    break;
                }
            }
        }
    }
    size_t n_used = 0;
    for (size_t i = 0; i < s->n_polls; i++)
        n_used += w[i].used;
    return n_used;
}

double ro_polls_age(int32_t t0, int32_t start, int32_t end)
{
    return (double)t0 - 0.5 * ((double)start + (double)end);
}

static double poll_age(int32_t t0, const ro_poll *p) { return ro_polls_age(t0, p->start, p->end); }

double ro_polls_log_recency(double age_days, double half_life_days)
{
    return log(0.5) * age_days / half_life_days;
}

/* Recency and effective sample size of every poll; normalised weights of
 * the used ones. The normalisation works with log weights shifted by their
 * maximum, so polls far older than the half-life (0.5^(age/h) underflows)
 * still get their correct relative weights. */
static void weigh_polls(const runoff_scenario *s, int32_t t0, ro_poll_weight *w)
{
    const ro_aggregation *ag = &s->aggregation;
    double max_log = -INFINITY;
    for (size_t i = 0; i < s->n_polls; i++) {
        const ro_poll *p = &s->polls[i];
        w[i].age_days = poll_age(t0, p);
        /* Reported as the plain power (exact, 0 once it underflows); the
         * weight itself is built from the log rule. */
        w[i].recency = pow(0.5, w[i].age_days / ag->half_life_days);
        w[i].n_eff = p->sample / ag->design_effect;
        w[i].weight = ro_polls_log_recency(w[i].age_days, ag->half_life_days) + log(w[i].n_eff);
        if (w[i].used && w[i].weight > max_log)
            max_log = w[i].weight;
    }
    double total = 0;
    for (size_t i = 0; i < s->n_polls; i++) {
        w[i].weight = w[i].used ? exp(w[i].weight - max_log) : 0.0;
        total += w[i].weight;
    }
    for (size_t i = 0; i < s->n_polls; i++)
        w[i].weight /= total;
}

/* Index of the pollster named `name` in house[0..n), or n. */
static size_t find_pollster(const ro_house_effect *house, size_t n, const char *name)
{
    size_t j = 0;
    while (j < n && strcmp(house[j].pollster, name) != 0)
        j++;
    return j;
}

/* Index of `name` in avg->house, added in order of first appearance;
 * counts one more used poll for it. */
static size_t count_pollster_poll(ro_poll_average *avg, const char *name)
{
    size_t j = find_pollster(avg->house, avg->n_house, name);
    if (j == avg->n_house) {
        snprintf(avg->house[j].pollster, sizeof avg->house[j].pollster, "%s", name);
        avg->n_house++;
    }
    avg->house[j].n_polls++;
    return j;
}

static double fixed_effect(const ro_aggregation *ag, const char *pollster)
{
    for (size_t k = 0; k < ag->n_house_fixed; k++)
        if (strcmp(ag->house_fixed[k].pollster, pollster) == 0)
            return ag->house_fixed[k].effect;
    return 0.0;
}

/* One house effect per pollster with a used poll, in order of first
 * appearance; then each used poll's house and adjusted values. p0 is the
 * unadjusted weighted mean (the estimate mode measures against it). */
static void house_effects(const runoff_scenario *s, ro_poll_average *avg, double p0)
{
    const ro_aggregation *ag = &s->aggregation;
    ro_poll_weight *w = avg->polls;
    for (size_t i = 0; i < s->n_polls; i++) {
        if (!w[i].used)
            continue;
        size_t j = count_pollster_poll(avg, s->polls[i].pollster);
        avg->house[j].effect += s->polls[i].two_way_a - p0; /* estimate: sum first */
    }
    double centre = 0;
    for (size_t j = 0; j < avg->n_house; j++) {
        ro_house_effect *h = &avg->house[j];
        switch (ag->house) {
        case RO_HOUSE_ESTIMATE:
            h->effect /= (double)h->n_polls + ag->house_shrinkage;
            break;
        case RO_HOUSE_FIXED:
            h->effect = fixed_effect(ag, h->pollster);
            break;
        case RO_HOUSE_NONE:
        default:
            h->effect = 0;
            break;
        }
        centre += h->effect;
    }
    /* estimate: the average pollster is assumed unbiased */
    if (ag->house == RO_HOUSE_ESTIMATE) {
        centre /= (double)avg->n_house;
        for (size_t j = 0; j < avg->n_house; j++)
            avg->house[j].effect -= centre;
    }
    for (size_t i = 0; i < s->n_polls; i++) {
        w[i].house = 0;
        if (w[i].used)
            w[i].house = avg->house[find_pollster(avg->house, avg->n_house,
                                                  s->polls[i].pollster)].effect;
        w[i].adjusted = s->polls[i].two_way_a - w[i].house;
    }
}

static runoff_status no_poll_error(const runoff_scenario *s, int32_t t0, runoff_error *err)
{
    if (s->n_polls == 0)
        return ro_error_set(err, RUNOFF_EINPUT, s->source, 0, 0, "no poll to average");
    char date[11];
    ro_date_format(t0, date);
    return ro_error_set(err, RUNOFF_EINPUT, s->source, 0, 0,
                        "no poll left to average (all %zu polls end after %s %s)", s->n_polls,
                        s->aggregation.has_as_of ? "as_of" : "the election date", date);
}

/* The exponential average (docs/model.md §1): weights, house effects, the
 * weighted mean and its sampling sd. */
static runoff_status exponential_average(const runoff_scenario *s, ro_poll_average *avg,
                                         runoff_error *err)
{
    weigh_polls(s, avg->reference_date, avg->polls);
    double p0 = 0;
    for (size_t i = 0; i < s->n_polls; i++)
        p0 += avg->polls[i].weight * s->polls[i].two_way_a;
    house_effects(s, avg, p0);

    double mean = 0;
    for (size_t i = 0; i < s->n_polls; i++)
        mean += avg->polls[i].weight * avg->polls[i].adjusted;
    if (!(mean >= 0 && mean <= 1))
        return ro_error_set(err, RUNOFF_EINPUT, s->source, 0, 0,
                            "poll average %.4g%% after house effects is outside 0..100",
                            100 * mean);
    /* sd^2 = sum w_i^2 mean(1-mean) / n_eff_i = mean(1-mean) / n_eff */
    double inv_n_eff = 0;
    for (size_t i = 0; i < s->n_polls; i++)
        if (avg->polls[i].used)
            inv_n_eff += avg->polls[i].weight * avg->polls[i].weight / avg->polls[i].n_eff;
    avg->mean = mean;
    avg->n_eff = 1.0 / inv_n_eff;
    avg->sd = sqrt(mean * (1 - mean) * inv_n_eff);
    return RUNOFF_OK;
}

/* The used polls as the dynamic model sees them: pollster indices in order
 * of first appearance (avg->house), capped effective samples, fixed house
 * effects removed from the share. */
static void trend_inputs(const runoff_scenario *s, ro_poll_average *avg, ro_trend_poll *tp)
{
    const ro_aggregation *ag = &s->aggregation;
    size_t k = 0;
    for (size_t i = 0; i < s->n_polls; i++) {
        ro_poll_weight *w = &avg->polls[i];
        w->age_days = poll_age(avg->reference_date, &s->polls[i]);
        w->recency = NAN;
        const double n = s->polls[i].sample < ag->max_sample ? s->polls[i].sample : ag->max_sample;
        w->n_eff = n / ag->design_effect;
        w->adjusted = s->polls[i].two_way_a;
        if (!w->used)
            continue;
        size_t j = count_pollster_poll(avg, s->polls[i].pollster);
        double share = s->polls[i].two_way_a;
        if (ag->house == RO_HOUSE_FIXED)
            share -= fixed_effect(ag, s->polls[i].pollster);
        tp[k] = (ro_trend_poll){.start = s->polls[i].start, .end = s->polls[i].end,
                                .share = share < 0 ? 0 : share > 1 ? 1 : share,
                                .n_eff = w->n_eff, .pollster = j,
                                .population = s->polls[i].population};
        avg->trend_poll[k++] = i;
    }
    avg->n_trend = k;
}

/* The dynamic model (docs/model.md §1b, engine/trend.c): mean and sd of
 * A's two-way share on election day, each poll's weight in it. */
static runoff_status dynamic_average(const runoff_scenario *s, ro_poll_average *avg,
                                     runoff_error *err)
{
    const ro_aggregation *ag = &s->aggregation;
    ro_trend_poll *tp = ro_calloc(avg->n_used, sizeof *tp);
    avg->trend_poll = ro_calloc(avg->n_used, sizeof *avg->trend_poll);
    if (tp == NULL || avg->trend_poll == NULL) {
        free(tp);
        return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    trend_inputs(s, avg, tp);
    const ro_trend_settings set = {.election_date = s->election_date,
                                   .estimate_house = ag->house == RO_HOUSE_ESTIMATE,
                                   .house_sd = ag->house_sd, .daily_sd = ag->daily_sd,
                                   .poll_sd = ag->poll_sd};
    runoff_status st = ro_trend_fit(tp, avg->n_trend, avg->n_house, &set, &avg->trend, err);
    free(tp);
    if (st != RUNOFF_OK)
        return st;
    const ro_trend *t = &avg->trend;
    const double mu = t->mean[t->election_day], sd = t->sd[t->election_day];
    avg->mean = ro_expit(mu);
    avg->sd = sd * avg->mean * (1 - avg->mean); /* delta method */
    avg->n_eff = avg->mean * (1 - avg->mean) / (avg->sd * avg->sd);
    for (size_t k = 0; k < avg->n_trend; k++) {
        ro_poll_weight *w = &avg->polls[avg->trend_poll[k]];
        w->weight = t->weight[k];
        w->adjusted = t->adjusted[k];
        w->house = s->polls[avg->trend_poll[k]].two_way_a - t->adjusted[k];
    }
    for (size_t j = 0; j < avg->n_house; j++) /* as a share at the election-day level */
        avg->house[j].effect = ro_expit(mu + t->house[j]) - avg->mean;
    return RUNOFF_OK;
}

runoff_status ro_polls_average(const runoff_scenario *s, ro_poll_average *out,
                               runoff_error *err)
{
    memset(out, 0, sizeof *out);
    const int32_t t0 = s->aggregation.has_as_of ? s->aggregation.as_of : s->election_date;
    const bool dynamic = s->aggregation.method == RO_AGG_DYNAMIC;
    ro_poll_average avg = {.reference_date = t0, .n_polls = s->n_polls,
                           .method = s->aggregation.method};
    avg.polls = ro_calloc(s->n_polls, sizeof *avg.polls);
    avg.house = ro_calloc(s->n_polls, sizeof *avg.house);
    bool *in_chain = dynamic ? ro_calloc(s->n_polls, sizeof *in_chain) : NULL;
    if (avg.polls == NULL || avg.house == NULL || (dynamic && in_chain == NULL)) {
        free(in_chain);
        ro_poll_average_clear(&avg);
        return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    avg.n_used = select_polls(s, t0, avg.polls, in_chain);
    free(in_chain);
    if (avg.n_used == 0) {
        ro_poll_average_clear(&avg);
        /* blend: transfers draws nothing from the polls, so none being
         * left (as_of before the first) is no error: no average, as for a
         * scenario without polls. */
        if (!ro_scenario_uses_polls(s)) {
            out->method = s->aggregation.method;
            return RUNOFF_OK;
        }
        return no_poll_error(s, t0, err);
    }
    runoff_status st = dynamic ? dynamic_average(s, &avg, err) : exponential_average(s, &avg, err);
    if (st != RUNOFF_OK) {
        ro_poll_average_clear(&avg);
        return st;
    }
    *out = avg;
    return RUNOFF_OK;
}

void ro_poll_average_clear(ro_poll_average *avg)
{
    if (avg == NULL)
        return;
    free(avg->polls);
    free(avg->house);
    free(avg->trend_poll);
    ro_trend_clear(&avg->trend);
    memset(avg, 0, sizeof *avg);
}
