/*
 * polls.c — the polling average: which polls count, how much each weighs,
 * house effects, and the sampling uncertainty of the result.
 *
 * Everything is computed once per scenario (the model draws around the
 * result), but a scenario may hold 100 000 polls, so every pass is
 * O(n log n): the polls are sorted once by pollster and release (the
 * rolling rules walk each pollster's releases in that order) and each poll
 * gets its pollster's index once, instead of a search per poll. Every
 * intermediate value
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

/* A poll and its index in the scenario, for sorting. */
typedef struct {
    const ro_poll *p;
    size_t i;
} poll_ref;

/* By pollster, then release order: earlier end, then earlier start, then
 * earlier in the file. Within a pollster the last one is the latest
 * release. */
static int release_order(const void *pa, const void *pb)
{
    const poll_ref *a = pa, *b = pb;
    int c = strcmp(a->p->pollster, b->p->pollster);
    if (c != 0)
        return c;
    if (a->p->end != b->p->end)
        return a->p->end < b->p->end ? -1 : 1;
    if (a->p->start != b->p->start)
        return a->p->start < b->p->start ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* refs[] = the used polls (rolling ones only, if rolling_only), sorted by
 * release_order; returns how many. */
static size_t sorted_refs(const runoff_scenario *s, const ro_poll_weight *w, bool rolling_only,
                          poll_ref *refs)
{
    size_t m = 0;
    for (size_t i = 0; i < s->n_polls; i++)
        if (w[i].used && (!rolling_only || s->polls[i].rolling))
            refs[m++] = (poll_ref){&s->polls[i], i};
    qsort(refs, m, sizeof *refs, release_order);
    return m;
}

/* End of the run of refs[g..m) that share refs[g]'s pollster. */
static size_t group_end(const poll_ref *refs, size_t g, size_t m)
{
    size_t e = g + 1;
    while (e < m && strcmp(refs[e].p->pollster, refs[g].p->pollster) == 0)
        e++;
    return e;
}

/* With rolling = latest, among one pollster's rolling releases
 * refs[g..e) (release order). Exponential: only the latest release
 * counts; the others are superseded. Dynamic: a rolling release shares
 * respondents with the releases it overlaps, so counting them all would
 * count people twice; going back from the latest release, a release is
 * kept only if its fieldwork ends before the start of the last one kept.
 * The kept chain has no respondent twice and still follows the trend.
 * Ends only decrease along the chain, so one backward walk finds it. */
static void select_rolling(const poll_ref *refs, size_t g, size_t e, bool dynamic,
                           ro_poll_weight *w)
{
    if (!dynamic) {
        for (size_t k = g; k + 1 < e; k++) {
            w[refs[k].i].used = false;
            w[refs[k].i].excluded_why = WHY_SUPERSEDED;
        }
        return;
    }
    int32_t boundary = refs[e - 1].p->start;
    for (size_t k = e - 1; k-- > g;) {
        if (refs[k].p->end < boundary) {
            boundary = refs[k].p->start;
        } else {
            w[refs[k].i].used = false;
            w[refs[k].i].excluded_why = WHY_OVERLAP;
        }
    }
}

/* Mark polls as excluded: fieldwork ending after the reference date, then,
 * with rolling = latest, rolling releases that a later release of the
 * same pollster supersedes (select_rolling). refs: room for n_polls.
 * Returns the count used. */
static size_t select_polls(const runoff_scenario *s, int32_t t0, ro_poll_weight *w,
                           poll_ref *refs)
{
    const ro_poll *p = s->polls;
    for (size_t i = 0; i < s->n_polls; i++) {
        w[i].used = p[i].end <= t0;
        w[i].excluded_why = w[i].used ? NULL : WHY_AFTER_AS_OF;
    }
    if (s->aggregation.rolling == RO_ROLLING_LATEST) {
        const size_t m = sorted_refs(s, w, true, refs);
        for (size_t g = 0, e; g < m; g = e) {
            e = group_end(refs, g, m);
            select_rolling(refs, g, e, s->aggregation.method == RO_AGG_DYNAMIC, w);
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

/* Each pollster with a used poll, for one average: its index in
 * avg->house (order of first appearance in the file) for every used poll,
 * and its fixed house effect (0 without a value or a fixed mode). */
typedef struct {
    size_t *id;     /* [n_polls]; meaningful for used polls only */
    double *fixed;  /* [n_house] */
} pollster_map;

typedef struct {
    size_t first, g, e; /* first poll in the file; refs[g..e) */
} pollster_group;

static int by_first_poll(const void *pa, const void *pb)
{
    const pollster_group *a = pa, *b = pb;
    return a->first < b->first ? -1 : a->first > b->first;
}

/* Fills avg->house (names, used-poll counts) and map from the used polls,
 * in O(n log n): refs has room for n_polls. */
static runoff_status index_pollsters(const runoff_scenario *s, ro_poll_average *avg,
                                     poll_ref *refs, pollster_map *map)
{
    const size_t m = sorted_refs(s, avg->polls, false, refs);
    pollster_group *groups = ro_calloc(m, sizeof *groups);
    if (groups == NULL)
        return RUNOFF_ENOMEM;
    size_t n = 0;
    for (size_t g = 0, e; g < m; g = e) {
        e = group_end(refs, g, m);
        size_t first = refs[g].i;
        for (size_t k = g; k < e; k++)
            first = refs[k].i < first ? refs[k].i : first;
        groups[n++] = (pollster_group){first, g, e};
    }
    qsort(groups, n, sizeof *groups, by_first_poll);
    for (size_t j = 0; j < n; j++) {
        ro_house_effect *h = &avg->house[j];
        snprintf(h->pollster, sizeof h->pollster, "%s", refs[groups[j].g].p->pollster);
        h->n_polls = groups[j].e - groups[j].g;
        for (size_t k = groups[j].g; k < groups[j].e; k++)
            map->id[refs[k].i] = j;
    }
    avg->n_house = n;
    free(groups);
    const ro_aggregation *ag = &s->aggregation;
    for (size_t v = 0; ag->house == RO_HOUSE_FIXED && v < ag->n_house_fixed; v++) {
        size_t lo = 0, hi = m; /* first ref of this pollster, by binary search */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(refs[mid].p->pollster, ag->house_fixed[v].pollster) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < m && strcmp(refs[lo].p->pollster, ag->house_fixed[v].pollster) == 0)
            map->fixed[map->id[refs[lo].i]] = ag->house_fixed[v].effect;
    }
    return RUNOFF_OK;
}

/* One house effect per pollster with a used poll, in order of first
 * appearance; then each used poll's house and adjusted values. p0 is the
 * unadjusted weighted mean (the estimate mode measures against it). */
static void house_effects(const runoff_scenario *s, ro_poll_average *avg, double p0,
                          const pollster_map *map)
{
    const ro_aggregation *ag = &s->aggregation;
    ro_poll_weight *w = avg->polls;
    for (size_t i = 0; i < s->n_polls; i++)
        if (w[i].used) /* estimate: sum first */
            avg->house[map->id[i]].effect += s->polls[i].two_way_a - p0;
    double centre = 0;
    for (size_t j = 0; j < avg->n_house; j++) {
        ro_house_effect *h = &avg->house[j];
        switch (ag->house) {
        case RO_HOUSE_ESTIMATE:
            h->effect /= (double)h->n_polls + ag->house_shrinkage;
            break;
        case RO_HOUSE_FIXED:
            h->effect = map->fixed[j];
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
            w[i].house = avg->house[map->id[i]].effect;
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
                                         const pollster_map *map, runoff_error *err)
{
    weigh_polls(s, avg->reference_date, avg->polls);
    double p0 = 0;
    for (size_t i = 0; i < s->n_polls; i++)
        p0 += avg->polls[i].weight * s->polls[i].two_way_a;
    house_effects(s, avg, p0, map);

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
static void trend_inputs(const runoff_scenario *s, ro_poll_average *avg, const pollster_map *map,
                         ro_trend_poll *tp)
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
        const size_t j = map->id[i];
        double share = s->polls[i].two_way_a;
        if (ag->house == RO_HOUSE_FIXED)
            share -= map->fixed[j];
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
                                     const pollster_map *map, runoff_error *err)
{
    const ro_aggregation *ag = &s->aggregation;
    ro_trend_poll *tp = ro_calloc(avg->n_used, sizeof *tp);
    avg->trend_poll = ro_calloc(avg->n_used, sizeof *avg->trend_poll);
    if (tp == NULL || avg->trend_poll == NULL) {
        free(tp);
        return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    trend_inputs(s, avg, map, tp);
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
    poll_ref *refs = ro_calloc(s->n_polls, sizeof *refs);
    pollster_map map = {ro_calloc(s->n_polls, sizeof *map.id),
                        ro_calloc(s->n_polls, sizeof *map.fixed)};
    runoff_status st = RUNOFF_ENOMEM;
    if (avg.polls != NULL && avg.house != NULL && refs != NULL && map.id != NULL &&
        map.fixed != NULL) {
        avg.n_used = select_polls(s, t0, avg.polls, refs);
        if (avg.n_used == 0)
            st = ro_scenario_uses_polls(s) ? no_poll_error(s, t0, err) : RUNOFF_OK;
        else if ((st = index_pollsters(s, &avg, refs, &map)) == RUNOFF_OK)
            st = dynamic ? dynamic_average(s, &avg, &map, err)
                         : exponential_average(s, &avg, &map, err);
    }
    free(refs);
    free(map.id);
    free(map.fixed);
    if (st == RUNOFF_ENOMEM)
        ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    if (st == RUNOFF_OK && avg.n_used == 0) {
        /* blend: transfers draws nothing from the polls, so none being
         * left (as_of before the first) is no error: no average, as for a
         * scenario without polls. */
        ro_poll_average_clear(&avg);
        out->method = s->aggregation.method;
        return RUNOFF_OK;
    }
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
