/*
 * scenario_fixture.h — scenarios built in code for the model's tests.
 *
 * The loader (scenario.c) owns ro_scenario_alloc_defaults and
 * runoff_scenario_free; these tests must not depend on it, so this builds
 * the struct directly with the documented defaults (docs/scenario.md),
 * already converted to fractions as the loader would. Plain calloc/free:
 * the fixtures must not trip the allocation-failure hook under test.
 */
#ifndef RO_SCENARIO_FIXTURE_H
#define RO_SCENARIO_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define FIX_ELECTION_DATE 19106 /* 2022-04-24 */

static inline runoff_scenario *fix_scenario(void)
{
    runoff_scenario *s = calloc(1, sizeof *s);
    if (s == NULL)
        abort();
    strcpy(s->source, "fixture.yaml");
    strcpy(s->name, "fixture");
    s->election_date = FIX_ELECTION_DATE;
    strcpy(s->finalist[0].id, "a");
    strcpy(s->finalist[1].id, "b");
    s->aggregation = (ro_aggregation){.half_life_days = 7, .rolling = RO_ROLLING_LATEST,
                                      .house = RO_HOUSE_ESTIMATE, .house_shrinkage = 2,
                                      .design_effect = 1};
    s->polling_error = (ro_polling_error){.dist = RO_ERRDIST_NORMAL, .df = 5, .scale = 0};
    s->simulation = (ro_simulation){.draws = 100000, .seed = 1, .block_size = 10000};
    s->blend = (ro_blend){.mode = RO_BLEND_POLLS, .weight = 0.5};
    s->blank_null = (ro_blank_null){.mean = 0.15, .concentration = 100};
    return s;
}

/* Append a poll; shares in percent as published, two_way_a derived. */
static inline ro_poll *fix_add_poll(runoff_scenario *s, const char *pollster, int32_t start,
                                    int32_t end, double sample, double share_a,
                                    double share_b, bool rolling)
{
    s->polls = realloc(s->polls, (s->n_polls + 1) * sizeof *s->polls);
    if (s->polls == NULL)
        abort();
    ro_poll *p = &s->polls[s->n_polls++];
    memset(p, 0, sizeof *p);
    snprintf(p->pollster, sizeof p->pollster, "%s", pollster);
    p->start = start;
    p->end = end;
    p->sample = sample;
    p->share_a = share_a;
    p->share_b = share_b;
    p->two_way_a = share_a / (share_a + share_b);
    p->rolling = rolling;
    return p;
}

/* First round with n_options options (all candidates, rows given by
 * means[o*3..o*3+2], concentration c each) and n_regions regions;
 * votes option-major, registered = sum of the region's votes. */
static inline void fix_first_round(runoff_scenario *s, size_t n_options, size_t n_regions,
                                   const double *votes, const double *means, double c)
{
    s->n_options = n_options;
    s->n_regions = n_regions;
    s->options = calloc(n_options, sizeof *s->options);
    s->transfers = calloc(n_options, sizeof *s->transfers);
    s->regions = calloc(n_regions, sizeof *s->regions);
    s->votes = malloc(n_options * n_regions * sizeof *s->votes);
    if (!s->options || !s->transfers || !s->regions || !s->votes)
        abort();
    memcpy(s->votes, votes, n_options * n_regions * sizeof *s->votes);
    for (size_t o = 0; o < n_options; o++) {
        snprintf(s->options[o].id, sizeof s->options[o].id, "o%zu", o);
        memcpy(s->transfers[o].mean, means + 3 * o, sizeof s->transfers[o].mean);
        s->transfers[o].concentration = c;
    }
    for (size_t r = 0; r < n_regions; r++) {
        snprintf(s->regions[r].code, sizeof s->regions[r].code, "r%zu", r);
        s->regions[r].group = -1;
        for (size_t o = 0; o < n_options; o++)
            s->regions[r].registered += votes[o * n_regions + r];
    }
}

/* The fixture allocates with the C library, as the loader does, so the
 * library's own destructor releases it. */
static inline void fix_free(runoff_scenario *s) { runoff_scenario_free(s); }

#endif /* RO_SCENARIO_FIXTURE_H */
