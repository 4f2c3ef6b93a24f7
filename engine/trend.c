/*
 * trend.c — the dynamic poll model: a random walk observed by polls, with
 * house and population effects, solved exactly (docs/model.md §1b).
 *
 * Why a dense exact solve rather than a Kalman filter: the unknowns are
 * the days of the campaign plus one effect per pollster, a few hundred at
 * most, so one Cholesky factorisation of the posterior precision gives the
 * smoothed mean, every variance (house effects included, so the average's
 * uncertainty includes theirs) and the marginal likelihood in a few
 * lines, with no diffuse-initialisation special cases. A poll observes the
 * mean of the latent values over its fieldwork days, which a filter could
 * only do with an augmented state as long as the longest fieldwork.
 *
 * Unknowns θ, in this order: x_0 .. x_{D-1} (latent logit share by day),
 * g_0 .. g_{G-1} (house effects in constraint coordinates, G = J - 1),
 * then one effect per population other than `likely` that is estimated.
 */
#include "trend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>

#include "error.h"

double ro_logit(double p) { return log(p / (1 - p)); }
double ro_expit(double x) { return 1 / (1 + exp(-x)); }

/* One observation row: up to `len` (index, value) pairs into θ. */
typedef struct {
    size_t first, len;     /* into the shared idx/val arrays */
    double y;              /* observed logit share (fixed house removed) */
    double v;              /* sampling variance on the logit scale */
} obs_row;

typedef struct {
    size_t n, D, G, NP, N;
    obs_row *rows;
    size_t *idx;
    double *val;
    double ybar;           /* prior centre of the days */
    double house_sd;
    double poll_var;       /* poll_sd² of the last evaluate() */
    double log_det_btb;    /* log |BᵀB| of the constraint basis */
    double *Q, *b, *mu;    /* N*N, N, N */
} trend_ws;

/* Population codes that get an effect: those present alongside at least
 * one `likely` poll (without a likely poll the level itself would be
 * confounded with the effect). Returns the count and fills map[pop] with
 * the coordinate offset or -1. */
static size_t population_map(const ro_trend_poll *p, size_t n, int map[3])
{
    bool present[3] = {false, false, false};
    for (size_t i = 0; i < n; i++)
        present[p[i].population] = true;
    size_t np = 0;
    for (int k = 0; k < 3; k++)
        map[k] = (k != RO_POP_LIKELY && present[k] && present[RO_POP_LIKELY]) ? (int)np++ : -1;
    return np;
}

/* Build the observation rows. The house effect of the last pollster is
 * minus the poll-weighted sum of the others (Σ_j m_j h_j = 0), so its polls
 * carry a coefficient on every house coordinate. */
static void build_rows(trend_ws *w, const ro_trend_poll *p, const size_t *m, int32_t day0,
                       const int popmap[3])
{
    const size_t J = w->G + 1;
    size_t k = 0;
    double pbar = 0;
    for (size_t i = 0; i < w->n; i++)
        pbar += p[i].share;
    pbar /= (double)w->n;
    pbar = pbar < 0.01 ? 0.01 : pbar > 0.99 ? 0.99 : pbar;
    w->ybar = 0;
    for (size_t i = 0; i < w->n; i++) {
        obs_row *r = &w->rows[i];
        r->first = k;
        const double days = (double)(p[i].end - p[i].start + 1);
        for (int32_t d = p[i].start; d <= p[i].end; d++) {
            w->idx[k] = (size_t)(d - day0);
            w->val[k++] = 1.0 / days;
        }
        if (w->G > 0) {
            size_t j = p[i].pollster;
            if (j + 1 < J) {
                w->idx[k] = w->D + j;
                w->val[k++] = 1.0;
            } else {
                for (size_t q = 0; q + 1 < J; q++) {
                    w->idx[k] = w->D + q;
                    w->val[k++] = -(double)m[q] / (double)m[J - 1];
                }
            }
        }
        if (popmap[p[i].population] >= 0) {
            w->idx[k] = w->D + w->G + (size_t)popmap[p[i].population];
            w->val[k++] = 1.0;
        }
        r->len = k - r->first;
        /* continuity correction keeps the logit finite for 0 % or 100 % */
        const double lo = 0.5 / p[i].n_eff;
        const double s = p[i].share < lo ? lo : p[i].share > 1 - lo ? 1 - lo : p[i].share;
        r->y = ro_logit(s);
        r->v = 1.0 / (p[i].n_eff * pbar * (1 - pbar));
        w->ybar += r->y;
    }
    w->ybar /= (double)w->n;
    double c2 = 0; /* BᵀB = I + c cᵀ, c_q = m_q / m_{J-1}: det = 1 + |c|² */
    for (size_t q = 0; q + 1 < J && w->G > 0; q++)
        c2 += ((double)m[q] / (double)m[J - 1]) * ((double)m[q] / (double)m[J - 1]);
    w->log_det_btb = log1p(c2);
}

/* The prior precision P(daily_sd) into Q (zeroed first); returns log|P|. */
static double prior_precision(trend_ws *w, const size_t *m, double daily_sd)
{
    const size_t N = w->N, D = w->D, G = w->G;
    double *Q = w->Q;
    memset(Q, 0, N * N * sizeof *Q);
    const double k0 = 1.0 / RO_TREND_DIFFUSE_VAR, kr = 1.0 / (daily_sd * daily_sd);
    Q[0] = k0;
    for (size_t d = 1; d < D; d++) {
        Q[d * N + d] += kr;
        Q[(d - 1) * N + d - 1] += kr;
        Q[d * N + d - 1] -= kr;
        Q[(d - 1) * N + d] -= kr;
    }
    /* house: h = B g with h ~ N(0, house_sd² I) on the constraint plane */
    const double kh = 1.0 / (w->house_sd * w->house_sd);
    for (size_t a = 0; a < G; a++) {
        const double ca = (double)m[a] / (double)m[G];
        for (size_t c = 0; c < G; c++)
            Q[(D + a) * N + D + c] += kh * (ca * (double)m[c] / (double)m[G] + (a == c));
    }
    const double kp = 1.0 / (RO_TREND_POPULATION_SD * RO_TREND_POPULATION_SD);
    for (size_t a = D + G; a < N; a++)
        Q[a * N + a] = kp;
    return log(k0) + (double)(D - 1) * log(kr) + w->log_det_btb + (double)G * log(kh) +
           (double)w->NP * log(kp);
}

/* Q = P + AᵀR⁻¹A, b = AᵀR⁻¹(y − Aθ₀), factorised; returns the marginal
 * log likelihood of the polls (mu holds Q⁻¹b). */
static double evaluate(trend_ws *w, const size_t *m, double daily_sd, double poll_sd)
{
    const size_t N = w->N;
    const double log_det_p = prior_precision(w, m, daily_sd);
    w->poll_var = poll_sd * poll_sd;
    memset(w->b, 0, N * sizeof *w->b);
    double sum_log_r = 0, quad = 0;
    for (size_t i = 0; i < w->n; i++) {
        const obs_row *r = &w->rows[i];
        const double R = r->v + poll_sd * poll_sd;
        double a_theta0 = 0; /* only the days have a non-zero prior mean */
        for (size_t e = r->first; e < r->first + r->len; e++)
            if (w->idx[e] < w->D)
                a_theta0 += w->val[e] * w->ybar;
        const double res = r->y - a_theta0;
        sum_log_r += log(R);
        quad += res * res / R;
        for (size_t e = r->first; e < r->first + r->len; e++) {
            w->b[w->idx[e]] += w->val[e] * res / R;
            for (size_t f = r->first; f < r->first + r->len; f++)
                w->Q[w->idx[e] * N + w->idx[f]] += w->val[e] * w->val[f] / R;
        }
    }
    gsl_matrix_view Qv = gsl_matrix_view_array(w->Q, N, N);
    gsl_linalg_cholesky_decomp1(&Qv.matrix); /* positive definite by construction */
    double log_det_q = 0;
    for (size_t a = 0; a < N; a++)
        log_det_q += 2 * log(w->Q[a * N + a]);
    gsl_vector_view bv = gsl_vector_view_array(w->b, N), mv = gsl_vector_view_array(w->mu, N);
    gsl_linalg_cholesky_solve(&Qv.matrix, &bv.vector, &mv.vector);
    double b_mu = 0;
    for (size_t a = 0; a < N; a++)
        b_mu += w->b[a] * w->mu[a];
    return -0.5 * (sum_log_r - log_det_p + log_det_q + quad - b_mu +
                   (double)w->n * log(2 * M_PI));
}

/* ---------------------------------------------------- maximum likelihood */

typedef struct {
    trend_ws *w;
    const size_t *m;
    const ro_trend_settings *set;
    int which[2];          /* 0 = daily_sd, 1 = poll_sd, for each free coordinate */
    size_t n_free;
} ml_ctx;

static const double BOUND_LO[2] = {RO_TREND_DAILY_SD_MIN, RO_TREND_POLL_SD_MIN};
static const double BOUND_HI[2] = {RO_TREND_DAILY_SD_MAX, RO_TREND_POLL_SD_MAX};

/* Unconstrained u -> an sd inside [lo, hi], logistic on the log scale. */
static double to_sd(int which, double u)
{
    const double lo = log(BOUND_LO[which]), hi = log(BOUND_HI[which]);
    return exp(lo + (hi - lo) / (1 + exp(-u)));
}

static void ml_params(const ml_ctx *c, const gsl_vector *u, double sd[2])
{
    sd[0] = c->set->daily_sd;
    sd[1] = c->set->poll_sd;
    for (size_t k = 0; k < c->n_free; k++)
        sd[c->which[k]] = to_sd(c->which[k], gsl_vector_get(u, k));
}

static double ml_objective(const gsl_vector *u, void *ctx)
{
    ml_ctx *c = ctx;
    double sd[2];
    ml_params(c, u, sd);
    double penalty = 0;
    if (isnan(c->set->daily_sd)) {
        const double z = log(sd[0] / RO_TREND_DAILY_SD_PRIOR) / RO_TREND_DAILY_SD_PRIOR_LOGSD;
        penalty = 0.5 * z * z;
    }
    return -evaluate(c->w, c->m, sd[0], sd[1]) + penalty;
}

/* Nelder-Mead from the middle of the (log) bounds; at most 200 steps or
 * until the simplex is 1e-3 wide in u (0.1 % of an sd near the middle). */
static runoff_status maximise(ml_ctx *c, double sd[2])
{
    gsl_multimin_function f = {.f = ml_objective, .n = c->n_free, .params = c};
    gsl_vector *u = gsl_vector_calloc(c->n_free), *step = gsl_vector_alloc(c->n_free);
    gsl_multimin_fminimizer *mm =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, c->n_free);
    if (u == NULL || step == NULL || mm == NULL) {
        gsl_vector_free(u);
        gsl_vector_free(step);
        gsl_multimin_fminimizer_free(mm);
        return RUNOFF_ENOMEM;
    }
    gsl_vector_set_all(step, 1.0);
    gsl_multimin_fminimizer_set(mm, &f, u, step);
    for (int it = 0; it < 200; it++) {
        if (gsl_multimin_fminimizer_iterate(mm) != GSL_SUCCESS)
            break;
        if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(mm), 1e-3) == GSL_SUCCESS)
            break;
    }
    ml_params(c, gsl_multimin_fminimizer_x(mm), sd);
    gsl_vector_free(u);
    gsl_vector_free(step);
    gsl_multimin_fminimizer_free(mm);
    return RUNOFF_OK;
}

/* ------------------------------------------------------------ posterior */

/* After evaluate(): means, sds, house effects and adjusted shares. */
static void posterior(trend_ws *w, const size_t *m, const ro_trend_poll *p,
                      const int popmap[3], ro_trend *t)
{
    const size_t N = w->N, D = w->D, G = w->G;
    gsl_matrix_view Qv = gsl_matrix_view_array(w->Q, N, N);
    gsl_linalg_cholesky_invert(&Qv.matrix); /* Q now holds the covariance */
    const double *C = w->Q;
    for (size_t d = 0; d < D; d++) {
        t->mean[d] = w->ybar + w->mu[d];
        t->sd[d] = sqrt(C[d * N + d]);
    }
    /* h_j = g_j for j < G; the last pollster's h_G = -Σ_q c_q g_q with
     * c_q = m_q / m_G, so its variance is the quadratic form cᵀ Cov(g) c. */
    for (size_t j = 0; j < G; j++) {
        t->house[j] = w->mu[D + j];
        t->house_sd[j] = sqrt(C[(D + j) * N + D + j]);
    }
    if (G > 0) {
        double h = 0, v = 0;
        for (size_t a = 0; a < G; a++) {
            const double ca = (double)m[a] / (double)m[G];
            h -= ca * w->mu[D + a];
            for (size_t b = 0; b < G; b++)
                v += ca * ((double)m[b] / (double)m[G]) * C[(D + a) * N + D + b];
        }
        t->house[G] = h;
        t->house_sd[G] = sqrt(v);
    }
    for (int k = 0; k < 3; k++) {
        t->population_used[k] = popmap[k] >= 0;
        if (popmap[k] < 0)
            continue; /* effect and sd stay 0 (t is zeroed when made) */
        const size_t a = D + G + (size_t)popmap[k];
        t->population[k] = w->mu[a];
        t->population_sd[k] = sqrt(C[a * N + a]);
    }
    const size_t E = t->election_day;
    for (size_t i = 0; i < w->n; i++) {
        const obs_row *r = &w->rows[i];
        double g = 0;
        for (size_t e = r->first; e < r->first + r->len; e++)
            g += C[E * N + w->idx[e]] * w->val[e];
        t->weight[i] = g / (r->v + w->poll_var);
        const double lo = 0.5 / p[i].n_eff;
        const double s = p[i].share < lo ? lo : p[i].share > 1 - lo ? 1 - lo : p[i].share;
        t->adjusted[i] = ro_expit(ro_logit(s) - t->house[p[i].pollster] -
                                  t->population[p[i].population]);
    }
}

static void ws_free(trend_ws *w)
{
    free(w->rows);
    free(w->idx);
    free(w->val);
    free(w->Q);
    free(w->b);
    free(w->mu);
}

static runoff_status ws_alloc(trend_ws *w, size_t nnz, ro_trend *t)
{
    const size_t N = w->N;
    w->rows = ro_calloc(w->n, sizeof *w->rows);
    w->idx = ro_calloc(nnz, sizeof *w->idx);
    w->val = ro_calloc(nnz, sizeof *w->val);
    w->Q = ro_calloc(N * N, sizeof *w->Q);
    w->b = ro_calloc(N, sizeof *w->b);
    w->mu = ro_calloc(N, sizeof *w->mu);
    t->mean = ro_calloc(w->D, sizeof *t->mean);
    t->sd = ro_calloc(w->D, sizeof *t->sd);
    t->house = ro_calloc(t->n_pollsters, sizeof *t->house);
    t->house_sd = ro_calloc(t->n_pollsters, sizeof *t->house_sd);
    t->adjusted = ro_calloc(w->n, sizeof *t->adjusted);
    t->weight = ro_calloc(w->n, sizeof *t->weight);
    return w->rows && w->idx && w->val && w->Q && w->b && w->mu && t->mean && t->sd &&
                   t->house && t->house_sd && t->adjusted && t->weight
               ? RUNOFF_OK
               : RUNOFF_ENOMEM;
}

runoff_status ro_trend_fit(const ro_trend_poll *p, size_t n, size_t n_pollsters,
                           const ro_trend_settings *set, ro_trend *out, runoff_error *err)
{
    memset(out, 0, sizeof *out);
    int32_t day0 = p[0].start, last = set->election_date;
    for (size_t i = 0; i < n; i++) {
        day0 = p[i].start < day0 ? p[i].start : day0;
        last = p[i].end > last ? p[i].end : last;
    }
    if ((int64_t)last - day0 + 1 > RO_TREND_MAX_DAYS)
        return ro_error_set(err, RUNOFF_EINPUT, NULL, 0, 0,
                            "the dynamic average spans %lld days from the first poll to the "
                            "election, at most %d (drop the oldest polls)",
                            (long long)last - day0 + 1, RO_TREND_MAX_DAYS);
    ro_trend t = {.first_day = day0, .n_days = (size_t)(last - day0 + 1),
                  .election_day = (size_t)(set->election_date - day0),
                  .n_pollsters = n_pollsters};
    trend_ws w = {.n = n, .D = t.n_days, .house_sd = set->house_sd};
    int popmap[3];
    w.NP = population_map(p, n, popmap);
    w.G = set->estimate_house && n_pollsters > 1 ? n_pollsters - 1 : 0;
    w.N = w.D + w.G + w.NP;
    size_t nnz = 0;
    for (size_t i = 0; i < n; i++)
        nnz += (size_t)(p[i].end - p[i].start + 1) + w.G + 1;
    size_t *m = ro_calloc(n_pollsters, sizeof *m); /* used polls per pollster */
    if (m == NULL || ws_alloc(&w, nnz, &t) != RUNOFF_OK) {
        free(m);
        ws_free(&w);
        ro_trend_clear(&t);
        return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        m[p[i].pollster]++;
    build_rows(&w, p, m, day0, popmap);

    ml_ctx c = {.w = &w, .m = m, .set = set};
    if (isnan(set->daily_sd))
        c.which[c.n_free++] = 0;
    if (isnan(set->poll_sd))
        c.which[c.n_free++] = 1;
    double sd[2] = {set->daily_sd, set->poll_sd};
    runoff_status st = c.n_free > 0 ? maximise(&c, sd) : RUNOFF_OK;
    if (st == RUNOFF_OK) {
        t.daily_sd = sd[0];
        t.poll_sd = sd[1];
        t.daily_sd_estimated = isnan(set->daily_sd);
        t.poll_sd_estimated = isnan(set->poll_sd);
        t.log_lik = evaluate(&w, m, sd[0], sd[1]);
        posterior(&w, m, p, popmap, &t);
    }
    free(m);
    ws_free(&w);
    if (st != RUNOFF_OK) {
        ro_trend_clear(&t);
        return ro_error_set(err, st, NULL, 0, 0, "out of memory");
    }
    *out = t;
    return RUNOFF_OK;
}

void ro_trend_clear(ro_trend *t)
{
    if (t == NULL)
        return;
    free(t->mean);
    free(t->sd);
    free(t->house);
    free(t->house_sd);
    free(t->adjusted);
    free(t->weight);
    memset(t, 0, sizeof *t);
}
