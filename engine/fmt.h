/*
 * fmt.h — what the three writers (report.c, csv.c, json.c) share: checked
 * output, RFC 4180 quoting, and the derived numbers they all print, so
 * the text report, the CSV and the JSON can never disagree.
 *
 * Internal to the library; not part of include/runoff.h.
 */
#ifndef RO_FMT_H
#define RO_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "backtest.h"
#include "error.h"
#include "scenario.h"
#include "result.h"

/* Output with a sticky error: once a write fails, later writes are
 * skipped and ro_fmt_finish() reports the failure with the first errno. */
typedef struct {
    FILE *f;
    int failed;
    int saved_errno;
} ro_fmt_out;

/* Start writing the result r of scenario s to f: -1 with errno EINVAL if
 * the two cannot be a pair (different region counts), else 0. */
int ro_fmt_begin(ro_fmt_out *o, FILE *f, const runoff_scenario *s, const runoff_result *r);
void ro_fmt_printf(ro_fmt_out *o, const char *fmt, ...) RO_PRINTF(2, 3);
void ro_fmt_puts(ro_fmt_out *o, const char *s);
/* Record a failure that is not a write (e.g. ENOMEM) and stop writing. */
void ro_fmt_fail(ro_fmt_out *o, int errnum);
/* Flush and check ferror: 0, or -1 with errno set to the first failure. */
int ro_fmt_finish(ro_fmt_out *o);

/* A CSV field, quoted (RFC 4180) when it holds a comma, quote, CR or LF. */
void ro_fmt_csv_field(ro_fmt_out *o, const char *s);
/* The shortest of "%.15g", "%.16g", "%.17g" that reads back (strtod) as
 * exactly x, into buf (size >= 32): 0.975154, not 0.97515399999999997.
 * Returns buf. Non-finite x gives "nan", "inf" or "-inf". */
const char *ro_fmt_shortest(double x, char *buf, size_t size);
/* A number for machines: ro_fmt_shortest, empty when not finite. */
void ro_fmt_csv_number(ro_fmt_out *o, double x);
/* Provenance, so that any two outputs can be matched: every CSV row ends
 * with the columns runoff_version, scenario_hash ("fnv1a64:" and 16 hex
 * digits of s->doc_hash), seed and draws (the last two only when
 * with_run; the sweep has its own). ro_fmt_provenance_header writes
 * ",runoff_version,scenario_hash[,seed,draws]", ro_fmt_provenance the
 * values, each with its leading comma. */
void ro_fmt_provenance_header(ro_fmt_out *o, bool with_run);
void ro_fmt_provenance(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r,
                       bool with_run);
/* "fnv1a64:0123456789abcdef" into buf (size >= 25). */
const char *ro_fmt_scenario_hash(const runoff_scenario *s, char *buf, size_t size);

/* s, then spaces up to `width` columns (UTF-8 code points counted). */
void ro_fmt_padded(ro_fmt_out *o, const char *s, size_t width);

/*
 * The tidy statistics, shared by the CSV (one row each) and the JSON
 * ("statistics" array); docs/outputs.md is their dictionary, checked
 * against the program by tests/test_outputs.sh. Names are stable; subjects are a finalist id, or
 * "national" for quantities that belong to no finalist. Statistics that
 * are undefined (no data, or NaN) are omitted, never written as NaN.
 * <q> is one of 0.025 0.05 0.1 0.25 0.5 0.75 0.9 0.95 0.975; <level> one of
 * 0.5 0.8 0.9 0.95. Values are fractions (0..1), never percent.
 *
 *   draws                      national    count
 *   tie_probability            national    probability
 *   win_probability            <id>        probability
 *   win_probability_se         <id>        probability  Monte Carlo standard error
 *   share_mean, share_sd       <id>        fraction     of valid votes
 *   share_quantile_<q>         <id>        fraction     (B's = 1 - A's (1-q))
 *   turnout_mean, turnout_sd, turnout_quantile_<q>          national  fraction
 *   blank_null_mean, blank_null_sd, blank_null_quantile_<q> national  fraction
 *   margin_votes_quantile_<q>  <A id>      votes        A minus B
 *   regions_carried_quantile_<q> <A id>    count        q in 0.05 0.5 0.95
 *   regions_majority_probability <A id>    probability  A carries > half the regions
 * with an actual result:
 *   actual_share               <id>        fraction     the actual share of valid votes
 *   actual_turnout, actual_blank_null      national  fraction
 *   pit                        <id>        probability  forecast CDF at the actual share
 *   crps                       <id>        score        in share units (fraction)
 *   brier                      <id>        score        of the call "<id> wins"
 *   covered_<level>            <id>        boolean      1 if the central interval holds it
 *   turnout_pit, turnout_crps, turnout_covered_<level>       national
 *   blank_null_pit, blank_null_crps, blank_null_covered_<level> national
 *   regions_with_actual        <A id>      count
 *   regions_pit_mean           <A id>      probability
 *   regions_covered_0.5, regions_covered_0.9  <A id>  fraction  of those regions
 *   regions_brier_mean         <A id>      score        of the per-region calls
 */
typedef void (*ro_fmt_stat_fn)(void *ctx, const char *statistic, const char *subject,
                               double value, const char *unit);
void ro_fmt_each_stat(const runoff_scenario *s, const runoff_result *r, ro_fmt_stat_fn fn,
                      void *ctx);

/* Probability that finalist f (0 = A, 1 = B) wins, and its MC error. */
double ro_fmt_win_probability(const runoff_result *r, int f);

/* The headline: the finalist more likely to win (A when even), the
 * chance and its Monte Carlo standard error, and that finalist's share of
 * valid votes (median, central 90 % interval, and the median's Monte Carlo
 * standard error, ro_fmt_quantile_se). Fractions, not percent. */
typedef struct {
    int winner;                 /* 0 = A, 1 = B */
    double probability, probability_se;
    double median, median_se, q05, q95;
    char odds[96];              /* the chance in words (ro_fmt_odds) */
    bool odds_of_loser;         /* odds are the loser's chance */
} ro_fmt_headline;
void ro_fmt_headline_of(const runoff_result *r, ro_fmt_headline *h);

/* The headline's chance in words, into buf (size >= 96): "about 7 in 10"
 * below 0.95, else the loser's "1 in 36", or "none of 1000" when the loser
 * never won; *loser_phrase says which of the two the words are about. */
void ro_fmt_odds(double p, uint64_t draws, char *buf, size_t size, bool *loser_phrase);

/* Monte Carlo standard error of h's q-quantile estimated from n draws:
 * sqrt(q(1-q)/n) / density at the quantile, the density read off the
 * quantile function's slope over q +/- 0.01 (robust to the bins). */
double ro_fmt_quantile_se(const ro_hist *h, double q, uint64_t n);

/* Probability that A carries more than half the regions (r->regions_a;
 * quantiles of it: ro_hist_integer_quantile). */
double ro_fmt_regions_majority(const ro_hist *h, size_t n_regions);

/* One region as the regions CSV and the JSON print it. */
typedef struct {
    double win_probability_a, win_probability_se;
    double median, q05, q25, q75, q95;
    double actual, pit;        /* NAN when unknown */
} ro_fmt_region;
void ro_fmt_region_row(const runoff_scenario *s, const runoff_result *r, size_t i,
                       ro_fmt_region *row);

/* Calibration over the regions that have an actual share, of r's
 * regions or (conditional) of r->conditional's; n == 0 when there is
 * nothing to score. */
void ro_fmt_region_calibration(const runoff_scenario *s, const runoff_result *r,
                               bool conditional, runoff_backtest_regions *cal);

#endif /* RO_FMT_H */
