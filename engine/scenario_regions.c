/*
 * scenario_regions.c — the sections of a scenario that describe the first
 * round and the regions: first_round (options, regions and their votes, or
 * a national first round), blend, regional_error (with its region groups)
 * and actual (the national result and, per region, the share). Region codes
 * and option ids are looked up in the sorted indexes built here, which
 * scenario.c's load_all owns and frees; the entry points are declared in
 * scenario_load.h.
 */
#include "scenario_load.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "error.h"
#include "firstround.h"
#include "scenario.h"
#include "value.h"
#include "warnings.h"

#define REGION_EXPECTED "a first_round region code"

/* Ranges of this schema's own keys (the common ones are in value.h). */
/* Keeps the model's arithmetic finite: a logit-scale deviation beyond 100
 * means nothing (exp(100 z) overflows for sd around 1e10, giving NaN
 * shares). */
static const ro_range ro_range_logit_sd = {0, 100, false, false, false,
                                           "a number in 0..100 (logit scale)"};
static const ro_range ro_range_lean = {-5, 5, false, false, false, "a number in -5..5"};
static const ro_range ro_range_lean_sd = {0, 5, false, false, false, "a number in 0..5"};

/* ---------------------------------------------------------- first round */

static runoff_status load_options(ro_loader *L, const ro_node *fr, ro_name_index *ix)
{
    static const char *const keys[] = {"id", "name", "kind", NULL};
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
            (st = ro_value_get_enum(L, item, "kind", "a first-round option",
                                    ro_option_kind_names, &kind)))
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
        (st = ro_value_uint(L, n, "'registered'", 1, RO_MAX_REGISTERED, &reg)) != RUNOFF_OK)
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

runoff_status ro_scenario_regions_load_first_round(ro_loader *L, const ro_node *fr,
                                                   ro_name_index *opts, ro_name_index *regs)
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
    if ((st = ro_value_get_list(L, fr, "regions", "first_round", false, RO_MAX_REGIONS, &seq)) != RUNOFF_OK)
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

/* local_lean (and its sd) read each region's first-round balance between
 * the two finalists' own options, found by id (docs/model.md §5). */
static runoff_status check_lean_options(ro_loader *L, const ro_node *m)
{
    const ro_regional_error *re = &L->s->regional_error;
    if (re->local_lean == 0 && re->local_lean_sd == 0)
        return RUNOFF_OK;
    const char *key = re->local_lean != 0 ? "local_lean" : "local_lean_sd";
    for (int f = 0; f < 2; f++)
        if (ro_scenario_finalist_option(L->s, f) < 0)
            return ro_value_bad(L, ro_node_get(m, key, NULL),
                       "%s needs a first-round option with the id of finalist '%s', "
                       "expected the finalists among first_round.options",
                       key, L->s->finalist[f].id);
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

/* Regions without a regional_error section: each region's spread then comes
 * from the transfer rows' draws alone, which on real elections is far too
 * narrow: with the national share held at the actual one, 18 % of the
 * départements of 2017 and 4 % of the Slovak districts of 2024 fall inside
 * their 90 % intervals (runoff backtest, the scenarios of scenarios/regional
 * and scenarios/backtest without their regional_error). An explicit
 * section, even of zeros, says it is meant. */
static runoff_status warn_no_regional_error(ro_loader *L)
{
    const ro_node *fr = ro_node_get(L->root, "first_round", NULL), *key = NULL;
    if (L->s->first_round_national || L->s->n_regions < 2 || fr == NULL ||
        ro_node_get(fr, "regions", &key) == NULL)
        return RUNOFF_OK;
    return ro_warn(L, key,
                   "%zu regions and no regional_error: each region's interval then reflects only "
                   "the transfer rows' uncertainty, far too narrow on past elections (fit one with "
                   "'runoff calibrate', or write regional_error: {sd: 0} if none is meant)",
                   L->s->n_regions);
}

runoff_status ro_scenario_regions_load_regional_error(ro_loader *L, const ro_name_index *regs)
{
    static const char *const keys[] = {"sd",     "transfer_sd", "local_lean", "local_lean_sd",
                                       "groups", NULL};
    ro_regional_error *re = &L->s->regional_error;
    const ro_node *m, *seq;
    runoff_status st = ro_value_get_map(L, L->root, "regional_error", "the scenario", false, &m);
    if (st != RUNOFF_OK)
        return st;
    if (m == NULL)
        return warn_no_regional_error(L);
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
        (st = ro_value_get_number(L, m, "local_lean_sd", "regional_error", false, &ro_range_lean_sd,
                                  &re->local_lean_sd)) ||
        (st = check_lean_options(L, m)) != RUNOFF_OK ||
        (st = ro_value_get_list(L, m, "groups", "regional_error", false, RO_MAX_GROUPS, &seq)) != RUNOFF_OK ||
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

runoff_status ro_scenario_regions_load_blend(ro_loader *L)
{
    static const char *const keys[] = {"mode", "weight", NULL};
    ro_blend *b = &L->s->blend;
    const ro_node *m;
    int mode = (int)b->mode;
    runoff_status st = ro_value_get_map(L, L->root, "blend", "the scenario", false, &m);
    if (st != RUNOFF_OK || m == NULL)
        return st;
    if ((st = ro_value_check_keys(L, m, keys, "blend")) != RUNOFF_OK ||
        (st = ro_value_get_enum(L, m, "mode", "blend", ro_blend_mode_names, &mode)) != RUNOFF_OK ||
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

runoff_status ro_scenario_regions_load_actual(ro_loader *L, const ro_name_index *regs)
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
        (st = ro_value_get_list(L, m, "regions", "actual", false, RO_MAX_REGIONS, &n)) != RUNOFF_OK || n == NULL)
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
