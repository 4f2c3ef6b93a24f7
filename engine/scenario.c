/*
 * scenario.c — a parsed runoff_doc → a validated, immutable runoff_scenario.
 *
 * This file and the section loaders it calls in order (scenario_load.h:
 * scenario_polls.c for polls and aggregation, scenario_regions.c for
 * first_round, blend, regional_error and actual, transfers.c for
 * transfers) are the only places that know the scenario schema
 * (docs/scenario.md is its contract); this file reads the election,
 * polling_error, turnout, simulation, map and sweep sections itself.
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

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "error.h"
#include "scenario_load.h"
#include "transfers.h"
#include "value.h"
#include "warnings.h"

/* Ranges of this schema's own keys (the common ones are in value.h). */
static const ro_range ro_range_df = {2, INFINITY, true, false, false, "a number > 2"};

/* ---------------------------------------------------------- enum names */

/* Indexed by the enum (scenario.h); a name left out would be NULL and end
 * the list early, which test_scenario's round trip catches. */
#define RO_NAMES_MATCH(tbl, count) \
    _Static_assert(sizeof tbl / sizeof *tbl == (count) + 1, #tbl " must name every value once")

const char *const ro_population_names[] = {[RO_POP_LIKELY] = "likely",
                                           [RO_POP_REGISTERED] = "registered",
                                           [RO_POP_ADULTS] = "adults",
                                           [RO_POP_COUNT] = NULL};
RO_NAMES_MATCH(ro_population_names, RO_POP_COUNT);
const char *const ro_rolling_rule_names[] = {[RO_ROLLING_LATEST] = "latest",
                                             [RO_ROLLING_ALL] = "all",
                                             [RO_ROLLING_COUNT] = NULL};
RO_NAMES_MATCH(ro_rolling_rule_names, RO_ROLLING_COUNT);
const char *const ro_house_mode_names[] = {[RO_HOUSE_ESTIMATE] = "estimate",
                                           [RO_HOUSE_NONE] = "none",
                                           [RO_HOUSE_FIXED] = "fixed",
                                           [RO_HOUSE_COUNT] = NULL};
RO_NAMES_MATCH(ro_house_mode_names, RO_HOUSE_COUNT);
const char *const ro_agg_method_names[] = {[RO_AGG_EXPONENTIAL] = "exponential",
                                           [RO_AGG_DYNAMIC] = "dynamic",
                                           [RO_AGG_COUNT] = NULL};
RO_NAMES_MATCH(ro_agg_method_names, RO_AGG_COUNT);
const char *const ro_error_dist_names[] = {[RO_ERRDIST_NORMAL] = "normal",
                                           [RO_ERRDIST_STUDENT_T] = "student_t",
                                           [RO_ERRDIST_COUNT] = NULL};
RO_NAMES_MATCH(ro_error_dist_names, RO_ERRDIST_COUNT);
const char *const ro_blend_mode_names[] = {[RO_BLEND_POLLS] = "polls",
                                           [RO_BLEND_TRANSFERS] = "transfers",
                                           [RO_BLEND_MIX] = "mix",
                                           [RO_BLEND_COUNT] = NULL};
RO_NAMES_MATCH(ro_blend_mode_names, RO_BLEND_COUNT);
const char *const ro_option_kind_names[] = {[RO_OPT_CANDIDATE] = "candidate",
                                            [RO_OPT_ABSTENTION] = "abstention",
                                            [RO_OPT_BLANK_NULL] = "blank_null",
                                            [RO_OPT_COUNT] = NULL};
RO_NAMES_MATCH(ro_option_kind_names, RO_OPT_COUNT);

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
    if ((st = ro_value_get_uint(L, el, "registered", "election", 1, RO_MAX_REGISTERED, &reg)))
        return st;
    s->registered = (double)reg;
    return load_finalists(L, el);
}


/* ------------------------------------------ polling error, turnout, sim */

static runoff_status load_polling_error(ro_loader *L)
{
    static const char *const keys[] = {"distribution", "df", "scale", NULL};
    ro_polling_error *pe = &L->s->polling_error;
    const ro_node *m;
    int dist = (int)pe->dist;
    runoff_status st = ro_value_get_map(L, L->root, "polling_error", "the scenario", false, &m);
    if (st != RUNOFF_OK || m == NULL)
        return st;
    if ((st = ro_value_check_keys(L, m, keys, "polling_error")) != RUNOFF_OK ||
        (st = ro_value_get_enum(L, m, "distribution", "polling_error", ro_error_dist_names,
                                &dist)) ||
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
        (st = ro_value_get_uint(L, m, "draws", "simulation", 1, RO_MAX_DRAWS, &sim->draws)) ||
        (st = ro_value_get_uint(L, m, "seed", "simulation", 0, UINT64_MAX, &sim->seed)) ||
        (st = ro_value_get_uint(L, m, "block_size", "simulation", 1, RO_MAX_BLOCK, &block)))
        return st;
    sim->block_size = (uint32_t)block;
    return RUNOFF_OK;
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
    else if ((st = ro_scenario_regions_load_first_round(L, fr, opts, regs)) == RUNOFF_OK)
        st = ro_scenario_regions_load_blend(L);
    if (st != RUNOFF_OK || (st = ro_scenario_polls_load(L)) != RUNOFF_OK ||
        (st = ro_warn_poll_fractions(L)) != RUNOFF_OK ||
        (st = load_polling_error(L)) != RUNOFF_OK ||
        (st = load_turnout(L)) != RUNOFF_OK || (st = load_simulation(L)) != RUNOFF_OK)
        return st;
    if (fr != NULL && ((st = ro_transfers_load(L, opts)) != RUNOFF_OK ||
                       (st = ro_scenario_regions_load_regional_error(L, regs)) != RUNOFF_OK))
        return st;
    if ((st = ro_scenario_regions_load_actual(L, regs)) != RUNOFF_OK ||
        (st = load_map(L)) != RUNOFF_OK)
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
