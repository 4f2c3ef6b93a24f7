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
 *    the writers take both and expect the pair that produced the result.
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

/* Print suspicious-but-legal settings to out, one line each
 * ("runoff: file:line:column: warning: ..."); returns how many. Today: a
 * systematic polling error of 0 on a scenario that uses its polls. */
int runoff_scenario_warnings(const runoff_scenario *s, FILE *out);

/* The scenario's name and a finalist's id (0 = A, 1 = B); borrowed. */
const char *runoff_scenario_name(const runoff_scenario *s);
const char *runoff_scenario_finalist_id(const runoff_scenario *s, int finalist);

/* --------------------------------------------------------- simulation */

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
    /* Optional: called for each draw, in draw order, by the driver
     * thread (used by --draws-csv). Slows the run; may be NULL. */
    int (*on_draw)(void *ctx, uint64_t index, const double *national,
                   const double *regional);
    void *on_draw_ctx;
} runoff_sim_options;

typedef struct runoff_result runoff_result;

runoff_result *runoff_simulate(const runoff_scenario *s, const runoff_sim_options *opt,
                               runoff_error *err);
void runoff_result_free(runoff_result *r);

/* A few headline numbers, for programs that do not want the writers. */
uint64_t runoff_result_draws(const runoff_result *r);
double runoff_result_win_probability(const runoff_result *r, int finalist /* 0=A,1=B */);
double runoff_result_share_quantile(const runoff_result *r, double q); /* A's share, 0..1 */

/* ------------------------------------------------------------ writers */

/* Each returns 0 on success, non-zero if a write failed (errno set). */
int runoff_write_report(FILE *out, const runoff_scenario *s, const runoff_result *r);
int runoff_write_csv(FILE *out, const runoff_scenario *s, const runoff_result *r);
int runoff_write_histogram_csv(FILE *out, const runoff_scenario *s, const runoff_result *r);
int runoff_write_regions_csv(FILE *out, const runoff_scenario *s, const runoff_result *r);
int runoff_write_json(FILE *out, const runoff_scenario *s, const runoff_result *r);

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

#ifdef __cplusplus
}
#endif
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

#endif /* RUNOFF_H */
