/*
 * model.c — one simulated election: the national polling error, and, when
 * the scenario has a first round, transfers, regional deviations and the
 * anchoring of the regions to a national level (docs/model.md §2-§6).
 *
 * ro_model_alloc does everything that does not depend on the draw (the
 * polling average, Beta parameters, the vote matrix re-laid out option-
 * major with the region count padded to a multiple of RO_BLOCK (8) and zero-filled,
 * so the inner loops run over whole blocks of regions with no remainder
 * and no aliasing). ro_model_draw then allocates nothing and touches only
 * its workspace; it is the hot loop of the program (~10^5-10^6 calls per
 * second per core), which is why the anchoring solves for exp(delta)
 * rather than delta: one exp per region per draw instead of one per
 * region per solver iteration. Its loops over regions are model_vec.c's
 * vector kernels, which compute the same bits as the scalar loops.
 *
 * Every component reads its own stream, reseeded from (seed, index,
 * component), or, for the national draws, from (seed, block, component)
 * for a block of RO_NATIONAL_BLOCK draws drawn in batches and cached in
 * the workspace (per-draw seeding and GSL's per-call samplers were 80 % of
 * a national draw): a draw is a pure function of (model, seed, index), and
 * a change to one component's parameters leaves the others' numbers alone.
 */
#include "model.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "anchor.h"
#include "error.h"
#include "logodds.h"
#include "model_vec.h"
#include "regional.h"
#include "stream.h"
#include "variates.h"

/* Share map: identity on [LO, 1-LO], exponential tails beyond. */
#define SHARE_LO RO_SHARE_LO


typedef struct {
    double mean[3];
    double alpha[3];        /* concentration * mean */
    bool fixed;             /* infinite concentration, or a single non-zero share */
} transfer_row;

struct ro_model {
    ro_ziggurat zig;        /* of the batched normals and gammas */
    /* national */
    bool has_polls;         /* polls were averaged */
    bool need_polls;        /* the draw uses the polls (not blend: transfers) */
    ro_poll_average avg;
    double scale;           /* systematic error sd */
    bool student;
    double t_shape;         /* df/2: chi2(df) = Gamma(df/2, 2) */
    double t_num;           /* df - 2 */
    ro_gamma_shape t_gamma; /* Gamma(df/2, 1): X = 2 t_gamma */
    bool turnout_given, turnout_fixed;
    double turnout_mean, turnout_a, turnout_b;
    bool turnout_batch;     /* both Beta shapes >= 1: Beta as a ratio of
                               batched gammas (national-only model) */
    ro_gamma_shape turnout_ga, turnout_gb;
    double registered;      /* election.registered, 0 = not given */

    /* regional (n_regions == 0: national-only) */
    size_t n_regions, n_options, n_pad;
    double *votes;          /* blocks of RO_BLOCK regions; within a block,
                               option-major: votes[(rb*K + o)*RO_BLOCK + j]
                               is option o in region rb + j; zero padding */
    double total_votes;     /* sum over options and regions */
    double *region_total;   /* [n_regions]: sum over options (first-round electorate) */
    double *option_total;   /* [n_options]: sum over regions (the first guess of the anchoring) */
    double total_registered;
    transfer_row *rows;     /* [n_options] */
    ro_gamma_shape *shapes; /* the Dirichlet gammas of one draw, rows then
                               columns, skipping fixed rows and zero shares */
    size_t n_shapes;
    double *region_sd;      /* [n_pad]: sd of each region's own deviation (0 in the padding) */
    bool any_region_sd;     /* some region_sd[r] > 0: draw one normal per region */
    double *lean_shift;     /* [n_pad]: the lean's log-odds shift λ_r; NULL when local_lean is 0 */
    double *lean_slope;     /* [n_pad]: s_l g_r, the lean's sd times d(log-odds_r)/d(lean);
                               NULL when local_lean_sd is 0 (both 0 in the padding) */
    int *group;             /* [n_regions], -1 = none */
    size_t n_grouped;       /* regions in a group: */
    size_t *grouped;        /* [n_grouped]: their indices, ascending */
    double *group_sd;       /* [n_groups] */
    size_t n_groups;
    bool has_deviations;    /* any_region_sd, a lean or its sd, or some group_sd > 0 */
    double cond_share;      /* NAN, or the national share every draw is
                               anchored to (ro_model_condition) */
    ro_blend blend;
    bool blank_fixed;
    double blank_mean, blank_a, blank_b;
};

struct ro_workspace {
    gsl_rng *rng;
    /* the national block cached: draws nat_index * RO_NATIONAL_BLOCK + j */
    bool nat_valid;
    uint64_t nat_seed, nat_index;
    double *nat_p;          /* [RO_NATIONAL_BLOCK]: A's share from the polls */
    double *nat_tau;        /* [RO_NATIONAL_BLOCK]: national-only turnout */
    double *nat_x, *nat_y;  /* [RO_NATIONAL_BLOCK]: scratch */
    double *run_a, *run_b, *run_c; /* [RO_NATIONAL_BLOCK]: ro_model_draw_run's arrays */
    double *block;          /* one allocation for all arrays below */
    double *u;              /* [n_pad]: A_r, then a_r = A_r exp(e_r) (1 where V_r = 0) */
    double *b;              /* [n_pad]: B_r (1 where V_r = 0); the odds are u / b */
    double *v;              /* [n_pad]: V_r = A_r + B_r */
    double *s;              /* [n_pad]: A's share of region r */
    double *t;              /* [n_tpad]: T[o][A], T[o][B] of each option o,
                               zero padded to a multiple of 4 */
    double *tden;           /* [n_tpad]: the Dirichlet sums t is divided by */
    double *zg;             /* [n_groups]: group shifts */
    double *gam;            /* [n_shapes]: the Dirichlet gammas */
};

double ro_share_bound(double y)
{
    if (y < SHARE_LO)
        return SHARE_LO * exp((y - SHARE_LO) / SHARE_LO);
    if (y > 1 - SHARE_LO)
        return 1 - SHARE_LO * exp((1 - SHARE_LO - y) / SHARE_LO);
    return y;
}

/* Beta(a, b) with mean m and standard deviation sd: a + b = m(1-m)/sd^2 - 1.
 * Such a Beta exists only when sd^2 < m(1-m) (so 0 < m < 1); otherwise
 * RUNOFF_EINPUT, the message naming `what` and these m and sd, and *a, *b
 * untouched: shapes <= 0 must never reach gsl_ran_beta, whose rejection
 * loop then accepts nothing and never returns. The loader refuses such a
 * turnout (scenario.c, load_turnout); this is for a scenario built or
 * changed in code, and for a slip in the caller. */
static runoff_status beta_from_moments(double m, double sd, double *a, double *b,
                                       const char *source, const char *what, runoff_error *err)
{
    double kappa = m * (1 - m) / (sd * sd) - 1;
    if (!(kappa > 0)) /* NaN included */
        return ro_error_set(err, RUNOFF_EINPUT, source, 0, 0,
                            "%s sd is %g %%, expected less than %.4g %% for mean %g %% "
                            "(sd^2 < mean(1-mean))",
                            what, 100 * sd, 100 * sqrt(m * (1 - m)), 100 * m);
    *a = m * kappa;
    *b = (1 - m) * kappa;
    return RUNOFF_OK;
}

static runoff_status init_national(ro_model *m, const runoff_scenario *s, runoff_error *err)
{
    const ro_polling_error *pe = &s->polling_error;
    ro_ziggurat_init(&m->zig);
    m->scale = pe->scale;
    m->student = pe->dist == RO_ERRDIST_STUDENT_T;
    m->t_shape = pe->df / 2;
    m->t_num = pe->df - 2;
    if (m->student && m->t_shape > 0)
        ro_gamma_shape_init(&m->t_gamma, m->t_shape);
    m->turnout_given = s->turnout.given;
    m->turnout_mean = s->turnout.mean;
    /* an sd so small that the Beta's concentration overflows (sd^2 rounds
     * to 0 or below m(1-m)/DBL_MAX) is a point mass at the mean */
    const double mm = s->turnout.mean * (1 - s->turnout.mean), sd = s->turnout.sd;
    m->turnout_fixed = !(sd > 0) || (mm > 0 && !isfinite(mm / (sd * sd)));
    if (m->turnout_given && !m->turnout_fixed) {
        runoff_status st = beta_from_moments(s->turnout.mean, s->turnout.sd, &m->turnout_a,
                                             &m->turnout_b, s->source, "turnout", err);
        if (st != RUNOFF_OK)
            return st;
        m->turnout_batch = m->turnout_a >= 1 && m->turnout_b >= 1;
        if (m->turnout_batch) {
            ro_gamma_shape_init(&m->turnout_ga, m->turnout_a);
            ro_gamma_shape_init(&m->turnout_gb, m->turnout_b);
        }
    }
    m->registered = s->registered;
    return RUNOFF_OK;
}

static void init_rows(ro_model *m, const runoff_scenario *s)
{
    for (size_t o = 0; o < m->n_options; o++) {
        const ro_transfer *tr = &s->transfers[o];
        transfer_row *row = &m->rows[o];
        for (int j = 0; j < 3; j++) {
            row->mean[j] = tr->mean[j];
            row->alpha[j] = tr->concentration * tr->mean[j];
        }
        row->fixed = ro_transfer_fixed(tr);
        for (int j = 0; j < 3 && !row->fixed; j++)
            if (row->alpha[j] > 0)
                ro_gamma_shape_init(&m->shapes[m->n_shapes++], row->alpha[j]);
    }
}

/* The regional deviations' fixed parts (docs/model.md §5, regional.c). */
static runoff_status init_deviations(ro_model *m, const runoff_scenario *s)
{
    const ro_regional_error *re = &s->regional_error;
    if (re->local_lean != 0 && !(m->lean_shift = ro_calloc(m->n_pad, sizeof *m->lean_shift)))
        return RUNOFF_ENOMEM;
    if (re->local_lean_sd > 0 && !(m->lean_slope = ro_calloc(m->n_pad, sizeof *m->lean_slope)))
        return RUNOFF_ENOMEM;
    if (!ro_regional_deviations(s, m->region_sd, m->lean_shift, m->lean_slope))
        return RUNOFF_ENOMEM;
    for (size_t r = 0; r < m->n_regions; r++)
        m->any_region_sd |= m->region_sd[r] > 0;
    m->has_deviations = m->any_region_sd || m->lean_shift != NULL || m->lean_slope != NULL;
    for (size_t g = 0; g < m->n_groups; g++) {
        m->group_sd[g] = re->groups[g].sd;
        m->has_deviations |= m->group_sd[g] > 0;
    }
    return RUNOFF_OK;
}

static runoff_status init_regions(ro_model *m, const runoff_scenario *s)
{
    const size_t R = s->n_regions, K = s->n_options;
    m->n_regions = R;
    m->n_options = K;
    m->n_pad = (R + RO_BLOCK - 1) / RO_BLOCK * RO_BLOCK;
    m->n_groups = s->regional_error.n_groups;
    m->votes = ro_calloc(K * m->n_pad, sizeof *m->votes);
    m->rows = ro_calloc(K, sizeof *m->rows);
    m->shapes = ro_calloc(3 * K, sizeof *m->shapes);
    m->group = ro_calloc(R, sizeof *m->group);
    m->group_sd = ro_calloc(m->n_groups, sizeof *m->group_sd);
    m->region_total = ro_calloc(R, sizeof *m->region_total);
    m->option_total = ro_calloc(K, sizeof *m->option_total);
    m->region_sd = ro_calloc(m->n_pad, sizeof *m->region_sd);
    m->grouped = ro_calloc(R, sizeof *m->grouped);
    if (!m->votes || !m->rows || !m->shapes || !m->group || !m->group_sd || !m->region_total ||
        !m->option_total || !m->region_sd || !m->grouped || init_deviations(m, s) != RUNOFF_OK)
        return RUNOFF_ENOMEM;
    for (size_t o = 0; o < K; o++)
        for (size_t r = 0; r < R; r++) {
            m->votes[((r / RO_BLOCK) * RO_BLOCK * K) + o * RO_BLOCK + r % RO_BLOCK] =
                s->votes[o * R + r];
            m->total_votes += s->votes[o * R + r];
            m->region_total[r] += s->votes[o * R + r];
            m->option_total[o] += s->votes[o * R + r];
        }
    init_rows(m, s);
    for (size_t r = 0; r < R; r++) {
        m->group[r] = s->regions[r].group;
        if (m->group[r] >= 0)
            m->grouped[m->n_grouped++] = r;
        m->total_registered += s->regions[r].registered;
    }
    m->blend = s->blend;
    m->blank_mean = s->blank_null.mean;
    m->blank_fixed = isinf(s->blank_null.concentration);
    m->blank_a = s->blank_null.concentration * s->blank_null.mean;
    m->blank_b = s->blank_null.concentration * (1 - s->blank_null.mean);
    return RUNOFF_OK;
}

ro_model *ro_model_alloc(const runoff_scenario *s, runoff_error *err)
{
    ro_model *m = ro_calloc(1, sizeof *m);
    if (m == NULL) {
        ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    const bool regional = s->n_regions > 0 && s->n_options > 0;
    m->cond_share = NAN;
    m->need_polls = ro_scenario_uses_polls(s);
    m->has_polls = m->need_polls || s->n_polls > 0;
    if (m->has_polls && ro_polls_average(s, &m->avg, err) != RUNOFF_OK) {
        ro_model_free(m);
        return NULL;
    }
    if (init_national(m, s, err) != RUNOFF_OK) {
        ro_model_free(m);
        return NULL;
    }
    if (regional && init_regions(m, s) != RUNOFF_OK) {
        ro_model_free(m);
        ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    return m;
}

void ro_model_free(ro_model *m)
{
    if (m == NULL)
        return;
    ro_poll_average_clear(&m->avg);
    free(m->votes);
    free(m->rows);
    free(m->shapes);
    free(m->group);
    free(m->grouped);
    free(m->group_sd);
    free(m->region_total);
    free(m->option_total);
    free(m->region_sd);
    free(m->lean_shift);
    free(m->lean_slope);
    free(m);
}

/* NULL when the scenario has no polls (blend: transfers without polls). */
const ro_poll_average *ro_model_poll_average(const ro_model *m)
{
    return m->has_polls ? &m->avg : NULL;
}

void ro_model_take_poll_average(ro_model *m, ro_poll_average *out)
{
    memset(out, 0, sizeof *out);
    if (!m->has_polls)
        return;
    *out = m->avg;
    m->avg.polls = NULL;
    m->avg.house = NULL;
    m->avg.trend_poll = NULL;
    memset(&m->avg.trend, 0, sizeof m->avg.trend);
}

size_t ro_model_n_regions(const ro_model *m) { return m->n_regions; }

void ro_model_condition(ro_model *m, double share) { m->cond_share = share; }

size_t ro_model_gamma_shapes(const ro_model *m, const ro_gamma_shape **shapes)
{
    *shapes = m->shapes;
    return m->n_shapes;
}

const ro_ziggurat *ro_model_ziggurat(const ro_model *m) { return &m->zig; }

void ro_model_count_variates(const ro_model *m, ro_model_variates *v)
{
    const size_t B = RO_NATIONAL_BLOCK;
    memset(v, 0, sizeof *v);
    if (m->need_polls && isnan(m->cond_share)) {
        v->block_normals = m->scale > 0 ? 2 * B : B;
        v->block_gammas = m->scale > 0 && m->student ? B : 0;
        v->t_gamma = &m->t_gamma;
    }
    v->turnout_a = m->turnout_a;
    v->turnout_b = m->turnout_b;
    if (m->n_regions == 0) {
        v->block_turnout = m->turnout_given && !m->turnout_fixed;
        v->turnout_ga = m->turnout_batch ? &m->turnout_ga : NULL;
        v->turnout_gb = m->turnout_batch ? &m->turnout_gb : NULL;
        return;
    }
    v->turnout_beta = m->turnout_given && !m->turnout_fixed;
    v->transfer_gammas = m->n_shapes;
    v->group_normals = m->n_groups;
    v->region_normals = m->any_region_sd ? m->n_regions : 0;
    v->lean_normals = m->lean_slope != NULL;
    v->blank_beta = !m->blank_fixed;
    v->blank_a = m->blank_a;
    v->blank_b = m->blank_b;
}

bool ro_model_has_turnout(const ro_model *m) { return m->n_regions > 0 || m->turnout_given; }

/* The length of the workspace's transfer arrays: two per option, padded. */
static size_t tpad(const ro_model *m) { return (2 * m->n_options + 3) / 4 * 4; }

ro_workspace *ro_workspace_alloc(const ro_model *m)
{
    ro_workspace *w = ro_calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    const size_t P = m->n_pad;
    w->rng = ro_stream_alloc();
    const size_t T = tpad(m), B = RO_NATIONAL_BLOCK;
    w->block = ro_malloc((4 * P + 2 * T + m->n_groups + m->n_shapes + 1) * sizeof *w->block);
    w->nat_p = ro_malloc(7 * B * sizeof *w->nat_p);
    if (w->rng == NULL || w->block == NULL || w->nat_p == NULL) {
        ro_workspace_free(w);
        return NULL;
    }
    /* the four region arrays first: each starts on a multiple of RO_BLOCK doubles */
    w->u = w->block;
    w->b = w->u + P;
    w->v = w->b + P;
    w->s = w->v + P;
    w->t = w->s + P;
    w->tden = w->t + T;
    w->zg = w->tden + T;
    w->gam = w->zg + m->n_groups;
    w->nat_tau = w->nat_p + B;
    w->nat_x = w->nat_tau + B;
    w->nat_y = w->nat_x + B;
    w->run_a = w->nat_y + B;
    w->run_b = w->run_a + B;
    w->run_c = w->run_b + B;
    return w;
}

void ro_workspace_free(ro_workspace *w)
{
    if (w == NULL)
        return;
    ro_stream_free(w->rng);
    free(w->block);
    free(w->nat_p);
    free(w);
}

/* ---------------------------------------------------------------- draw */

/* The national draws of block k (draws k B .. k B + B - 1, B =
 * RO_NATIONAL_BLOCK) into the workspace: A's share from the polls, and,
 * in a national-only model, the turnout. Each reads one stream for the
 * whole block, keyed by (seed, k), in batches (docs/model.md §7):
 *   polls:   Z1 of every draw, then Z2 of every draw (scale > 0), then
 *            G ~ Gamma(df/2, 1) of every draw (student_t);
 *   turnout: Ga ~ Gamma(a, 1) of every draw, then Gb ~ Gamma(b, 1) of every
 *            draw, tau = Ga / (Ga + Gb); with a shape below 1, one
 *            gsl_ran_beta per draw instead, in order.
 * p = bound(mean + sd Z1 + scale D), D = Z2, or Z2 sqrt((df-2) / X) with
 * X = 2 G ~ chi2(df): a unit-variance Student t. */
static void national_block(const ro_model *m, ro_workspace *w, uint64_t seed, uint64_t k)
{
    const size_t B = RO_NATIONAL_BLOCK;
    double *p = w->nat_p, *z2 = w->nat_x, *g = w->nat_y;
    if (m->need_polls) {
        ro_stream_seed(w->rng, seed, k, RO_STREAM_POLLS_BLOCK);
        ro_rv_normals(&m->zig, w->rng, p, B);
        if (m->scale > 0) {
            ro_rv_normals(&m->zig, w->rng, z2, B);
            if (m->student) {
                ro_rv_gammas_one(&m->zig, w->rng, &m->t_gamma, g, B);
                for (size_t j = 0; j < B; j++)
                    z2[j] *= sqrt(m->t_num / (2.0 * g[j]));
            }
        }
        ro_model_vec_national_share(p, m->scale > 0 ? z2 : NULL, B, m->avg.mean, m->avg.sd,
                                    m->scale);
    }
    if (m->n_regions == 0 && m->turnout_given && !m->turnout_fixed) {
        double *tau = w->nat_tau, *ga = w->nat_x, *gb = w->nat_y;
        ro_stream_seed(w->rng, seed, k, RO_STREAM_TURNOUT_BLOCK);
        if (m->turnout_batch) {
            ro_rv_gammas_one(&m->zig, w->rng, &m->turnout_ga, ga, B);
            ro_rv_gammas_one(&m->zig, w->rng, &m->turnout_gb, gb, B);
            /* tau = ga / (ga + gb), four at a time (gb + ga: the same sum) */
            ro_model_vec_add(gb, ga, B);
            for (size_t j = 0; j < B; j++)
                tau[j] = ga[j];
            ro_model_vec_divide(tau, gb, B);
        } else {
            for (size_t j = 0; j < B; j++)
                tau[j] = gsl_ran_beta(w->rng, m->turnout_a, m->turnout_b);
        }
    }
    w->nat_valid = true;
    w->nat_seed = seed;
    w->nat_index = k;
}

/* Draw `index`'s slot in the cached national block, filling it first when
 * the draw is in another block (or another seed's). */
static size_t national_slot(const ro_model *m, ro_workspace *w, uint64_t seed, uint64_t index)
{
    const uint64_t k = index / RO_NATIONAL_BLOCK;
    if (!w->nat_valid || w->nat_seed != seed || w->nat_index != k)
        national_block(m, w, seed, k);
    return (size_t)(index % RO_NATIONAL_BLOCK);
}

static int winner_of(double share)
{
    return share > 0.5 ? 0 : share < 0.5 ? 1 : -1;
}

static void draw_national(const ro_model *m, ro_workspace *w, uint64_t seed, uint64_t index,
                          double p, ro_draw *out)
{
    out->share_a = p;
    out->turnout = NAN;
    if (m->turnout_given) {
        out->turnout = m->turnout_mean;
        if (!m->turnout_fixed)
            out->turnout = w->nat_tau[national_slot(m, w, seed, index)];
    }
    out->blank_null = NAN;
    out->votes_a = out->votes_b = out->margin = NAN;
    if (m->registered > 0 && m->turnout_given) {
        /* valid votes approximated by voters: no blank/null model here */
        out->votes_a = m->registered * out->turnout * p;
        out->votes_b = m->registered * out->turnout * (1 - p);
        out->margin = (out->votes_a - out->votes_b) / m->registered;
    }
    out->regions_a = 0;
    out->region_share_a = NULL;
}

/* draw_national's values for a run of draws, as arrays. */
size_t ro_model_draw_run(const ro_model *m, ro_workspace *w, uint64_t seed, uint64_t index,
                         size_t n, ro_draw_run *out)
{
    const size_t B = RO_NATIONAL_BLOCK, first = (size_t)(index % B);
    if (n > B - first)
        n = B - first;
    double *share = w->run_a, *turnout = w->run_b, *margin = w->run_c;
    if (isnan(m->cond_share) && m->need_polls) {
        out->share_a = w->nat_p + national_slot(m, w, seed, index);
    } else {
        const double p = !isnan(m->cond_share) ? m->cond_share : NAN;
        for (size_t j = 0; j < n; j++)
            share[j] = p;
        out->share_a = share;
    }
    out->turnout = NULL;
    if (m->turnout_given && !m->turnout_fixed) {
        out->turnout = w->nat_tau + national_slot(m, w, seed, index);
    } else if (m->turnout_given) {
        for (size_t j = 0; j < n; j++)
            turnout[j] = m->turnout_mean;
        out->turnout = turnout;
    }
    out->margin = NULL;
    if (m->registered > 0 && m->turnout_given) {
        /* as draw_national, term by term */
        ro_model_vec_margins(margin, out->share_a, out->turnout, m->registered, n);
        out->margin = margin;
    }
    ro_model_vec_count_halves(out->share_a, n, &out->wins[0], &out->wins[1]);
    return n;
}

/* One Dirichlet(alpha) row by normalised gammas, taken in order from
 * *gam (advanced past the ones used): its A and B shares as num / den,
 * divided later for all rows at once. Zero shares stay zero (Gamma(0) is
 * undefined) and a fixed row is its mean (over 1, exactly the mean). The
 * sum is taken over all three columns in order, as a scalar loop would. */
static void draw_row(const transfer_row *row, const double **gam, double num[2], double den[2])
{
    den[0] = den[1] = 1;
    if (row->fixed) {
        num[0] = row->mean[RO_TO_A];
        num[1] = row->mean[RO_TO_B];
        return;
    }
    /* three scalars, not an array: a 16-byte load of two 8-byte stores
     * just made cannot be forwarded from the store buffer (a stall per row) */
    const double *g = *gam;
    const double t0 = row->alpha[0] > 0 ? *g++ : 0.0;
    const double t1 = row->alpha[1] > 0 ? *g++ : 0.0;
    const double t2 = row->alpha[2] > 0 ? *g++ : 0.0;
    *gam = g;
    const double sum = ((0.0 + t0) + t1) + t2;
    if (!(sum > 0)) { /* every gamma underflowed (tiny shapes): keep the mean */
        num[0] = row->mean[RO_TO_A];
        num[1] = row->mean[RO_TO_B];
        return;
    }
    num[0] = t0;
    num[1] = t1;
    den[0] = den[1] = sum;
}

/* Region r's deviation e[r] = ((Z_g(r) + sd_r Z_r) + lambda_r) + s_l g_r Z_l, the terms
 * left out where they are absent; zero in the padding. Summed in this order
 * for every region, grouped or not, as docs/model.md §5 writes it; a term
 * that is absent adds nothing (at most the sign of a zero, which exp
 * ignores). */
static void region_deviations(const ro_model *m, ro_workspace *w, double *e)
{
    const size_t n_pad = m->n_pad;
    if (m->any_region_sd) {
        ro_rv_normals(&m->zig, w->rng, e, m->n_regions);
        for (size_t r = m->n_regions; r < n_pad; r++)
            e[r] = 0;
        ro_model_vec_mul(e, m->region_sd, n_pad);
    } else {
        memset(e, 0, n_pad * sizeof *e);
    }
    for (size_t k = 0; k < m->n_grouped; k++) {
        const size_t r = m->grouped[k];
        e[r] = w->zg[m->group[r]] + e[r];
    }
    if (m->lean_shift != NULL)
        ro_model_vec_add(e, m->lean_shift, n_pad);
    if (m->lean_slope != NULL) { /* last in the stream: the draws before do not move */
        double z;
        ro_rv_normals(&m->zig, w->rng, &z, 1);
        ro_model_vec_add_scaled(e, z, m->lean_slope, n_pad);
    }
}

/* The regions' odds a_r / b_r and the first evaluation of S at k, in one
 * pass (docs/model.md §6); their valid votes sum into *total_v. */
static double region_odds_eval(const ro_model *m, ro_workspace *w, double k, double *total_v,
                               double *spread, double *curv)
{
    if (m->has_deviations) /* the deviations into s, which the pass reads, then overwrites */
        region_deviations(m, w, w->s);
    return ro_model_vec_odds_eval(w->u, w->b, w->v, w->s, m->has_deviations, m->n_pad, k, total_v,
                                  spread, curv);
}

/* The first guess of the anchoring with blend: polls: the swing that
 * brings the national odds of the drawn rows without regional deviations,
 * sum_o F_o T_oA / sum_o F_o T_oB (F_o option o's first-round votes), to
 * the target's; 0 where that is not finite. */
static double first_guess(const ro_model *m, const ro_workspace *w, double target)
{
    double fa = 0, fb = 0;
    for (size_t o = 0; o < m->n_options; o++) {
        fa += m->option_total[o] * w->t[2 * o];
        fb += m->option_total[o] * w->t[2 * o + 1];
    }
    const double delta = log(target / (1 - target)) - log(fa / fb);
    return isfinite(delta) ? delta : 0;
}

/* Keep targets away from exactly 0 or 1, where the logit is infinite:
 * the bounded share map only gets there by rounding, for |y - 1/2| > ~1.2. */
static double clamp_target(double t)
{
    const double eps = 1e-15;
    return t < eps ? eps : t > 1 - eps ? 1 - eps : t;
}

/* Turnout anchoring (docs/model.md §6): the factor kappa applied to every
 * region's valid votes V_r (A_r and B_r alike, so no share moves) that makes
 * national turnout (kappa V + phi (R - kappa V)) / Reg equal this draw's
 * turnout T, clamped to [0, min_r R_r / V_r] so no region's valid votes
 * exceed its electorate. T is the turnout section's mean, or a Beta draw
 * around it from the turnout stream. */
static double turnout_scale(const ro_model *m, ro_workspace *w, double phi, double total_v)
{
    double T = m->turnout_fixed ? m->turnout_mean
                                : gsl_ran_beta(w->rng, m->turnout_a, m->turnout_b);
    if (!(total_v > 0) || !(phi < 1))
        return 1;
    double kappa = (T * m->total_registered - phi * m->total_votes) / ((1 - phi) * total_v);
    if (kappa <= 1) /* V_r <= R_r already (transfer rows sum to 1): no region can overflow */
        return kappa < 0 ? 0 : kappa;
    double kmax = INFINITY;
    for (size_t r = 0; r < m->n_regions; r++)
        if (w->v[r] > 0 && m->region_total[r] / w->v[r] < kmax)
            kmax = m->region_total[r] / w->v[r];
    return kappa > kmax ? kmax : kappa;
}

/* Draw index's transfer rows (§4, the transfers stream) and, from them,
 * every region's A_r and B_r into w->u and w->b. */
static void draw_transfers(const ro_model *m, ro_workspace *w, uint64_t seed, uint64_t index)
{
    ro_stream_seed(w->rng, seed, index, RO_STREAM_TRANSFERS);
    ro_rv_gammas(&m->zig, w->rng, m->shapes, w->gam, m->n_shapes);
    const double *gam = w->gam;
    for (size_t o = 0; o < m->n_options; o++)
        draw_row(&m->rows[o], &gam, w->t + 2 * o, w->tden + 2 * o);
    for (size_t k = 2 * m->n_options; k < tpad(m); k++)
        w->t[k] = 0, w->tden[k] = 1;
    ro_model_vec_divide(w->t, w->tden, tpad(m));
    ro_model_vec_region_votes(m->votes, m->n_options, m->n_pad, w->t, w->u, w->b);
}

static void draw_regional(const ro_model *m, ro_workspace *w, uint64_t seed, uint64_t index,
                          double p, ro_draw *out)
{
    draw_transfers(m, w, seed, index);
    /* group shifts first, all of them, so that switching the regional sd
     * on or off does not move them */
    ro_stream_seed(w->rng, seed, index, RO_STREAM_REGIONS);
    ro_rv_normals(&m->zig, w->rng, w->zg, m->n_groups);
    for (size_t g = 0; g < m->n_groups; g++)
        w->zg[g] *= m->group_sd[g];
    double spread, curv, S, total_v;
    const ro_anchor an = {w->u, w->b, w->v, w->s, m->n_regions, m->n_pad};
    switch (isnan(m->cond_share) ? m->blend.mode : RO_BLEND_POLLS) {
    case RO_BLEND_TRANSFERS:
        S = region_odds_eval(m, w, 1.0, &total_v, &spread, &curv);
        break;
    case RO_BLEND_MIX: {
        double q = region_odds_eval(m, w, 1.0, &total_v, &spread, &curv);
        double target = clamp_target(m->blend.weight * p + (1 - m->blend.weight) * q);
        S = ro_anchor_solve(&an, 1 / total_v, target, 0.0, q, spread, curv);
        break;
    }
    case RO_BLEND_POLLS:
    default: {
        double target = clamp_target(p);
        double delta = first_guess(m, w, target);
        S = region_odds_eval(m, w, exp(delta), &total_v, &spread, &curv);
        S = ro_anchor_solve(&an, 1 / total_v, target, delta, S, spread, curv);
        break;
    }
    }

    /* One turnout stream: phi first, then the turnout target, so giving a
     * turnout section does not move phi. */
    double phi = m->blank_mean, kappa = 1;
    if (!m->blank_fixed || (m->turnout_given && !m->turnout_fixed))
        ro_stream_seed(w->rng, seed, index, RO_STREAM_TURNOUT);
    if (!m->blank_fixed)
        phi = gsl_ran_beta(w->rng, m->blank_a, m->blank_b);
    if (m->turnout_given)
        kappa = turnout_scale(m, w, phi, total_v);
    const double valid = kappa * total_v;
    const uint32_t regions_a = ro_model_vec_count_above_half(w->s, m->n_regions);
    const double blank = phi * (m->total_votes - valid);
    out->share_a = S;
    out->votes_a = S * valid;
    out->votes_b = valid - out->votes_a;
    out->turnout = (valid + blank) / m->total_registered;
    out->blank_null = blank / (valid + blank);
    out->margin = (out->votes_a - out->votes_b) / m->total_registered;
    out->regions_a = regions_a;
    out->region_share_a = w->s;
}

void ro_model_draw(const ro_model *m, ro_workspace *w, uint64_t seed, uint64_t index,
                   ro_draw *out)
{
    double p = !isnan(m->cond_share) ? m->cond_share
               : m->need_polls       ? w->nat_p[national_slot(m, w, seed, index)]
                                     : NAN;
    if (m->n_regions == 0)
        draw_national(m, w, seed, index, p, out);
    else
        draw_regional(m, w, seed, index, p, out);
    out->winner = winner_of(out->share_a);
}
