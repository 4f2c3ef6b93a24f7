/*
 * anchor.h — the anchoring solver (docs/model.md §6): the swing delta that
 * makes the vote-weighted share of the regions equal a national target.
 */
#ifndef RO_ANCHOR_H
#define RO_ANCHOR_H

#include <stddef.h>

/* The regions as the solver sees them, model.c's workspace arrays of
 * n_pad entries (n_regions real, zero padding): region r's share at swing
 * k is s_r = u_r k / (b_r + u_r k), its weight v_r (its valid votes). */
typedef struct {
    const double *u, *b, *v;
    double *s;          /* the shares: in, at the current delta; out, at the root */
    size_t n_regions, n_pad;
} ro_anchor;

/* Solve S(exp(delta)) = target for delta, from delta where S, S' = spread
 * and S'' = curv are known (inv_total = 1 / sum v): Halley steps on the
 * logit scale, where S is nearly linear in delta (slope in (0, 1], exactly
 * 1 with one region), safeguarded by bisection inside a bracket that every
 * evaluation narrows. Returns S at the root (within 1e-12 of target unless
 * the bracket collapses to one double first); a->s holds the shares there. */
double ro_anchor_solve(const ro_anchor *a, double inv_total, double target, double delta,
                       double S, double spread, double curv);

#endif /* RO_ANCHOR_H */
