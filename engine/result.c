/*
 * result.c — the public face of struct runoff_result (engine/result.h): its
 * release, the few headline accessors for programs that do not use
 * the writers, and the region histograms' shape. The driver (sim.c) fills
 * the struct; this file only reads and frees it, so either may change
 * without the other.
 */
#include <math.h>
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

double runoff_result_share_quantile(const runoff_result *r, double q)
{
    if (r == NULL || r->share_a == NULL)
        return NAN;
    return ro_hist_quantile(r->share_a, q);
}
