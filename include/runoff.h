/*
 * runoff.h — public interface of librunoff, a Monte Carlo engine for
 * two-candidate run-off elections described by YAML scenarios.
 *
 * Data flows one way:
 *
 *   runoff_doc (parsed YAML, overridable with key.path=value)
 *     -> runoff_scenario (validated, immutable)
 *       -> runoff_simulate() -> runoff_result (streamed summaries)
 *         -> writers (text report, CSV, JSON)
 *
 * Ownership rules, everywhere in this header:
 *  - every object comes from a *_load / *_parse / *_alloc / runoff_simulate
 *    call and is released by the matching *_free, which accepts NULL;
 *  - a function that can fail returns NULL (constructors) or a non-zero
 *    runoff_status, and fills the optional runoff_error record it was given;
 *  - the library never prints to stdout/stderr and never exits: only the
 *    CLI does;
 *  - a result borrows nothing from its scenario once returned, except that
 *    the writers take both and expect the pair that produced the result;
 *  - strings the library returns are either borrowed from an object (valid
 *    until it is freed) or static, except those documented as "malloc'd",
 *    which the caller releases with runoff_string_free() (or free());
 *  - pointers handed to a callback (runoff_draw, a sweep row's scenario and
 *    result) are valid only during the call.
 *
 * Threading:
 *  - no object is locked inside: an object may be read (simulated, written,
 *    queried) by several threads at once, but a thread that modifies it
 *    (runoff_doc_set, runoff_sweep_add, *_free) must be the only one using it;
 *  - runoff_simulate and runoff_sweep_run start their own worker threads and
 *    join them before returning; every callback (progress, on_draw, a sweep's
 *    on_row) runs on the calling thread, one call at a time;
 *  - a result does not depend on the thread count, only on the scenario,
 *    the seed and the number of draws.
 *
 * Nothing here names a country or a candidate: the two finalists are
 * called A and B internally, in the order the scenario lists them.
 */
#ifndef RUNOFF_H
#define RUNOFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RUNOFF_VERSION "0.1.0"

/* The version of the library the program runs against ("0.1.0"), which
 * may differ from the RUNOFF_VERSION it was compiled with; static. */
const char *runoff_version(void);

/* Exit-status-compatible codes: 0 ok, 1 runtime failure, 2 bad input. */
typedef enum {
    RUNOFF_OK = 0,
    RUNOFF_ERUNTIME = 1, /* I/O failure, thread failure, interrupted */
    RUNOFF_EINPUT = 2,   /* bad scenario, bad override, bad option value */
    RUNOFF_ENOMEM = 3    /* allocation failed (reported as exit status 1) */
} runoff_status;

/* Where and why something failed. line/column are 1-based; 0 means
 * "no position" (e.g. a missing file). file is a display name: the path,
 * "<stdin>" or "--set". */
typedef struct {
    runoff_status status;
    char file[512];
    int line;
    int column;
    char message[1024];
} runoff_error;

/* "file:line:column: message" (or "file: message" without a position)
 * into buf; returns buf. */
const char *runoff_error_format(const runoff_error *err, char *buf, size_t size);

/* Rewrites the NUL-terminated text in buf (capacity size) so that printing
 * it cannot act on a terminal: control characters (C0, C1, DEL), line and
 * paragraph separators, bidirectional controls, non-characters and bytes
 * that are not UTF-8 become \xNN escapes. Error records are already inert;
 * this is for the text a program adds itself (paths, arguments). */
void runoff_text_make_inert(char *buf, size_t size);

/* ---------------------------------------------------------------- doc */

/* A parsed YAML document: a tree of mappings, sequences and scalars that
 * remembers where each node came from. Aliases and anchors are refused;
 * depth, string length and item counts are bounded (docs/scenario.md). */
typedef struct runoff_doc runoff_doc;

/* path "-" reads standard input (display name "<stdin>"). */
runoff_doc *runoff_doc_parse_file(const char *path, runoff_error *err);
runoff_doc *runoff_doc_parse_buffer(const char *display_name, const char *buf,
                                    size_t len, runoff_error *err);
runoff_doc *runoff_doc_clone(const runoff_doc *doc, runoff_error *err);
void runoff_doc_free(runoff_doc *doc);
/* A 64-bit FNV-1a fingerprint of the document's tree: every key and value
 * in order, and whether each scalar was quoted. Comments, spacing and the
 * quoting style do not change it; any value does. `runoff sweep` records
 * it so that --resume continues only the same scenario. */
uint64_t runoff_doc_hash(const runoff_doc *doc);

/* Apply "key.path=value" to the document: replaces a scalar, or creates
 * the key (and missing parent mappings) so that validation can judge it.
 * Sequence items are addressed by index (polls.0.sample) or, for
 * sequences of mappings with an "id" or "code" key, by that value.
 * The value is parsed as a YAML plain scalar. The override is validated
 * later, with the rest, by runoff_scenario_from_doc(); errors about it
 * are reported with file "--set". */
runoff_status runoff_doc_set(runoff_doc *doc, const char *assignment, runoff_error *err);

/* ----------------------------------------------------------- scenario */

typedef struct runoff_scenario runoff_scenario;

runoff_scenario *runoff_scenario_from_doc(const runoff_doc *doc, runoff_error *err);
/* Convenience: parse + apply overrides + validate. */
runoff_scenario *runoff_scenario_load(const char *path, const char *const *sets,
                                      size_t n_sets, runoff_error *err);
/* The same from YAML text in memory; errors name display_name. */
runoff_scenario *runoff_scenario_load_buffer(const char *display_name, const char *buf,
                                             size_t len, const char *const *sets,
                                             size_t n_sets, runoff_error *err);
void runoff_scenario_free(runoff_scenario *s);

/* One-screen human summary of what was loaded (runoff check). Returns 0,
 * or non-zero if writing failed. */
int runoff_scenario_describe(const runoff_scenario *s, FILE *out);

/* Warnings: input that is legal but probably not what was meant, each at
 * the value at fault (docs/scenario.md, "Warnings"): a percent field whose
 * values all look like fractions, a systematic polling error of 0 where
 * the polls are used, one poll carrying more than a third of the polling
 * average's weight, every transfer row taken from transfers.default. The
 * loader finds most of them; the weight needs the polling average, which
 * runoff_warnings_alloc computes. line/column are 1-based, 0 = no
 * position; file is as in runoff_error ("--set" for an override). */
typedef struct {
    char file[512];
    int line;
    int column;
    char message[512];
} runoff_warning;

typedef struct runoff_warnings runoff_warnings;

/* Every warning about s, in the order the loader met them, then the
 * weights'. NULL with err set when out of memory or when the polling
 * average fails (as runoff_simulate would). Free with runoff_warnings_free;
 * borrows nothing from s. */
runoff_warnings *runoff_warnings_alloc(const runoff_scenario *s, runoff_error *err);
void runoff_warnings_free(runoff_warnings *w);
size_t runoff_warnings_count(const runoff_warnings *w);
/* The i-th warning (i < count), owned by w. */
const runoff_warning *runoff_warnings_get(const runoff_warnings *w, size_t i);
/* "file:line:column: warning: message" (or "file: warning: message" without
 * a position) into buf; returns buf. */
const char *runoff_warning_format(const runoff_warning *w, char *buf, size_t size);

/* Print s's warnings to out, one line each ("runoff: " and the format
 * above); returns how many, or -1 if they could not be computed or
 * written. */
int runoff_scenario_warnings(const runoff_scenario *s, FILE *out);

/* The scenario's name and a finalist's id (0 = A, 1 = B); borrowed. */
const char *runoff_scenario_name(const runoff_scenario *s);
const char *runoff_scenario_finalist_id(const runoff_scenario *s, int finalist);

/* --------------------------------------------------------- simulation */

/* One simulated election, as runoff_sim_options.on_draw sees it. Shares
 * are fractions (0..1); a quantity the scenario does not model is NAN. */
typedef struct runoff_draw {
    uint64_t index;             /* the draw's number, from 0 */
    double share_a;             /* A's share of valid votes */
    double turnout;             /* of registered voters; NAN without a turnout model */
    double blank_null;          /* blank and null ballots, of votes cast; NAN without regions */
    double votes_a, votes_b;    /* valid votes; NAN without registered voters */
    int winner;                 /* 0 = A, 1 = B, -1 = a tie (share_a exactly 1/2) */
    double regions_a;           /* regions A carries; NAN without a first round (options) */
    size_t n_regions;           /* 0 without regions */
    const double *region_share_a; /* [n_regions]: A's share in each region, scenario order */
} runoff_draw;

typedef struct {
    unsigned threads;      /* 0 = online cores */
    uint64_t draws;        /* 0 = scenario's simulation.draws */
    int has_seed;          /* 1: use seed below instead of the scenario's */
    uint64_t seed;
    /* Called from the driver thread between blocks with the number of
     * draws done; returning non-zero cancels the run (RUNOFF_ERUNTIME,
     * message "interrupted"). May be NULL. */
    int (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
    /* Optional: called for each draw, in draw order, on the calling
     * thread (used by --draws-csv); the run then uses no worker thread.
     * Returning non-zero stops the run (RUNOFF_ERUNTIME, "writing draws
     * failed"). Slows the run; may be NULL. */
    int (*on_draw)(void *ctx, const struct runoff_draw *draw);
    void *on_draw_ctx;
    /* A shard of the run: with shard_count > 0, only the blocks of draws
     * (simulation.block_size each) that runoff_shard_begin gives shard
     * shard_index (0 .. shard_count-1); the result holds those draws only.
     * runoff_result_merge of every shard's result gives the whole run's
     * result, exactly (every accumulator is an integer count). */
    uint64_t shard_index, shard_count;
    /* Non-zero: skip the second pass over the regions with the national
     * share held at the actual one (docs/model.md §8), which a scenario
     * with actual.shares and actual.regions otherwise gets; for callers
     * that do not report it (sweeps, sensitivity). Nothing else changes. */
    int skip_conditional;
} runoff_sim_options;

typedef struct runoff_result runoff_result;

runoff_result *runoff_simulate(const runoff_scenario *s, const runoff_sim_options *opt,
                               runoff_error *err);
void runoff_result_free(runoff_result *r);

/* The numbers the writers print, for programs that do not want them.
 * Shares are A's, fractions (0..1); q is in [0,1] (quantiles are read off
 * fine histograms: within 0.005 point nationally, 0.1 point per region);
 * a number that cannot be computed (no such quantity, no draws, r NULL) is
 * NAN. */
uint64_t runoff_result_draws(const runoff_result *r);
uint64_t runoff_result_seed(const runoff_result *r);
double runoff_result_win_probability(const runoff_result *r, int finalist /* 0=A,1=B */);
/* Monte Carlo standard error of the win probability: sqrt(p(1-p)/draws). */
double runoff_result_win_probability_se(const runoff_result *r, int finalist);
double runoff_result_tie_probability(const runoff_result *r);
double runoff_result_share_quantile(const runoff_result *r, double q); /* A's share, 0..1 */
double runoff_result_share_mean(const runoff_result *r);
double runoff_result_share_sd(const runoff_result *r);
/* The central interval holding `level` (e.g. 0.9) of A's share: the
 * (1-level)/2 and (1+level)/2 quantiles into *lo and *hi. */
void runoff_result_share_interval(const runoff_result *r, double level, double *lo, double *hi);
/* Turnout (of registered voters): NAN without a turnout model. */
double runoff_result_turnout_quantile(const runoff_result *r, double q);
double runoff_result_turnout_mean(const runoff_result *r);

/* Regions: how many (0 without), and one region's numbers, as the regions
 * CSV prints them. code and name are borrowed from s. */
typedef struct {
    const char *code, *name;
    double registered;
    double win_probability_a;   /* P(A carries the region) */
    double win_probability_se;  /* its Monte Carlo standard error */
    double median, q05, q25, q75, q95; /* A's share in the region */
    double actual, pit;         /* A's actual share and the forecast CDF there; NAN if unknown */
} runoff_region_stats;
size_t runoff_result_n_regions(const runoff_result *r);
/* RUNOFF_OK, or RUNOFF_EINPUT when i is out of range or r is not s's. */
runoff_status runoff_result_region(const runoff_scenario *s, const runoff_result *r, size_t i,
                                   runoff_region_stats *out);

/* Every statistic of the tidy CSV and the JSON "statistics" array, in the
 * same order, one call each: name (e.g. "share_quantile_0.05"), subject (a
 * finalist id or "national"), value, unit ("fraction", "probability",
 * "votes", "count", "score", "boolean"), as docs/model.md lists them.
 * Strings are valid during the call. */
typedef void (*runoff_statistic_fn)(void *ctx, const char *name, const char *subject,
                                    double value, const char *unit);
void runoff_result_statistics(const runoff_scenario *s, const runoff_result *r,
                              runoff_statistic_fn fn, void *ctx);

/* ------------------------------------------------------------- shards */

/* Where shard `index` of `count` starts among n items (blocks of draws,
 * sweep points): shard i has items [begin(n, i, count), begin(n, i+1,
 * count)), floor(n i / count), so the shards cover 0..n-1 once, in order,
 * with sizes differing by one at most. index may equal count (gives n). */
uint64_t runoff_shard_begin(uint64_t n, uint64_t index, uint64_t count);

/* An empty result of s (0 draws) with the given seed: what merging the
 * shards of a run starts from. NULL with err set on failure. */
runoff_result *runoff_result_alloc(const runoff_scenario *s, uint64_t seed, runoff_error *err);
/* into += from, exactly: both results of the same scenario and seed
 * (shards of one run). RUNOFF_EINPUT when they are not (different shapes
 * or seeds); into is then unchanged. */
runoff_status runoff_result_merge(runoff_result *into, const runoff_result *from,
                                  runoff_error *err);
/* r's accumulators as text, exactly (a few lines; empty histogram bins
 * left out): what a shard writes for runoff_result_load_add to read in
 * another process. Returns 0, or non-zero if a write failed (errno set). */
int runoff_result_save(FILE *out, const runoff_result *r);
/* Read one result runoff_result_save wrote and add it to into (which must
 * be of the same scenario and seed: runoff_result_alloc, or a merge so
 * far). RUNOFF_EINPUT, with a message, when the text is malformed or from
 * another scenario or seed (into may then hold part of it: discard it). */
runoff_status runoff_result_load_add(runoff_result *into, FILE *in, runoff_error *err);

/* ------------------------------------------------------------ writers */

/* x as every writer prints numbers: the shortest of "%.15g", "%.16g",
 * "%.17g" that reads back as exactly x (buf: 32 bytes). Returns buf. */
const char *runoff_format_number(double x, char *buf, size_t size);

/* Each returns 0 on success, non-zero if a write failed (errno set). */
int runoff_write_report(FILE *out, const runoff_scenario *s, const runoff_result *r);
/* The report's opening block alone: the most likely winner, the chance (in
 * percent and in words: "about 7 in 10", or the loser's "1 in 36"), the
 * winner's median share and 90 % interval, with Monte Carlo errors. */
int runoff_write_headline(FILE *out, const runoff_scenario *s, const runoff_result *r);
int runoff_write_csv(FILE *out, const runoff_scenario *s, const runoff_result *r);
int runoff_write_histogram_csv(FILE *out, const runoff_scenario *s, const runoff_result *r);
int runoff_write_regions_csv(FILE *out, const runoff_scenario *s, const runoff_result *r);
int runoff_write_json(FILE *out, const runoff_scenario *s, const runoff_result *r);
/* The JSON document runoff_write_json writes, in memory: malloc'd,
 * NUL-terminated, its length in *len if len is not NULL; NULL when memory
 * ran out (errno ENOMEM) or s and r are not a pair (EINVAL). */
char *runoff_json_string(const runoff_scenario *s, const runoff_result *r, size_t *len);
/* Release a string the library returned as "malloc'd"; NULL is a no-op. */
void runoff_string_free(char *text);

/* The dynamic poll model's latent trend (aggregation.method: dynamic),
 * as a long-format CSV for plotting. Header:
 *   kind,date,pollster,estimate,sd,q05,q25,q50,q75,q95,raw,adjusted
 * Every share is A's share of the two-way vote in percent, "%.17g".
 *  - kind "trend": one row per day (date YYYY-MM-DD) from the first
 *    fieldwork day of the polls used to the election date (or the last
 *    fieldwork day, if later); estimate =
 *    expit(m) = q50, where m and sd_m are the posterior mean and sd of
 *    the latent logit share that day; sd = 100 sd_m p(1-p) (delta
 *    method); q05..q95 = expit(m + z sd_m) for the normal quantile z of
 *    each level, so q05-q95 is the 90 % band and q25-q75 the 50 % band.
 *    pollster, raw and adjusted are empty.
 *  - kind "poll": one row per poll the model used (after as_of and the
 *    rolling rule), in scenario order; date is the fieldwork midpoint,
 *    rounded down to a day; raw is the published two-way share, adjusted
 *    the share with the fitted house and population effects removed.
 *    estimate..q95 are empty.
 * The days after the last poll carry the random walk's drift, so their sd
 * grows towards the election date. r must be the result of s.
 * Returns 0, or -1 with errno set: EINVAL (writing nothing) when s has no
 * trend (runoff_trend_csv_refusal(s) != NULL) or r holds none, else the
 * write error. */
int runoff_write_trend_csv(FILE *out, const runoff_scenario *s, const runoff_result *r);
/* Why s cannot have a trend CSV ("needs aggregation.method: dynamic",
 * "needs polls (the scenario has none)"), or NULL when it can; lets a
 * caller refuse before simulating. The string is static. */
const char *runoff_trend_csv_refusal(const runoff_scenario *s);

/* The polling average and the table of polls with their weights and house
 * effects, without simulating (runoff check). Returns RUNOFF_OK, the
 * averaging error (e.g. no poll left after as_of), or RUNOFF_ERUNTIME if a
 * write failed. */
runoff_status runoff_write_poll_table(FILE *out, const runoff_scenario *s, runoff_error *err);

/* ------------------------------------------------------------- sweeps */

/* A grid of scenario variants: each axis is a key path (as for
 * runoff_doc_set) and a list of values; the points are the cartesian
 * product of the axes (first axis slowest), or with zip the i-th value of
 * every axis. Every point is simulated with the same seed, hence the same
 * random streams (common random numbers). */
typedef struct runoff_sweep runoff_sweep;

#define RUNOFF_SWEEP_MAX_POINTS 100000

runoff_sweep *runoff_sweep_alloc(void);
void runoff_sweep_free(runoff_sweep *sw);
/* Add an axis from "KEY=SPEC": SPEC is start:stop:step (numbers, stop
 * included, step > 0), a date range YYYY-MM-DD:YYYY-MM-DD:Nd, or a list
 * a,b,c. Errors name "--vary" and the column in the text. */
runoff_status runoff_sweep_add(runoff_sweep *sw, const char *vary, runoff_error *err);
/* Add the axes declared in the document's `sweep:` section, if any (the
 * command-line axes come after them). */
runoff_status runoff_sweep_add_from_doc(runoff_sweep *sw, const runoff_doc *doc,
                                        runoff_error *err);
void runoff_sweep_set_zip(runoff_sweep *sw, int zip);
/* The most points runoff_sweep_finish accepts in the grid (0, the
 * default: RUNOFF_SWEEP_MAX_POINTS). A sweep split into N shards raises it
 * N times: each shard still runs at most RUNOFF_SWEEP_MAX_POINTS. */
void runoff_sweep_set_max_points(runoff_sweep *sw, size_t max_points);
/* Check the axes (zip lengths, point-count limit) and count the points. */
runoff_status runoff_sweep_finish(runoff_sweep *sw, runoff_error *err);
size_t runoff_sweep_n_points(const runoff_sweep *sw);
size_t runoff_sweep_n_axes(const runoff_sweep *sw);
/* The scenario of point i: the point's values are applied to doc in place
 * (runoff_doc_set), then the document is validated. Every point sets the
 * same keys, so the result does not depend on which point doc held before
 * (no copy of a large document per point). An error's message starts
 * "sweep point N of M: " (N from 1), then, for a value the point set, its
 * assignments "KEY=VALUE, ...: ". */
runoff_scenario *runoff_sweep_scenario(const runoff_sweep *sw, runoff_doc *doc, size_t point,
                                       runoff_error *err);
/* Simulate points first .. n_points-1 and hand each result to on_row, in
 * point order, one call at a time; results are freed after the call.
 * With T threads (opt->threads, 0 = online cores) and P points to run,
 * min(T, P) points run at once, each on max(1, T / min(T, P)) threads
 * (a point's result does not depend on its thread count, so the rows are
 * the same bytes as running the points one by one); with opt->on_draw
 * the points run one at a time. doc is modified as by
 * runoff_sweep_scenario. opt->progress, if set, is called one call at a
 * time with progress over the whole run, RUNOFF_SWEEP_PROGRESS_UNIT per point;
 * non-zero cancels (RUNOFF_ERUNTIME "interrupted"). A non-zero return
 * from on_row stops the run (RUNOFF_ERUNTIME "the row could not be
 * written"). When point i fails, the points before it are finished and
 * written and the error is point i's (the lowest failing point), as if the
 * points ran one by one. Returns RUNOFF_OK or that error; *rows is set to
 * the number of rows on_row accepted. */
#define RUNOFF_SWEEP_PROGRESS_UNIT 1000000u
typedef int (*runoff_sweep_row_fn)(void *ctx, size_t point, const runoff_scenario *s,
                                   const runoff_result *r);
runoff_status runoff_sweep_run(const runoff_sweep *sw, runoff_doc *doc, size_t first,
                               const runoff_sim_options *opt, runoff_sweep_row_fn on_row,
                               void *ctx, size_t *rows, runoff_error *err);
/* The same for points first .. end-1 only (a shard of the sweep:
 * runoff_shard_begin gives its range). */
runoff_status runoff_sweep_run_range(const runoff_sweep *sw, runoff_doc *doc, size_t first,
                                     size_t end, const runoff_sim_options *opt,
                                     runoff_sweep_row_fn on_row, void *ctx, size_t *rows,
                                     runoff_error *err);
/* Sweep CSV: the header, the key columns of one point (with the trailing
 * comma), and a full row. Return 0, or non-zero if a write failed. */
int runoff_write_sweep_header(FILE *out, const runoff_sweep *sw);
int runoff_write_sweep_keys(FILE *out, const runoff_sweep *sw, size_t point);
int runoff_write_sweep_row(FILE *out, const runoff_sweep *sw, size_t point,
                           const runoff_scenario *s, const runoff_result *r);

/* ---------------------------------------------------------- back-tests */

/*
 * A back-test scores forecasts of A's share of valid votes against the
 * scenario's actual share (`actual.shares`): the model's (the simulated
 * distribution) and two naive baselines the engine computes from the same
 * polls (docs/model.md, "Back-tests"). Every share, interval bound and
 * CRPS is a fraction (0..1; x100 for percent or points); a number that
 * cannot be computed is NAN.
 */

/* How one forecast scored. */
typedef struct {
    double median;
    double q25, q75;            /* the central 50 % interval */
    double q05, q95;            /* the central 90 % interval */
    double win_probability;     /* P(A's share > 1/2) */
    double win_probability_se;  /* Monte Carlo standard error; 0 for a baseline (exact) */
    double pit;                 /* the forecast CDF at the actual share */
    double crps;                /* continuous ranked probability score, lower is better */
    double brier;               /* (win_probability - 1{A won})^2 */
    int covered50, covered90;   /* 1 if that central interval holds the actual share */
} runoff_backtest_scores;

/* A naive baseline: the plain mean of some polls' two-way shares for A,
 * spread by the scenario's systematic polling error and the polls'
 * sampling error. With n_polls == 0 (no poll ends on or before the
 * reference date) every number is NAN. */
typedef struct {
    size_t n_polls;             /* polls averaged */
    int fallback;               /* final week only: no poll ended in the week, so these are
                                   the polls of the latest end date */
    double share;               /* their mean two-way share for A */
    double sample;              /* their total sample */
    double sd;                  /* sd of the forecast: sqrt(scale^2 + share(1-share)/sample) */
    double df;                  /* Student-t degrees of freedom; INFINITY = normal */
    runoff_backtest_scores scores;
} runoff_backtest_baseline;

/* How the regional forecast scored against actual.regions (n == 0 when
 * the scenario has none, or no regions). */
typedef struct {
    size_t n;                   /* regions with an actual share */
    double pit_mean;            /* 0.5 if calibrated */
    size_t pit_decile[10];      /* PITs in [0,.1), [.1,.2), ..., [.9,1] */
    double covered[4];          /* fraction of the n inside their central 50, 80,
                                   90 and 95 % intervals */
    double brier_mean;          /* of the calls "A carries the region" */
    double carried_actual;      /* regions A carried; NAN unless all have a result */
    double carried_q05, carried_q95; /* 90 % interval of the regions A carries */
} runoff_backtest_regions;

/* One scenario's back-test. */
typedef struct {
    double actual;              /* A's actual share */
    int a_won;                  /* actual > 1/2 */
    char reference_date[11];    /* YYYY-MM-DD the polls are read as of ("" without polls) */
    uint64_t draws, seed;       /* of the model's run */
    runoff_backtest_scores model;
    runoff_backtest_baseline final_week; /* polls ending in the 7 days up to the reference date */
    runoff_backtest_baseline last_poll;  /* the polls of the latest end date */
    runoff_backtest_regions regions;     /* the regions as simulated */
    runoff_backtest_regions regions_conditional; /* with the national share held at
                                                    the actual one (docs/model.md §8) */
} runoff_backtest_row;

/* 1 if the scenario gives an actual share for A (`actual.shares`), else 0:
 * whether runoff_backtest_score can score it. */
int runoff_backtest_has_actual(const runoff_scenario *s);

/* Score result r of scenario s (the pair runoff_simulate returned) and the
 * two baselines of s against s's actual share, into *row (overwritten).
 * The model's numbers are the ones the writers print for r (e.g.
 * win_probability is runoff_result_win_probability(r, 0)); the baselines
 * read the polls as of the model's own reference date and are computed in
 * closed form, without sampling. Returns RUNOFF_OK, or RUNOFF_EINPUT when
 * s has no actual share or r is not s's. Allocates nothing. */
runoff_status runoff_backtest_score(const runoff_scenario *s, const runoff_result *r,
                                    runoff_backtest_row *row, runoff_error *err);

/* Running totals of one forecast over scenarios: means are sums / n. */
typedef struct {
    size_t n;                   /* scenarios where the forecast was defined */
    double crps_sum, brier_sum;
    size_t covered50, covered90;
} runoff_backtest_tally;

/* Totals over back-tested scenarios; start from {0}. */
typedef struct {
    size_t n_scenarios;
    runoff_backtest_tally model, final_week, last_poll;
} runoff_backtest_summary;

void runoff_backtest_summary_add(runoff_backtest_summary *sum, const runoff_backtest_row *row);

/* Back-test writers; each returns 0, or non-zero if a write failed (errno
 * set). Text: a block per scenario (shares in percent, CRPS in points),
 * then the summary. CSV: one row per scenario, the scenario's file, name
 * and actual share, then model_*, final_week_* and last_poll_* columns
 * (fractions; names in docs/model.md). */
int runoff_write_backtest_row(FILE *out, const runoff_scenario *s, const runoff_backtest_row *row);
int runoff_write_backtest_summary(FILE *out, const runoff_backtest_summary *sum);
int runoff_write_backtest_csv_header(FILE *out);
int runoff_write_backtest_csv_row(FILE *out, const runoff_scenario *s,
                                  const runoff_backtest_row *row);

/* --------------------------------------------------------- calibration */

/* The regional error (docs/model.md §5: sd, transfer_sd and one sd shared
 * by every region group) fitted by restricted maximum likelihood on past
 * elections: each scenario needs a first round, transfers and
 * actual.regions (regions without an actual share are left out); the
 * groups are read from each scenario's regional_error.groups, and every
 * scenario must declare the same group names. The scenarios' own sds are
 * ignored. Returns NULL with err set (RUNOFF_EINPUT: a scenario that
 * cannot be used, saying why; RUNOFF_ERUNTIME: the fit did not converge;
 * RUNOFF_ENOMEM). */
typedef struct runoff_calibration runoff_calibration;
runoff_calibration *runoff_calibrate(const runoff_scenario *const *scenarios, size_t n,
                                     runoff_error *err);
void runoff_calibration_free(runoff_calibration *c);

/* The fitted values as a YAML fragment holding a complete regional_error
 * section (the groups of the first scenario, each with the shared group
 * sd), with the standard errors and the fitted files (names[0..n), may be
 * NULL) in comments. Returns 0, or non-zero if a write failed. */
int runoff_write_calibration(FILE *out, const runoff_calibration *c, const char *const *names,
                             size_t n);

/* What the fit leaves unexplained, as CSV (docs/outputs.md, "Calibration
 * residuals"): one row per region used, election by election, with the
 * actual share, the share the fitted model expected (mean transfer rows,
 * the fitted lean, the election's fitted uniform swing), their difference
 * on the logit scale, its fitted sd and the ratio of the two. scenarios
 * and names (may be NULL) are the n scenarios fitted, in order. Returns
 * 0, or -1 (errno EINVAL when n is not the number fitted; else a write
 * failed). */
int runoff_write_calibration_residuals(FILE *out, const runoff_calibration *c,
                                       const runoff_scenario *const *scenarios,
                                       const char *const *names, size_t n);

/* ------------------------------------------------------- sensitivity */

/* What decides the outcome: each uncertain input moved down and up by a
 * stated amount (docs/model.md, "Sensitivity"), every variant simulated
 * with the same seed and draws as the baseline (common random numbers),
 * so a difference is the input's effect and not noise. Changes are in
 * P(A wins) and A's median share (fractions), each with the Monte Carlo
 * standard error of the difference: for P, from the paired draws; for the
 * median, from SENS_BATCHES batch means of the paired draws. */
typedef struct {
    char label[320];            /* the input in words */
    char key[256];              /* the key path moved ("polls.*.shares" for all polls) */
    char unit[32];              /* of base/low/high: "points", "logit" ... */
    double base, low, high;     /* the input's value and the two values tried */
    double p_low, p_high;       /* change in P(A wins) at low and at high */
    double p_low_se, p_high_se;
    double m_low, m_high;       /* change in A's median share */
    double m_low_se, m_high_se;
    size_t rank_p, rank_m;      /* 1 = largest max(|p_low|, |p_high|), resp. median */
} runoff_sensitivity_input;

typedef struct {
    runoff_scenario *scenario;  /* the baseline, validated (owned) */
    runoff_result *result;      /* its run (owned) */
    double p_base, m_base;      /* P(A wins) and A's median share, per draw */
    uint64_t draws, seed;
    runoff_sensitivity_input *inputs;  /* n, ordered by rank_p */
    size_t n;
} runoff_sensitivity;

/* Run the analysis on doc (borrowed; opt's draws, seed and threads as for
 * a run). NULL with err set on failure (a variant that does not validate
 * names its key). Free with runoff_sensitivity_free (NULL allowed). */
runoff_sensitivity *runoff_sensitivity_run(const runoff_doc *doc, const runoff_sim_options *opt,
                                           runoff_error *err);
void runoff_sensitivity_free(runoff_sensitivity *sa);
/* The ranked table, for people; the CSV, one row per input (columns in
 * docs/outputs.md). 0, or -1 with errno set if a write failed. */
int runoff_write_sensitivity(FILE *out, const runoff_sensitivity *sa);
int runoff_write_sensitivity_csv(FILE *out, const runoff_sensitivity *sa);

/* ------------------------------------------------------ report page */

/* Outlines for the page's map, read from the GeoJSON file the scenario
 * names under map: (a path relative to the directory of scenario_path, the
 * file the scenario was read from; NULL or "-" for the working directory).
 * NULL with err set when the scenario has no map, the file cannot be read
 * or is not a FeatureCollection of polygons with unique codes. */
typedef struct runoff_map runoff_map;
int runoff_scenario_has_map(const runoff_scenario *s); /* 1 if map: is given */
runoff_map *runoff_map_load(const runoff_scenario *s, const char *scenario_path,
                            runoff_error *err);
size_t runoff_map_count(const runoff_map *m);
void runoff_map_free(runoff_map *m);  /* NULL is a no-op */

/* One self-contained HTML page (inline CSS and SVG, nothing fetched): the
 * headline, the distribution of A's share, the polls with the trend when
 * the poll model is dynamic, a map of per-region win probability when map
 * is not NULL (regions joined on geo_code; regions without an outline as
 * labelled boxes), the per-region table, sources, date and version.
 * Returns 0, or -1 with errno set if a write failed. */
int runoff_write_html(FILE *out, const runoff_scenario *s, const runoff_result *r,
                      const runoff_map *map);
/* The same page with the sensitivity (tornado) chart and table of sa,
 * whose baseline it shows. */
int runoff_write_html_sensitivity(FILE *out, const runoff_sensitivity *sa, const runoff_map *map);

#ifdef __cplusplus
}
#endif

#endif /* RUNOFF_H */
