/*
 * transfers.c — the transfers section → one resolved transfer row per
 * first-round option (docs/scenario.md, "transfers"; docs/model.md).
 *
 * Owns the rule that picks each option's row: an explicit row wins, else
 * the recency-weighted average of the option's surveys, else the default
 * row, else an error at the option; transfers.adjust then edits the
 * resolved rows. Rows are resolved after every survey is read because a
 * survey average needs all of an option's surveys, and adjust comes last
 * so that a sweep can move one share of whatever row an option ended up
 * with. Shares are percentages in the file and fractions summing to 1 in
 * the scenario.
 */
#include "transfers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "polls.h"
#include "scenario.h"
#include "warnings.h"

#define MAX_SURVEYS 100000 /* docs/scenario.md, "Limits" */

/* shares (finalist ids + none, percent) → fractions summing to exactly 1.
 * A partial row (one or two of the three given) keeps the shares given;
 * the voters it does not place are split equally between the columns not
 * given, and *observed (the fraction of voters the row places, 1 for a
 * full row) is what the caller scales the row's information by, so that
 * the mass nobody measured widens the row instead of being read as known
 * (docs/scenario.md, "Partial rows"). */
static runoff_status load_transfer_shares(ro_loader *L, const ro_node *item, const char *what,
                                          const char *whose, double mean[3], double *observed)
{
    const ro_node *shares;
    double pct[3] = {0, 0, 0};
    bool given[3];
    runoff_status st = ro_value_get_shares_partial(L, item, what, pct, given, &shares);
    if (st != RUNOFF_OK)
        return st;
    int n_given = given[0] + given[1] + given[2];
    double sum = pct[0] + pct[1] + pct[2];
    *observed = 1;
    if (n_given == 3) {
        if (fabs(sum - 100) > 0.5)
            return ro_value_bad(L, shares,
                                "transfer shares for '%s' add up to %.1f, expected 100 ± 0.5",
                                whose, sum);
        for (int j = 0; j < 3; j++)
            mean[j] = pct[j] / sum;
        return RUNOFF_OK;
    }
    if (sum > 100.5)
        return ro_value_bad(L, shares,
                            "partial transfer shares for '%s' add up to %.1f, expected at most "
                            "100 ± 0.5",
                            whose, sum);
    if (sum <= 0)
        return ro_value_bad(L, shares,
                            "partial transfer shares for '%s' add up to 0, expected shares that "
                            "place some voters (or all three columns)",
                            whose);
    const double scale = sum > 100 ? 1 / sum : 0.01;
    *observed = sum * scale;
    for (int j = 0; j < 3; j++)
        mean[j] = given[j] ? pct[j] * scale : (1 - *observed) / (3 - n_given);
    return RUNOFF_OK;
}

/* The option a row or survey is about, as an index into options. */
static runoff_status get_option_ref(ro_loader *L, const ro_node *item, const char *what,
                                    const ro_name_index *opts, size_t *out)
{
    const ro_node *n;
    char id[RO_ID_MAX];
    runoff_status st = ro_value_field(L, item, "option", what, true, &n);
    if (st != RUNOFF_OK || (st = ro_value_string(L, n, "'option'", id, sizeof id)) != RUNOFF_OK)
        return st;
    long o;
    if ((st = ro_value_lookup(L, n, id, opts, "option", RO_OPTION_EXPECTED, &o)) != RUNOFF_OK)
        return st;
    *out = (size_t)o;
    return RUNOFF_OK;
}

/* Per option: weighted A, B, none, total weight, and weighted information
 * (a survey's sample as a count of respondents, see load_surveys), with
 * the most recent survey so far weighing 1. */
#define ACC 5

typedef struct {
    const ro_node **row;  /* [n_options] the explicit row, or NULL */
    double *acc;          /* [n_options * ACC] */
    bool *informed;       /* [n_options] a survey gave a sample or was partial */
    double *max_log;      /* [n_options] log recency of that survey */
    const ro_node **first_survey; /* [n_options] NULL until a survey counts */
} transfer_work;

static runoff_status load_rows(ro_loader *L, const ro_node *tr, double conc,
                               const ro_name_index *opts, transfer_work *w)
{
    static const char *const keys[] = {"option", "shares", "concentration", NULL};
    const char *what = "a transfer row";
    const ro_node *seq;
    runoff_status st = ro_value_get_list(L, tr, "rows", "transfers", false, RO_MAX_OPTIONS, &seq);
    for (size_t i = 0; st == RUNOFF_OK && seq != NULL && i < ro_node_len(seq); i++) {
        const ro_node *item = ro_node_value(seq, i);
        size_t o;
        if ((st = ro_value_check_keys(L, item, keys, what)) != RUNOFF_OK ||
            (st = get_option_ref(L, item, what, opts, &o)) != RUNOFF_OK)
            return st;
        char where[600];
        if (w->row[o] != NULL)
            return ro_value_bad(
                L, ro_node_get(item, "option", NULL),
                "second row for option '%s' (first at %s), expected one row per option",
                L->s->options[o].id,
                ro_value_where(L, w->row[o], ro_node_get(item, "option", NULL), where,
                               sizeof where));
        ro_transfer *t = &L->s->transfers[o];
        t->concentration = conc;
        t->pos = ro_value_pos(item);
        w->row[o] = item;
        double observed;
        if ((st = load_transfer_shares(L, item, what, L->s->options[o].id, t->mean,
                                       &observed)) ||
            (st = ro_value_get_number(L, item, "concentration", what, false,
                                      &ro_range_concentration, &t->concentration)) != RUNOFF_OK)
            return st;
        t->concentration *= observed;
    }
    return st;
}

/* Adds a survey of option o with log recency log_w to its running
 * average. The weights stay relative to the most recent survey so far
 * (weight 1), rescaling the sums when a more recent one arrives, so a
 * tiny half-life cannot underflow every weight to 0 and silently hand the
 * option to the default row. */
static void add_survey(transfer_work *w, size_t o, const ro_node *item, double log_w,
                       const double mean[3], double n)
{
    double *acc = &w->acc[ACC * o];
    if (w->first_survey[o] == NULL) {
        w->first_survey[o] = item;
        w->max_log[o] = log_w;
    } else if (log_w > w->max_log[o]) {
        double shrink = exp(w->max_log[o] - log_w);
        for (int j = 0; j < ACC; j++)
            acc[j] *= shrink;
        w->max_log[o] = log_w;
    }
    double weight = exp(log_w - w->max_log[o]);
    for (int j = 0; j < 3; j++)
        acc[j] += weight * mean[j];
    acc[3] += weight;
    acc[4] += weight * n;
}

/* Surveys are averaged with the polls' recency rule (polls.h): weight
 * 0.5^(age / half_life), age from the fieldwork midpoint to as_of (or the
 * election date); surveys that end after as_of are not yet known. */
static runoff_status load_surveys(ro_loader *L, const ro_node *tr, double half_life, double conc,
                                  const ro_name_index *opts, transfer_work *w)
{
    static const char *const keys[] = {"pollster", "start", "end", "option", "shares", "sample",
                                       NULL};
    static const ro_range sample_range = {1, 1e9, false, false, false, "a number in 1..1000000000"};
    const char *what = "a transfer survey";
    const ro_aggregation *a = &L->s->aggregation;
    int32_t ref = a->has_as_of ? a->as_of : L->s->election_date;
    const ro_node *seq;
    runoff_status st = ro_value_get_list(L, tr, "surveys", "transfers", false, MAX_SURVEYS, &seq);
    for (size_t i = 0; st == RUNOFF_OK && seq != NULL && i < ro_node_len(seq); i++) {
        const ro_node *item = ro_node_value(seq, i);
        char pollster[RO_NAME_MAX];
        int32_t start, end;
        double mean[3], observed, sample = NAN;
        size_t o;
        if ((st = ro_value_check_keys(L, item, keys, what)) != RUNOFF_OK ||
            (st = ro_value_get_string(L, item, "pollster", what, true, pollster,
                                      sizeof pollster)) ||
            (st = ro_value_fieldwork(L, item, what, &start, &end)) != RUNOFF_OK ||
            (st = get_option_ref(L, item, what, opts, &o)) != RUNOFF_OK ||
            (st = load_transfer_shares(L, item, what, L->s->options[o].id, mean, &observed)) ||
            (st = ro_value_get_number(L, item, "sample", what, false, &sample_range, &sample)))
            return st;
        if (end > ref)
            continue;
        /* The survey's information as respondents: its sample over the
         * design effect, else the section's concentration + 1 (a
         * Dirichlet of concentration c has the variance of a proportion
         * from c + 1 respondents); times the fraction of voters placed. */
        bool has_sample = !isnan(sample);
        double n = (has_sample ? sample / L->s->aggregation.design_effect : conc + 1) * observed;
        w->informed[o] = w->informed[o] || has_sample || observed < 1;
        add_survey(w, o, item, ro_polls_log_recency(ro_polls_age(ref, start, end), half_life),
                   mean, n);
    }
    return st;
}

static runoff_status load_none_blank_null(ro_loader *L, const ro_node *tr)
{
    static const char *const keys[] = {"mean", "concentration", NULL};
    const char *what = "transfers.none_blank_null";
    const ro_node *m;
    runoff_status st = ro_value_get_map(L, tr, "none_blank_null", "transfers", false, &m);
    if (st != RUNOFF_OK || m == NULL)
        return st;
    if ((st = ro_value_check_keys(L, m, keys, what)) != RUNOFF_OK ||
        (st = ro_value_get_percent(L, m, "mean", what, false, &ro_range_percent_open,
                                   &L->s->blank_null.mean)) ||
        (st = ro_warn_fraction(L, ro_node_get(m, "mean", NULL), "transfers.none_blank_null.mean",
                               100 * L->s->blank_null.mean, 1, " %")))
        return st;
    return ro_value_get_number(L, m, "concentration", what, false, &ro_range_concentration,
                               &L->s->blank_null.concentration);
}

/* Picks each option's row: explicit, else survey average, else default. */
static runoff_status resolve_transfers(ro_loader *L, const transfer_work *w, double survey_conc,
                                       const ro_node *def, const ro_transfer *def_row)
{
    runoff_scenario *s = L->s;
    size_t from_default = 0;
    for (size_t o = 0; o < s->n_options; o++) {
        ro_transfer *t = &s->transfers[o];
        const double *acc = &w->acc[ACC * o];
        if (w->row[o] != NULL)
            continue;
        if (w->first_survey[o] != NULL) {
            double sum = acc[0] + acc[1] + acc[2];
            for (int j = 0; j < 3; j++)
                t->mean[j] = acc[j] / sum;
            /* n respondents → concentration n - 1 (the same variance), at
             * least 1; surveys without a sample, all full, keep the
             * section's concentration exactly */
            t->concentration =
                w->informed[o] ? fmax(acc[4] / acc[3] - 1, 1) : survey_conc;
            t->pos = ro_value_pos(w->first_survey[o]);
        } else if (def != NULL) {
            *t = *def_row;
            from_default++;
        } else {
            return ro_value_bad(
                L, ro_node_value(L->options_seq, o),
                "no transfer row for option '%s' (give a row, a survey or a default)",
                s->options[o].id);
        }
    }
    if (from_default == s->n_options && from_default > 1)
        return ro_warn(L, def,
                       "every first-round option's transfer row comes from transfers.default: "
                       "all %zu options' voters split the same way (give rows or surveys)",
                       from_default);
    return RUNOFF_OK;
}

/* transfers.adjust: {option: {finalist id | none: percent}}. Applied after
 * each row is resolved (row, survey average or default): the given shares
 * replace the row's, and the shares not given are rescaled in proportion
 * so the row still adds up to 100 (split equally if they were all zero).
 * This is how a sweep moves one share of a row without ever producing a
 * row that does not add up (docs/scenario.md). */
static runoff_status adjust_row(ro_loader *L, const ro_node *row, const char *whose, ro_transfer *t)
{
    const runoff_scenario *s = L->s;
    const char *ids[3] = {s->finalist[0].id, s->finalist[1].id, "none"};
    bool given[3] = {false, false, false};
    double val[3] = {0, 0, 0}, sum_given = 0, sum_rest = 0;
    int n_rest = 0;
    runoff_status st;
    for (size_t j = 0; j < ro_node_len(row); j++) {
        const ro_node *k = ro_node_key(row, j);
        int c = 0;
        while (c < 3 && strcmp(ro_node_text(k), ids[c]) != 0)
            c++;
        if (c == 3) {
            char hint[128];
            return ro_value_bad(
                L, k, "unknown share '%s' in transfers.adjust.%s, expected %s, %s or none%s",
                ro_node_text(k), whose, ids[0], ids[1],
                ro_value_suggestion(ro_node_text(k), (ro_name_list){ids, 3, 0}, hint, sizeof hint));
        }
        char label[RO_ID_MAX + 32];
        snprintf(label, sizeof label, "share for '%s'", ids[c]);
        if ((st = ro_value_number(L, ro_node_value(row, j), label, &ro_range_percent, &val[c])))
            return st;
        val[c] /= 100;
        given[c] = true;
        sum_given += val[c];
    }
    for (int c = 0; c < 3; c++)
        if (!given[c]) {
            sum_rest += t->mean[c];
            n_rest++;
        }
    /* Some shares given: the rest is rescaled to fill up to 100, so more
     * than 100 (beyond rounding of the sum itself) has no meaning. */
    if (n_rest == 0 ? fabs(sum_given - 1) > 0.005 : sum_given > 1 + 1e-9)
        return ro_value_bad(L, row, "adjusted shares for '%s' add up to %.1f, expected %s", whose,
                            100 * sum_given, n_rest == 0 ? "100 ± 0.5" : "at most 100");
    double rest = sum_given < 1 ? 1 - sum_given : 0;
    double total = sum_given + rest;
    for (int c = 0; c < 3; c++) {
        double v = given[c] ? val[c]
                   : sum_rest > 0 ? t->mean[c] * rest / sum_rest
                                  : rest / n_rest;
        t->mean[c] = v / total;
    }
    return RUNOFF_OK;
}

static runoff_status load_adjust(ro_loader *L, const ro_node *tr, const ro_name_index *opts)
{
    const ro_node *adj;
    runoff_status st = ro_value_get_map(L, tr, "adjust", "transfers", false, &adj);
    for (size_t i = 0; st == RUNOFF_OK && adj != NULL && i < ro_node_len(adj); i++) {
        const ro_node *k = ro_node_key(adj, i), *row = ro_node_value(adj, i);
        long o;
        if ((st = ro_value_lookup(L, k, ro_node_text(k), opts, "option", RO_OPTION_EXPECTED, &o)))
            return st;
        if (ro_node_kind_of(row) != RO_NODE_MAPPING)
            return ro_value_bad(L, row,
                                "'transfers.adjust.%s' is %s, expected a mapping of shares "
                                "{finalist id or none: percent}",
                                ro_node_text(k), ro_node_kind_name(row));
        st = adjust_row(L, row, ro_node_text(k), &L->s->transfers[o]);
    }
    return st;
}

static runoff_status load_transfers_body(ro_loader *L, const ro_node *tr, const ro_name_index *opts,
                                         transfer_work *w)
{
    static const char *const keys[] = {"concentration", "half_life_days", "rows", "surveys",
                                       "default", "none_blank_null", "adjust", NULL};
    static const char *const def_keys[] = {"shares", "concentration", NULL};
    ro_transfer def_row = {.concentration = 100};
    double half_life = 7;
    const ro_node *def;
    runoff_status st;
    if ((st = ro_value_check_keys(L, tr, keys, "transfers")) != RUNOFF_OK ||
        (st = ro_value_get_number(L, tr, "concentration", "transfers", false,
                                  &ro_range_concentration, &def_row.concentration)) != RUNOFF_OK ||
        (st = ro_value_get_number(L, tr, "half_life_days", "transfers", false, &ro_range_half_life,
                                  &half_life)) ||
        (st = load_rows(L, tr, def_row.concentration, opts, w)) != RUNOFF_OK ||
        (st = load_surveys(L, tr, half_life, def_row.concentration, opts, w)) != RUNOFF_OK ||
        (st = ro_value_get_map(L, tr, "default", "transfers", false, &def)) != RUNOFF_OK ||
        (st = load_none_blank_null(L, tr)) != RUNOFF_OK)
        return st;
    double section_conc = def_row.concentration, observed;
    if (def != NULL) {
        def_row.pos = ro_value_pos(def);
        if ((st = ro_value_check_keys(L, def, def_keys, "transfers.default")) != RUNOFF_OK ||
            (st = load_transfer_shares(L, def, "transfers.default", "default", def_row.mean,
                                       &observed)) ||
            (st = ro_value_get_number(L, def, "concentration", "transfers.default", false,
                                      &ro_range_concentration, &def_row.concentration)))
            return st;
        def_row.concentration *= observed;
    }
    /* Survey averages take the section's concentration, not the default's. */
    if ((st = resolve_transfers(L, w, section_conc, def, &def_row)) != RUNOFF_OK)
        return st;
    return load_adjust(L, tr, opts);
}

runoff_status ro_transfers_load(ro_loader *L, const ro_name_index *opts)
{
    runoff_scenario *s = L->s;
    const ro_node *tr;
    runoff_status st = ro_value_get_map(L, L->root, "transfers", "the scenario", true, &tr);
    if (st != RUNOFF_OK)
        return st;
    transfer_work w = {0};
    s->transfers = ro_calloc(s->n_options, sizeof *s->transfers);
    w.row = ro_calloc(s->n_options, sizeof *w.row);
    w.first_survey = ro_calloc(s->n_options, sizeof *w.first_survey);
    w.acc = ro_calloc(ACC * s->n_options, sizeof *w.acc);
    w.max_log = ro_calloc(s->n_options, sizeof *w.max_log);
    w.informed = ro_calloc(s->n_options, sizeof *w.informed);
    if (s->transfers == NULL || w.row == NULL || w.first_survey == NULL || w.acc == NULL ||
        w.max_log == NULL || w.informed == NULL)
        st = ro_value_nomem(L);
    else
        st = load_transfers_body(L, tr, opts, &w);
    free(w.row);
    free(w.first_survey);
    free(w.acc);
    free(w.max_log);
    free(w.informed);
    return st;
}
