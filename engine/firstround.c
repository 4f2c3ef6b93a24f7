/*
 * firstround.c — a first round given as percentages (turnout, shares of
 * valid votes, blank and null ballots) → vote counts per option.
 *
 * Results are published in this form far more often than as counts adding
 * up to the registered voters, and the model's inputs are counts; the
 * conversion is exact arithmetic on the published figures, so the model
 * cannot tell a region given one way from the same region given the other.
 * The option kinds say where the non-candidate votes go: abstention takes
 * those who did not vote, blank_null the blank and null ballots.
 */
#include "firstround.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const ro_range ro_range_turnout = {0, 100, true, false, false,
                                          "a percentage in (0, 100]"};

/* The only option of kind k, or -1 (with *twice set if there are more). */
static long option_of_kind(const runoff_scenario *s, ro_option_kind k, bool *twice)
{
    long found = -1;
    *twice = false;
    for (size_t o = 0; o < s->n_options; o++)
        if (s->options[o].kind == k) {
            *twice = *twice || found >= 0;
            found = found >= 0 ? found : (long)o;
        }
    return found;
}

/* shares: option id → percent of valid votes, every candidate once and
 * nothing else; pct[o] is filled for candidates, *sum is their total. */
static runoff_status read_shares(ro_loader *L, const ro_node *shares, const ro_name_index *opts,
                                 double *pct, double *sum)
{
    const runoff_scenario *s = L->s;
    *sum = 0;
    for (size_t o = 0; o < s->n_options; o++)
        pct[o] = NAN;
    for (size_t i = 0; i < ro_node_len(shares); i++) {
        const ro_node *k = ro_node_key(shares, i);
        long o;
        char label[RO_ID_MAX + 32];
        runoff_status st =
            ro_value_lookup(L, k, ro_node_text(k), opts, "option", RO_OPTION_EXPECTED, &o);
        if (st != RUNOFF_OK)
            return st;
        if (s->options[o].kind != RO_OPT_CANDIDATE)
            return ro_value_bad(L, k,
                                "'%s' is not a candidate, expected shares of the candidates' "
                                "options only (turnout and blank_null give the others)",
                                ro_node_text(k));
        snprintf(label, sizeof label, "share for '%s'", ro_node_text(k));
        if ((st = ro_value_number(L, ro_node_value(shares, i), label, &ro_range_percent,
                                  &pct[o])))
            return st;
        *sum += pct[o];
    }
    for (size_t o = 0; o < s->n_options; o++)
        if (s->options[o].kind == RO_OPT_CANDIDATE && isnan(pct[o]))
            return ro_value_bad(L, shares,
                                "missing share for option '%s', expected a share for every "
                                "candidate option",
                                s->options[o].id);
    if (fabs(*sum - 100) > 0.5)
        return ro_value_bad(L, shares, "shares add up to %.1f, expected 100 ± 0.5", *sum);
    return RUNOFF_OK;
}

runoff_status ro_firstround_shares(ro_loader *L, const ro_node *item, size_t r,
                                   const ro_name_index *opts)
{
    runoff_scenario *s = L->s;
    const ro_node *shares, *turnout_node, *bn_node;
    double turnout = 0, bn = 0, sum = 0;
    bool abst_twice, bn_twice;
    long abst = option_of_kind(s, RO_OPT_ABSTENTION, &abst_twice);
    long blank = option_of_kind(s, RO_OPT_BLANK_NULL, &bn_twice);
    runoff_status st;
    if ((st = ro_value_get_percent(L, item, "turnout", "a first round in shares", true,
                                   &ro_range_turnout, &turnout)) ||
        (st = ro_value_get_percent(L, item, "blank_null", "a first round in shares", false,
                                   &ro_range_percent, &bn)) ||
        (st = ro_value_get_map(L, item, "shares", "a first round in shares", true, &shares)))
        return st;
    turnout_node = ro_node_get(item, "turnout", NULL);
    bn_node = ro_node_get(item, "blank_null", NULL);
    if (abst_twice || bn_twice)
        return ro_value_bad(L, item,
                            "first_round has more than one option of kind %s, expected at most "
                            "one with shares (give votes instead)",
                            abst_twice ? "abstention" : "blank_null");
    if (turnout < 1 && abst < 0)
        return ro_value_bad(L, turnout_node,
                            "turnout below 100 needs an option of kind abstention for those "
                            "who did not vote, expected one in first_round.options");
    if (bn_node != NULL && blank < 0)
        return ro_value_bad(L, bn_node,
                            "'blank_null' needs an option of kind blank_null, expected one in "
                            "first_round.options");
    double pct[RO_MAX_OPTIONS];
    if ((st = read_shares(L, shares, opts, pct, &sum)) != RUNOFF_OK)
        return st;
    const double reg = s->regions[r].registered, voters = reg * turnout;
    for (size_t o = 0; o < s->n_options; o++) {
        double v = 0;
        if ((long)o == abst)
            v = reg - voters;
        else if ((long)o == blank)
            v = voters * bn;
        else if (s->options[o].kind == RO_OPT_CANDIDATE)
            v = voters * (1 - bn) * pct[o] / sum;
        s->votes[o * s->n_regions + r] = v;
    }
    return RUNOFF_OK;
}
