/*
 * summary.h — mergeable streaming summaries.
 *
 * A ro_hist is a fixed-range, fixed-width histogram of counts plus exact
 * moments. Everything in it is an integer (counts; sums of values in
 * 2^-40 fixed point, in 128-bit integers), so merging is exact and
 * order-independent: the driver can merge per-thread accumulators in any
 * order and still produce byte-identical output for any thread count.
 * Memory is fixed at allocation: it never grows with the number of draws.
 *
 * Values below lo or above hi are counted (underflow/overflow) and clamped
 * for the moments; callers choose ranges their values cannot leave.
 */
#ifndef RO_SUMMARY_H
#define RO_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct ro_hist ro_hist;

/* nbins >= 1, lo < hi. with_moments=false skips the fixed-point sums (for
 * the many per-region histograms, where only quantiles are reported). */
ro_hist *ro_hist_alloc(double lo, double hi, size_t nbins, bool with_moments);
void ro_hist_free(ro_hist *h);
void ro_hist_reset(ro_hist *h);
void ro_hist_add(ro_hist *h, double x);          /* NAN is ignored */
/* ro_hist_add of x[0], ..., x[n-1] in turn (the same bits), four at a
 * time: for a model that yields its draws in runs (the national model). */
void ro_hist_add_n(ro_hist *h, const double *x, size_t n);
/* into += from; both must have the same lo, hi, nbins, with_moments.
 * Returns 0, or -1 if the shapes differ. */
int ro_hist_merge(ro_hist *into, const ro_hist *from);

uint64_t ro_hist_count(const ro_hist *h);         /* includes under/overflow */
double ro_hist_mean(const ro_hist *h);            /* NAN if empty or no moments */
double ro_hist_variance(const ro_hist *h);        /* sample variance (n-1) */
double ro_hist_sd(const ro_hist *h);
double ro_hist_min(const ro_hist *h);
double ro_hist_max(const ro_hist *h);
/* q in [0,1]; linear interpolation inside the bin holding the q-th value,
 * so the error is below one bin width. NAN if empty. */
double ro_hist_quantile(const ro_hist *h, double q);
/* Fraction of values <= x, interpolated linearly inside x's bin. */
double ro_hist_cdf(const ro_hist *h, double x);

size_t ro_hist_nbins(const ro_hist *h);
double ro_hist_lo(const ro_hist *h);
double ro_hist_hi(const ro_hist *h);
double ro_hist_bin_width(const ro_hist *h);
uint64_t ro_hist_bin_count(const ro_hist *h, size_t i);

/* h's whole state as one line of text, exactly (doubles in hexadecimal,
 * empty bins left out), so that partial results written by separate
 * processes merge to the bits one process would have: "hist LO HI NBINS
 * MOMENTS N UNDER OVER MIN MAX S1 S2 K" then K "BIN:COUNT" pairs. Returns
 * 0, or -1 if a write failed. */
int ro_hist_save(FILE *out, const ro_hist *h);
/* Read one line ro_hist_save wrote and add it to h, as ro_hist_merge
 * would. Returns 0, or -1 when the line is malformed, inconsistent (its
 * counts do not add up to N) or of another shape than h (h unchanged). */
int ro_hist_load_add(FILE *in, ro_hist *h);

/*
 * A set of n histograms of one shape, counts only, stored as one
 * contiguous matrix: the per-region accumulators, which are all updated
 * once per draw. Going through n separate ro_hist objects costs a pointer
 * chase, NaN and min/max tests and a call per region; this is one tight
 * loop, whose counting is deferred over a few adds (summary.c says why)
 * and done before anything reads the counts. Counts are integers, so
 * merging is exact in any order. nbins is at most 65532.
 */
typedef struct ro_hist_set ro_hist_set;

ro_hist_set *ro_hist_set_alloc(size_t n, double lo, double hi, size_t nbins, double threshold);
void ro_hist_set_free(ro_hist_set *s);
/* Add x[i] to histogram i, for i < n, and count x[i] > threshold (a
 * region won: exact, not read off the bins). NAN values are ignored. */
void ro_hist_set_add(ro_hist_set *s, const double *x);
uint64_t ro_hist_set_above(const ro_hist_set *s, size_t i);
/* into += from; -1 if the shapes differ. Both are written to: their
 * deferred counts are counted first. */
int ro_hist_set_merge(ro_hist_set *into, ro_hist_set *from);
/* Add the counts of histogram i to h, which must have the set's lo, hi
 * and nbins and no moments (ro_hist_alloc(lo, hi, nbins, false)). h's
 * min and max become the edges of the lowest and highest non-empty bins.
 * Returns 0, or -1 if the shapes differ. */
int ro_hist_set_export(ro_hist_set *s, size_t i, ro_hist *h);

/* Monte Carlo standard error of a proportion p estimated from n draws. */
double ro_mc_se(double p, uint64_t n);

/* For histograms of integer counts (bins one unit wide, e.g. the regions
 * a finalist carries): the integer bin i holds, and the q-quantile of the
 * counts read exactly off the bins (NAN when empty). */
double ro_hist_bin_integer(const ro_hist *h, size_t i);
double ro_hist_integer_quantile(const ro_hist *h, double q);

#endif /* RO_SUMMARY_H */
