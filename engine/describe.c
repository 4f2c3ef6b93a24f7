/*
 * describe.c — the text that `runoff check` prints about a loaded
 * scenario: what was read (runoff_scenario_describe); what looks like a
 * mistake although it is valid is warnings.c's.
 *
 * Owns that text and nothing else; it reads a validated scenario and never
 * changes it, so every figure shown is the value the simulation will use
 * (defaults applied, transfer rows resolved, percentages as fractions×100).
 */
#include <math.h>
#include <stdio.h>

#include "date.h"
#include "runoff.h"
#include "scenario.h"

/* Where the polls came from and what the loader filled in for them. */
static void describe_poll_sources(const runoff_scenario *s, FILE *out)
{
    if (s->polls_file[0] != '\0')
        fprintf(out, "              read from %s\n", s->polls_file);
    if (s->n_excluded > 0)
        fprintf(out, "              %zu more excluded by aggregation.exclude\n", s->n_excluded);
    if (s->n_default_sample > 0)
        fprintf(out, "              %s\n", ro_scenario_default_sample_text(s));
    /* the undecided shares are not used (the two-way share does not depend
     * on them), so this is where they are shown */
    size_t n_undecided = 0;
    double undecided = 0;
    for (size_t i = 0; i < s->n_polls; i++)
        if (s->polls[i].has_undecided) {
            n_undecided++;
            undecided += s->polls[i].undecided;
        }
    if (n_undecided > 0)
        fprintf(out, "              %zu give an undecided share (mean %.1f %%, not used)\n",
                n_undecided, undecided / (double)n_undecided);
}

static void describe_polls(const runoff_scenario *s, FILE *out)
{
    const ro_aggregation *a = &s->aggregation;
    char d1[11], d2[11];
    if (s->n_polls == 0) {
        fprintf(out, "polls         none\n");
    } else {
        int32_t lo = s->polls[0].start, hi = s->polls[0].end;
        size_t counts[RO_POP_COUNT] = {0};
        for (size_t i = 0; i < s->n_polls; i++) {
            lo = s->polls[i].start < lo ? s->polls[i].start : lo;
            hi = s->polls[i].end > hi ? s->polls[i].end : hi;
            counts[s->polls[i].population]++;
        }
        ro_date_format(lo, d1);
        ro_date_format(hi, d2);
        fprintf(out, "polls         %zu, fieldwork %s .. %s (", s->n_polls, d1, d2);
        for (int p = 0, sep = 0; p < RO_POP_COUNT; p++)
            if (counts[p] > 0)
                fprintf(out, "%s%zu %s", sep++ ? ", " : "", counts[p], ro_population_names[p]);
        fprintf(out, ")\n");
    }
    describe_poll_sources(s, out);
    if (a->method == RO_AGG_DYNAMIC) {
        char daily[32] = "estimate", poll[32] = "estimate"; /* NAN = estimate */
        if (!isnan(a->daily_sd))
            snprintf(daily, sizeof daily, "%g", a->daily_sd);
        if (!isnan(a->poll_sd))
            snprintf(poll, sizeof poll, "%g", a->poll_sd);
        fprintf(out, "aggregation   dynamic, daily sd %s, poll sd %s, sample cap %g", daily, poll,
                a->max_sample);
    } else {
        fprintf(out, "aggregation   exponential, half-life %g days", a->half_life_days);
    }
    if (a->has_as_of) {
        ro_date_format(a->as_of, d1);
        fprintf(out, ", as of %s", d1);
    }
    fprintf(out, ", rolling %s, house effects %s", ro_rolling_rule_names[a->rolling],
            ro_house_mode_names[a->house]);
    if (a->house == RO_HOUSE_ESTIMATE && a->method == RO_AGG_EXPONENTIAL)
        fprintf(out, " (shrinkage %g)", a->house_shrinkage);
    if (a->house == RO_HOUSE_ESTIMATE && a->method == RO_AGG_DYNAMIC)
        fprintf(out, " (sd %g)", a->house_sd);
    if (a->house == RO_HOUSE_FIXED)
        fprintf(out, " (%zu pollsters)", a->n_house_fixed);
    fprintf(out, ", design effect %g\n", a->design_effect);
}

static void describe_first_round(const runoff_scenario *s, FILE *out)
{
    double registered = 0;
    for (size_t r = 0; r < s->n_regions; r++)
        registered += s->regions[r].registered;
    if (s->first_round_national)
        fprintf(out, "first round   %zu options, national, %.0f registered\n", s->n_options,
                registered);
    else
        fprintf(out, "first round   %zu options, %zu regions, %.0f registered\n", s->n_options,
                s->n_regions, registered);
    static const char *const kind_note[] = {[RO_OPT_CANDIDATE] = "",
                                            [RO_OPT_ABSTENTION] = " (abstention)",
                                            [RO_OPT_BLANK_NULL] = " (blank or null)"};
    _Static_assert(sizeof kind_note / sizeof *kind_note == RO_OPT_COUNT, "a note for every kind");
    fprintf(out, "transfers     %-16s %7s %7s %7s  %-13s  %s\n", "option", s->finalist[0].id,
            s->finalist[1].id, "none", "concentration", "name");
    for (size_t o = 0; o < s->n_options; o++) {
        const ro_transfer *t = &s->transfers[o];
        fprintf(out, "              %-16s %6.1f%% %6.1f%% %6.1f%%  %-13g  %s%s\n",
                s->options[o].id, 100 * t->mean[RO_TO_A], 100 * t->mean[RO_TO_B],
                100 * t->mean[RO_TO_NONE], t->concentration, s->options[o].name,
                kind_note[s->options[o].kind]);
    }
    fprintf(out, "none column   %.1f %% blank or null (concentration %g)\n",
            100 * s->blank_null.mean, s->blank_null.concentration);
    const ro_regional_error *re = &s->regional_error;
    if (!s->first_round_national)
        fprintf(out, "regional      sd %g, transfer sd %g, local lean %g (sd %g), %zu groups\n",
                re->sd, re->transfer_sd, re->local_lean, re->local_lean_sd, re->n_groups);
    /* the groups and their sds, wrapped to 80 columns (none when national) */
    int col = 0;
    for (size_t g = 0; g < re->n_groups; g++) {
        char item[RO_NAME_MAX + 32];
        int len = snprintf(item, sizeof item, "%s %g", re->groups[g].name, re->groups[g].sd);
        if (col > 0 && col + 2 + len > 80) {
            fputs(",\n", out);
            col = 0;
        }
        col += fprintf(out, "%s%s", col == 0 ? "              " : ", ", item);
    }
    if (col > 0)
        fputc('\n', out);
    fprintf(out, "blend         %s", ro_blend_mode_names[s->blend.mode]);
    if (s->blend.mode == RO_BLEND_MIX)
        fprintf(out, " (poll weight %g)", s->blend.weight);
    fprintf(out, "\n");
}

static void describe_actual(const ro_actual *a, size_t n_regions, FILE *out)
{
    if (!a->has_share && !a->has_turnout && !a->has_blank_null && a->region_share_a == NULL)
        return;
    fprintf(out, "actual       ");
    if (a->has_share)
        fprintf(out, " A %.2f %%", 100 * a->share_a);
    if (a->has_turnout)
        fprintf(out, " turnout %.2f %%", 100 * a->turnout);
    if (a->has_blank_null)
        fprintf(out, " blank/null %.2f %%", 100 * a->blank_null);
    if (a->region_share_a != NULL) {
        size_t given = 0;
        for (size_t r = 0; r < n_regions; r++)
            given += !isnan(a->region_share_a[r]);
        fprintf(out, " %zu regions", given);
    }
    fprintf(out, "\n");
}

int runoff_scenario_describe(const runoff_scenario *s, FILE *out)
{
    char date[11];
    ro_date_format(s->election_date, date);
    fprintf(out, "scenario      %s (%s)\n", s->name, s->source);
    fprintf(out, "election      %s\n", date);
    fprintf(out, "finalists     A = %s (%s), B = %s (%s)\n", s->finalist[0].name, s->finalist[0].id,
            s->finalist[1].name, s->finalist[1].id);
    if (s->registered > 0)
        fprintf(out, "registered    %.0f\n", s->registered);
    describe_polls(s, out);
    const ro_polling_error *pe = &s->polling_error;
    fprintf(out, "polling error %s, scale %g points", ro_error_dist_names[pe->dist],
            100 * pe->scale);
    if (pe->dist == RO_ERRDIST_STUDENT_T)
        fprintf(out, ", df %g", pe->df);
    fprintf(out, "\n");
    if (s->turnout.given)
        fprintf(out, "turnout       mean %.1f %%, sd %.1f %%\n", 100 * s->turnout.mean,
                100 * s->turnout.sd);
    fprintf(out, "simulation    %llu draws, seed %llu, blocks of %u\n",
            (unsigned long long)s->simulation.draws, (unsigned long long)s->simulation.seed,
            (unsigned)s->simulation.block_size);
    if (s->n_options > 0)
        describe_first_round(s, out);
    describe_actual(&s->actual, s->n_regions, out);
    return ferror(out) ? -1 : 0;
}
