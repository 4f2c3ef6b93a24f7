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
 * there than nationally. A_r, B_r and h_r above use a_or. Splits of exactly
 * 0 or 1 (a finalist's row with nothing to the other) do not move.
 */
#include "regional.h"

#include <math.h>

/* Option o's split a in a region with context c, leaning by lean c. */
static double leaning_split(double a, double lean, double c)
{
    if (lean == 0 || c == 0 || !(a > 0 && a < 1))
        return a;
    return 1 / (1 + (1 - a) / a * exp(-lean * c));
}

/* Region r's A_r and B_r with every split leaning by lean c, and (h != NULL)
 * its h_r. */
static void region_mean(const runoff_scenario *s, size_t r, double lean, double c, double *A,
                        double *B, double *h)
{
    const size_t R = s->n_regions;
    *A = *B = 0;
    for (size_t o = 0; o < s->n_options; o++) {
        const double *t = s->transfers[o].mean;
        const double f = t[RO_TO_A] + t[RO_TO_B];
        if (!(f > 0))
            continue;
        const double a = leaning_split(t[RO_TO_A] / f, lean, c), v = s->votes[o * R + r] * f;
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
        const double a = leaning_split(t[RO_TO_A] / f, lean, c);
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

void ro_regional_means(const runoff_scenario *s, double lean, ro_region_mean *out)
{
    const size_t R = s->n_regions;
    long fa = -1, fb = -1;
    double ta = 0, tb = 0;
    if (lean != 0) {
        fa = ro_scenario_finalist_option(s, 0);
        fb = ro_scenario_finalist_option(s, 1);
        for (size_t r = 0; r < R && fa >= 0 && fb >= 0; r++) {
            ta += s->votes[(size_t)fa * R + r];
            tb += s->votes[(size_t)fb * R + r];
        }
    }
    const bool leaning = fa >= 0 && fb >= 0 && ta > 0 && tb > 0;
    for (size_t r = 0; r < R; r++) {
        double c = 0, A, B;
        if (leaning) {
            const double va = s->votes[(size_t)fa * R + r], vb = s->votes[(size_t)fb * R + r];
            c = va > 0 && vb > 0 ? log(va / vb) - log(ta / tb) : 0.0;
        }
        region_mean(s, r, leaning ? lean : 0, c, &A, &B, &out[r].h);
        out[r].log_odds = log_odds(A, B);
        out[r].lean_shift = 0;
        if (c != 0 && isfinite(out[r].log_odds)) {
            double A0, B0;
            region_mean(s, r, 0, 0, &A0, &B0, NULL);
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
