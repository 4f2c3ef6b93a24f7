/*
 * anchor.c — the anchoring solver of the regional model (docs/model.md §6):
 * the common swing delta = log k that brings the regions' vote-weighted
 * share S to the national target, by safeguarded Halley steps.
 *
 * Apart from model.c, which forms the regions' odds and decides the
 * target: this file only solves, on the arrays it is handed. Its passes
 * over the regions are model_vec.c's kernels.
 */
#include "anchor.h"

#include <math.h>
#include <stdbool.h>

#include "logodds.h"
#include "model_vec.h"

/* |S(k) - target| below this (S is a share of valid votes, so this is the
 * residual relative to the total), at most this many steps. */
#define ANCHOR_TOL 1e-12
#define ANCHOR_MAX_ITER 100
/* A step this small moves the shares by their Taylor series (no division;
 * the remainder is below 10^-17 of each share) instead of evaluating them
 * afresh. */
#define ANCHOR_SHIFT_MAX 1e-4

/* Bracket for delta = log k. S is a V-weighted mean of the s_r, so
 * min_r logit(s_r) <= logit S <= max_r logit(s_r), i.e. the root lies in
 * [logit(target) - log max u, logit(target) - log min u] -- provided every
 * region with votes has 0 < u < inf; otherwise no bracket is known. */
static void anchor_bracket(const ro_anchor *a, double lt, double *lo, double *hi)
{
    double umin = INFINITY, umax = 0;
    for (size_t r = 0; r < a->n_regions; r++) {
        if (!(a->v[r] > 0))
            continue;
        const double u = a->u[r] / a->b[r];
        umin = u < umin ? u : umin;
        umax = u > umax ? u : umax;
    }
    *lo = -INFINITY;
    *hi = INFINITY;
    if (umin > 0 && isfinite(umax)) {
        *lo = lt - log(umax);
        *hi = lt - log(umin);
    }
}

/* One step for f(delta) = logit S(delta) - logit(target) = -resid, from S,
 * S' = spread and S'' = curv: Halley's (cubic convergence: from the pooled
 * first guess two steps reach the tolerance where Newton's took three),
 * f' = S' / (S (1 - S)), f'' = S'' / (S (1 - S)) - S'^2 (1 - 2 S) / (S (1 - S))^2,
 * or Newton's when Halley's denominator is not positive. */
static double halley_step(double delta, double resid, double S, double spread, double curv)
{
    const double q = S * (1 - S);
    const double f = -resid, fp = spread / q;
    const double fpp = curv / q - spread * spread * (1 - 2 * S) / (q * q);
    const double den = 2 * fp * fp - f * fpp;
    if (den > 0 && isfinite(den))
        return delta - 2 * f * fp / den;
    return delta + resid * q / spread;
}

double ro_anchor_solve(const ro_anchor *a, double inv_total, double target, double delta,
                       double S, double spread, double curv)
{
    const double lt = ro_logit(target);
    /* The analytic bracket costs a pass over the regions and two logs, and
     * the steps almost never need it: start unbounded and compute it only the
     * first time a step leaves the bracket the evaluations have narrowed. */
    double lo = -INFINITY, hi = INFINITY, width = 1;
    bool bracketed = false;
    for (int it = 0; it < ANCHOR_MAX_ITER && fabs(S - target) > ANCHOR_TOL; it++) {
        if (S < target)
            lo = delta > lo ? delta : lo;
        else
            hi = delta < hi ? delta : hi;
        double next = halley_step(delta, lt - ro_logit(S), S, spread, curv);
        if (!(next > lo && next < hi) && !bracketed) {
            double blo, bhi;
            anchor_bracket(a, lt, &blo, &bhi);
            lo = blo > lo ? blo : lo;
            hi = bhi < hi ? bhi : hi;
            bracketed = true;
        }
        if (!(next > lo && next < hi)) {
            if (isfinite(lo) && isfinite(hi)) {
                next = 0.5 * (lo + hi);
            } else { /* unbounded side: step out geometrically */
                next = isfinite(lo) ? lo + width : hi - width;
                width *= 2;
            }
        }
        if (next == delta)
            break; /* the bracket has collapsed to one double */
        if (fabs(next - delta) <= ANCHOR_SHIFT_MAX)
            S = ro_model_vec_anchor_shift(a->s, a->v, a->n_pad, next - delta, inv_total, &spread,
                                          &curv);
        else
            S = ro_model_vec_anchor_eval(a->u, a->b, a->v, a->s, a->n_pad, exp(next), inv_total,
                                         &spread, &curv);
        delta = next;
    }
    return S;
}
