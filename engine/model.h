/*
 * model.h — one simulated election (docs/model.md).
 *
 * ro_model holds everything precomputed from a scenario (the polling
 * average, the error scale, region vote matrices laid out for the inner
 * loop); it is immutable after ro_model_alloc and shared by all threads.
 * ro_workspace is per thread, allocated once; ro_model_draw allocates
 * nothing.
 */
#ifndef RO_MODEL_H
#define RO_MODEL_H

#include <stdint.h>

#include "polls.h"
#include "scenario.h"
#include "variates.h"

/* The national draws (polling error, national-only turnout) are made a
 * block of this many draws at a time, from one stream per block
 * (docs/model.md §7): a constant of the model, so a draw's numbers never
 * depend on the thread or the driver's blocks. */
#define RO_NATIONAL_BLOCK 1000

typedef struct ro_model ro_model;
typedef struct ro_workspace ro_workspace;

/* What one draw yields. Values a scenario cannot produce are NAN
 * (e.g. turnout in a national-only scenario without a turnout section,
 * votes without a registered count). */
typedef struct {
    double share_a;         /* A's share of valid votes, (0,1) */
    double turnout;         /* voters / registered */
    double blank_null;      /* (blank + null) / voters */
    double votes_a, votes_b;/* vote counts (not rounded) */
    double margin;          /* (votes_a - votes_b) / registered */
    int winner;             /* 0 = A, 1 = B (share_a == 0.5 exactly: B never;
                               counted as a tie by the driver, winner = -1) */
    uint32_t regions_a;     /* regions where A's share > 0.5 */
    const double *region_share_a; /* [n_regions], valid until next draw; NULL if none */
} ro_draw;

/* The model of scenario s, or NULL with *err set: out of memory, no poll
 * to average, or a turnout no Beta has (sd^2 >= mean(1-mean), which the
 * loader refuses already). */
ro_model *ro_model_alloc(const runoff_scenario *s, runoff_error *err);
void ro_model_free(ro_model *m);

/* The polling average the model uses (for reports); NULL when the
 * scenario has no polls (blend: transfers without polls). */
const ro_poll_average *ro_model_poll_average(const ro_model *m);
/* Move the average's arrays (polls, house effects, trend) to *out, for the
 * result; the model keeps mean and sd, all its draws need. *out is zeroed
 * when the scenario has no polls. */
void ro_model_take_poll_average(ro_model *m, ro_poll_average *out);
size_t ro_model_n_regions(const ro_model *m);

/* Anchor every later draw's national share to `share` (in (0,1)) instead
 * of drawing it: the regions conditional on a known national result, which
 * isolates the regional model when it is scored (docs/model.md §8). The
 * blend mode is then ignored (as if blend: polls with that share); every
 * other component draws the same numbers as without conditioning. NAN
 * undoes it. Call before the model is shared between threads. */
void ro_model_condition(ro_model *m, double share);
bool ro_model_has_turnout(const ro_model *m);

/* The gamma shapes of one draw's transfer matrix, in the order they are
 * drawn (fixed rows and zero shares have none), and the ziggurat table
 * they are drawn with; borrowed. For bench/bench_model.c. */
size_t ro_model_gamma_shapes(const ro_model *m, const ro_gamma_shape **shapes);
const ro_ziggurat *ro_model_ziggurat(const ro_model *m);

/* Every random variate the model takes, counted from the model itself (the
 * same tests ro_model_draw makes), with the samplers' parameters: what
 * bench/bench_floor.c draws to measure the model's random-number floor.
 *
 * Once per block of RO_NATIONAL_BLOCK draws (national_block in model.c):
 * the polls block stream (block_normals normals, then block_gammas gammas
 * of shape *t_gamma), then, for a national-only turnout, the turnout block
 * stream (RO_NATIONAL_BLOCK gammas of *turnout_ga then as many of
 * *turnout_gb, or RO_NATIONAL_BLOCK gsl_ran_beta(turnout_a, turnout_b)
 * when turnout_ga is NULL).
 * Once per draw of a regional model: transfers (the gammas of
 * ro_model_gamma_shapes), regions (group normals, region normals, then the lean's normal),
 * turnout (the blank/null Beta, then the turnout Beta, with gsl_ran_beta). */
typedef struct {
    size_t block_normals;           /* 0 (no polls used), B (scale 0) or 2 B */
    size_t block_gammas;            /* student_t: B */
    const ro_gamma_shape *t_gamma;
    bool block_turnout;             /* national-only turnout Betas */
    const ro_gamma_shape *turnout_ga, *turnout_gb;
    size_t transfer_gammas;         /* Dirichlet gammas (0: national-only) */
    size_t group_normals, region_normals;
    size_t lean_normals;            /* 1 with local_lean_sd, after the region normals */
    bool blank_beta, turnout_beta;  /* per draw, gsl_ran_beta(a, b) */
    double blank_a, blank_b, turnout_a, turnout_b;
} ro_model_variates;

void ro_model_count_variates(const ro_model *m, ro_model_variates *v);

ro_workspace *ro_workspace_alloc(const ro_model *m);
void ro_workspace_free(ro_workspace *w);

/* Simulate draw number `index` of the run with this seed. Deterministic in
 * (model, seed, index). The workspace caches the national draws of one
 * block of RO_NATIONAL_BLOCK draws: draws in order cost one block fill per
 * RO_NATIONAL_BLOCK draws, a draw from another block a fill of its own. */
void ro_model_draw(const ro_model *m, ro_workspace *w, uint64_t seed, uint64_t index,
                   ro_draw *out);

/* Draws index .. index + n' - 1 of a national-only model (no regions) as
 * arrays, each value the same bits as ro_model_draw's: n' = the return
 * value, at least 1 and at most n (n >= 1), the draws up to the end of
 * index's block of RO_NATIONAL_BLOCK. The arrays are borrowed from the
 * workspace (valid until its next use); an array is NULL where every value
 * of it would be NAN. The driver accumulates them a run at a time. */
typedef struct {
    const double *share_a;  /* [n'], NULL never */
    const double *turnout;  /* [n'] or NULL */
    const double *margin;   /* [n'] or NULL */
    uint64_t wins[2];       /* draws won by A (share > 1/2) and by B (< 1/2);
                               the rest are ties (winner -1) */
} ro_draw_run;

size_t ro_model_draw_run(const ro_model *m, ro_workspace *w, uint64_t seed, uint64_t index,
                         size_t n, ro_draw_run *out);

/* exp(x) within 2e-15 relative for |x| <= 700 (clamped beyond): the
 * fast exponential of the regional deviations (docs/model.md §5). */
double ro_exp(double x);

/* The bounded share map (docs/model.md): identity on [RO_SHARE_LO,
 * 1 - RO_SHARE_LO], smooth exponential tails, monotone, maps R into (0,1)
 * and 0.5 to 0.5. */
#define RO_SHARE_LO 0.02
double ro_share_bound(double y);

#endif /* RO_MODEL_H */
