/*
 * csv.c — the CSV writers: tidy statistics, the histogram of A's share,
 * one row per region, and one row per back-tested scenario.
 *
 * Numbers are for machines: the shortest form that reads back as the same
 * double (ro_fmt_shortest: "%.15g", else "%.16g", else "%.17g"), with a dot
 * whatever the locale (the library never calls setlocale, and the CLI
 * leaves LC_NUMERIC at "C"); an unknown value is an empty field. Text
 * fields are quoted per RFC 4180 when they need it. Every column of every
 * file is in docs/outputs.md (tests/test_outputs.sh keeps it so).
 */

#include <errno.h>
#include <math.h>
#include <stddef.h>

#include "date.h"
#include "fmt.h"

typedef struct {
    ro_fmt_out *o;
    const runoff_scenario *s;
    const runoff_result *r;
} stat_ctx;

static void stat_row(void *ctx, const char *statistic, const char *subject, double value,
                     const char *unit)
{
    const stat_ctx *c = ctx;
    ro_fmt_printf(c->o, "%s,", statistic);
    ro_fmt_csv_field(c->o, subject);
    ro_fmt_puts(c->o, ",");
    ro_fmt_csv_number(c->o, value);
    ro_fmt_printf(c->o, ",%s", unit);
    ro_fmt_provenance(c->o, c->s, c->r, true);
    ro_fmt_puts(c->o, "\n");
}

int runoff_write_csv(FILE *out, const runoff_scenario *s, const runoff_result *r)
{
    ro_fmt_out o;
    if (ro_fmt_begin(&o, out, s, r) != 0)
        return -1;
    ro_fmt_puts(&o, "statistic,subject,value,unit");
    ro_fmt_provenance_header(&o, true);
    ro_fmt_puts(&o, "\n");
    stat_ctx c = {&o, s, r};
    ro_fmt_each_stat(s, r, stat_row, &c);
    return ro_fmt_finish(&o);
}

/* Bins of A's share from the first to the last non-empty one; density is
 * count / (draws * width), so it integrates to the in-range fraction. */
int runoff_write_histogram_csv(FILE *out, const runoff_scenario *s, const runoff_result *r)
{
    ro_fmt_out o;
    if (ro_fmt_begin(&o, out, s, r) != 0)
        return -1;
    ro_fmt_puts(&o, "lower,upper,count,density");
    ro_fmt_provenance_header(&o, true);
    ro_fmt_puts(&o, "\n");
    const ro_hist *h = r->share_a;
    size_t nb = ro_hist_nbins(h), first = 0, last = nb;
    while (first < nb && ro_hist_bin_count(h, first) == 0)
        first++;
    while (last > first && ro_hist_bin_count(h, last - 1) == 0)
        last--;
    double lo = ro_hist_lo(h), w = ro_hist_bin_width(h);
    double n = (double)ro_hist_count(h);
    for (size_t i = first; i < last; i++) {
        uint64_t c = ro_hist_bin_count(h, i);
        double upper = i + 1 == nb ? ro_hist_hi(h) : lo + (double)(i + 1) * w;
        ro_fmt_csv_number(&o, lo + (double)i * w);
        ro_fmt_puts(&o, ",");
        ro_fmt_csv_number(&o, upper);
        ro_fmt_printf(&o, ",%llu,", (unsigned long long)c);
        ro_fmt_csv_number(&o, (double)c / (n * w));
        ro_fmt_provenance(&o, s, r, true);
        ro_fmt_puts(&o, "\n");
    }
    return ro_fmt_finish(&o);
}

int runoff_write_regions_csv(FILE *out, const runoff_scenario *s, const runoff_result *r)
{
    ro_fmt_out o;
    if (ro_fmt_begin(&o, out, s, r) != 0)
        return -1;
    ro_fmt_puts(&o, "code,name,registered,subject,win_probability,win_probability_se,"
                    "share_quantile_0.5,share_quantile_0.05,share_quantile_0.25,"
                    "share_quantile_0.75,share_quantile_0.95,actual_share,pit");
    ro_fmt_provenance_header(&o, true);
    ro_fmt_puts(&o, "\n");
    for (size_t i = 0; i < r->n_regions; i++) {
        ro_fmt_region row;
        ro_fmt_region_row(s, r, i, &row);
        const double v[] = {s->regions[i].registered, row.win_probability_a,
                            row.win_probability_se, row.median, row.q05, row.q25, row.q75,
                            row.q95, row.actual, row.pit};
        ro_fmt_csv_field(&o, s->regions[i].code);
        ro_fmt_puts(&o, ",");
        ro_fmt_csv_field(&o, s->regions[i].name);
        ro_fmt_puts(&o, ",");
        ro_fmt_csv_number(&o, v[0]);
        ro_fmt_puts(&o, ",");
        ro_fmt_csv_field(&o, s->finalist[0].id);
        for (size_t k = 1; k < sizeof v / sizeof v[0]; k++) {
            ro_fmt_puts(&o, ",");
            ro_fmt_csv_number(&o, v[k]);
        }
        ro_fmt_provenance(&o, s, r, true);
        ro_fmt_puts(&o, "\n");
    }
    return ro_fmt_finish(&o);
}

/* ---- the dynamic poll model's trend (runoff run --trend-csv) ----
 *
 * Long format, in percent of the two-way vote: first one "trend" row per
 * day of the fitted series (r->avg.trend, first fieldwork day to the
 * election date), then one "poll" row per fitted poll in scenario order.
 * The bands are the logit-scale normal mapped back, expit(mean + z sd),
 * so they are the posterior's quantiles; sd is the delta-method sd on the
 * share scale. Columns that do not apply to a row's kind are empty. */

/* Standard normal quantiles of 0.75 and 0.95. */
#define Z50 0.6744897501960817
#define Z90 1.6448536269514722

const char *runoff_trend_csv_refusal(const runoff_scenario *s)
{
    if (s->aggregation.method != RO_AGG_DYNAMIC)
        return "needs aggregation.method: dynamic";
    if (s->n_polls == 0)
        return "needs polls (the scenario has none)";
    /* A scenario that does not use its polls may have none left. */
    bool left = !s->aggregation.has_as_of;
    for (size_t i = 0; i < s->n_polls && !left; i++)
        left = s->polls[i].end <= s->aggregation.as_of;
    if (!left)
        return "needs a poll that ends on or before aggregation.as_of";
    return NULL;
}

int runoff_write_trend_csv(FILE *out, const runoff_scenario *s, const runoff_result *r)
{
    const ro_poll_average *a = &r->avg;
    const ro_trend *t = &a->trend;
    if (runoff_trend_csv_refusal(s) != NULL || a->method != RO_AGG_DYNAMIC || a->n_trend == 0 ||
        t->mean == NULL || t->sd == NULL || t->adjusted == NULL || a->trend_poll == NULL) {
        errno = EINVAL;
        return -1;
    }
    ro_fmt_out o;
    if (ro_fmt_begin(&o, out, s, r) != 0)
        return -1;
    ro_fmt_puts(&o, "kind,date,pollster,estimate,sd,q05,q25,q50,q75,q95,raw,adjusted");
    ro_fmt_provenance_header(&o, true);
    ro_fmt_puts(&o, "\n");
    char date[11];
    for (size_t d = 0; d < t->n_days; d++) {
        const double mu = t->mean[d], sd = t->sd[d], p = ro_expit(mu);
        const double v[] = {100 * p,
                            100 * sd * p * (1 - p),
                            100 * ro_expit(mu - Z90 * sd),
                            100 * ro_expit(mu - Z50 * sd),
                            100 * p,
                            100 * ro_expit(mu + Z50 * sd),
                            100 * ro_expit(mu + Z90 * sd)};
        ro_date_format(t->first_day + (int32_t)d, date);
        ro_fmt_printf(&o, "trend,%s,", date);
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            ro_fmt_puts(&o, ",");
            ro_fmt_csv_number(&o, v[k]);
        }
        ro_fmt_puts(&o, ",,");
        ro_fmt_provenance(&o, s, r, true);
        ro_fmt_puts(&o, "\n");
    }
    for (size_t k = 0; k < a->n_trend; k++) {
        const ro_poll *p = &s->polls[a->trend_poll[k]];
        /* fieldwork midpoint, rounded down to a day (floor, also before 1970) */
        const int64_t sum = (int64_t)p->start + p->end;
        ro_date_format((int32_t)(sum >= 0 ? sum / 2 : -((-sum + 1) / 2)), date);
        ro_fmt_printf(&o, "poll,%s,", date);
        ro_fmt_csv_field(&o, p->pollster);
        ro_fmt_puts(&o, ",,,,,,,,");
        ro_fmt_csv_number(&o, 100 * p->two_way_a);
        ro_fmt_puts(&o, ",");
        ro_fmt_csv_number(&o, 100 * t->adjusted[k]);
        ro_fmt_provenance(&o, s, r, true);
        ro_fmt_puts(&o, "\n");
    }
    return ro_fmt_finish(&o);
}

/* ---- back-tests: one row per scenario ----
 *
 * The columns are tables, so the header and the rows cannot disagree:
 * the scenario's own columns, then for each forecast (model, final_week,
 * last_poll) the baseline's polls (baselines only) and the scores, each
 * named <forecast>_<column>. */

typedef enum { COL_DOUBLE, COL_INT, COL_SIZE } col_type;

typedef struct {
    const char *name;
    size_t offset;
    col_type type;
} bt_column;

static const bt_column score_columns[] = {
    {"share_quantile_0.5", offsetof(runoff_backtest_scores, median), COL_DOUBLE},
    {"share_quantile_0.25", offsetof(runoff_backtest_scores, q25), COL_DOUBLE},
    {"share_quantile_0.75", offsetof(runoff_backtest_scores, q75), COL_DOUBLE},
    {"share_quantile_0.05", offsetof(runoff_backtest_scores, q05), COL_DOUBLE},
    {"share_quantile_0.95", offsetof(runoff_backtest_scores, q95), COL_DOUBLE},
    {"win_probability", offsetof(runoff_backtest_scores, win_probability), COL_DOUBLE},
    {"win_probability_se", offsetof(runoff_backtest_scores, win_probability_se), COL_DOUBLE},
    {"pit", offsetof(runoff_backtest_scores, pit), COL_DOUBLE},
    {"crps", offsetof(runoff_backtest_scores, crps), COL_DOUBLE},
    {"brier", offsetof(runoff_backtest_scores, brier), COL_DOUBLE},
    {"covered_0.5", offsetof(runoff_backtest_scores, covered50), COL_INT},
    {"covered_0.9", offsetof(runoff_backtest_scores, covered90), COL_INT},
};

static const bt_column baseline_columns[] = {
    {"polls", offsetof(runoff_backtest_baseline, n_polls), COL_SIZE},
    {"fallback", offsetof(runoff_backtest_baseline, fallback), COL_INT},
    {"share", offsetof(runoff_backtest_baseline, share), COL_DOUBLE},
    {"sample", offsetof(runoff_backtest_baseline, sample), COL_DOUBLE},
    {"sd", offsetof(runoff_backtest_baseline, sd), COL_DOUBLE},
    {"df", offsetof(runoff_backtest_baseline, df), COL_DOUBLE},
};

#define RC(field) offsetof(runoff_backtest_regions, field)
static const bt_column region_columns[] = {
    {"n", RC(n), COL_SIZE},
    {"pit_mean", RC(pit_mean), COL_DOUBLE},
    {"covered_0.5", RC(covered[0]), COL_DOUBLE},
    {"covered_0.8", RC(covered[1]), COL_DOUBLE},
    {"covered_0.9", RC(covered[2]), COL_DOUBLE},
    {"covered_0.95", RC(covered[3]), COL_DOUBLE},
    {"pit_decile_1", RC(pit_decile[0]), COL_SIZE},
    {"pit_decile_2", RC(pit_decile[1]), COL_SIZE},
    {"pit_decile_3", RC(pit_decile[2]), COL_SIZE},
    {"pit_decile_4", RC(pit_decile[3]), COL_SIZE},
    {"pit_decile_5", RC(pit_decile[4]), COL_SIZE},
    {"pit_decile_6", RC(pit_decile[5]), COL_SIZE},
    {"pit_decile_7", RC(pit_decile[6]), COL_SIZE},
    {"pit_decile_8", RC(pit_decile[7]), COL_SIZE},
    {"pit_decile_9", RC(pit_decile[8]), COL_SIZE},
    {"pit_decile_10", RC(pit_decile[9]), COL_SIZE},
    {"brier_mean", RC(brier_mean), COL_DOUBLE},
    {"carried_actual", RC(carried_actual), COL_DOUBLE},
    {"carried_quantile_0.05", RC(carried_q05), COL_DOUBLE},
    {"carried_quantile_0.95", RC(carried_q95), COL_DOUBLE},
};
#undef RC

#define N_COLS(t) (sizeof t / sizeof t[0])

/* The baselines, in column order, and where each sits in a row. */
static const struct {
    const char *name;
    size_t offset;
} baselines[] = {
    {"final_week", offsetof(runoff_backtest_row, final_week)},
    {"last_poll", offsetof(runoff_backtest_row, last_poll)},
};

static void bt_header(ro_fmt_out *o, const char *prefix, const bt_column *cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ro_fmt_printf(o, ",%s_%s", prefix, cols[i].name);
}

/* The fields of *base named by cols; all empty unless defined. */
static void bt_values(ro_fmt_out *o, const void *base, const bt_column *cols, size_t n,
                      bool defined)
{
    for (size_t i = 0; i < n; i++) {
        const void *field = (const char *)base + cols[i].offset;
        ro_fmt_puts(o, ",");
        if (!defined)
            continue;
        if (cols[i].type == COL_DOUBLE)
            ro_fmt_csv_number(o, *(const double *)field);
        else if (cols[i].type == COL_INT)
            ro_fmt_printf(o, "%d", *(const int *)field);
        else
            ro_fmt_printf(o, "%zu", *(const size_t *)field);
    }
}

int runoff_write_backtest_csv_header(FILE *out)
{
    ro_fmt_out o = {.f = out};
    ro_fmt_puts(&o, "file,scenario,subject,actual_share,subject_won,reference_date,draws,seed");
    bt_header(&o, "model", score_columns, N_COLS(score_columns));
    for (size_t k = 0; k < N_COLS(baselines); k++) {
        bt_header(&o, baselines[k].name, baseline_columns, N_COLS(baseline_columns));
        bt_header(&o, baselines[k].name, score_columns, N_COLS(score_columns));
    }
    bt_header(&o, "regions", region_columns, N_COLS(region_columns));
    bt_header(&o, "regions_conditional", region_columns, N_COLS(region_columns));
    ro_fmt_provenance_header(&o, false);
    ro_fmt_puts(&o, "\n");
    return ro_fmt_finish(&o);
}

int runoff_write_backtest_csv_row(FILE *out, const runoff_scenario *s,
                                  const runoff_backtest_row *row)
{
    ro_fmt_out o = {.f = out};
    ro_fmt_csv_field(&o, s->source);
    ro_fmt_puts(&o, ",");
    ro_fmt_csv_field(&o, s->name);
    ro_fmt_puts(&o, ",");
    ro_fmt_csv_field(&o, s->finalist[0].id);
    ro_fmt_puts(&o, ",");
    ro_fmt_csv_number(&o, row->actual);
    ro_fmt_printf(&o, ",%d,%s,%llu,%llu", row->a_won, row->reference_date,
                  (unsigned long long)row->draws, (unsigned long long)row->seed);
    bt_values(&o, &row->model, score_columns, N_COLS(score_columns), true);
    for (size_t k = 0; k < N_COLS(baselines); k++) {
        const runoff_backtest_baseline *b =
            (const void *)((const char *)row + baselines[k].offset);
        bt_values(&o, b, baseline_columns, N_COLS(baseline_columns), true);
        bt_values(&o, &b->scores, score_columns, N_COLS(score_columns), isfinite(b->scores.crps));
    }
    bt_values(&o, &row->regions, region_columns, N_COLS(region_columns), row->regions.n > 0);
    bt_values(&o, &row->regions_conditional, region_columns, N_COLS(region_columns),
              row->regions_conditional.n > 0);
    ro_fmt_provenance(&o, s, NULL, false);
    ro_fmt_puts(&o, "\n");
    return ro_fmt_finish(&o);
}
