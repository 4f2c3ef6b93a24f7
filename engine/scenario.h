/*
 * scenario.h — the validated scenario, as every engine module sees it.
 *
 * Invariants (established by ro_scenario validation in scenario.c and
 * transfers.c, relied on everywhere else without re-checking):
 *  - exactly two finalists, distinct ids; index 0 is "A", index 1 is "B";
 *  - every poll: end >= start, sample > 0, shares in [0,100] with
 *    share_a + share_b > 0; two_way_a = share_a / (share_a + share_b);
 *  - dates are days since 1970-01-01 (proleptic Gregorian, see date.h);
 *  - all doubles are finite; fractions are in [0,1]; percentages given in
 *    the file are converted to fractions here, except where a field says
 *    "points" (1 point = 0.01);
 *  - transfers: one row per first-round option (defaults applied), each
 *    mean[] sums to 1 within 1e-12 after the ±0.5-point rounding check;
 *  - regions: votes[o] >= 0 and sum over options == registered (within the
 *    rounding tolerance documented in docs/scenario.md);
 *  - arrays are owned by the scenario and freed by runoff_scenario_free().
 * The simulation borrows a scenario and never modifies it.
 */
#ifndef RO_SCENARIO_H
#define RO_SCENARIO_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runoff.h"

/* Defaults with a derivation in docs/model.md (§1b, §2). */
#define RO_DEFAULT_ERROR_SCALE 0.03  /* systematic polling error sd, fraction */
#define RO_DEFAULT_HOUSE_SD 0.05     /* prior sd of a house effect, logit */
#define RO_DEFAULT_MAX_SAMPLE 2000.0 /* cap on one poll's sample (dynamic) */
/* The sample of a poll that gives none when no poll of the scenario gives
 * one (otherwise their median); reasoning in docs/scenario.md, "polls". */
#define RO_DEFAULT_POLL_SAMPLE 1000.0

#define RO_ID_MAX 64
#define RO_MAX_OPTIONS 256 /* first-round options (docs/scenario.md, "Limits") */
#define RO_NAME_MAX 128

typedef struct {
    int line, column; /* 1-based, 0 = unknown */
} ro_pos;

/* The scenario's named choices. Each enum ends in its count, and its
 * names as a scenario spells them are ro_<enum>_names[value], NULL after
 * the last so that the loader reads the key with the same table
 * (ro_value_get_enum) and the writers print it from there. scenario.c
 * defines the tables with designated initialisers and checks their size
 * against the count; test_scenario loads every name and checks that it
 * gives its own value, so a missing or misplaced name fails a test. */
typedef enum { RO_POP_LIKELY, RO_POP_REGISTERED, RO_POP_ADULTS, RO_POP_COUNT } ro_population;
typedef enum { RO_ROLLING_LATEST, RO_ROLLING_ALL, RO_ROLLING_COUNT } ro_rolling_rule;
typedef enum { RO_HOUSE_ESTIMATE, RO_HOUSE_NONE, RO_HOUSE_FIXED, RO_HOUSE_COUNT } ro_house_mode;
/* 0 is the exponential average so that scenarios built in code keep it;
 * the loader's default is RO_AGG_DYNAMIC (docs/scenario.md). */
typedef enum { RO_AGG_EXPONENTIAL = 0, RO_AGG_DYNAMIC = 1, RO_AGG_COUNT } ro_agg_method;
typedef enum { RO_ERRDIST_NORMAL, RO_ERRDIST_STUDENT_T, RO_ERRDIST_COUNT } ro_error_dist;
typedef enum { RO_BLEND_POLLS, RO_BLEND_TRANSFERS, RO_BLEND_MIX, RO_BLEND_COUNT } ro_blend_mode;
typedef enum {
    RO_OPT_CANDIDATE,
    RO_OPT_ABSTENTION,
    RO_OPT_BLANK_NULL,
    RO_OPT_COUNT
} ro_option_kind;

extern const char *const ro_population_names[RO_POP_COUNT + 1];
extern const char *const ro_rolling_rule_names[RO_ROLLING_COUNT + 1];
extern const char *const ro_house_mode_names[RO_HOUSE_COUNT + 1];
extern const char *const ro_agg_method_names[RO_AGG_COUNT + 1];
extern const char *const ro_error_dist_names[RO_ERRDIST_COUNT + 1];
extern const char *const ro_blend_mode_names[RO_BLEND_COUNT + 1];
extern const char *const ro_option_kind_names[RO_OPT_COUNT + 1];

typedef struct {
    char id[RO_ID_MAX];
    char name[RO_NAME_MAX];
} ro_finalist;

typedef struct {
    char id[RO_ID_MAX];     /* "" = none given; unique among the polls that give one */
    char pollster[RO_NAME_MAX];
    int32_t start, end;     /* fieldwork, days since epoch */
    double sample;          /* decided sample size (base of the shares); the
                               scenario's default_sample when none was given */
    bool sample_default;    /* sample is the default, not the poll's own */
    bool has_undecided;
    double undecided;       /* percent, as published; share_a + share_b +
                               undecided <= 100.5; informational */
    double share_a, share_b;/* as published, percent */
    double two_way_a;       /* share_a / (share_a + share_b), fraction */
    ro_population population;
    bool rolling;
    ro_pos pos;             /* position of the poll's mapping in the file */
} ro_poll;

typedef struct {
    char pollster[RO_NAME_MAX];
    double effect;          /* fraction added to A's two-way share by this pollster */
} ro_house_value;

typedef struct {
    ro_agg_method method;
    double half_life_days;      /* > 0 (exponential) */
    bool has_as_of;
    int32_t as_of;              /* polls with end > as_of are ignored */
    ro_rolling_rule rolling;
    ro_house_mode house;
    double house_shrinkage;     /* >= 0, in "polls" (see docs/model.md) */
    ro_house_value *house_fixed;/* house == RO_HOUSE_FIXED */
    size_t n_house_fixed;
    double design_effect;       /* >= 1 */
    /* dynamic only (docs/model.md §1b) */
    double daily_sd;            /* random walk sd per day, logit; NAN = estimate */
    double poll_sd;             /* non-sampling sd of a poll, logit; NAN = estimate */
    double house_sd;            /* prior sd of a house effect, logit, > 0 */
    double max_sample;          /* cap on a poll's sample, >= 1 */
} ro_aggregation;

typedef struct {
    ro_error_dist dist;
    double df;                  /* student_t only, > 2 */
    double scale;               /* standard deviation, fraction (points/100) */
    ro_pos scale_pos;           /* where scale was given; 0:0 = the default */
} ro_polling_error;

typedef struct {
    bool given;
    double mean;                /* fraction of registered voters, (0,1) */
    double sd;                  /* fraction, sd^2 < mean(1-mean) */
} ro_turnout;

typedef struct {
    uint64_t draws;             /* >= 1 */
    uint64_t seed;
    uint32_t block_size;        /* draws per work unit, >= 1 */
} ro_simulation;

/* ---- first round, transfers, regions (optional: n_options == 0 means the
 * scenario is national-only) ---- */

typedef struct {
    char id[RO_ID_MAX];
    char name[RO_NAME_MAX];
    ro_option_kind kind;
} ro_option;

typedef struct {
    char code[RO_ID_MAX];
    char name[RO_NAME_MAX];
    char geo_code[RO_ID_MAX];   /* the outline's code to join on (map:);
                                   the region code when not given */
    double registered;          /* > 0 */
    int group;                  /* index into regional_error.groups, -1 = none */
    ro_pos pos;
} ro_region;

/* Where one first-round option's voters go: A, B, or none. */
enum { RO_TO_A = 0, RO_TO_B = 1, RO_TO_NONE = 2 };

typedef struct {
    double mean[3];             /* fractions, sum 1 */
    double concentration;       /* Dirichlet alpha = concentration * mean;
                                   INFINITY = no uncertainty */
    ro_pos pos;
} ro_transfer;

/* Whether the model draws nothing for a row: an infinite concentration,
 * or a single non-zero share (docs/model.md §4). The model and the
 * calibrator's covariance of the draws both go by this. */
static inline bool ro_transfer_fixed(const ro_transfer *t)
{
    return isinf(t->concentration) ||
           (t->mean[0] > 0) + (t->mean[1] > 0) + (t->mean[2] > 0) <= 1;
}

typedef struct {
    char name[RO_NAME_MAX];
    double sd;                  /* logit-scale sd of the group's common shift */
} ro_region_group;

typedef struct {
    double sd;                  /* logit-scale sd of each region's own deviation */
    double transfer_sd;         /* logit-scale sd of a region's deviation from a
                                   national row's A-vs-B split, per option
                                   (docs/model.md §5); 0 = none */
    double local_lean;          /* how far every electorate's split leans to the
                                   finalist who is locally stronger in the first
                                   round (docs/model.md §5); 0 = none */
    double local_lean_sd;       /* the lean's own uncertainty: each draw
                                   leans by local_lean + local_lean_sd Z, to
                                   first order (docs/model.md §5); 0 = none */
    ro_region_group *groups;
    size_t n_groups;
} ro_regional_error;

typedef struct {
    ro_blend_mode mode;
    double weight;              /* RO_BLEND_MIX: weight of the polls, [0,1] */
} ro_blend;

/* Fraction of the "none" column that goes to the polls and casts a blank
 * or null ballot (the rest abstains), Beta-distributed. */
typedef struct {
    double mean;                /* (0,1) */
    double concentration;       /* Beta(c*mean, c*(1-mean)); INFINITY = fixed */
} ro_blank_null;

typedef struct {
    bool has_share;
    double share_a;             /* A's share of valid votes, fraction */
    bool has_turnout;
    double turnout;             /* voters / registered, fraction */
    bool has_blank_null;
    double blank_null;          /* (blank + null) / voters, fraction */
    double *region_share_a;     /* [n_regions], NAN where not given; NULL if none */
} ro_actual;

/* map: the outline file the report page draws (optional; needs regions).
 * The file is not read by the loader: the path is as written, relative to
 * the scenario's directory (runoff_map_load resolves it). */
typedef struct {
    bool given;
    char file[512];
    char code_property[RO_ID_MAX];  /* feature property joined to geo_code */
    char attribution[512];          /* credit line printed under the map */
    ro_pos pos;
} ro_map_spec;

struct runoff_scenario {
    char source[512];           /* display name of the file */
    uint64_t doc_hash;          /* runoff_doc_hash of the document validated
                                   (overrides applied): outputs' provenance */
    char name[RO_NAME_MAX];
    int32_t election_date;
    ro_finalist finalist[2];
    double registered;          /* 0 = not given */

    ro_poll *polls;
    size_t n_polls;
    char polls_file[512];       /* the CSV table the polls came from (display
                                   name, relative to the working directory);
                                   "" = the scenario itself */
    double default_sample;      /* the sample of a poll that gives none
                                   (docs/scenario.md, "polls"); 0 when every
                                   poll gives one */
    size_t n_default_sample;    /* polls that take it */
    size_t n_sample_given;      /* polls whose samples set it (0: the constant) */
    size_t n_excluded;          /* polls left out by aggregation.exclude (not
                                   in polls[]) */
    ro_aggregation aggregation;
    ro_polling_error polling_error;
    ro_turnout turnout;
    ro_simulation simulation;

    ro_option *options;         /* first-round options */
    size_t n_options;
    bool first_round_national;  /* first_round.national: regions[0] is the
                                   whole country, never reported as a region */
    ro_region *regions;
    size_t n_regions;
    double *votes;              /* [n_options * n_regions], option-major:
                                   votes[o * n_regions + r] */
    ro_transfer *transfers;     /* [n_options], index-aligned with options */
    ro_regional_error regional_error;
    ro_blend blend;
    ro_blank_null blank_null;

    ro_actual actual;

    runoff_warning *warnings;   /* found by the loader (warnings.h) */
    size_t n_warnings;
    ro_map_spec map;
};

/* An empty scenario with every default filled in (see docs/scenario.md);
 * used by the loader before it reads the file, and by tests that build
 * scenarios in code. Free with runoff_scenario_free(). */
runoff_scenario *ro_scenario_alloc_defaults(void);

/* Whether the national level comes from the polls: every scenario except
 * one with a first round and blend: transfers (the loader then does not
 * require polls, and the model does not draw from them). */
bool ro_scenario_uses_polls(const runoff_scenario *s);

/* "N polls give no sample size and count as X (the median of the M that
 * do)" or "(none gives one: the default X)", for check and the report;
 * only meaningful when n_default_sample > 0. A static buffer, overwritten
 * by the next call. */
const char *ro_scenario_default_sample_text(const runoff_scenario *s);

/* The regions a result of s reports: n_regions, or 0 when the one
 * electorate is the whole country (first_round.national). */
size_t ro_scenario_reported_regions(const runoff_scenario *s);

/* The first-round option whose id is finalist f's (0 = A, 1 = B), or -1. */
long ro_scenario_finalist_option(const runoff_scenario *s, int finalist);

#endif /* RO_SCENARIO_H */
