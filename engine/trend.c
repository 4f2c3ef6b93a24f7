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
 * Why a grid over the two sds rather than their estimates plugged in: a
 * campaign of a few weeks pins the random walk's sd down poorly, and a
 * plug-in treats it as known, so the bands were too narrow (on simulated
 * campaigns the 90 % band covered the truth 85 % of the time). With two
 * hyperparameters at most, a deterministic 5 × 5 Gauss–Hermite grid around
 * the mode of their posterior, one exact solve per node, integrates them
 * out to within a few per cent of brute force at 25 solves, and keeps the
 * fit deterministic and free of sampling noise.
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


/* One observation row: up to `len` (index, value) pairs into θ. */
typedef struct {
    size_t first, len;     /* into the shared idx/val arrays */
    double y;              /* observed logit share (fixed house removed) */
    double v;              /* sampling variance on the logit scale */
} obs_row;

typedef struct {
    size_t n, D, G, NP, N; /* D: states of the walk (days, or groups of days) */
    size_t step;           /* days per state: 1 up to RO_TREND_MAX_STATES days */
    size_t last_day;       /* index of the last day, the last state's day */
    size_t J, K;           /* pollsters; K = D + J + RO_POP_COUNT mixed quantities */
    obs_row *rows;
    size_t *idx;
    double *val;
    double ybar;           /* prior centre of the days */
    double house_sd;
    double poll_var;       /* poll_sd² of the last evaluate() */
    double log_det_btb;    /* log |BᵀB| of the constraint basis */
    double *Q, *b, *mu;    /* N*N, N, N */
    double *cm, *cv, *cw;  /* one node's means, variances [K], poll weights [n] */
    double *am, *aw, *ab;  /* the mixture so far: mean of the means, mean of the
                              variances, weighted sum of squared deviations [K] */
    double *aweight;       /* mean of the poll weights [n] */
    double avar[2];        /* mean of σ², τ² */
    double wsum;           /* total weight of the nodes so far */
} trend_ws;

/* Population codes that get an effect: those present alongside at least
 * one `likely` poll (without a likely poll the level itself would be
 * confounded with the effect). Returns the count and fills map[pop] with
 * the coordinate offset or -1. */
static size_t population_map(const ro_trend_poll *p, size_t n, int map[RO_POP_COUNT])
{
    bool present[RO_POP_COUNT] = {false};
    for (size_t i = 0; i < n; i++)
        present[p[i].population] = true;
    size_t np = 0;
    for (int k = 0; k < RO_POP_COUNT; k++)
        map[k] = (k != RO_POP_LIKELY && present[k] && present[RO_POP_LIKELY]) ? (int)np++ : -1;
    return np;
}

/* The state of day `day` (0-based from the first poll): states are every
 * `step` days back from the last day, and a day belongs to the first state
 * at or after it. With step 1, the day itself. */
static size_t state_of(const trend_ws *w, size_t day)
{
    return w->D - 1 - (w->last_day - day) / w->step;
}

/* Build the observation rows. The house effect of the last pollster is
 * minus the poll-weighted sum of the others (Σ_j m_j h_j = 0), so its polls
 * carry a coefficient on every house coordinate. */
static void build_rows(trend_ws *w, const ro_trend_poll *p, const size_t *m, int32_t day0,
                       const int popmap[RO_POP_COUNT])
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
            const size_t st = state_of(w, (size_t)(d - day0));
            if (k > r->first && w->idx[k - 1] == st) { /* the day's state is the last one's */
                w->val[k - 1] += 1.0 / days;
                continue;
            }
            w->idx[k] = st;
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
    const double k0 = 1.0 / RO_TREND_DIFFUSE_VAR,
                 kr = 1.0 / ((double)w->step * daily_sd * daily_sd);
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

/* ------------------------------------------------- the posterior of σ, τ */

/* The free hyperparameters live on an unconstrained scale u: each sd is a
 * logistic map of u onto its bounds on the log scale. Their prior: log σ ~
 * N(log RO_TREND_DAILY_SD_PRIOR, RO_TREND_DAILY_SD_PRIOR_LOGSD²) and log τ
 * uniform, both within the bounds; in u that is the density of log sd times
 * the Jacobian d(log sd)/du = (hi − lo) s (1 − s), s = 1/(1 + e^(−u)), which
 * makes the posterior of u proper and smooth (a flat likelihood as τ → 0
 * leaves the logistic tail of the Jacobian) and so fit for a Laplace
 * approximation and a Gauss–Hermite grid around its mode. */
typedef struct {
    trend_ws *w;
    const size_t *m;
    const ro_trend_settings *set;
    int which[2];          /* 0 = daily_sd, 1 = poll_sd, for each free coordinate */
    size_t n_free;
} hyper_ctx;

static const double BOUND_LO[2] = {RO_TREND_DAILY_SD_MIN, RO_TREND_POLL_SD_MIN};
static const double BOUND_HI[2] = {RO_TREND_DAILY_SD_MAX, RO_TREND_POLL_SD_MAX};

/* The log posterior of u up to a constant, with sd[] the sds it maps to and
 * *log_lik the marginal likelihood there; leaves the factorised Q in w. */
static double log_posterior(const hyper_ctx *c, const double *u, double sd[2], double *log_lik)
{
    sd[0] = c->set->daily_sd;
    sd[1] = c->set->poll_sd;
    double lp = 0;
    for (size_t k = 0; k < c->n_free; k++) {
        const int which = c->which[k];
        const double lo = log(BOUND_LO[which]), hi = log(BOUND_HI[which]), a = fabs(u[k]);
        sd[which] = exp(lo + (hi - lo) / (1 + exp(-u[k])));
        lp -= a + 2 * log1p(exp(-a)); /* log s(1 − s), without overflow */
    }
    if (isnan(c->set->daily_sd)) {
        const double z = log(sd[0] / RO_TREND_DAILY_SD_PRIOR) / RO_TREND_DAILY_SD_PRIOR_LOGSD;
        lp -= 0.5 * z * z;
    }
    *log_lik = evaluate(c->w, c->m, sd[0], sd[1]);
    return lp + *log_lik;
}

static double neg_log_posterior(const gsl_vector *u, void *ctx)
{
    double sd[2], ll;
    return -log_posterior(ctx, u->data, sd, &ll);
}

/* The mode of the posterior of u: Nelder-Mead from u = 0 (the middle of the
 * log bounds); at most 200 steps or until the simplex is 1e-3 wide in u. */
static runoff_status find_mode(const hyper_ctx *c, double u_mode[2])
{
    gsl_multimin_function f = {.f = neg_log_posterior, .n = c->n_free, .params = (void *)c};
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
    for (size_t k = 0; k < c->n_free; k++)
        u_mode[k] = gsl_vector_get(gsl_multimin_fminimizer_x(mm), k);
    gsl_vector_free(u);
    gsl_vector_free(step);
    gsl_multimin_fminimizer_free(mm);
    return RUNOFF_OK;
}

/* The grid's axes: A with A Aᵀ = H⁻¹, H the negative Hessian of the log
 * posterior at the mode by central differences (step RO_TREND_HESSIAN_STEP
 * in u), along its principal directions, u = u_mode + A z. A curvature below
 * RO_TREND_MIN_CURVATURE (numerical noise, or a posterior flatter than the
 * prior alone allows) is raised to it. */
static void grid_axes(const hyper_ctx *c, const double *u0, double f0, double A[2][2])
{
    const double h = RO_TREND_HESSIAN_STEP;
    double H[2][2] = {{0, 0}, {0, 0}}, sd[2], ll;
    for (size_t a = 0; a < c->n_free; a++) {
        double u[2] = {u0[0], u0[1]};
        u[a] = u0[a] + h;
        const double fp = log_posterior(c, u, sd, &ll);
        u[a] = u0[a] - h;
        const double fm = log_posterior(c, u, sd, &ll);
        H[a][a] = -(fp - 2 * f0 + fm) / (h * h);
    }
    if (c->n_free == 1) {
        A[0][0] = 1 / sqrt(fmax(H[0][0], RO_TREND_MIN_CURVATURE));
        return;
    }
    double f[4];
    for (int s = 0; s < 4; s++) {
        const double u[2] = {u0[0] + (s & 1 ? -h : h), u0[1] + (s & 2 ? -h : h)};
        f[s] = log_posterior(c, u, sd, &ll);
    }
    H[0][1] = H[1][0] = -(f[0] - f[1] - f[2] + f[3]) / (4 * h * h);
    /* eigenvalues l and unit eigenvectors of the symmetric 2 × 2 H */
    const double mid = 0.5 * (H[0][0] + H[1][1]), half = 0.5 * (H[0][0] - H[1][1]);
    const double r = hypot(half, H[0][1]);
    const double l[2] = {mid + r, mid - r};
    /* the first eigenvector is (cos θ, sin θ) with tan 2θ = 2 H01 / (H00 − H11) */
    const double theta = 0.5 * atan2(H[0][1], half);
    const double v[2][2] = {{cos(theta), -sin(theta)}, {sin(theta), cos(theta)}};
    for (int k = 0; k < 2; k++) {
        const double s = 1 / sqrt(fmax(l[k], RO_TREND_MIN_CURVATURE));
        A[0][k] = v[0][k] * s;
        A[1][k] = v[1][k] * s;
    }
}

/* Gauss–Hermite rules for a standard normal: nodes ±x, weights summing to
 * 1 over the full rule (node 0 first, then the positive half). Checked
 * against gsl_integration_fixed_hermite by tests/test_trend.c. */
typedef struct {
    size_t n;
    double x[4], wt[4];
} gh_rule;

static const gh_rule GH5 = {5, {0, 1.3556261799742657, 2.8569700138728056},
                            {0.53333333333333333, 0.22207592200561265, 0.011257411327720689}};
static const gh_rule GH7 = {7, {0, 1.1544053947399682, 2.3667594107345413, 3.7504397177257425},
                            {0.45714285714285714, 0.24012317860501271, 0.030757123967586497,
                             0.00054826885597221875}};

/* Node i (0..n−1) of a rule: its abscissa and weight. */
static double gh_node(const gh_rule *g, size_t i, double *weight)
{
    const size_t h = g->n / 2;
    const size_t k = i < h ? h - i : i - h;
    *weight = g->wt[k];
    return i < h ? -g->x[k] : g->x[k];
}

double ro_trend_gauss_hermite(size_t n, size_t i, double *weight)
{
    const gh_rule *g = n == 5 ? &GH5 : n == 7 ? &GH7 : NULL;
    if (g == NULL || i >= n) {
        *weight = NAN;
        return NAN;
    }
    return gh_node(g, i, weight);
}

/* ------------------------------------------------------------ posterior */

/* After evaluate(): one grid point's posterior, θ's means and variances in
 * w->cm, w->cv (days, then every pollster's house effect, then the three
 * populations) and the polls' weights in w->cw. */
static void component(trend_ws *w, const size_t *m, const int popmap[RO_POP_COUNT],
                      size_t election_day)
{
    const size_t N = w->N, D = w->D, G = w->G, J = w->J;
    gsl_matrix_view Qv = gsl_matrix_view_array(w->Q, N, N);
    gsl_linalg_cholesky_invert(&Qv.matrix); /* Q now holds the covariance */
    const double *C = w->Q;
    double *cm = w->cm, *cv = w->cv;
    memset(cm, 0, w->K * sizeof *cm);
    memset(cv, 0, w->K * sizeof *cv);
    for (size_t d = 0; d < D; d++) {
        cm[d] = w->ybar + w->mu[d];
        cv[d] = C[d * N + d];
    }
    /* h_j = g_j for j < G; the last pollster's h_G = -Σ_q c_q g_q with
     * c_q = m_q / m_G, so its variance is the quadratic form cᵀ Cov(g) c. */
    for (size_t j = 0; j < G; j++) {
        cm[D + j] = w->mu[D + j];
        cv[D + j] = C[(D + j) * N + D + j];
    }
    if (G > 0) {
        double h = 0, v = 0;
        for (size_t a = 0; a < G; a++) {
            const double ca = (double)m[a] / (double)m[G];
            h -= ca * w->mu[D + a];
            for (size_t b = 0; b < G; b++)
                v += ca * ((double)m[b] / (double)m[G]) * C[(D + a) * N + D + b];
        }
        cm[D + G] = h;
        cv[D + G] = v;
    }
    for (int k = 0; k < RO_POP_COUNT; k++)
        if (popmap[k] >= 0) {
            const size_t a = D + G + (size_t)popmap[k];
            cm[D + J + (size_t)k] = w->mu[a];
            cv[D + J + (size_t)k] = C[a * N + a];
        }
    const size_t E = election_day;
    for (size_t i = 0; i < w->n; i++) {
        const obs_row *r = &w->rows[i];
        double g = 0;
        for (size_t e = r->first; e < r->first + r->len; e++)
            g += C[E * N + w->idx[e]] * w->val[e];
        w->cw[i] = g / (r->v + w->poll_var);
    }
}

/* Add a component of (unnormalised) weight wt to the running mixture:
 * weighted means of the means and of the variances, and the weighted sum of
 * squared deviations of the means (West's update, so one component of
 * weight 1 gives back its mean and variance exactly). */
static void mix(trend_ws *w, double wt, const double sd[2])
{
    const double W = w->wsum + wt, f = wt / W;
    for (size_t k = 0; k < w->K; k++) {
        const double delta = w->cm[k] - w->am[k], rr = delta * f;
        w->am[k] += rr;
        w->aw[k] += (w->cv[k] - w->aw[k]) * f;
        w->ab[k] += w->wsum * delta * rr;
    }
    for (size_t i = 0; i < w->n; i++)
        w->aweight[i] += (w->cw[i] - w->aweight[i]) * f;
    for (int k = 0; k < 2; k++)
        w->avar[k] += (sd[k] * sd[k] - w->avar[k]) * f;
    w->wsum = W;
}

/* The mixture into t: law of total variance, Var = E[Var | σ, τ] +
 * Var[E | σ, τ]; adjusted shares with the mixture's effects. */
static void finish(trend_ws *w, const ro_trend_poll *p, const int popmap[RO_POP_COUNT],
                   ro_trend *t)
{
    const size_t D = w->D, J = w->J;
    for (size_t k = 0; k < w->K; k++) {
        const double v = w->aw[k] + w->ab[k] / w->wsum;
        w->cv[k] = sqrt(v > 0 ? v : 0);
    }
    for (size_t d = 0; d < t->n_days; d++) {
        t->mean[d] = w->am[state_of(w, d)];
        t->sd[d] = w->cv[state_of(w, d)];
    }
    for (size_t j = 0; j < J; j++) {
        t->house[j] = w->am[D + j];
        t->house_sd[j] = w->cv[D + j];
    }
    for (int k = 0; k < RO_POP_COUNT; k++) {
        t->population_used[k] = popmap[k] >= 0;
        t->population[k] = w->am[D + J + (size_t)k];
        t->population_sd[k] = w->cv[D + J + (size_t)k];
    }
    for (size_t i = 0; i < w->n; i++) {
        t->weight[i] = w->aweight[i];
        const double lo = 0.5 / p[i].n_eff;
        const double s = p[i].share < lo ? lo : p[i].share > 1 - lo ? 1 - lo : p[i].share;
        t->adjusted[i] = ro_expit(ro_logit(s) - t->house[p[i].pollster] -
                                  t->population[p[i].population]);
    }
}

/* The posterior of θ with σ, τ integrated out: the mode of their
 * posterior, then a product Gauss–Hermite rule along the principal axes of
 * its Laplace approximation, each node weighted by the rule's weight times
 * posterior / Gaussian there (so the rule is exact when the posterior of u
 * is Gaussian and corrects for it when it is not); one exact solve per
 * node. With nothing free, or set->plug_in, one node of weight 1. */
static runoff_status integrate(const hyper_ctx *c, const ro_trend_poll *p,
                               const int popmap[RO_POP_COUNT], ro_trend *t)
{
    trend_ws *w = c->w;
    double u0[2] = {0, 0}, sd[2], ll;
    if (c->n_free > 0 && find_mode(c, u0) != RUNOFF_OK)
        return RUNOFF_ENOMEM;
    const double f0 = log_posterior(c, u0, sd, &t->log_lik);
    t->daily_sd_mode = sd[0];
    t->poll_sd_mode = sd[1];
    if (c->n_free == 0 || c->set->plug_in) {
        component(w, c->m, popmap, state_of(w, t->election_day));
        mix(w, 1, sd);
        t->n_nodes = 1;
    } else {
        double A[2][2] = {{0, 0}, {0, 0}};
        grid_axes(c, u0, f0, A);
        const gh_rule *g = c->n_free == 2 ? &GH5 : &GH7;
        const size_t nodes = c->n_free == 2 ? g->n * g->n : g->n;
        for (size_t q = 0; q < nodes; q++) {
            double wz[2] = {1, 1}, z[2] = {0, 0}, u[2] = {u0[0], u0[1]};
            z[0] = gh_node(g, q % g->n, &wz[0]);
            if (c->n_free == 2)
                z[1] = gh_node(g, q / g->n, &wz[1]);
            for (size_t a = 0; a < c->n_free; a++)
                for (size_t b = 0; b < c->n_free; b++)
                    u[a] += A[a][b] * z[b];
            const double f = log_posterior(c, u, sd, &ll);
            const double wt = wz[0] * wz[1] * exp(f - f0 + 0.5 * (z[0] * z[0] + z[1] * z[1]));
            component(w, c->m, popmap, state_of(w, t->election_day));
            mix(w, wt, sd);
        }
        t->n_nodes = nodes;
    }
    /* as used: a given value as given, an estimated one as the root mean
     * square over the nodes, which is what the drift after the last poll
     * adds a day (E[σ²]) */
    t->daily_sd = isnan(c->set->daily_sd) ? sqrt(w->avar[0]) : c->set->daily_sd;
    t->poll_sd = isnan(c->set->poll_sd) ? sqrt(w->avar[1]) : c->set->poll_sd;
    finish(w, p, popmap, t);
    return RUNOFF_OK;
}

static void ws_free(trend_ws *w)
{
    free(w->rows);
    free(w->idx);
    free(w->val);
    free(w->Q);
    free(w->b);
    free(w->mu);
    free(w->cm); /* and the arrays carved from it */
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
    /* the mixture's arrays in one block, carved below: 5 of K, 2 of n */
    w->cm = ro_calloc(5 * w->K + 2 * w->n, sizeof *w->cm);
    t->mean = ro_calloc(t->n_days, sizeof *t->mean);
    t->sd = ro_calloc(t->n_days, sizeof *t->sd);
    t->house = ro_calloc(t->n_pollsters, sizeof *t->house);
    t->house_sd = ro_calloc(t->n_pollsters, sizeof *t->house_sd);
    t->adjusted = ro_calloc(w->n, sizeof *t->adjusted);
    t->weight = ro_calloc(w->n, sizeof *t->weight);
    if (w->cm != NULL) {
        w->cv = w->cm + w->K;
        w->am = w->cv + w->K;
        w->aw = w->am + w->K;
        w->ab = w->aw + w->K;
        w->cw = w->ab + w->K;
        w->aweight = w->cw + w->n;
    }
    return w->rows && w->idx && w->val && w->Q && w->b && w->mu && w->cm && t->mean && t->sd &&
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
    /* Past RO_TREND_MAX_STATES days the walk takes steps of several days,
     * so the dense solve stays that size whatever the span. */
    const size_t step = (t.n_days + RO_TREND_MAX_STATES - 1) / RO_TREND_MAX_STATES;
    trend_ws w = {.n = n, .D = (t.n_days - 1) / step + 1, .step = step,
                  .last_day = t.n_days - 1, .house_sd = set->house_sd};
    int popmap[RO_POP_COUNT];
    w.NP = population_map(p, n, popmap);
    w.G = set->estimate_house && n_pollsters > 1 ? n_pollsters - 1 : 0;
    w.N = w.D + w.G + w.NP;
    w.J = n_pollsters;
    w.K = w.D + w.J + RO_POP_COUNT;
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

    hyper_ctx c = {.w = &w, .m = m, .set = set};
    if (isnan(set->daily_sd))
        c.which[c.n_free++] = 0;
    if (isnan(set->poll_sd))
        c.which[c.n_free++] = 1;
    t.daily_sd_estimated = isnan(set->daily_sd);
    t.poll_sd_estimated = isnan(set->poll_sd);
    runoff_status st = integrate(&c, p, popmap, &t);
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
