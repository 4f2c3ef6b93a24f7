/*
 * calibrate.c — the calibrator: the regional error of docs/model.md §5
 * fitted on past elections by restricted maximum likelihood.
 *
 * For election e and region r with an actual share y_r, the residual
 *
 *     d_r = logit(y_r) - log(A_r / B_r)   (mean transfer rows, leaning by
 *                                          the local lean, regional.c)
 *
 * is what the model's regional deviation, plus the election's uniform swing,
 * has to explain. The model (§5, §6) says
 *
 *     d = mu_e 1 + eps,   eps ~ N(0, C),
 *     C = diag(sd^2 + transfer_sd^2 h_r) + group_sd^2 sum_g 1_g 1_g'
 *
 * with mu_e free for each election (the anchoring swing δ of §6). The
 * restricted likelihood integrates mu_e out, so the sds are not biased
 * down by its estimation. The lean moves d_r and h_r themselves, so they
 * are recomputed at each trial lean. The three sds (on their logarithms)
 * and the lean are found together by Nelder-Mead (GSL), and the standard
 * errors come from the inverse of the numerical Hessian of the same
 * function at the estimate (sds on their own scale). A parameter driven
 * to its lower bound is reported as 0 with no standard error. What the
 * fragment carries is not this estimate but the parameters' posterior
 * means (uniform priors), which integrate over their uncertainty: an sd at
 * its bound is not evidence that it is 0 (posterior, below; docs/model.md
 * §5). One group sd is shared by every group: a past election
 * has only a handful of groups, each with one to three regions, far too
 * few to give each group its own sd.
 *
 * The transfer rows' own (Dirichlet) uncertainty, which the model adds on
 * top, is part of C (to first order, dirichlet_cov), so the sds fitted are
 * what remains beyond it. Left out: the binomial noise of small regions,
 * negligible next to sds of a few tenths.
 */
#include "calibrate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>

#include "error.h"
#include "logodds.h"
#include "regional.h"

/* log-sd bounds: sds in [e^-12, e^2] = [6e-6, 7.4]; below CAL_ZERO an sd is
 * reported as at its bound. */
#define CAL_LOG_MIN (-12.0)
#define CAL_LOG_MAX 2.0
#define CAL_ZERO 1e-4
/* the lean's bounds: the loader's range for regional_error.local_lean */
#define CAL_LEAN_MAX 5.0
#define CAL_MAX_ITER 4000
#define CAL_TOL 1e-6
#define CAL_TOL_VALUE 1e-12 /* relative: no better by this in CAL_STALL steps */
#define CAL_STALL 400

typedef struct {
    const runoff_scenario *s;
    size_t n;
    size_t *region;     /* [n]: the regions used */
    double *y;          /* [n]: logit of their actual shares */
    double *d, *h;      /* [n]: residuals and h_r at the lean last computed */
    int *group;         /* [n]: index into the first scenario's groups, -1 = none */
    ro_region_mean *mean; /* [n_regions] scratch */
    double *dir;        /* [n * n]: covariance of the log-odds from the rows'
                           Dirichlet draws (§4), which the model adds anyway */
    double lean;        /* the lean d and h are for */
} cal_election;

typedef struct {
    cal_election *e;
    size_t n_e;
    bool fit[RO_CAL_N_PARAMS];
    bool posterior; /* the objective is the negative log posterior (with the
                       prior's Jacobian), not the negative log-likelihood */
    gsl_matrix *C;  /* scratch, max n x max n */
    gsl_vector *x, *y, *b;
} cal_data;

/* d and h of election e at this lean (recomputed only when it changes). */
static void residuals_at(cal_election *e, double lean)
{
    if (lean == e->lean)
        return;
    ro_regional_means(e->s, lean, e->mean);
    for (size_t i = 0; i < e->n; i++) {
        e->d[i] = e->y[i] - e->mean[e->region[i]].log_odds;
        e->h[i] = e->mean[e->region[i]].h;
    }
    e->lean = lean;
}

static bool solve(cal_data *D, const cal_election *e, const double p[RO_CAL_N_PARAMS],
                  double *logdet, double *dx, double *sx, double *sy);

/* Negative restricted log-likelihood at the sds p (sd scale), up to a
 * constant; INFINITY if C is not positive definite. */
static double neg_loglik(cal_data *D, const double p[RO_CAL_N_PARAMS])
{
    double total = 0;
    for (size_t k = 0; k < D->n_e; k++) {
        cal_election *e = &D->e[k];
        const size_t n = e->n;
        residuals_at(e, p[RO_CAL_LEAN]);
        for (size_t i = 0; i < n; i++)
            if (!isfinite(e->d[i]))
                return INFINITY; /* a lean that sends a region's share to 0 or 1 */
        double logdet, dx, sx, sy;
        if (!solve(D, e, p, &logdet, &dx, &sx, &sy))
            return INFINITY;
        total += 0.5 * (logdet + dx - sx * sx / sy + log(sy));
    }
    return isfinite(total) ? total : INFINITY;
}

/* Election e's C at the sds p into D->C, factorised (its lower triangle
 * then holds L, C = LL'); then, with
 * x = C^-1 d and y = C^-1 1: log|C|, d'x, 1'x and 1'y. False if C is not
 * positive definite or 1'y is not positive. */
static bool solve(cal_data *D, const cal_election *e, const double p[RO_CAL_N_PARAMS],
                  double *logdet, double *dx, double *sx, double *sy)
{
    const size_t n = e->n;
    const double s2 = p[RO_CAL_SD] * p[RO_CAL_SD], k2 = p[RO_CAL_TRANSFER_SD] * p[RO_CAL_TRANSFER_SD],
                 g2 = p[RO_CAL_GROUP_SD] * p[RO_CAL_GROUP_SD];
    gsl_matrix_view C = gsl_matrix_submatrix(D->C, 0, 0, n, n);
    gsl_vector_view x = gsl_vector_subvector(D->x, 0, n), y = gsl_vector_subvector(D->y, 0, n),
                    b = gsl_vector_subvector(D->b, 0, n);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            double c = e->dir[i * n + j] +
                       (e->group[i] >= 0 && e->group[i] == e->group[j] ? g2 : 0.0);
            gsl_matrix_set(&C.matrix, i, j, c);
            gsl_matrix_set(&C.matrix, j, i, c);
        }
        gsl_matrix_set(&C.matrix, i, i,
                       e->dir[i * n + i] + s2 + k2 * e->h[i] + (e->group[i] >= 0 ? g2 : 0.0));
    }
    if (gsl_linalg_cholesky_decomp1(&C.matrix) != GSL_SUCCESS)
        return false;
    *logdet = 0;
    for (size_t i = 0; i < n; i++)
        *logdet += 2 * log(gsl_matrix_get(&C.matrix, i, i));
    for (size_t i = 0; i < n; i++)
        gsl_vector_set(&b.vector, i, e->d[i]);
    gsl_linalg_cholesky_solve(&C.matrix, &b.vector, &x.vector);
    gsl_vector_set_all(&b.vector, 1.0);
    gsl_linalg_cholesky_solve(&C.matrix, &b.vector, &y.vector);
    *dx = *sx = *sy = 0;
    for (size_t i = 0; i < n; i++) {
        *dx += e->d[i] * gsl_vector_get(&x.vector, i);
        *sx += gsl_vector_get(&x.vector, i);
        *sy += gsl_vector_get(&y.vector, i);
    }
    return *sy > 0;
}

/* The optimiser's view: the fitted sds' logarithms and the lean, clamped
 * to their bounds; *outside is how far beyond them v lies (squared), which
 * the objective adds as a penalty so the simplex is pushed back rather
 * than wandering on a flat plateau. */
static void unpack(const cal_data *D, const gsl_vector *v, double p[RO_CAL_N_PARAMS],
                   double *outside)
{
    size_t j = 0;
    double out = 0;
    for (int i = 0; i < RO_CAL_N_PARAMS; i++) {
        p[i] = 0;
        if (!D->fit[i])
            continue;
        const double lo = i == RO_CAL_LEAN ? -CAL_LEAN_MAX : CAL_LOG_MIN,
                     hi = i == RO_CAL_LEAN ? CAL_LEAN_MAX : CAL_LOG_MAX;
        double t = gsl_vector_get(v, j++);
        double c = t < lo ? lo : t > hi ? hi : t;
        out += (t - c) * (t - c);
        p[i] = i == RO_CAL_LEAN ? c : exp(c);
    }
    if (outside != NULL)
        *outside = out;
}

/* The prior's log density on the optimiser's coordinates: uniform on each
 * sd and on the lean, so on u = log sd the density is e^u, the Jacobian. */
static double log_prior(const cal_data *D, const double p[RO_CAL_N_PARAMS])
{
    double lp = 0;
    for (int i = 0; i < RO_CAL_N_PARAMS; i++)
        if (D->fit[i] && i != RO_CAL_LEAN)
            lp += log(p[i]);
    return lp;
}

static double objective(const gsl_vector *v, void *ctx)
{
    cal_data *D = ctx;
    double p[RO_CAL_N_PARAMS], outside;
    unpack(D, v, p, &outside);
    double f = neg_loglik(D, p);
    if (D->posterior)
        f -= log_prior(D, p);
    return isfinite(f) ? f + 1e3 * outside : GSL_DBL_MAX;
}

/* Nelder-Mead from start (log-sds), restarted once from its own answer
 * (a simplex can collapse early on a ridge). */
static int minimise(cal_data *D, gsl_vector *x, size_t dim)
{
    gsl_multimin_function fn = {objective, dim, D};
    gsl_vector *step = gsl_vector_alloc(dim);
    gsl_multimin_fminimizer *mm = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, dim);
    if (step == NULL || mm == NULL) {
        gsl_vector_free(step);
        gsl_multimin_fminimizer_free(mm);
        return -1;
    }
    int converged = 0;
    for (int round = 0; round < 2; round++) {
        gsl_vector_set_all(step, 1.0);
        gsl_multimin_fminimizer_set(mm, &fn, x, step);
        converged = 0;
        double best = gsl_multimin_fminimizer_minimum(mm);
        for (int it = 0, since = 0; it < CAL_MAX_ITER && !converged; it++) {
            if (gsl_multimin_fminimizer_iterate(mm) != GSL_SUCCESS)
                break;
            converged = gsl_multimin_test_size(gsl_multimin_fminimizer_size(mm), CAL_TOL) ==
                        GSL_SUCCESS;
            /* or converged in value: on a plateau (an sd far below the
             * others, where the likelihood no longer depends on it) the
             * simplex need not shrink */
            const double f = gsl_multimin_fminimizer_minimum(mm);
            if (f < best - CAL_TOL_VALUE * (1 + fabs(best)))
                best = f, since = 0;
            else
                converged |= ++since >= CAL_STALL;
        }
        gsl_vector_memcpy(x, gsl_multimin_fminimizer_x(mm));
    }
    gsl_vector_free(step);
    gsl_multimin_fminimizer_free(mm);
    return converged ? 0 : 1;
}

/* Standard errors of the parameters that are fitted and off their bound:
 * the inverse of the numerical Hessian (central differences, step 10^-3
 * of the value) of the negative log-likelihood on the sd scale. */
static void standard_errors(cal_data *D, runoff_calibration *c)
{
    int idx[RO_CAL_N_PARAMS];
    size_t m = 0;
    for (int i = 0; i < RO_CAL_N_PARAMS; i++) {
        c->se[i] = NAN;
        if (c->fitted[i] && (i == RO_CAL_LEAN || c->value[i] > CAL_ZERO))
            idx[m++] = i;
    }
    if (m == 0)
        return;
    gsl_matrix *H = gsl_matrix_alloc(m, m);
    if (H == NULL)
        return;
    double p[RO_CAL_N_PARAMS], step[RO_CAL_N_PARAMS];
    for (size_t a = 0; a < m; a++)
        step[idx[a]] = idx[a] == RO_CAL_LEAN ? 1e-3 : 1e-3 * c->value[idx[a]];
    for (size_t a = 0; a < m; a++)
        for (size_t b = a; b < m; b++) {
            double f[4];
            for (int s = 0; s < 4; s++) {
                memcpy(p, c->value, sizeof p);
                p[idx[a]] += (s & 1 ? -1 : 1) * step[idx[a]];
                p[idx[b]] += (s & 2 ? -1 : 1) * step[idx[b]];
                f[s] = neg_loglik(D, p);
            }
            double hab = (f[0] - f[1] - f[2] + f[3]) / (4 * step[idx[a]] * step[idx[b]]);
            gsl_matrix_set(H, a, b, hab);
            gsl_matrix_set(H, b, a, hab);
        }
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    if (gsl_linalg_cholesky_decomp1(H) == GSL_SUCCESS && gsl_linalg_cholesky_invert(H) == GSL_SUCCESS)
        for (size_t a = 0; a < m; a++)
            c->se[idx[a]] = sqrt(gsl_matrix_get(H, a, a));
    gsl_set_error_handler(old);
    gsl_matrix_free(H);
}

/* ------------------------------------------------------------ posterior */

/* The parameters' posterior, whose means the fragment reports instead of
 * the point estimate (docs/model.md §5): with uniform priors on the sds and
 * the lean, its mode on (log sds, lean), the Laplace approximation's principal
 * axes there, and a product Gauss-Hermite rule of CAL_GH nodes per axis,
 * each node weighted by the rule's weight times posterior / Gaussian (exact
 * for a Gaussian posterior, corrected where it is not), as the poll model
 * integrates over its hyperparameters (trend.c). */
#define CAL_GH 5
#define CAL_GH_CHECK 3 /* the embedded check: 3 nodes per axis */
#define CAL_ROUGH 0.25 /* rough when the two rules' means differ by this many sds */
#define CAL_NARROW 0.75 /* or when a posterior sd is below this fraction of the standard error */
#define CAL_POST_STEP 1e-3 /* Hessian step: log-sds and the lean are O(1) */
#define CAL_POST_START 1e-2 /* the search starts an sd at 0 from here */

/* The objective's Hessian at x by central differences into H (t: scratch). */
static void hessian(cal_data *D, const gsl_vector *x, gsl_matrix *H, gsl_vector *t)
{
    const size_t m = x->size;
    const double h = CAL_POST_STEP;
    for (size_t a = 0; a < m; a++)
        for (size_t b = a; b < m; b++) {
            double f[4];
            for (int s = 0; s < 4; s++) {
                gsl_vector_memcpy(t, x);
                *gsl_vector_ptr(t, a) += s & 1 ? -h : h;
                *gsl_vector_ptr(t, b) += s & 2 ? -h : h;
                f[s] = objective(t, D);
            }
            const double v = (f[0] - f[1] - f[2] + f[3]) / (4 * h * h);
            gsl_matrix_set(H, a, b, v);
            gsl_matrix_set(H, b, a, v);
        }
}

/* The axes A (columns: eigenvectors of H scaled by 1/sqrt(eigenvalue)), so
 * that x + A z, z standard normal, is the Laplace approximation; false if H
 * is not positive definite. H is destroyed; eval and ws are scratch. */
static bool laplace_axes(gsl_matrix *H, gsl_matrix *A, gsl_vector *eval,
                         gsl_eigen_symmv_workspace *ws)
{
    const size_t m = H->size1;
    bool ok = gsl_eigen_symmv(H, eval, A, ws) == GSL_SUCCESS;
    for (size_t k = 0; ok && k < m; k++) {
        const double l = gsl_vector_get(eval, k);
        ok = l > 0 && isfinite(l);
        if (ok) {
            gsl_vector_view col = gsl_matrix_column(A, k);
            gsl_vector_scale(&col.vector, 1 / sqrt(l));
        }
    }
    return ok;
}

/* The posterior means (mean[i]) and sds (sd[i]) by the product rule of
 * gh's n nodes per axis around the mode x (objective f0 there); false if
 * the weights do not sum to a positive finite number. */
static bool grid_moments(cal_data *D, const gsl_vector *x, double f0, const gsl_matrix *A,
                         const gsl_integration_fixed_workspace *gh, double mean[RO_CAL_N_PARAMS],
                         double sd[RO_CAL_N_PARAMS], gsl_vector *u)
{
    const size_t dim = x->size, n = gh->n;
    const double *node = gsl_integration_fixed_nodes(gh);
    const double *weight = gsl_integration_fixed_weights(gh);
    double m0 = 0, m1[RO_CAL_N_PARAMS] = {0}, m2[RO_CAL_N_PARAMS] = {0};
    size_t total = 1;
    for (size_t k = 0; k < dim; k++)
        total *= n;
    for (size_t q = 0; q < total; q++) {
        double g = 1, zz = 0, z[RO_CAL_N_PARAMS], p[RO_CAL_N_PARAMS];
        for (size_t k = 0, rest = q; k < dim; k++, rest /= n) {
            z[k] = node[rest % n];
            g *= weight[rest % n];
            zz += z[k] * z[k];
        }
        gsl_vector_memcpy(u, x);
        for (size_t a = 0; a < dim; a++)
            for (size_t k = 0; k < dim; k++)
                *gsl_vector_ptr(u, a) += gsl_matrix_get(A, a, k) * z[k];
        const double w = g * exp(f0 - objective(u, D) + 0.5 * zz);
        unpack(D, u, p, NULL);
        m0 += w;
        for (int i = 0; i < RO_CAL_N_PARAMS; i++) {
            m1[i] += w * p[i];
            m2[i] += w * p[i] * p[i];
        }
    }
    for (int i = 0; i < RO_CAL_N_PARAMS; i++) {
        mean[i] = m1[i] / m0;
        sd[i] = sqrt(fmax(m2[i] / m0 - mean[i] * mean[i], 0));
    }
    return m0 > 0 && isfinite(m0);
}

/* The posterior's means and sds into c->post and c->post_sd
 * (c->posterior_ok), starting the search from the estimate in c->value;
 * c->post untouched when the posterior has no mode or no curvature there.
 * RUNOFF_ENOMEM only when memory runs out. c->posterior_rough: the grid
 * does not resolve the posterior, by either of two signs: the rule of
 * CAL_GH_CHECK nodes per axis gives some mean more than CAL_ROUGH of its
 * sd away (an embedded lower-order rule as the error estimate: the data
 * barely inform some sd), or some posterior sd is below CAL_NARROW of the
 * estimate's standard error (a curved ridge the straight axes cut across).
 * Tried and dropped: re-placing the grid by its own mean and covariance
 * (Naylor and Smith's iteration) followed the long left tail of an sd near
 * 0 and moved the 2012 fit's transfer_sd 0.4 sd away from an importance
 * sampler's answer, where the Laplace grid is within 0.07 sd of it. */
static runoff_status posterior(cal_data *D, runoff_calibration *c, size_t dim)
{
    gsl_vector *x = gsl_vector_alloc(dim), *t = gsl_vector_alloc(dim), *ev = gsl_vector_alloc(dim);
    gsl_matrix *H = gsl_matrix_alloc(dim, dim), *A = gsl_matrix_alloc(dim, dim);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(dim);
    /* standard-normal rules: weight function exp(-b (x - a)^2), a = 0, b = 1/2 */
    const gsl_integration_fixed_type *hermite = gsl_integration_fixed_hermite;
    gsl_integration_fixed_workspace *gh =
        gsl_integration_fixed_alloc(hermite, CAL_GH, 0, 0.5, 0, 0);
    gsl_integration_fixed_workspace *gc =
        gsl_integration_fixed_alloc(hermite, CAL_GH_CHECK, 0, 0.5, 0, 0);
    const bool mem = x && t && ev && H && A && ws && gh && gc;
    double mean[RO_CAL_N_PARAMS], sd[RO_CAL_N_PARAMS], mc[RO_CAL_N_PARAMS], sc[RO_CAL_N_PARAMS];
    bool ok = mem;
    if (ok) {
        for (int i = 0, j = 0; i < RO_CAL_N_PARAMS; i++)
            if (D->fit[i])
                gsl_vector_set(x, (size_t)j++, i == RO_CAL_LEAN
                                                   ? c->value[i]
                                                   : log(fmax(c->value[i], CAL_POST_START)));
        D->posterior = true;
        const double f0 = minimise(D, x, dim) == 0 ? objective(x, D) : NAN;
        if ((ok = isfinite(f0))) {
            hessian(D, x, H, t);
            ok = laplace_axes(H, A, ev, ws) && grid_moments(D, x, f0, A, gh, mean, sd, t) &&
                 grid_moments(D, x, f0, A, gc, mc, sc, t);
        }
        D->posterior = false;
    }
    c->posterior_ok = ok;
    c->posterior_rough = false;
    for (int i = 0; ok && i < RO_CAL_N_PARAMS; i++) {
        c->post[i] = mean[i];
        c->post_sd[i] = D->fit[i] ? sd[i] : NAN;
        c->posterior_rough |= D->fit[i] && fabs(mc[i] - mean[i]) > CAL_ROUGH * sd[i];
        /* a posterior far narrower than the likelihood's own curvature at
         * the estimate: the grid's straight axes cut across a curved ridge
         * (sd and transfer_sd trading off where h_r spans little) */
        c->posterior_rough |= D->fit[i] && sd[i] < CAL_NARROW * c->se[i];
    }
    gsl_vector_free(x);
    gsl_vector_free(t);
    gsl_vector_free(ev);
    gsl_matrix_free(H);
    gsl_matrix_free(A);
    gsl_eigen_symmv_free(ws);
    gsl_integration_fixed_free(gh);
    gsl_integration_fixed_free(gc);
    return mem ? RUNOFF_OK : RUNOFF_ENOMEM;
}

/* e->dir: to first order, row o's Dirichlet draw moves region r's
 * log-odds by sum_j v_or (dT_oA / A_r - dT_oB / B_r), and Cov(T_oi, T_oj) =
 * (mu_i 1{i=j} - mu_i mu_j) / (c_o + 1) (§4); summed over the options
 * (fixed rows add nothing). The rows are the mean ones, without the lean:
 * a second-order correction to a term that is itself a correction. */
static runoff_status dirichlet_cov(const runoff_scenario *s, cal_election *e, runoff_error *err)
{
    const size_t R = s->n_regions, n = e->n;
    if ((e->dir = ro_calloc(n * n, sizeof *e->dir)) == NULL)
        return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    /* A_r, B_r of the mean rows: e->mean still holds the lean-0 means */
    const ro_region_mean *mean = e->mean;
    for (size_t o = 0; o < s->n_options; o++) {
        const ro_transfer *t = &s->transfers[o];
        const double ma = t->mean[RO_TO_A], mb = t->mean[RO_TO_B], c = t->concentration;
        if (ro_transfer_fixed(t))
            continue; /* the model draws nothing for it */
        const double vaa = ma * (1 - ma) / (c + 1), vbb = mb * (1 - mb) / (c + 1),
                     vab = -ma * mb / (c + 1);
        for (size_t i = 0; i < n; i++) {
            const double vi = s->votes[o * R + e->region[i]];
            const double ai = mean[e->region[i]].a, bi = mean[e->region[i]].b;
            if (vi == 0)
                continue;
            for (size_t j = 0; j < n; j++) {
                const double vj = s->votes[o * R + e->region[j]];
                const double aj = mean[e->region[j]].a, bj = mean[e->region[j]].b;
                e->dir[i * n + j] += vi * vj *
                                     (vaa / (ai * aj) + vbb / (bi * bj) -
                                      vab * (1 / (ai * bj) + 1 / (bi * aj)));
            }
        }
    }
    return RUNOFF_OK;
}

static long group_index(const runoff_calibration *c, const char *name)
{
    for (size_t g = 0; g < c->n_groups; g++)
        if (strcmp(c->groups[g].name, name) == 0)
            return (long)g;
    return -1;
}

/* The first scenario's groups and their member codes. */
static runoff_status copy_groups(runoff_calibration *c, const runoff_scenario *s, runoff_error *err)
{
    const ro_regional_error *re = &s->regional_error;
    c->n_groups = re->n_groups;
    c->groups = ro_calloc(re->n_groups, sizeof *c->groups);
    c->group_codes = ro_calloc(re->n_groups, sizeof *c->group_codes);
    c->group_size = ro_calloc(re->n_groups, sizeof *c->group_size);
    if (re->n_groups > 0 && (!c->groups || !c->group_codes || !c->group_size))
        return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t g = 0; g < re->n_groups; g++) {
        c->groups[g] = re->groups[g];
        c->groups[g].sd = 0;
        if ((c->group_codes[g] = ro_calloc(s->n_regions, sizeof *c->group_codes[g])) == NULL)
            return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t r = 0; r < s->n_regions; r++) {
        int g = s->regions[r].group;
        if (g >= 0)
            memcpy(c->group_codes[g][c->group_size[g]++], s->regions[r].code, RO_ID_MAX);
    }
    return RUNOFF_OK;
}

/* Election k's residuals; groups mapped to the first scenario's by name. */
static runoff_status load_election(runoff_calibration *c, const runoff_scenario *s,
                                   cal_election *e, runoff_error *err)
{
    const size_t R = s->n_regions;
    if (s->n_options == 0 || R == 0)
        return ro_error_set(err, RUNOFF_EINPUT, s->source, 0, 0,
                            "cannot calibrate on a scenario without first_round");
    if (s->actual.region_share_a == NULL)
        return ro_error_set(err, RUNOFF_EINPUT, s->source, 0, 0,
                            "cannot calibrate on a scenario without actual.regions");
    if (s->regional_error.n_groups != c->n_groups)
        return ro_error_set(err, RUNOFF_EINPUT, s->source, 0, 0,
                            "declares %zu region groups where the first scenario declares %zu; "
                            "expected the same groups in every scenario",
                            s->regional_error.n_groups, c->n_groups);
    long *map = ro_calloc(c->n_groups + 1, sizeof *map);
    ro_region_mean *mean = ro_calloc(R, sizeof *mean);
    e->s = s;
    e->d = ro_calloc(R, sizeof *e->d);
    e->h = ro_calloc(R, sizeof *e->h);
    e->y = ro_calloc(R, sizeof *e->y);
    e->region = ro_calloc(R, sizeof *e->region);
    e->group = ro_calloc(R, sizeof *e->group);
    e->mean = mean;
    runoff_status st = RUNOFF_OK;
    if (!map || !mean || !e->d || !e->h || !e->y || !e->region || !e->group) {
        st = ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    for (size_t g = 0; g < c->n_groups; g++)
        if ((map[g] = group_index(c, s->regional_error.groups[g].name)) < 0) {
            st = ro_error_set(err, RUNOFF_EINPUT, s->source, 0, 0,
                              "region group '%s' is not among the first scenario's groups; "
                              "expected the same groups in every scenario",
                              s->regional_error.groups[g].name);
            goto done;
        }
    ro_regional_means(s, 0, mean);
    for (size_t r = 0; r < R; r++) {
        const double y = s->actual.region_share_a[r];
        if (!(y > 0 && y < 1) || !isfinite(mean[r].log_odds))
            continue;
        e->region[e->n] = r;
        e->y[e->n] = ro_logit(y);
        e->d[e->n] = e->y[e->n] - mean[r].log_odds;
        e->h[e->n] = mean[r].h;
        e->group[e->n] = s->regions[r].group >= 0 ? (int)map[s->regions[r].group] : -1;
        e->n++;
    }
    e->lean = 0;
    if (e->n >= 3)
        st = dirichlet_cov(s, e, err);
    if (e->n < 3)
        st = ro_error_set(err, RUNOFF_EINPUT, s->source, 0, 0,
                          "only %zu regions have an actual share strictly between 0 and 100 %% "
                          "and both finalists' expected votes; at least 3 are needed",
                          e->n);
done:
    free(map);
    return st;
}

void runoff_calibration_free(runoff_calibration *c)
{
    if (c == NULL)
        return;
    for (size_t g = 0; g < c->n_groups && c->group_codes != NULL; g++)
        free(c->group_codes[g]);
    free(c->group_codes);
    free(c->group_size);
    free(c->groups);
    free(c->n_used);
    free(c->residual);
    free(c);
}

static void data_free(cal_data *D)
{
    for (size_t k = 0; k < D->n_e && D->e != NULL; k++) {
        free(D->e[k].d);
        free(D->e[k].h);
        free(D->e[k].y);
        free(D->e[k].region);
        free(D->e[k].group);
        free(D->e[k].mean);
        free(D->e[k].dir);
    }
    free(D->e);
    gsl_matrix_free(D->C);
    gsl_vector_free(D->x);
    gsl_vector_free(D->y);
    gsl_vector_free(D->b);
}

/* c->residual at the estimate. Each election's swing is the generalised
 * least-squares mean of its residuals, mu = 1'C^-1 d / 1'C^-1 1, the
 * estimate the restricted likelihood integrates over. With C known,
 * Var(d - mu 1) = C - 11' / 1'C^-1 1 exactly, so a residual's sd is
 * sqrt(C_ii - 1 / 1'C^-1 1): smaller than sqrt(C_ii), by the part of the
 * covariance every region shares (the rows' Dirichlet draws move all
 * regions together), which the swing absorbs. C_ii is the squared norm of
 * row i of the Cholesky factor. */
static runoff_status residual_report(cal_data *D, runoff_calibration *c, runoff_error *err)
{
    if ((c->residual = ro_calloc(c->n_regions, sizeof *c->residual)) == NULL)
        return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    size_t m = 0;
    for (size_t k = 0; k < D->n_e; k++) {
        cal_election *e = &D->e[k];
        double logdet, dx, sx, sy;
        residuals_at(e, c->value[RO_CAL_LEAN]);
        if (!solve(D, e, c->value, &logdet, &dx, &sx, &sy))
            return ro_error_set(err, RUNOFF_ERUNTIME, NULL, 0, 0,
                                "the fitted covariance is not positive definite");
        for (size_t i = 0; i < e->n; i++, m++) {
            double var = 0;
            for (size_t j = 0; j <= i; j++)
                var += gsl_matrix_get(D->C, i, j) * gsl_matrix_get(D->C, i, j);
            c->residual[m] = (ro_cal_residual){.election = k, .region = e->region[i],
                                               .actual = e->y[i],
                                               .expected = e->y[i] - e->d[i] + sx / sy,
                                               .sd = sqrt(fmax(var - 1 / sy, 0)),
                                               .group = e->group[i]};
        }
    }
    return RUNOFF_OK;
}

/* Fit the sds on D into c. */
static runoff_status fit(cal_data *D, runoff_calibration *c, runoff_error *err)
{
    size_t dim = 0, n = 0;
    double sum = 0, sum2 = 0;
    for (size_t k = 0; k < D->n_e; k++)
        for (size_t i = 0; i < D->e[k].n; i++, n++) {
            sum += D->e[k].d[i];
            sum2 += D->e[k].d[i] * D->e[k].d[i];
        }
    /* start every sd at the residuals' raw sd, a scale the data set */
    double raw = sqrt(fmax(sum2 / n - (sum / n) * (sum / n), 1e-6));
    for (int i = 0; i < RO_CAL_N_PARAMS; i++)
        dim += D->fit[i];
    gsl_vector *x = gsl_vector_alloc(dim);
    if (x == NULL)
        return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    gsl_vector_set_all(x, log(raw / 2));
    if (D->fit[RO_CAL_LEAN])
        gsl_vector_set(x, dim - 1, 0.0);
    int rc = minimise(D, x, dim);
    if (rc < 0) {
        gsl_vector_free(x);
        return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    unpack(D, x, c->value, NULL);
    gsl_vector_free(x);
    for (int i = 0; i < RO_CAL_N_PARAMS; i++) {
        c->fitted[i] = D->fit[i];
        if (i != RO_CAL_LEAN && c->value[i] <= CAL_ZERO)
            c->value[i] = 0;
    }
    c->neg_loglik = neg_loglik(D, c->value);
    if (rc != 0 || !isfinite(c->neg_loglik))
        return ro_error_set(err, RUNOFF_ERUNTIME, NULL, 0, 0,
                            "the regional fit did not converge in %d iterations", CAL_MAX_ITER);
    standard_errors(D, c);
    if (posterior(D, c, dim) != RUNOFF_OK)
        return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    if (!c->posterior_ok) /* the point estimate, its standard error for the lean */
        for (int i = 0; i < RO_CAL_N_PARAMS; i++) {
            c->post[i] = c->value[i];
            c->post_sd[i] = c->se[i];
        }
    return residual_report(D, c, err);
}

runoff_calibration *runoff_calibrate(const runoff_scenario *const *scenarios, size_t n,
                                     runoff_error *err)
{
    if (n == 0) {
        ro_error_set(err, RUNOFF_EINPUT, NULL, 0, 0, "no scenario to calibrate on");
        return NULL;
    }
    runoff_calibration *c = ro_calloc(1, sizeof *c);
    cal_data D = {0};
    runoff_status st = RUNOFF_OK;
    if (c == NULL || (c->n_used = ro_calloc(n, sizeof *c->n_used)) == NULL ||
        (D.e = ro_calloc(n, sizeof *D.e)) == NULL) {
        st = ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    D.n_e = n; /* every election's arrays are freed, loaded or not */
    if ((st = copy_groups(c, scenarios[0], err)) != RUNOFF_OK)
        goto done;
    size_t max_n = 0;
    bool grouped = false;
    for (size_t k = 0; k < n; k++) {
        if ((st = load_election(c, scenarios[k], &D.e[k], err)) != RUNOFF_OK)
            goto done;
        c->n_used[k] = D.e[k].n;
        c->n_regions += D.e[k].n;
        max_n = D.e[k].n > max_n ? D.e[k].n : max_n;
        for (size_t i = 0; i < D.e[k].n; i++)
            grouped |= D.e[k].group[i] >= 0;
    }
    c->n_elections = n;
    D.fit[RO_CAL_SD] = D.fit[RO_CAL_TRANSFER_SD] = true;
    D.fit[RO_CAL_GROUP_SD] = grouped;
    D.fit[RO_CAL_LEAN] = true;
    for (size_t k = 0; k < n; k++)
        for (int f = 0; f < 2; f++)
            D.fit[RO_CAL_LEAN] &= ro_scenario_finalist_option(scenarios[k], f) >= 0;
    D.C = gsl_matrix_alloc(max_n, max_n);
    D.x = gsl_vector_alloc(max_n);
    D.y = gsl_vector_alloc(max_n);
    D.b = gsl_vector_alloc(max_n);
    if (!D.C || !D.x || !D.y || !D.b) {
        st = ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    st = fit(&D, c, err);
    gsl_set_error_handler(old);
done:
    data_free(&D);
    if (st != RUNOFF_OK) {
        runoff_calibration_free(c);
        return NULL;
    }
    return c;
}
