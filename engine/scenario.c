/*
 * scenario.c — a parsed runoff_doc → a validated, immutable runoff_scenario.
 *
 * This is the only place that knows the scenario schema (docs/scenario.md is
 * its contract), apart from the transfers section, which transfers.c reads.
 * Every check that the rest of the engine relies on without re-checking
 * (scenario.h's invariants) is made here, once, and every refusal names the
 * node at fault as file:line:column so the user can go straight to it;
 * nodes created by --set report "--set:1:column" instead. The typed
 * readers that make those refusals (numbers in a range, dates, enums, ids
 * looked up in sorted indexes) are value.c's. The loader reads sections in
 * dependency order (finalists before shares, options and regions before
 * transfers and groups), so a message can always name what was expected.
 */
#include "scenario.h"
#include "trend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "doc.h"
#include "error.h"
#include "firstround.h"
#include "pollcsv.h"
#include "transfers.h"
#include "value.h"
#include "warnings.h"

/* Limits (docs/scenario.md, "Limits"; the options' is RO_MAX_OPTIONS). */
#define MAX_POLLS 100000
#define MAX_REGIONS 100000
#define MAX_GROUPS 1000
#define MAX_DRAWS 1000000000000ULL
#define MAX_BLOCK 10000000ULL
#define MAX_REGISTERED 1000000000000ULL

#define REGION_EXPECTED "a first_round region code"

/* Ranges of this schema's own keys (the common ones are in value.h). */
/* At most 100 so that 1 / n_eff (sample / design effect) stays far from
 * overflow when the sampling variances of many polls are summed. */
static const ro_range ro_range_design = {1, 100, false, false, false, "a number in 1..100"};
static const ro_range ro_range_df = {2, INFINITY, true, false, false, "a number > 2"};
static const ro_range ro_range_points = {-100, 100, false, false, false, "points in -100..100"};
static const ro_range ro_range_daily_sd = {RO_TREND_DAILY_SD_MIN, RO_TREND_DAILY_SD_MAX, false,
                                           false, false, "estimate or a number in 0.002..0.2"};
static const ro_range ro_range_poll_sd = {0, RO_TREND_POLL_SD_MAX, false, false, false,
                                          "estimate or a number in 0..0.2"};
static const ro_range ro_range_house_sd = {0, 1, true, false, false, "a number in (0, 1]"};
static const ro_range ro_range_max_sample = {1, 1e9, false, false, false, "a number in 1..1e9"};
/* Bounds that keep the model's arithmetic finite: a poll interviews at
 * least one person, and a logit-scale deviation beyond 100 means nothing
 * (exp(100 z) overflows for sd around 1e10, giving NaN shares). */
static const ro_range ro_range_sample = {1, 1e9, false, false, false,
                                         "a number in 1..1000000000"};
static const ro_range ro_range_logit_sd = {0, 100, false, false, false,
                                           "a number in 0..100 (logit scale)"};
static const ro_range ro_range_lean = {-5, 5, false, false, false, "a number in -5..5"};

/* ------------------------------------------------------- alloc and free */

runoff_scenario *ro_scenario_alloc_defaults(void)
{
    runoff_scenario *s = ro_calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->aggregation.half_life_days = 7;
    s->aggregation.rolling = RO_ROLLING_LATEST;
    s->aggregation.house = RO_HOUSE_ESTIMATE;
    s->aggregation.house_shrinkage = 2;
    s->aggregation.design_effect = 1;
    s->aggregation.method = RO_AGG_DYNAMIC;
    s->aggregation.daily_sd = NAN;
    s->aggregation.poll_sd = NAN;
    s->aggregation.house_sd = RO_DEFAULT_HOUSE_SD;
    s->aggregation.max_sample = RO_DEFAULT_MAX_SAMPLE;
    s->polling_error.dist = RO_ERRDIST_NORMAL;
    s->polling_error.df = 5;
    s->polling_error.scale = RO_DEFAULT_ERROR_SCALE;
    s->simulation.draws = 100000;
    s->simulation.seed = 1;
    s->simulation.block_size = 10000;
    s->blend.mode = RO_BLEND_POLLS;
    s->blend.weight = 0.5;
    s->blank_null.mean = 0.15;
    s->blank_null.concentration = 100;
    return s;
}

void runoff_scenario_free(runoff_scenario *s)
{
    if (s == NULL)
        return;
    free(s->polls);
    free(s->aggregation.house_fixed);
    free(s->options);
    free(s->regions);
    free(s->votes);
    free(s->transfers);
    free(s->regional_error.groups);
    free(s->actual.region_share_a);
    free(s->warnings);
    free(s);
}

/* ------------------------------------------------------------- election */

static runoff_status load_finalists(ro_loader *L, const ro_node *el)
{
    static const char *const keys[] = {"id", "name", NULL};
    const ro_node *seq;
    runoff_status st = ro_value_get_list(L, el, "finalists", "election", true, SIZE_MAX, &seq);
    if (st != RUNOFF_OK)
        return st;
    if (ro_node_len(seq) != 2)
        return ro_value_bad(L, seq, "'finalists' has %zu item%s, expected exactly 2",
                            ro_node_len(seq), ro_node_len(seq) == 1 ? "" : "s");
    for (int i = 0; i < 2; i++) {
        const ro_node *f = ro_node_value(seq, (size_t)i), *idn;
        ro_finalist *out = &L->s->finalist[i];
        if ((st = ro_value_check_keys(L, f, keys, "a finalist")) != RUNOFF_OK ||
            (st = ro_value_field(L, f, "id", "a finalist", true, &idn)) != RUNOFF_OK ||
            (st = ro_value_id(L, idn, "finalist id", out->id)) != RUNOFF_OK ||
            (st = ro_value_get_string(L, f, "name", "a finalist", true, out->name,
                                      sizeof out->name)))
            return st;
        if (strcmp(out->id, "none") == 0)
            return ro_value_bad(L, idn,
                                "finalist id 'none' is reserved for the voters who choose neither "
                                "finalist in transfer shares, expected another id");
        if (i == 1 && strcmp(out->id, L->s->finalist[0].id) == 0)
            return ro_value_bad(L, idn, "finalist id '%s' is used twice, expected two distinct ids",
                                out->id);
    }
    return RUNOFF_OK;
}

static runoff_status load_election(ro_loader *L)
{
    static const char *const keys[] = {"name", "date", "registered", "finalists", NULL};
    const ro_node *el, *n;
    runoff_scenario *s = L->s;
    runoff_status st = ro_value_get_map(L, L->root, "election", "the scenario", true, &el);
    if (st != RUNOFF_OK || (st = ro_value_check_keys(L, el, keys, "election")) != RUNOFF_OK ||
        (st = ro_value_get_string(L, el, "name", "election", true, s->name, sizeof s->name)) ||
        (st = ro_value_get_date(L, el, "date", "election", true, &s->election_date, &n)))
        return st;
    uint64_t reg = 0;
    if ((st = ro_value_get_uint(L, el, "registered", "election", 1, MAX_REGISTERED, &reg)))
        return st;
    s->registered = (double)reg;
    return load_finalists(L, el);
}

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
    static const char *const populations[] = {"likely", "registered", "adults", NULL};
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
        (st = ro_value_get_enum(L, item, "population", what, populations, &pop)) != RUNOFF_OK ||
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
    } else if ((st = ro_value_get_list(L, L->root, "polls", "the scenario", false, MAX_POLLS,
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
    static const char *const modes[] = {"estimate", "none", "fixed", NULL};
    const char *what = "aggregation.house_effects";
    ro_aggregation *a = &L->s->aggregation;
    const ro_node *he, *values, *values_key;
    int mode = (int)a->house;
    runoff_status st = ro_value_get_map(L, agg, "house_effects", "aggregation", false, &he);
    if (st != RUNOFF_OK || he == NULL)
        return st;
    if ((st = ro_value_check_keys(L, he, keys, what)) != RUNOFF_OK ||
        (st = ro_value_get_enum(L, he, "mode", what, modes, &mode)) != RUNOFF_OK ||
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
    static const char *const rolling[] = {"latest", "all", NULL};
    static const char *const methods[] = {"exponential", "dynamic", NULL};
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
        (st = ro_value_get_enum(L, agg, "rolling", "aggregation", rolling, &roll)) != RUNOFF_OK ||
        (st = ro_value_get_number(L, agg, "design_effect", "aggregation", false, &ro_range_design,
                                  &a->design_effect)) != RUNOFF_OK ||
        (st = ro_value_get_enum(L, agg, "method", "aggregation", methods, &method)) != RUNOFF_OK ||
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

/* ------------------------------------------ polling error, turnout, sim */

static runoff_status load_polling_error(ro_loader *L)
{
    static const char *const keys[] = {"distribution", "df", "scale", NULL};
    static const char *const dists[] = {"normal", "student_t", NULL};
    ro_polling_error *pe = &L->s->polling_error;
    const ro_node *m;
    int dist = (int)pe->dist;
    runoff_status st = ro_value_get_map(L, L->root, "polling_error", "the scenario", false, &m);
    if (st != RUNOFF_OK || m == NULL)
        return st;
    if ((st = ro_value_check_keys(L, m, keys, "polling_error")) != RUNOFF_OK ||
        (st = ro_value_get_enum(L, m, "distribution", "polling_error", dists, &dist)) ||
        (st = ro_value_get_number(L, m, "df", "polling_error", false, &ro_range_df, &pe->df)) ||
        (st = ro_value_get_percent(L, m, "scale", "polling_error", false, &ro_range_percent,
                                   &pe->scale)))
        return st;
    pe->dist = (ro_error_dist)dist;
    const ro_node *scale = ro_node_get(m, "scale", NULL);
    if (scale == NULL)
        return RUNOFF_OK;
    pe->scale_pos = ro_value_pos(scale);
    if (pe->scale == 0 && L->s->n_polls > 0 && ro_scenario_uses_polls(L->s))
        return ro_warn(L, scale,
                       "polling_error.scale is 0: the forecast ignores systematic polling error "
                       "(the default is %g points)",
                       100 * RO_DEFAULT_ERROR_SCALE);
    /* points: 0.03 typed for 3 points is a fraction */
    return ro_warn_fraction(L, scale, "polling_error.scale", 100 * pe->scale, 0.1,
                            " points");
}

static runoff_status load_turnout(ro_loader *L)
{
    static const char *const keys[] = {"mean", "sd", NULL};
    ro_turnout *t = &L->s->turnout;
    const ro_node *m, *sd;
    runoff_status st = ro_value_get_map(L, L->root, "turnout", "the scenario", false, &m);
    if (st != RUNOFF_OK || m == NULL)
        return st;
    if ((st = ro_value_check_keys(L, m, keys, "turnout")) != RUNOFF_OK ||
        (st = ro_value_get_percent(L, m, "mean", "turnout", true, &ro_range_percent_open,
                                   &t->mean)) ||
        (st = ro_value_get_percent(L, m, "sd", "turnout", false, &ro_range_percent, &t->sd)))
        return st;
    t->given = true;
    if ((st = ro_warn_fraction(L, ro_node_get(m, "mean", NULL), "turnout.mean", 100 * t->mean, 1,
                               " %")))
        return st;
    /* A Beta distribution with this mean exists only below this sd. */
    double max_sd = sqrt(t->mean * (1 - t->mean));
    if (t->sd >= max_sd && (sd = ro_node_get(m, "sd", NULL)) != NULL)
        return ro_value_bad(
            L, sd, "'sd' is %s, expected less than %.4g for mean %.4g (sd^2 < mean(1-mean))",
            ro_node_text(sd), 100 * max_sd, 100 * t->mean);
    return RUNOFF_OK;
}

static runoff_status load_simulation(ro_loader *L)
{
    static const char *const keys[] = {"draws", "seed", "block_size", NULL};
    ro_simulation *sim = &L->s->simulation;
    const ro_node *m;
    uint64_t block = sim->block_size;
    runoff_status st = ro_value_get_map(L, L->root, "simulation", "the scenario", false, &m);
    if (st != RUNOFF_OK || m == NULL)
        return st;
    if ((st = ro_value_check_keys(L, m, keys, "simulation")) != RUNOFF_OK ||
        (st = ro_value_get_uint(L, m, "draws", "simulation", 1, MAX_DRAWS, &sim->draws)) ||
        (st = ro_value_get_uint(L, m, "seed", "simulation", 0, UINT64_MAX, &sim->seed)) ||
        (st = ro_value_get_uint(L, m, "block_size", "simulation", 1, MAX_BLOCK, &block)))
        return st;
    sim->block_size = (uint32_t)block;
    return RUNOFF_OK;
}

/* ---------------------------------------------------------- first round */

static runoff_status load_options(ro_loader *L, const ro_node *fr, ro_name_index *ix)
{
    static const char *const keys[] = {"id", "name", "kind", NULL};
    static const char *const kinds[] = {"candidate", "abstention", "blank_null", NULL};
    runoff_scenario *s = L->s;
    const ro_node *seq, *idn;
    runoff_status st =
        ro_value_get_list(L, fr, "options", "first_round", true, RO_MAX_OPTIONS, &seq);
    if (st != RUNOFF_OK)
        return st;
    if (ro_node_len(seq) == 0)
        return ro_value_bad(L, seq, "'options' is empty, expected at least one option");
    L->options_seq = seq;
    s->options = ro_calloc(ro_node_len(seq), sizeof *s->options);
    if (s->options == NULL)
        return ro_value_nomem(L);
    for (size_t i = 0; i < ro_node_len(seq); i++) {
        const ro_node *item = ro_node_value(seq, i);
        ro_option *o = &s->options[i];
        int kind = RO_OPT_CANDIDATE;
        if ((st = ro_value_check_keys(L, item, keys, "a first-round option")) != RUNOFF_OK ||
            (st = ro_value_field(L, item, "id", "a first-round option", true, &idn)) != RUNOFF_OK ||
            (st = ro_value_id(L, idn, "option id", o->id)) != RUNOFF_OK ||
            (st = ro_value_get_string(L, item, "name", "a first-round option", false, o->name,
                                      sizeof o->name)) != RUNOFF_OK ||
            (st = ro_value_get_enum(L, item, "kind", "a first-round option", kinds, &kind)))
            return st;
        if (o->name[0] == '\0')
            memcpy(o->name, o->id, sizeof o->id);
        o->kind = (ro_option_kind)kind;
        s->n_options++;
    }
    if ((st = ro_value_index_build(
             L, ix, (ro_name_list){s->options[0].id, s->n_options, sizeof *s->options})))
        return st;
    return ro_value_check_unique(L, seq, "id", "option id", ix);
}

/* One region's votes: every option exactly once, summing to registered. */
static runoff_status load_votes(ro_loader *L, const ro_node *votes, size_t r,
                                const ro_name_index *opts, bool *seen)
{
    runoff_scenario *s = L->s;
    double sum = 0;
    memset(seen, 0, s->n_options * sizeof *seen);
    for (size_t i = 0; i < ro_node_len(votes); i++) {
        const ro_node *k = ro_node_key(votes, i);
        long o;
        char label[RO_ID_MAX + 32];
        runoff_status st =
            ro_value_lookup(L, k, ro_node_text(k), opts, "option", RO_OPTION_EXPECTED, &o);
        if (st != RUNOFF_OK)
            return st;
        snprintf(label, sizeof label, "votes for '%s'", ro_node_text(k));
        double *v = &s->votes[(size_t)o * s->n_regions + r];
        if ((st = ro_value_number(L, ro_node_value(votes, i), label, &ro_range_nonneg, v)))
            return st;
        seen[o] = true;
        sum += *v;
    }
    for (size_t o = 0; o < s->n_options; o++)
        if (!seen[o])
            return ro_value_bad(L, votes,
                                "missing votes for option '%s', expected votes for every "
                                "first_round option",
                                s->options[o].id);
    double reg = s->regions[r].registered;
    if (fabs(sum - reg) > fmax(1, 1e-6 * reg))
        return ro_value_bad(L, votes,
                            "votes add up to %.15g, expected the %.15g registered (within %.15g)",
                            sum, reg, fmax(1, 1e-6 * reg));
    return RUNOFF_OK;
}

/* One region's counts, or the national one's (code and name NULL): votes,
 * or turnout and shares (firstround.h). */
static runoff_status load_region_counts(ro_loader *L, const ro_node *item, size_t r,
                                        const char *what, const ro_name_index *opts, bool *seen)
{
    const ro_node *votes, *n;
    uint64_t reg = 0;
    runoff_status st;
    ro_region *g = &L->s->regions[r];
    if ((st = ro_value_field(L, item, "registered", what, true, &n)) != RUNOFF_OK ||
        (st = ro_value_uint(L, n, "'registered'", 1, MAX_REGISTERED, &reg)) != RUNOFF_OK)
        return st;
    g->registered = (double)reg;
    if (ro_node_get(item, "votes", NULL) == NULL && ro_node_get(item, "shares", NULL) != NULL)
        return ro_firstround_shares(L, item, r, opts);
    static const char *const share_keys[] = {"turnout", "blank_null"};
    for (size_t k = 0; k < 2; k++)
        if (ro_node_get(item, share_keys[k], &n) != NULL)
            return ro_value_bad(L, n, "'%s' goes with 'shares', expected 'votes' alone or "
                                      "'turnout' and 'shares'", share_keys[k]);
    if ((st = ro_value_get_map(L, item, "votes", what, true, &votes)) != RUNOFF_OK)
        return st;
    return load_votes(L, votes, r, opts, seen);
}

static runoff_status load_region(ro_loader *L, const ro_node *item, size_t r, const ro_name_index *opts,
                                 bool *seen)
{
    static const char *const keys[] = {"code",   "name",   "geo_code",   "registered",
                                       "votes",  "turnout", "shares", "blank_null", NULL};
    const char *what = "a region";
    ro_region *g = &L->s->regions[r];
    runoff_status st;
    g->pos = ro_value_pos(item);
    g->group = -1;
    if ((st = ro_value_check_keys(L, item, keys, what)) != RUNOFF_OK ||
        (st = ro_value_get_string(L, item, "code", what, true, g->code, sizeof g->code)) != RUNOFF_OK ||
        (st = ro_value_get_string(L, item, "name", what, false, g->name, sizeof g->name)) != RUNOFF_OK ||
        (st = ro_value_get_string(L, item, "geo_code", what, false, g->geo_code,
                                  sizeof g->geo_code)) != RUNOFF_OK)
        return st;
    if (g->name[0] == '\0')
        memcpy(g->name, g->code, sizeof g->code);
    if (g->geo_code[0] == '\0')
        memcpy(g->geo_code, g->code, sizeof g->code);
    return load_region_counts(L, item, r, what, opts, seen);
}

/* first_round.national: the country as the model's one electorate. The
 * scenario says it is national (first_round_national), so that nothing
 * downstream reports it as a region. */
static runoff_status load_national(ro_loader *L, const ro_node *nat, const ro_name_index *opts,
                                   bool *seen)
{
    static const char *const keys[] = {"registered", "votes", "turnout", "shares", "blank_null",
                                       NULL};
    runoff_scenario *s = L->s;
    runoff_status st;
    if ((st = ro_value_need_kind(L, nat, "national", RO_NODE_MAPPING)) != RUNOFF_OK ||
        (st = ro_value_check_keys(L, nat, keys, "first_round.national")) != RUNOFF_OK)
        return st;
    s->first_round_national = true;
    s->n_regions = 1;
    ro_region *g = &s->regions[0];
    g->pos = ro_value_pos(nat);
    g->group = -1;
    snprintf(g->code, sizeof g->code, "national");
    snprintf(g->name, sizeof g->name, "national");
    if ((st = load_region_counts(L, nat, 0, "first_round.national", opts, seen)) != RUNOFF_OK)
        return st;
    if (s->registered == 0)
        s->registered = g->registered;
    else if (s->registered != g->registered)
        return ro_value_bad(L, ro_node_get(nat, "registered", NULL),
                            "registered is %.0f, expected election.registered, %.0f",
                            g->registered, s->registered);
    return RUNOFF_OK;
}

static runoff_status load_first_round(ro_loader *L, const ro_node *fr, ro_name_index *opts,
                                      ro_name_index *regs)
{
    static const char *const keys[] = {"options", "regions", "national", NULL};
    runoff_scenario *s = L->s;
    const ro_node *seq, *nat, *nat_key;
    runoff_status st;
    if ((st = ro_value_check_keys(L, fr, keys, "first_round")) != RUNOFF_OK ||
        (st = load_options(L, fr, opts)) != RUNOFF_OK)
        return st;
    nat = ro_node_get(fr, "national", &nat_key);
    if (nat != NULL && ro_node_get(fr, "regions", NULL) != NULL)
        return ro_value_bad(L, nat_key, "'national' and 'regions' are both given, expected one");
    if (nat != NULL) {
        s->regions = ro_calloc(1, sizeof *s->regions);
        s->votes = ro_calloc(s->n_options, sizeof *s->votes);
        bool *seen1 = ro_calloc(s->n_options, sizeof *seen1);
        st = s->regions == NULL || s->votes == NULL || seen1 == NULL
                 ? ro_value_nomem(L)
                 : load_national(L, nat, opts, seen1);
        free(seen1);
        if (st != RUNOFF_OK)
            return st;
        return ro_value_index_build(L, regs, (ro_name_list){s->regions[0].code, 1, sizeof *s->regions});
    }
    if ((st = ro_value_get_list(L, fr, "regions", "first_round", false, MAX_REGIONS, &seq)) != RUNOFF_OK)
        return st;
    if (seq == NULL)
        return ro_value_bad(L, fr, "missing key 'regions' in first_round (or 'national')");
    size_t n = ro_node_len(seq);
    if (n == 0)
        return ro_value_bad(L, seq, "'regions' is empty, expected at least one region");
    s->regions = ro_calloc(n, sizeof *s->regions);
    s->votes = ro_calloc(n * s->n_options, sizeof *s->votes);
    bool *seen = ro_calloc(s->n_options, sizeof *seen);
    if (s->regions == NULL || s->votes == NULL || seen == NULL) {
        free(seen);
        return ro_value_nomem(L);
    }
    s->n_regions = n;
    for (size_t r = 0; r < n && st == RUNOFF_OK; r++)
        st = load_region(L, ro_node_value(seq, r), r, opts, seen);
    free(seen);
    if (st != RUNOFF_OK)
        return st;
    if ((st = ro_value_index_build(L, regs, (ro_name_list){s->regions[0].code, n, sizeof *s->regions})))
        return st;
    return ro_value_check_unique(L, seq, "code", "region code", regs);
}

/* ------------------------------------------------------ regional error */

static runoff_status load_group(ro_loader *L, const ro_node *item, int gi, const ro_name_index *regs)
{
    static const char *const keys[] = {"name", "sd", "regions", NULL};
    const char *what = "a region group";
    ro_region_group *g = &L->s->regional_error.groups[gi];
    const ro_node *codes;
    runoff_status st;
    if ((st = ro_value_check_keys(L, item, keys, what)) != RUNOFF_OK ||
        (st = ro_value_get_string(L, item, "name", what, true, g->name, sizeof g->name)) != RUNOFF_OK ||
        (st = ro_value_get_number(L, item, "sd", what, true, &ro_range_logit_sd, &g->sd)) != RUNOFF_OK ||
        (st = ro_value_field(L, item, "regions", what, true, &codes)) != RUNOFF_OK ||
        (st = ro_value_need_kind(L, codes, "regions", RO_NODE_SEQUENCE)) != RUNOFF_OK)
        return st;
    if (ro_node_len(codes) == 0)
        return ro_value_bad(L, codes, "'regions' of group '%s' is empty, expected at least one "
                            "region code", g->name);
    for (int h = 0; h < gi; h++)
        if (strcmp(L->s->regional_error.groups[h].name, g->name) == 0)
            return ro_value_bad(L, ro_node_get(item, "name", NULL), "group name '%s' is used twice, expected unique group names",
                       g->name);
    for (size_t i = 0; i < ro_node_len(codes); i++) {
        const ro_node *c = ro_node_value(codes, i);
        char code[RO_ID_MAX];
        if ((st = ro_value_string(L, c, "region code", code, sizeof code)) != RUNOFF_OK)
            return st;
        long r;
        if ((st = ro_value_lookup(L, c, code, regs, "region", REGION_EXPECTED, &r)) != RUNOFF_OK)
            return st;
        ro_region *reg = &L->s->regions[r];
        if (reg->group >= 0)
            return ro_value_bad(L, c, "region '%s' is already in group '%s', expected each region in at "
                             "most one group", code,
                       L->s->regional_error.groups[reg->group].name);
        reg->group = gi;
    }
    return RUNOFF_OK;
}

/* local_lean reads each region's first-round balance between the two
 * finalists' own options, found by id (docs/model.md §5). */
static runoff_status check_lean_options(ro_loader *L, const ro_node *m)
{
    if (L->s->regional_error.local_lean == 0)
        return RUNOFF_OK;
    for (int f = 0; f < 2; f++)
        if (ro_scenario_finalist_option(L->s, f) < 0)
            return ro_value_bad(L, ro_node_get(m, "local_lean", NULL),
                       "local_lean needs a first-round option with the id of finalist '%s', "
                       "expected the finalists among first_round.options",
                       L->s->finalist[f].id);
    return RUNOFF_OK;
}

size_t ro_scenario_reported_regions(const runoff_scenario *s)
{
    return s->first_round_national ? 0 : s->n_regions;
}

long ro_scenario_finalist_option(const runoff_scenario *s, int finalist)
{
    for (size_t o = 0; o < s->n_options; o++)
        if (strcmp(s->options[o].id, s->finalist[finalist].id) == 0)
            return (long)o;
    return -1;
}

static runoff_status load_regional_error(ro_loader *L, const ro_name_index *regs)
{
    static const char *const keys[] = {"sd", "transfer_sd", "local_lean", "groups", NULL};
    ro_regional_error *re = &L->s->regional_error;
    const ro_node *m, *seq;
    runoff_status st = ro_value_get_map(L, L->root, "regional_error", "the scenario", false, &m);
    if (st != RUNOFF_OK || m == NULL)
        return st;
    if (L->s->first_round_national) {
        const ro_node *k;
        ro_node_get(L->root, "regional_error", &k);
        return ro_value_bad(L, k, "'regional_error' needs first_round.regions, expected none "
                                  "with first_round.national");
    }
    if ((st = ro_value_check_keys(L, m, keys, "regional_error")) != RUNOFF_OK ||
        (st = ro_value_get_number(L, m, "sd", "regional_error", false, &ro_range_logit_sd, &re->sd)) ||
        (st = ro_value_get_number(L, m, "transfer_sd", "regional_error", false, &ro_range_logit_sd,
                                  &re->transfer_sd)) ||
        (st = ro_value_get_number(L, m, "local_lean", "regional_error", false, &ro_range_lean,
                                  &re->local_lean)) ||
        (st = check_lean_options(L, m)) != RUNOFF_OK ||
        (st = ro_value_get_list(L, m, "groups", "regional_error", false, MAX_GROUPS, &seq)) != RUNOFF_OK ||
        seq == NULL)
        return st;
    re->groups = ro_calloc(ro_node_len(seq), sizeof *re->groups);
    if (re->groups == NULL)
        return ro_value_nomem(L);
    for (size_t i = 0; i < ro_node_len(seq); i++) {
        if ((st = load_group(L, ro_node_value(seq, i), (int)i, regs)) != RUNOFF_OK)
            return st;
        re->n_groups++;
    }
    return RUNOFF_OK;
}

static runoff_status load_blend(ro_loader *L)
{
    static const char *const keys[] = {"mode", "weight", NULL};
    static const char *const modes[] = {"polls", "transfers", "mix", NULL};
    ro_blend *b = &L->s->blend;
    const ro_node *m;
    int mode = (int)b->mode;
    runoff_status st = ro_value_get_map(L, L->root, "blend", "the scenario", false, &m);
    if (st != RUNOFF_OK || m == NULL)
        return st;
    if ((st = ro_value_check_keys(L, m, keys, "blend")) != RUNOFF_OK ||
        (st = ro_value_get_enum(L, m, "mode", "blend", modes, &mode)) != RUNOFF_OK ||
        (st = ro_value_get_number(L, m, "weight", "blend", false, &ro_range_unit, &b->weight)) != RUNOFF_OK)
        return st;
    b->mode = (ro_blend_mode)mode;
    return RUNOFF_OK;
}

/* --------------------------------------------------------------- actual */

static runoff_status load_actual_regions(ro_loader *L, const ro_node *seq, const ro_name_index *regs)
{
    static const char *const keys[] = {"code", "shares", NULL};
    const char *what = "an actual region";
    ro_actual *a = &L->s->actual;
    const ro_node **seen_at = NULL;
    runoff_status st = RUNOFF_OK;
    a->region_share_a = ro_malloc(L->s->n_regions * sizeof *a->region_share_a);
    seen_at = ro_calloc(L->s->n_regions, sizeof *seen_at);
    if (a->region_share_a == NULL || seen_at == NULL) {
        free(seen_at);
        return ro_value_nomem(L);
    }
    for (size_t r = 0; r < L->s->n_regions; r++)
        a->region_share_a[r] = NAN;
    for (size_t i = 0; i < ro_node_len(seq) && st == RUNOFF_OK; i++) {
        const ro_node *item = ro_node_value(seq, i), *cn, *shares;
        char code[RO_ID_MAX];
        double pct[3];
        if ((st = ro_value_check_keys(L, item, keys, what)) != RUNOFF_OK ||
            (st = ro_value_field(L, item, "code", what, true, &cn)) != RUNOFF_OK ||
            (st = ro_value_string(L, cn, "'code'", code, sizeof code)) != RUNOFF_OK)
            break;
        long r;
        if ((st = ro_value_lookup(L, cn, code, regs, "region", REGION_EXPECTED, &r)) != RUNOFF_OK) {
            break;
        } else if (seen_at[r] != NULL) {
            char where[600];
            st = ro_value_bad(L, cn, "region '%s' is listed twice (first at %s), expected each region once", code,
                     ro_value_where(L, seen_at[r], cn, where, sizeof where));
        } else if ((st = ro_value_get_shares(L, item, what, false, pct, &shares)) == RUNOFF_OK) {
            seen_at[r] = cn;
            if (pct[0] + pct[1] <= 0)
                st = ro_value_bad(L, shares, "shares add up to 0, expected a positive total");
            else
                a->region_share_a[r] = pct[0] / (pct[0] + pct[1]);
        }
    }
    free(seen_at);
    return st;
}

static runoff_status load_actual(ro_loader *L, const ro_name_index *regs)
{
    static const char *const keys[] = {"shares", "turnout", "blank_null", "regions", NULL};
    ro_actual *a = &L->s->actual;
    const ro_node *m, *n, *regions_key;
    runoff_status st = ro_value_get_map(L, L->root, "actual", "the scenario", false, &m);
    if (st != RUNOFF_OK || m == NULL)
        return st;
    if ((st = ro_value_check_keys(L, m, keys, "actual")) != RUNOFF_OK)
        return st;
    if (ro_node_get(m, "shares", NULL) != NULL) {
        double pct[3];
        if ((st = ro_value_get_shares(L, m, "actual", false, pct, &n)) != RUNOFF_OK)
            return st;
        if (pct[0] + pct[1] <= 0)
            return ro_value_bad(L, n, "shares add up to 0, expected a positive total");
        a->has_share = true;
        a->share_a = pct[0] / (pct[0] + pct[1]);
        if ((st = ro_warn_fraction(L, n, "the sum of actual.shares", pct[0] + pct[1], 1,
                                   " %")))
            return st;
    }
    a->has_turnout = ro_node_get(m, "turnout", NULL) != NULL;
    a->has_blank_null = ro_node_get(m, "blank_null", NULL) != NULL;
    if ((st = ro_value_get_percent(L, m, "turnout", "actual", false, &ro_range_percent, &a->turnout)) ||
        (st = ro_value_get_percent(L, m, "blank_null", "actual", false, &ro_range_percent, &a->blank_null)) ||
        (st = ro_warn_fraction(L, ro_node_get(m, "turnout", NULL), "actual.turnout",
                               100 * a->turnout, 1, " %")) ||
        (st = ro_value_get_list(L, m, "regions", "actual", false, MAX_REGIONS, &n)) != RUNOFF_OK || n == NULL)
        return st;
    if (L->s->n_regions == 0 || L->s->first_round_national) {
        ro_node_get(m, "regions", &regions_key);
        if (L->s->first_round_national)
            return ro_value_bad(L, regions_key, "'regions' needs first_round.regions, expected "
                                                "no actual.regions with first_round.national");
        return ro_value_bad(L, regions_key, "'regions' needs 'first_round', expected no actual.regions");
    }
    return load_actual_regions(L, n, regs);
}

/* ---------------------------------------------------------------- whole */

static const char *const top_keys[] = {"election", "polls", "aggregation", "polling_error",
                                       "turnout", "simulation", "first_round", "transfers",
                                       "regional_error", "blend", "actual", "sweep", "map",
                                       NULL};

/* map: {file, code_property, attribution}: the outlines the report page
 * draws. Only the shape is checked here; the file is read when a page is
 * written (runoff_map_load), so a plain run never needs it. */
static runoff_status load_map(ro_loader *L)
{
    static const char *const keys[] = {"file", "code_property", "attribution", NULL};
    ro_map_spec *m = &L->s->map;
    const ro_node *n;
    runoff_status st = ro_value_get_map(L, L->root, "map", "the scenario", false, &n);
    if (st != RUNOFF_OK || n == NULL)
        return st;
    m->pos = ro_value_pos(n);
    snprintf(m->code_property, sizeof m->code_property, "code");
    if ((st = ro_value_check_keys(L, n, keys, "map")) != RUNOFF_OK ||
        (st = ro_value_get_string(L, n, "file", "map", true, m->file, sizeof m->file)) ||
        (st = ro_value_get_string(L, n, "code_property", "map", false, m->code_property,
                                  sizeof m->code_property)) ||
        (st = ro_value_get_string(L, n, "attribution", "map", false, m->attribution,
                                  sizeof m->attribution)))
        return st;
    if (m->file[0] == '\0')
        return ro_value_bad(L, ro_node_get(n, "file", NULL), "'file' is empty, expected a GeoJSON path");
    m->given = true;
    return RUNOFF_OK;
}

/* sweep: {vary: {KEY: SPEC, ...}, zip: bool}. Only the shape is checked
 * here; the specs are parsed by sweep.c, which reports their positions. A
 * plain run ignores the section. */
static runoff_status load_sweep(ro_loader *L)
{
    static const char *const keys[] = {"vary", "zip", NULL};
    const ro_node *sw, *vary, *zip;
    bool z;
    runoff_status st = ro_value_get_map(L, L->root, "sweep", "the scenario", false, &sw);
    if (st != RUNOFF_OK || sw == NULL)
        return st;
    if ((st = ro_value_check_keys(L, sw, keys, "sweep")) != RUNOFF_OK ||
        (st = ro_value_get_map(L, sw, "vary", "sweep", true, &vary)) != RUNOFF_OK ||
        (st = ro_value_field(L, sw, "zip", "sweep", false, &zip)) != RUNOFF_OK ||
        (zip != NULL && (st = ro_value_bool(L, zip, "'zip'", &z)) != RUNOFF_OK))
        return st;
    if (ro_node_len(vary) == 0)
        return ro_value_bad(L, vary, "'vary' is empty, expected at least one entry KEY.PATH: SPEC");
    for (size_t i = 0; i < ro_node_len(vary); i++) {
        const ro_node *v = ro_node_value(vary, i);
        if (ro_node_kind_of(v) != RO_NODE_SCALAR || ro_node_text_len(v) == 0)
            return ro_value_bad(L, v,
                                "sweep.vary.%s is %s, expected a range a:b:step, a date range or a "
                                "list a,b,c",
                                ro_node_text(ro_node_key(vary, i)),
                                ro_node_kind_of(v) == RO_NODE_SCALAR ? "empty"
                                                                     : ro_node_kind_name(v));
    }
    return RUNOFF_OK;
}

/* Sections that only mean something with a first round. */
static runoff_status check_needs_first_round(ro_loader *L)
{
    static const char *const needing[] = {"transfers", "regional_error", "blend", "map"};
    for (size_t i = 0; i < sizeof needing / sizeof *needing; i++) {
        const ro_node *k;
        if (ro_node_get(L->root, needing[i], &k) != NULL)
            return ro_value_bad(L, k,
                                "'%s' needs 'first_round', expected no '%s' in a national scenario",
                                needing[i], needing[i]);
    }
    return RUNOFF_OK;
}

static runoff_status load_all(ro_loader *L, ro_name_index *opts, ro_name_index *regs)
{
    const ro_node *fr;
    runoff_status st;
    if ((st = ro_value_check_keys(L, L->root, top_keys, "the scenario")) != RUNOFF_OK ||
        (st = load_election(L)) != RUNOFF_OK ||
        (st = ro_value_get_map(L, L->root, "first_round", "the scenario", false, &fr)) != RUNOFF_OK)
        return st;
    if (fr == NULL)
        st = check_needs_first_round(L);
    else if ((st = load_first_round(L, fr, opts, regs)) == RUNOFF_OK)
        st = load_blend(L);
    if (st != RUNOFF_OK || (st = load_polls(L)) != RUNOFF_OK ||
        (st = load_aggregation(L)) != RUNOFF_OK || (st = fill_default_samples(L)) != RUNOFF_OK ||
        (st = check_trend_span(L)) != RUNOFF_OK || (st = ro_warn_poll_fractions(L)) != RUNOFF_OK ||
        (st = load_polling_error(L)) != RUNOFF_OK ||
        (st = load_turnout(L)) != RUNOFF_OK || (st = load_simulation(L)) != RUNOFF_OK)
        return st;
    if (fr != NULL && ((st = ro_transfers_load(L, opts)) != RUNOFF_OK ||
                       (st = load_regional_error(L, regs)) != RUNOFF_OK))
        return st;
    if ((st = load_actual(L, regs)) != RUNOFF_OK || (st = load_map(L)) != RUNOFF_OK)
        return st;
    return load_sweep(L);
}

runoff_scenario *runoff_scenario_from_doc(const runoff_doc *doc, runoff_error *err)
{
    ro_loader L = {.doc = doc, .err = err, .root = ro_doc_root(doc)};
    ro_name_index opts = {0}, regs = {0};
    L.s = ro_scenario_alloc_defaults();
    if (L.s == NULL) {
        ro_value_nomem(&L);
        return NULL;
    }
    snprintf(L.s->source, sizeof L.s->source, "%s", ro_doc_name(doc));
    /* the name is printed by the report, check and every writer: inert */
    runoff_text_make_inert(L.s->source, sizeof L.s->source);
    L.s->doc_hash = runoff_doc_hash(doc);
    runoff_status st = load_all(&L, &opts, &regs);
    ro_value_index_free(&opts);
    ro_value_index_free(&regs);
    if (st != RUNOFF_OK) {
        runoff_scenario_free(L.s);
        return NULL;
    }
    return L.s;
}

/* Apply the overrides to doc, validate, and free doc in every case. */
static runoff_scenario *load_doc(runoff_doc *doc, const char *const *sets, size_t n_sets,
                                 runoff_error *err)
{
    if (doc == NULL)
        return NULL;
    runoff_scenario *s = NULL;
    size_t i = 0;
    while (i < n_sets && runoff_doc_set(doc, sets[i], err) == RUNOFF_OK)
        i++;
    if (i == n_sets)
        s = runoff_scenario_from_doc(doc, err);
    runoff_doc_free(doc);
    return s;
}

runoff_scenario *runoff_scenario_load(const char *path, const char *const *sets, size_t n_sets,
                                      runoff_error *err)
{
    return load_doc(runoff_doc_parse_file(path, err), sets, n_sets, err);
}

runoff_scenario *runoff_scenario_load_buffer(const char *display_name, const char *buf,
                                             size_t len, const char *const *sets,
                                             size_t n_sets, runoff_error *err)
{
    return load_doc(runoff_doc_parse_buffer(display_name, buf, len, err), sets, n_sets, err);
}

const char *runoff_scenario_name(const runoff_scenario *s) { return s->name; }

const char *runoff_scenario_finalist_id(const runoff_scenario *s, int finalist)
{
    return s->finalist[finalist != 0].id;
}
