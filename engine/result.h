/*
 * result.h — the driver's result, as the writers, the scoring and the
 * accessors see it (struct runoff_result of include/runoff.h), and the
 * shapes of its histograms. sim.c fills it; nothing here runs a draw, so
 * the writers depend on this file and not on the driver.
 *
 * All accumulators are integer-valued (summary.h), so the result is the
 * same bytes whatever the number of threads.
 */
#ifndef RO_RESULT_H
#define RO_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include "polls.h"
#include "summary.h"

/* Histogram shapes: chosen so quantiles are accurate to 0.01 point. */
#define RO_SHARE_BINS 20000      /* [0,1]: bin = 0.005 point */
/* Per-region histograms are many (one per region per thread) and updated
 * on every draw, so they must stay in cache: 1000 bins of 0.1 point keep
 * 107 regions in 856 KiB; with interpolation inside bins a region's
 * quantiles are within 0.1 point. */
#define RO_REGION_BINS 1000      /* [0,1]: bin = 0.1 point */
/* With many regions (e.g. 35 000 communes) the bins per region shrink so
 * one thread's region counts stay within this many (64 MiB), never below
 * RO_REGION_BINS_MIN (1 point). */
#define RO_REGION_COUNTS_MAX (8u << 20)
#define RO_REGION_BINS_MIN 100

/* Bins per region histogram for a scenario with n regions. */
size_t ro_region_bins(size_t n_regions);
#define RO_MARGIN_BINS 20000     /* [-1,1] of registered voters */

struct runoff_result {
    uint64_t draws;
    uint64_t seed;
    unsigned threads;
    uint64_t wins[2];            /* A, B */
    uint64_t ties;
    ro_hist *share_a;            /* A's share of valid votes */
    bool has_turnout;
    ro_hist *turnout;            /* NULL unless has_turnout */
    ro_hist *blank_null;         /* NULL unless regional model */
    bool has_votes;
    ro_hist *margin;             /* (A - B) / registered; NULL unless has_votes */
    double registered;           /* for converting margin to votes */
    size_t n_regions;
    ro_hist *regions_a;          /* regions carried by A, integer bins; NULL if none */
    ro_hist **region_share;      /* [n_regions]; filled from region_set when the run ends */
    ro_hist_set *region_set;     /* the per-region accumulators while simulating */
    uint64_t *region_wins_a;     /* [n_regions] */
    ro_poll_average avg;         /* copy of the model's average (owned) */
    /* The regions simulated again with the national share held at the
     * actual one (docs/model.md §8); only for scenarios with actual.shares
     * and actual.regions, else NULL. Its own avg is empty. */
    struct runoff_result *conditional;
};

#endif /* RO_RESULT_H */
