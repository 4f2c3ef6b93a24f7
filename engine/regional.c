/*
 * regional.c — expected regional log-odds under the mean transfer rows and
 * their sensitivity to regional transfer deviations (docs/model.md §5).
 *
 * With v_or the first-round votes of option o in region r and the mean row
 * (t_oA, t_oB, t_oN), A_r = sum_o v_or t_oA and B_r = sum_o v_or t_oB. Let
 * option o's voters who choose a finalist split a_o = t_oA / f_o,
 * f_o = t_oA + t_oB, and let that split move in region r by eta_or on the
 * logit scale. To first order,
 *
 *     d log(A_r / B_r) / d eta_or = v_or f_o a_o (1 - a_o) (1/A_r + 1/B_r),
 *
 * so with independent eta_or ~ N(0, k^2) the region's log-odds move with
 * variance k^2 h_r, h_r = sum_o (that derivative)^2. A region whose voters
 * come from electorates that split evenly (a_o near 1/2) and in large
 * numbers gets a large h_r; one made of the finalists' own voters, a small
 * one. The linearisation lets the model draw one normal per region instead
 * of one per region and option.
 *
 * The local lean: electorates split differently where a finalist is
 * strong. With c_r = logit(F_Ar / (F_Ar + F_Br)) - logit(F_A / (F_A + F_B)),
 * F the finalists' own first-round votes (in region r, and nationally),
 * every option's split in region r becomes
 *
 *     a_or = expit(logit(a_o) + lean c_r),
 *
 * so lean > 0 pulls each electorate towards the finalist who did better
 * there than nationally; a shift b_o per option (centre) keeps each
 * electorate's split, averaged over its voters, at the national one the
 * surveys give, so the lean moves votes between regions, not nationally.
 * A_r, B_r and h_r above use a_or. Splits of exactly 0 or 1 (a finalist's
 * row with nothing to the other) do not move.
 */
#include "regional.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "error.h"

/* The local lean of one scenario: the finalists' own options and national
 * totals, and each option's centring shift b_o. */
typedef struct {
    bool on;                    /* lean != 0 and both finalists' options have votes */
    double lean;
    long fa, fb;                /* the finalists' own options */
    double ta, tb;              /* their national first-round votes */
    double b[RO_MAX_OPTIONS];   /* centring shift of each option's split */
    const ro_region_mean *m;    /* [n_regions]: each region's c_r, computed once
                                   (context), in m[r].lean_shift (c_of) */
} lean_ctx;

/* Region r's c_r, as ro_regional_means stored it. */
static double c_of(const lean_ctx *L, size_t r) { return L->m[r].lean_shift; }

/* c_r: the finalists' local balance against their national one (0 where
 * either has no votes). */
static double context(const runoff_scenario *s, const lean_ctx *L, size_t r)
{
    const size_t R = s->n_regions;
    const double va = s->votes[(size_t)L->fa * R + r], vb = s->votes[(size_t)L->fb * R + r];
    return va > 0 && vb > 0 ? log(va / vb) - log(L->ta / L->tb) : 0.0;
}

/* Option o's split a in region r: a_o, or with the lean
 * expit(logit(a_o) + b_o + lean c_r). Splits of 0 or 1 do not move. */
static double split(const lean_ctx *L, size_t o, double a, double c)
{
    if (!L->on || !(a > 0 && a < 1))
        return a;
    return 1 / (1 + (1 - a) / a * exp(-(L->b[o] + L->lean * c)));
}

/* b_o such that option o's leaning splits, weighted by its voters, average
 * its national split a_o: the lean moves an electorate's voters between
 * regions, never the national split the surveys measured. The weighted
 * mean is increasing in b_o; Newton steps from 0, a few at most (the
 * lean's shifts are a fraction of a logit). */
static void centre(const runoff_scenario *s, lean_ctx *L)
{
    const size_t R = s->n_regions;
    for (size_t o = 0; o < s->n_options; o++) {
        const double *t = s->transfers[o].mean;
        const double f = t[RO_TO_A] + t[RO_TO_B], a = f > 0 ? t[RO_TO_A] / f : 0;
        L->b[o] = 0;
        if (!(a > 0 && a < 1))
            continue;
        for (int it = 0; it < 50; it++) {
            double g = 0, dg = 0, w = 0;
            for (size_t r = 0; r < R; r++) {
                const double v = s->votes[o * R + r], p = split(L, o, a, c_of(L, r));
                g += v * (p - a);
                dg += v * p * (1 - p);
                w += v;
            }
            if (!(w > 0) || !(dg > 0) || fabs(g) <= 1e-13 * w)
                break;
            L->b[o] -= g / dg;
        }
    }
}

/* Region r's A_r and B_r with every split leaning (L), and (h != NULL)
 * its h_r. */
static void region_mean(const runoff_scenario *s, const lean_ctx *L, size_t r, double *A,
                        double *B, double *h)
{
    const size_t R = s->n_regions;
    const double c = L->on ? c_of(L, r) : 0.0;
    double split_o[RO_MAX_OPTIONS]; /* each option's split here, for h below */
    *A = *B = 0;
    for (size_t o = 0; o < s->n_options; o++) {
        const double *t = s->transfers[o].mean;
        const double f = t[RO_TO_A] + t[RO_TO_B];
        if (!(f > 0))
            continue;
        const double a = split_o[o] = split(L, o, t[RO_TO_A] / f, c);
        const double v = s->votes[o * R + r] * f;
        *A += v * a;
        *B += v * (1 - a);
    }
    if (h == NULL)
        return;
    *h = 0;
    if (!(*A > 0) || !(*B > 0))
        return;
    const double inv = 1 / *A + 1 / *B;
    for (size_t o = 0; o < s->n_options; o++) {
        const double *t = s->transfers[o].mean;
        const double f = t[RO_TO_A] + t[RO_TO_B];
        if (!(f > 0))
            continue;
        const double a = split_o[o];
        const double d = s->votes[o * R + r] * f * a * (1 - a) * inv;
        *h += d * d;
    }
}

static double log_odds(double A, double B)
{
    if (!(A > 0) || !(B > 0))
        return A > 0 ? INFINITY : B > 0 ? -INFINITY : NAN;
    return log(A / B);
}

/* The regions' contexts c_r are kept, until each region's own turn below,
 * in out[r].lean_shift: the caller's array, so the means allocate nothing
 * (the calibrator calls them at every trial lean). */
void ro_regional_means(const runoff_scenario *s, double lean, ro_region_mean *out)
{
    const size_t R = s->n_regions;
    static const lean_ctx none = {.on = false};
    lean_ctx L = {.on = false, .lean = lean, .fa = -1, .fb = -1};
    if (lean != 0) {
        L.fa = ro_scenario_finalist_option(s, 0);
        L.fb = ro_scenario_finalist_option(s, 1);
        for (size_t r = 0; r < R && L.fa >= 0 && L.fb >= 0; r++) {
            L.ta += s->votes[(size_t)L.fa * R + r];
            L.tb += s->votes[(size_t)L.fb * R + r];
        }
        L.on = L.fa >= 0 && L.fb >= 0 && L.ta > 0 && L.tb > 0;
    }
    if (L.on) {
        for (size_t r = 0; r < R; r++)
            out[r].lean_shift = context(s, &L, r);
        L.m = out;
        centre(s, &L);
    }
    for (size_t r = 0; r < R; r++) {
        double A, B;
        region_mean(s, &L, r, &A, &B, &out[r].h);
        out[r].a = A;
        out[r].b = B;
        out[r].log_odds = log_odds(A, B);
        out[r].lean_shift = 0;
        if (L.on && isfinite(out[r].log_odds)) {
            double A0, B0;
            region_mean(s, &none, r, &A0, &B0, NULL);
            out[r].lean_shift = out[r].log_odds - log_odds(A0, B0);
        }
    }
}

double ro_region_sd(const ro_regional_error *re, double h)
{
    if (!(re->transfer_sd > 0))
        return re->sd;
    return sqrt(re->sd * re->sd + re->transfer_sd * re->transfer_sd * h);
}

/* A central difference of step LEAN_STEP: the log-odds are smooth in the
 * lean, so the error is O(step^2), about 1e-8 of g_r. */
#define LEAN_STEP 1e-4

bool ro_regional_deviations(const runoff_scenario *s, double *region_sd, double *lean_shift,
                            double *lean_slope)
{
    const ro_regional_error *re = &s->regional_error;
    const size_t R = s->n_regions;
    ro_region_mean *m = ro_calloc(R, sizeof *m), *lo = NULL, *hi = NULL;
    if (lean_slope != NULL) {
        lo = ro_calloc(R, sizeof *lo);
        hi = ro_calloc(R, sizeof *hi);
    }
    const bool ok = m != NULL && (lean_slope == NULL || (lo != NULL && hi != NULL));
    if (ok) {
        ro_regional_means(s, re->local_lean, m);
        if (lean_slope != NULL) {
            ro_regional_means(s, re->local_lean - LEAN_STEP, lo);
            ro_regional_means(s, re->local_lean + LEAN_STEP, hi);
        }
        for (size_t r = 0; r < R; r++) {
            region_sd[r] = ro_region_sd(re, m[r].h);
            if (lean_shift != NULL)
                lean_shift[r] = m[r].lean_shift;
            if (lean_slope != NULL) {
                const double g = (hi[r].log_odds - lo[r].log_odds) / (2 * LEAN_STEP);
                lean_slope[r] = isfinite(g) ? re->local_lean_sd * g : 0;
            }
        }
    }
    free(m);
    free(lo);
    free(hi);
    return ok;
}
