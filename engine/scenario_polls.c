/*
 * scenario_polls.c — the polls and aggregation sections of a scenario: each
 * poll (from a YAML list or a CSV table, with its overrides), the default
 * sample of a poll that gives none, house effects, aggregation.exclude and
 * the dynamic average's limits (its span in days, its number of pollsters).
 * The rest of the schema is scenario.c's and scenario_regions.c's; the
 * entry point is declared in scenario_load.h. What is refused here is
 * refused at the node at fault, like every loader error, so the polling
 * average (polls.c, trend.c) never re-checks it.
 */
#include "scenario_load.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "doc.h"
#include "error.h"
#include "pollcsv.h"
#include "scenario.h"
#include "trend.h"
#include "value.h"

/* Ranges of this schema's own keys (the common ones are in value.h). */
/* At most 100 so that 1 / n_eff (sample / design effect) stays far from
 * overflow when the sampling variances of many polls are summed. */
static const ro_range ro_range_design = {1, 100, false, false, false, "a number in 1..100"};
static const ro_range ro_range_points = {-100, 100, false, false, false, "points in -100..100"};
static const ro_range ro_range_daily_sd = {RO_TREND_DAILY_SD_MIN, RO_TREND_DAILY_SD_MAX, false,
                                           false, false, "estimate or a number in 0.002..0.2"};
static const ro_range ro_range_poll_sd = {0, RO_TREND_POLL_SD_MAX, false, false, false,
                                          "estimate or a number in 0..0.2"};
static const ro_range ro_range_house_sd = {0, 1, true, false, false, "a number in (0, 1]"};
static const ro_range ro_range_max_sample = {1, 1e9, false, false, false, "a number in 1..1e9"};
/* Keeps the model's arithmetic finite: a poll interviews at least one
 * person. */
static const ro_range ro_range_sample = {1, 1e9, false, false, false,
                                         "a number in 1..1000000000"};

/* ---------------------------------------------------------------- polls */

/* The keys of a poll; an override of a poll from a CSV table (polls.ID)
 * takes those from pollster on, except the fieldwork. */
static const char *const poll_keys[] = {"id", "pollster", "start", "end", "sample", "shares",
                                        "undecided", "population", "rolling", NULL};
static const char *const poll_override_keys[] = {"pollster", "sample", "shares", "undecided",
                                                 "population", "rolling", NULL};

/* A poll (whole) or an override of one already read (!whole: only the
 * keys given change). sample stays NAN when not given (the default is
 * filled in once every poll is read). */
static runoff_status load_poll(ro_loader *L, const ro_node *item, bool whole, ro_poll *p)
{
    const char *what = whole ? "a poll" : "a poll override";
    const ro_node *shares = NULL, *n = NULL, *und;
    double pct[3];
    int pop = (int)p->population;
    runoff_status st;
    if (whole) {
        p->pos = ro_value_pos(item);
        p->sample = NAN;
    }
    if ((st = ro_value_check_keys(L, item, whole ? poll_keys : poll_override_keys, what)) ||
        (whole && (st = ro_value_field(L, item, "id", what, false, &n)) != RUNOFF_OK) ||
        (n != NULL && (st = ro_value_id(L, n, "poll id", p->id)) != RUNOFF_OK) ||
        (st = ro_value_get_string(L, item, "pollster", what, whole, p->pollster,
                                  sizeof p->pollster)) ||
        (whole && (st = ro_value_fieldwork(L, item, what, &p->start, &p->end)) != RUNOFF_OK) ||
        (st = ro_value_get_number(L, item, "sample", what, false, &ro_range_sample,
                                  &p->sample)) ||
        (st = ro_value_field(L, item, "shares", what, whole, &shares)) != RUNOFF_OK ||
        (shares != NULL && (st = ro_value_get_shares(L, item, what, false, pct, &shares))) ||
        (st = ro_value_get_number(L, item, "undecided", what, false, &ro_range_percent,
                                  &p->undecided)) ||
        (st = ro_value_get_enum(L, item, "population", what, ro_population_names, &pop)) ||
        (st = ro_value_field(L, item, "rolling", what, false, &n)) != RUNOFF_OK ||
        (n != NULL && (st = ro_value_bool(L, n, "'rolling'", &p->rolling)) != RUNOFF_OK))
        return st;
    if (shares != NULL) {
        if (pct[0] + pct[1] <= 0)
            return ro_value_bad(L, shares, "shares add up to 0, expected a positive total");
        p->share_a = pct[0];
        p->share_b = pct[1];
        p->two_way_a = pct[0] / (pct[0] + pct[1]);
    }
    p->population = (ro_population)pop;
    if ((und = ro_node_get(item, "undecided", NULL)) != NULL)
        p->has_undecided = true;
    double total = p->share_a + p->share_b + p->undecided;
    if (p->has_undecided && total > 100.5)
        return ro_value_bad(L, und != NULL ? und : shares != NULL ? shares : item,
                            "shares and undecided add up to %.1f, expected at most 100 ± 0.5",
                            total);
    return RUNOFF_OK;
}

bool ro_scenario_uses_polls(const runoff_scenario *s)
{
    return !(s->n_options > 0 && s->n_regions > 0 && s->blend.mode == RO_BLEND_TRANSFERS);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A poll without a sample takes the median of the samples the scenario's
 * polls give, else RO_DEFAULT_POLL_SAMPLE (docs/scenario.md, "polls"):
 * after aggregation.exclude, so that only the polls kept count. */
static runoff_status fill_default_samples(ro_loader *L)
{
    runoff_scenario *s = L->s;
    size_t given = 0;
    for (size_t i = 0; i < s->n_polls; i++)
        given += !isnan(s->polls[i].sample);
    if (given == s->n_polls)
        return RUNOFF_OK;
    double value = RO_DEFAULT_POLL_SAMPLE;
    if (given > 0) {
        double *v = ro_malloc(given * sizeof *v);
        if (v == NULL)
            return ro_value_nomem(L);
        for (size_t i = 0, k = 0; i < s->n_polls; i++)
            if (!isnan(s->polls[i].sample))
                v[k++] = s->polls[i].sample;
        qsort(v, given, sizeof *v, cmp_double);
        value = given % 2 ? v[given / 2] : 0.5 * (v[given / 2 - 1] + v[given / 2]);
        free(v);
    }
    s->default_sample = value;
    s->n_sample_given = given;
    for (size_t i = 0; i < s->n_polls; i++)
        if (isnan(s->polls[i].sample)) {
            s->polls[i].sample = value;
            s->polls[i].sample_default = true;
            s->n_default_sample++;
        }
    return RUNOFF_OK;
}

const char *ro_scenario_default_sample_text(const runoff_scenario *s)
{
    static _Thread_local char buf[160];
    bool one = s->n_default_sample == 1;
    int n = snprintf(buf, sizeof buf, "%zu poll%s no sample size and count%s as %g ",
                     s->n_default_sample, one ? " gives" : "s give", one ? "s" : "",
                     s->default_sample);
    if (s->n_sample_given == 1)
        snprintf(buf + n, sizeof buf - (size_t)n, "(the sample of the only poll that gives one)");
    else if (s->n_sample_given > 0)
        snprintf(buf + n, sizeof buf - (size_t)n, "(the median of the %zu that do)",
                 s->n_sample_given);
    else
        snprintf(buf + n, sizeof buf - (size_t)n, "(none gives one: the default)");
    return buf;
}

/* The polls of a list (in the scenario, or read from a CSV table), with
 * their ids unique; *ids is left built for the overrides. */
static runoff_status load_poll_list(ro_loader *L, const ro_node *seq, bool required,
                                    ro_name_index *ids)
{
    if (ro_node_len(seq) == 0 && required)
        return ro_value_bad(L, seq, "'polls' is empty, expected at least one poll");
    L->s->polls = ro_calloc(ro_node_len(seq), sizeof *L->s->polls);
    if (L->s->polls == NULL)
        return ro_value_nomem(L);
    runoff_status st = RUNOFF_OK;
    for (size_t i = 0; i < ro_node_len(seq) && st == RUNOFF_OK; i++) {
        const ro_node *item = ro_node_value(seq, i);
        if ((st = load_poll(L, item, true, &L->s->polls[i])) == RUNOFF_OK)
            L->s->n_polls++;
    }
    if (st != RUNOFF_OK || L->s->n_polls == 0)
        return st;
    if ((st = ro_value_index_build(
             L, ids, (ro_name_list){L->s->polls[0].id, L->s->n_polls, sizeof *L->s->polls})))
        return st;
    return ro_value_check_unique(L, seq, "id", "poll id", ids);
}

/* polls: {file: TABLE.csv, ID: {key: value, ...}, ...}: the polls of a CSV
 * table (pollcsv.h), its path relative to the scenario's directory, then
 * the overrides of single polls by id, which --set polls.ID.KEY=VALUE
 * creates. */
static runoff_status load_poll_table(ro_loader *L, const ro_node *m, bool required)
{
    const ro_node *fn;
    char file[sizeof L->s->polls_file], path[sizeof L->s->polls_file];
    runoff_status st = ro_value_field(L, m, "file", "polls", true, &fn);
    if (st != RUNOFF_OK || (st = ro_value_string(L, fn, "'file'", file, sizeof file)))
        return st;
    const char *scenario = ro_doc_name(L->doc), *slash = strrchr(scenario, '/');
    int len = file[0] == '/' || slash == NULL || strcmp(scenario, "<stdin>") == 0
                  ? snprintf(path, sizeof path, "%s", file)
                  : snprintf(path, sizeof path, "%.*s/%s", (int)(slash - scenario), scenario,
                             file);
    if (len < 0 || (size_t)len >= sizeof path)
        return ro_value_bad(L, fn, "the poll table's path is %d bytes long, expected at most %zu",
                            len, sizeof path - 1);
    const char *const finalists[2] = {L->s->finalist[0].id, L->s->finalist[1].id};
    runoff_doc *table = ro_pollcsv_read(path, finalists, L->err);
    if (table == NULL) {
        if (L->err != NULL && L->err->status == RUNOFF_EINPUT && L->err->line == 0) {
            char why[sizeof L->err->message]; /* said at the file key instead */
            memcpy(why, L->err->message, sizeof why);
            ro_error_clear(L->err);
            return ro_value_bad(L, fn, "poll table %s: %s", path, why);
        }
        return L->err != NULL ? L->err->status : RUNOFF_EINPUT;
    }
    ro_loader sub = *L;
    ro_name_index ids = {0};
    sub.doc = table;
    sub.root = ro_doc_root(table);
    st = load_poll_list(&sub, ro_node_get(sub.root, "polls", NULL), required, &ids);
    memcpy(L->s->polls_file, path, sizeof path);
    runoff_doc_free(table);
    for (size_t i = 0; i < ro_node_len(m) && st == RUNOFF_OK; i++) {
        const ro_node *k = ro_node_key(m, i), *v = ro_node_value(m, i);
        char expected[sizeof path + 64];
        long at;
        if (strcmp(ro_node_text(k), "file") == 0)
            continue;
        snprintf(expected, sizeof expected, "the id of a poll in %s (or the key 'file')", path);
        if ((st = ro_value_lookup(L, k, ro_node_text(k), &ids, "poll id", expected, &at)) ||
            (st = ro_value_need_kind(L, v, ro_node_text(k), RO_NODE_MAPPING)) != RUNOFF_OK)
            break;
        st = load_poll(L, v, false, &L->s->polls[at]);
    }
    ro_value_index_free(&ids);
    return st;
}

static runoff_status load_polls(ro_loader *L)
{
    const ro_node *node;
    bool required = ro_scenario_uses_polls(L->s);
    runoff_status st = ro_value_field(L, L->root, "polls", "the scenario", false, &node);
    if (st != RUNOFF_OK)
        return st;
    if (node == NULL && required)
        return ro_value_bad(L, L->root,
                            "missing key 'polls' in the scenario (needed unless blend.mode is "
                            "transfers)");
    if (node == NULL)
        return RUNOFF_OK;
    if (ro_node_kind_of(node) == RO_NODE_MAPPING) {
        st = load_poll_table(L, node, required);
    } else if ((st = ro_value_get_list(L, L->root, "polls", "the scenario", false, RO_MAX_POLLS,
                                       &node)) == RUNOFF_OK) {
        ro_name_index ids = {0};
        st = load_poll_list(L, node, required, &ids);
        ro_value_index_free(&ids);
    }
    return st;
}

/* ---------------------------------------------------------- aggregation */

static int house_order_cmp(const void *a, const void *b)
{
    return strcmp((*(const ro_house_value *const *)a)->pollster,
                  (*(const ro_house_value *const *)b)->pollster);
}

/* A fixed house effect moves each of its pollster's two-way shares; every
 * moved share must stay a share (0..100), or the average and the model's
 * logits would not be finite. Said at the value, naming the poll. The
 * values are looked up by binary search, so this stays O(n log n). */
static runoff_status check_house_values(ro_loader *L, const ro_node *values)
{
    const ro_aggregation *a = &L->s->aggregation;
    const ro_house_value **order = ro_calloc(a->n_house_fixed, sizeof *order);
    if (order == NULL)
        return ro_value_nomem(L);
    for (size_t i = 0; i < a->n_house_fixed; i++)
        order[i] = &a->house_fixed[i];
    qsort(order, a->n_house_fixed, sizeof *order, house_order_cmp);
    runoff_status st = RUNOFF_OK;
    for (size_t i = 0; i < L->s->n_polls && st == RUNOFF_OK; i++) {
        const ro_poll *p = &L->s->polls[i];
        size_t lo = 0, hi = a->n_house_fixed;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(order[mid]->pollster, p->pollster) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == a->n_house_fixed || strcmp(order[lo]->pollster, p->pollster) != 0)
            continue;
        const size_t k = (size_t)(order[lo] - a->house_fixed);
        const double moved = p->two_way_a - a->house_fixed[k].effect;
        if (!(moved >= 0 && moved <= 1))
            st = ro_value_bad(L, ro_node_value(values, k),
                              "house effect for '%s' is %g points, which moves the poll at line "
                              "%d (A's two-way share %.4g%%) to %.4g%%, expected a share in "
                              "0..100 after house effects",
                              p->pollster, 100 * a->house_fixed[k].effect, p->pos.line,
                              100 * p->two_way_a, 100 * moved);
    }
    free((void *)order);
    return st;
}

static runoff_status load_house_values(ro_loader *L, const ro_node *values)
{
    ro_aggregation *a = &L->s->aggregation;
    ro_name_index ix;
    const void *base = L->s->n_polls > 0 ? L->s->polls[0].pollster : NULL;
    runoff_status st =
        ro_value_index_build(L, &ix, (ro_name_list){base, L->s->n_polls, sizeof *L->s->polls});
    if (st != RUNOFF_OK)
        return st;
    a->house_fixed = ro_calloc(ro_node_len(values), sizeof *a->house_fixed);
    if (a->house_fixed == NULL) {
        ro_value_index_free(&ix);
        return ro_value_nomem(L);
    }
    for (size_t i = 0; i < ro_node_len(values) && st == RUNOFF_OK; i++) {
        const ro_node *k = ro_node_key(values, i);
        ro_house_value *hv = &a->house_fixed[i];
        char label[RO_NAME_MAX + 32];
        long p;
        if ((st = ro_value_lookup(L, k, ro_node_text(k), &ix, "pollster",
                                  "a pollster that appears in polls", &p)) != RUNOFF_OK)
            break;
        snprintf(hv->pollster, sizeof hv->pollster, "%s", ro_node_text(k));
        snprintf(label, sizeof label, "house effect for '%s'", hv->pollster);
        st = ro_value_number(L, ro_node_value(values, i), label, &ro_range_points, &hv->effect);
        hv->effect /= 100;
        a->n_house_fixed++;
    }
    ro_value_index_free(&ix);
    return st != RUNOFF_OK ? st : check_house_values(L, values);
}

static runoff_status load_house_effects(ro_loader *L, const ro_node *agg)
{
    static const char *const keys[] = {"mode", "shrinkage", "sd", "values", NULL};
    const char *what = "aggregation.house_effects";
    ro_aggregation *a = &L->s->aggregation;
    const ro_node *he, *values, *values_key;
    int mode = (int)a->house;
    runoff_status st = ro_value_get_map(L, agg, "house_effects", "aggregation", false, &he);
    if (st != RUNOFF_OK || he == NULL)
        return st;
    if ((st = ro_value_check_keys(L, he, keys, what)) != RUNOFF_OK ||
        (st = ro_value_get_enum(L, he, "mode", what, ro_house_mode_names, &mode)) != RUNOFF_OK ||
        (st = ro_value_get_number(L, he, "shrinkage", what, false, &ro_range_nonneg,
                                  &a->house_shrinkage)) ||
        (st = ro_value_get_number(L, he, "sd", what, false, &ro_range_house_sd, &a->house_sd)))
        return st;
    a->house = (ro_house_mode)mode;
    values = ro_node_get(he, "values", &values_key);
    if (values == NULL && a->house == RO_HOUSE_FIXED)
        return ro_value_bad(L, he, "missing key 'values' in %s, needed with mode fixed", what);
    if (values == NULL)
        return RUNOFF_OK;
    if (a->house != RO_HOUSE_FIXED)
        return ro_value_bad(L, values_key,
                            "'values' is only used with mode fixed, expected no 'values'");
    if ((st = ro_value_need_kind(L, values, "values", RO_NODE_MAPPING)) != RUNOFF_OK)
        return st;
    return load_house_values(L, values);
}

/* aggregation.exclude: [pollster, ...]: each a pollster of the polls; the
 * polls of those pollsters are dropped here, before anything reads them
 * (as_of, house effects, the average, the back-test baselines), and
 * counted in n_excluded. */
static runoff_status load_exclude(ro_loader *L, const ro_node *agg)
{
    runoff_scenario *s = L->s;
    const ro_node *list;
    runoff_status st = ro_value_field(L, agg, "exclude", "aggregation", false, &list);
    if (st != RUNOFF_OK || list == NULL ||
        (st = ro_value_need_kind(L, list, "exclude", RO_NODE_SEQUENCE)) != RUNOFF_OK)
        return st;
    ro_name_index ix;
    const void *base = s->n_polls > 0 ? s->polls[0].pollster : NULL;
    bool *drop = ro_calloc(s->n_polls ? s->n_polls : 1, sizeof *drop);
    if (drop == NULL)
        return ro_value_nomem(L);
    if ((st = ro_value_index_build(L, &ix, (ro_name_list){base, s->n_polls, sizeof *s->polls}))) {
        free(drop);
        return st;
    }
    for (size_t i = 0; i < ro_node_len(list) && st == RUNOFF_OK; i++) {
        const ro_node *n = ro_node_value(list, i);
        char name[RO_NAME_MAX];
        long p;
        if ((st = ro_value_string(L, n, "pollster", name, sizeof name)) == RUNOFF_OK &&
            (st = ro_value_lookup(L, n, name, &ix, "pollster", "a pollster that appears in polls",
                                  &p)) == RUNOFF_OK)
            for (size_t j = 0; j < s->n_polls; j++)
                drop[j] = drop[j] || strcmp(s->polls[j].pollster, name) == 0;
    }
    ro_value_index_free(&ix);
    size_t kept = 0;
    for (size_t j = 0; j < s->n_polls && st == RUNOFF_OK; j++)
        if (!drop[j])
            s->polls[kept++] = s->polls[j];
    free(drop);
    if (st != RUNOFF_OK)
        return st;
    s->n_excluded = s->n_polls - kept;
    s->n_polls = kept;
    if (kept == 0 && ro_scenario_uses_polls(s))
        return ro_value_bad(L, list, "'exclude' leaves no poll, expected at least one poll to "
                                     "average");
    return RUNOFF_OK;
}

/* as_of must leave a poll to average when polls are used: said here, at
 * as_of, rather than later by the averaging without a position. */
static runoff_status check_polls_left(ro_loader *L, const ro_node *as_of)
{
    const runoff_scenario *s = L->s;
    if (!ro_scenario_uses_polls(L->s) || s->n_polls == 0)
        return RUNOFF_OK;
    int32_t first_end = s->polls[0].end;
    for (size_t i = 0; i < s->n_polls; i++) {
        if (s->polls[i].end <= s->aggregation.as_of)
            return RUNOFF_OK;
        first_end = s->polls[i].end < first_end ? s->polls[i].end : first_end;
    }
    char x[11], e[11];
    ro_date_format(s->aggregation.as_of, x);
    ro_date_format(first_end, e);
    return ro_value_bad(L, as_of,
                        "as_of %s is before the end of every poll, expected %s or later so that "
                        "a poll is left to average",
                        x, e);
}

static runoff_status load_aggregation(ro_loader *L)
{
    static const char *const keys[] = {"method", "half_life_days", "as_of", "rolling",
                                       "house_effects", "design_effect", "daily_sd", "poll_sd",
                                       "max_sample", "exclude", NULL};
    ro_aggregation *a = &L->s->aggregation;
    const ro_node *agg, *as_of;
    int roll = (int)a->rolling, method = (int)a->method;
    runoff_status st = ro_value_get_map(L, L->root, "aggregation", "the scenario", false, &agg);
    if (st != RUNOFF_OK || agg == NULL)
        return st;
    if ((st = ro_value_check_keys(L, agg, keys, "aggregation")) != RUNOFF_OK ||
        (st = ro_value_get_number(L, agg, "half_life_days", "aggregation", false,
                                  &ro_range_half_life, &a->half_life_days)) != RUNOFF_OK ||
        (st = ro_value_get_date(L, agg, "as_of", "aggregation", false, &a->as_of, &as_of)) ||
        (st = ro_value_get_enum(L, agg, "rolling", "aggregation", ro_rolling_rule_names,
                                &roll)) != RUNOFF_OK ||
        (st = ro_value_get_number(L, agg, "design_effect", "aggregation", false, &ro_range_design,
                                  &a->design_effect)) != RUNOFF_OK ||
        (st = ro_value_get_enum(L, agg, "method", "aggregation", ro_agg_method_names,
                                &method)) != RUNOFF_OK ||
        (st = ro_value_get_number_or_estimate(L, agg, "daily_sd", "aggregation", &ro_range_daily_sd,
                                              &a->daily_sd)) != RUNOFF_OK ||
        (st = ro_value_get_number_or_estimate(L, agg, "poll_sd", "aggregation", &ro_range_poll_sd,
                                              &a->poll_sd)) != RUNOFF_OK ||
        (st = ro_value_get_number(L, agg, "max_sample", "aggregation", false, &ro_range_max_sample,
                                  &a->max_sample)) != RUNOFF_OK)
        return st;
    a->rolling = (ro_rolling_rule)roll;
    a->method = (ro_agg_method)method;
    if ((st = load_exclude(L, agg)) != RUNOFF_OK)
        return st;
    if (as_of != NULL) {
        a->has_as_of = true;
        if (a->as_of > L->s->election_date) {
            char x[11], e[11];
            ro_date_format(a->as_of, x);
            ro_date_format(L->s->election_date, e);
            return ro_value_bad(L, as_of,
                                "as_of %s is after the election date %s, expected a date on or "
                                "before it",
                                x, e);
        }
        if ((st = check_polls_left(L, as_of)) != RUNOFF_OK)
            return st;
    }
    return load_house_effects(L, agg);
}

/* The dynamic average has one unknown per day from the first poll's start
 * to the election: said here, at the oldest poll, rather than by the fit
 * without a position (and in a sweep, before the first draw). Counts every
 * poll that ends by the reference date, rolling releases included. */
static int cmp_pollster(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The dynamic average estimates one house effect per pollster in a dense
 * solve whose cost grows with the cube of their number (docs/model.md
 * §1b, Limits): more than RO_TREND_MAX_POLLSTERS is refused here, with a
 * position, rather than taking minutes. */
static runoff_status check_trend_pollsters(ro_loader *L, int32_t t0)
{
    const runoff_scenario *s = L->s;
    if (s->aggregation.house != RO_HOUSE_ESTIMATE || s->n_polls <= RO_TREND_MAX_POLLSTERS)
        return RUNOFF_OK;
    const char **names = ro_calloc(s->n_polls, sizeof *names);
    if (names == NULL)
        return ro_value_nomem(L);
    size_t n = 0, distinct = 0;
    for (size_t i = 0; i < s->n_polls; i++)
        if (s->polls[i].end <= t0)
            names[n++] = s->polls[i].pollster;
    qsort(names, n, sizeof *names, cmp_pollster);
    for (size_t i = 0; i < n; i++)
        distinct += i == 0 || strcmp(names[i], names[i - 1]) != 0;
    free(names);
    if (distinct <= RO_TREND_MAX_POLLSTERS)
        return RUNOFF_OK;
    return ro_error_set(L->err, RUNOFF_EINPUT, ro_doc_name(L->doc), s->polls[0].pos.line,
                        s->polls[0].pos.column,
                        "the polls have %zu pollsters, expected at most %d for the dynamic "
                        "average, which estimates a house effect for each (use house_effects "
                        "mode none or fixed, or method exponential)",
                        distinct, RO_TREND_MAX_POLLSTERS);
}

static runoff_status check_trend_span(ro_loader *L)
{
    const runoff_scenario *s = L->s;
    if (s->aggregation.method != RO_AGG_DYNAMIC || !ro_scenario_uses_polls(s))
        return RUNOFF_OK;
    const int32_t t0 = s->aggregation.has_as_of ? s->aggregation.as_of : s->election_date;
    const ro_poll *oldest = NULL;
    for (size_t i = 0; i < s->n_polls; i++)
        if (s->polls[i].end <= t0 && (oldest == NULL || s->polls[i].start < oldest->start))
            oldest = &s->polls[i];
    if (oldest == NULL || (int64_t)s->election_date - oldest->start + 1 <= RO_TREND_MAX_DAYS)
        return check_trend_pollsters(L, t0);
    return ro_error_set(L->err, RUNOFF_EINPUT, ro_doc_name(L->doc), oldest->pos.line,
                        oldest->pos.column,
                        "this poll starts %lld days before the election, expected at most %d "
                        "days for the dynamic average (drop the oldest polls, or use method "
                        "exponential)",
                        (long long)s->election_date - oldest->start, RO_TREND_MAX_DAYS - 1);
}

/* The sections in the order load_all has always read them: the polls,
 * then aggregation (which may exclude some), then the default sample over
 * the polls kept, then the dynamic average's limits. */
runoff_status ro_scenario_polls_load(ro_loader *L)
{
    runoff_status st;
    if ((st = load_polls(L)) != RUNOFF_OK || (st = load_aggregation(L)) != RUNOFF_OK ||
        (st = fill_default_samples(L)) != RUNOFF_OK)
        return st;
    return check_trend_span(L);
}
