/*
 * backtest.c — scores of a forecast histogram against the actual outcome.
 *
 * Every score reads the forecast as the distribution summary.c defines:
 * each bin's count spread uniformly over the bin, underflow a point mass
 * at lo, overflow a point mass at hi. The CDF is then piecewise linear
 * inside [lo, hi], so the CRPS integral has a closed form per bin and no
 * numerical quadrature is needed; outside [lo, hi] the CDF is 0 or 1 and
 * the integrand is 0 or 1, which gives the tails in closed form too.
 */
#include "backtest.h"

#include <math.h>

double ro_backtest_pit(const ro_hist *h, double actual) { return ro_hist_cdf(h, actual); }

/* Integral of g^2 over a length len where g is linear from g0 to g1. */
static long double sq_integral(long double g0, long double g1, long double len)
{
    return len * (g0 * g0 + g0 * g1 + g1 * g1) / 3;
}

/* Integral over [a, b] of (F - H(x - y))^2, F linear from f0 at a to f1 at b. */
static long double bin_crps(double a, double b, long double f0, long double f1, double y)
{
    if (y <= a)
        return sq_integral(1 - f0, 1 - f1, (long double)b - a);
    if (y >= b)
        return sq_integral(f0, f1, (long double)b - a);
    long double fy = f0 + (f1 - f0) * ((long double)y - a) / ((long double)b - a);
    return sq_integral(f0, fy, (long double)y - a) + sq_integral(1 - fy, 1 - f1, (long double)b - y);
}

/*
 * CRPS over the whole real line: inside [lo, hi] bin by bin, plus the
 * stretch between the actual value and the range when the actual value
 * falls outside it (there the integrand is exactly 1).
 */
double ro_backtest_crps(const ro_hist *h, double actual)
{
    uint64_t n = ro_hist_count(h);
    if (n == 0 || !isfinite(actual))
        return NAN;
    double lo = ro_hist_lo(h), hi = ro_hist_hi(h), w = ro_hist_bin_width(h);
    size_t nb = ro_hist_nbins(h);
    long double total = 0;
    if (actual < lo)
        total += (long double)lo - actual;
    if (actual > hi)
        total += (long double)actual - hi;
    /* F just above lo is the underflow share, which is what cdf(lo) says;
     * from there F grows by each bin's share. */
    long double f0 = ro_hist_cdf(h, lo);
    for (size_t i = 0; i < nb; i++) {
        double a = lo + (double)i * w;
        double b = i + 1 == nb ? hi : lo + (double)(i + 1) * w;
        long double f1 = f0 + (long double)ro_hist_bin_count(h, i) / (long double)n;
        total += bin_crps(a, b, f0, f1, actual);
        f0 = f1;
    }
    return (double)total;
}

double ro_backtest_brier(double p_event, bool happened)
{
    double d = p_event - (happened ? 1.0 : 0.0);
    return d * d;
}

bool ro_backtest_covered(const ro_hist *h, double level, double actual)
{
    double tail = (1 - level) / 2;
    double lo = ro_hist_quantile(h, tail), hi = ro_hist_quantile(h, 1 - tail);
    return lo <= actual && actual <= hi;
}
