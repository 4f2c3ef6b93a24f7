/*
 * result.c — the public face of struct runoff_result (engine/result.h): its
 * release, the accessors for programs that do not use the writers (or use
 * them in memory), and the region histograms' shape. Every number comes
 * from the same functions the writers call (fmt.h), so a program and the
 * CSV never disagree. The driver (sim.c) fills the struct; this file only
 * reads and frees it, so either may change without the other.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "fmt.h"
#include "result.h"

size_t ro_region_bins(size_t n_regions)
{
    size_t bins = RO_REGION_BINS;
    if (n_regions > 0 && n_regions * bins > RO_REGION_COUNTS_MAX)
        bins = RO_REGION_COUNTS_MAX / n_regions;
    return bins < RO_REGION_BINS_MIN ? RO_REGION_BINS_MIN : bins;
}

void runoff_result_free(runoff_result *r)
{
    if (r == NULL)
        return;
    ro_hist_free(r->share_a);
    ro_hist_free(r->turnout);
    ro_hist_free(r->blank_null);
    ro_hist_free(r->margin);
    ro_hist_free(r->regions_a);
    if (r->region_share != NULL)
        for (size_t i = 0; i < r->n_regions; i++)
            ro_hist_free(r->region_share[i]);
    free(r->region_share);
    ro_hist_set_free(r->region_set);
    free(r->region_wins_a);
    ro_poll_average_clear(&r->avg);
    runoff_result_free(r->conditional);
    free(r);
}

uint64_t runoff_result_draws(const runoff_result *r) { return r != NULL ? r->draws : 0; }

double runoff_result_win_probability(const runoff_result *r, int finalist)
{
    return r != NULL ? ro_fmt_win_probability(r, finalist) : NAN;
}

uint64_t runoff_result_seed(const runoff_result *r) { return r != NULL ? r->seed : 0; }

double runoff_result_win_probability_se(const runoff_result *r, int finalist)
{
    double p = runoff_result_win_probability(r, finalist);
    return isnan(p) ? NAN : ro_mc_se(p, r->draws);
}

double runoff_result_tie_probability(const runoff_result *r)
{
    return r != NULL && r->draws > 0 ? (double)r->ties / (double)r->draws : NAN;
}

/* A histogram's quantile, NAN for a histogram the result does not have. */
static double quantile_of(const ro_hist *h, double q)
{
    return h != NULL && q >= 0 && q <= 1 ? ro_hist_quantile(h, q) : NAN;
}

double runoff_result_share_quantile(const runoff_result *r, double q)
{
    return quantile_of(r != NULL ? r->share_a : NULL, q);
}

double runoff_result_share_mean(const runoff_result *r)
{
    return r != NULL && r->share_a != NULL ? ro_hist_mean(r->share_a) : NAN;
}

double runoff_result_share_sd(const runoff_result *r)
{
    return r != NULL && r->share_a != NULL ? ro_hist_sd(r->share_a) : NAN;
}

void runoff_result_share_interval(const runoff_result *r, double level, double *lo, double *hi)
{
    bool ok = level >= 0 && level <= 1;
    *lo = ok ? runoff_result_share_quantile(r, (1 - level) / 2) : NAN;
    *hi = ok ? runoff_result_share_quantile(r, (1 + level) / 2) : NAN;
}

double runoff_result_turnout_quantile(const runoff_result *r, double q)
{
    return quantile_of(r != NULL ? r->turnout : NULL, q);
}

double runoff_result_turnout_mean(const runoff_result *r)
{
    return r != NULL && r->turnout != NULL ? ro_hist_mean(r->turnout) : NAN;
}

size_t runoff_result_n_regions(const runoff_result *r) { return r != NULL ? r->n_regions : 0; }

runoff_status runoff_result_region(const runoff_scenario *s, const runoff_result *r, size_t i,
                                   runoff_region_stats *out)
{
    if (s == NULL || r == NULL || i >= r->n_regions || s->n_regions != r->n_regions ||
        r->region_share == NULL)
        return RUNOFF_EINPUT;
    ro_fmt_region row;
    ro_fmt_region_row(s, r, i, &row);
    *out = (runoff_region_stats){
        .code = s->regions[i].code, .name = s->regions[i].name,
        .registered = s->regions[i].registered,
        .win_probability_a = row.win_probability_a, .win_probability_se = row.win_probability_se,
        .median = row.median, .q05 = row.q05, .q25 = row.q25, .q75 = row.q75, .q95 = row.q95,
        .actual = row.actual, .pit = row.pit};
    return RUNOFF_OK;
}

void runoff_result_statistics(const runoff_scenario *s, const runoff_result *r,
                              runoff_statistic_fn fn, void *ctx)
{
    if (s != NULL && r != NULL && fn != NULL)
        ro_fmt_each_stat(s, r, fn, ctx);
}

char *runoff_json_string(const runoff_scenario *s, const runoff_result *r, size_t *len)
{
    char *text = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&text, &n);
    if (m == NULL)
        return NULL;
    int failed = runoff_write_json(m, s, r);
    int saved = errno;
    if (fclose(m) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        free(text);
        errno = saved;
        return NULL;
    }
    if (len != NULL)
        *len = n;
    return text;
}

void runoff_string_free(char *text) { free(text); }
