/*
 * past_fixture.h — small past elections for the calibrator's tests, as
 * scenario text: finalists a and b, a first round whose options and votes
 * are given as arrays, one transfer row per option, at most one region
 * group, and the actual regional shares. The tests that compute what the
 * calibrator should find work from the same arrays, so every number is
 * stated once. Header-only: every function is static.
 */
#ifndef RO_PAST_FIXTURE_H
#define RO_PAST_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "testutil.h"

typedef struct {
    int n_regions, n_options;       /* regions are named r0, r1, ... */
    const char *const *option;      /* [n_options] ids */
    const double *votes;            /* [o * n_regions + r] first-round votes */
    const double (*row_pct)[2];     /* [o]: percent to a and to b; none takes the rest */
    const double *concentration;    /* [o]: INFINITY for a fixed row */
    const int *group;               /* [r]: 0 in group g, -1 in none; NULL: no group */
} past_layout;

/* Region r's expected votes for a and for b with the mean rows,
 * A_r = sum_o v_or mu_oA and B_r likewise (docs/model.md §4). */
static inline void past_expected_votes(const past_layout *L, int r, double *A, double *B)
{
    *A = *B = 0;
    for (int o = 0; o < L->n_options; o++) {
        *A += L->votes[o * L->n_regions + r] * L->row_pct[o][0] / 100;
        *B += L->votes[o * L->n_regions + r] * L->row_pct[o][1] / 100;
    }
}

/* The scenario text of one past election of layout L whose region r gave
 * a share_a[r] percent of the valid votes. The caller frees it. */
static inline char *past_text(const past_layout *L, const double *share_a)
{
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
#define PUT(...) (len += (size_t)snprintf(buf + len, cap - len, __VA_ARGS__), assert_true(len < cap))
    PUT("election: {name: past, date: 2030-05-05, finalists: [{id: a, name: A}, {id: b, name: B}]}\n"
        "blend: {mode: transfers}\nfirst_round:\n  options: [");
    for (int o = 0; o < L->n_options; o++)
        PUT("%s{id: %s}", o ? ", " : "", L->option[o]);
    PUT("]\n  regions:\n");
    for (int r = 0; r < L->n_regions; r++) {
        double registered = 0;
        for (int o = 0; o < L->n_options; o++)
            registered += L->votes[o * L->n_regions + r];
        PUT("    - {code: r%d, registered: %.17g, votes: {", r, registered);
        for (int o = 0; o < L->n_options; o++)
            PUT("%s%s: %.17g", o ? ", " : "", L->option[o], L->votes[o * L->n_regions + r]);
        PUT("}}\n");
    }
    PUT("transfers:\n  rows:\n");
    for (int o = 0; o < L->n_options; o++) {
        PUT("    - {option: %s, shares: {a: %.17g, b: %.17g, none: %.17g}, concentration: ",
            L->option[o], L->row_pct[o][0], L->row_pct[o][1],
            100 - L->row_pct[o][0] - L->row_pct[o][1]);
        if (isinf(L->concentration[o]))
            PUT(".inf}\n");
        else
            PUT("%.17g}\n", L->concentration[o]);
    }
    if (L->group != NULL) {
        PUT("regional_error:\n  groups: [{name: g, sd: 0, regions: [");
        for (int r = 0, first = 1; r < L->n_regions; r++)
            if (L->group[r] == 0) {
                PUT("%sr%d", first ? "" : ", ", r);
                first = 0;
            }
        PUT("]}]\n");
    }
    PUT("actual:\n  regions:\n");
    for (int r = 0; r < L->n_regions; r++)
        PUT("    - {code: r%d, shares: {a: %.17g, b: %.17g}}\n", r, share_a[r], 100 - share_a[r]);
#undef PUT
    return buf;
}

#endif /* RO_PAST_FIXTURE_H */
