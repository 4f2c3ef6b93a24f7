/*
 * variates.c — ziggurat normals and Marsaglia-Tsang gammas on a stream's
 * xoshiro256++ state held in registers (why: variates.h).
 *
 * Each entry point copies the four state words into a local array, runs
 * ro_xoshiro_next on it (the compiler keeps it in registers as long as
 * its address does not escape) and writes it back once. The rare paths
 * (ziggurat wedges and tail, ~1.2 % of normals) take a copy, so the
 * common path never touches memory.
 */
#include "variates.h"

#include <math.h>
#include <stdint.h>

#include "stream.h"

/* Doornik's constants for 128 layers: r, the start of the tail, and v,
 * the area of each layer (and of the base layer plus the tail). */
#define ZIG_R 3.442619855899
#define ZIG_V 9.91256303526217e-3

void ro_ziggurat_init(ro_ziggurat *z)
{
    double f = exp(-0.5 * ZIG_R * ZIG_R);
    z->x[0] = ZIG_V / f;
    z->x[1] = ZIG_R;
    z->x[RO_ZIG_LAYERS] = 0;
    for (int i = 2; i < RO_ZIG_LAYERS; i++) {
        z->x[i] = sqrt(-2 * log(ZIG_V / z->x[i - 1] + f));
        f = exp(-0.5 * z->x[i] * z->x[i]);
    }
    for (int i = 0; i < RO_ZIG_LAYERS; i++)
        z->ratio[i] = z->x[i + 1] / z->x[i];
    z->rise[0] = 0; /* layer 0 has a tail, not a wedge */
    for (int i = 1; i < RO_ZIG_LAYERS; i++)
        z->rise[i] = exp(0.5 * (z->x[i] * z->x[i] - z->x[i + 1] * z->x[i + 1]));
}

/* The wedge test of layer i >= 1 for the candidate x = u x[i], with w the
 * next uniform: with f0 = f(x[i])/f(x) and f1 = f(x[i+1])/f(x),
 * f(x) = exp(-x^2/2), a uniform height between the layer's bounds f(x[i])
 * and f(x[i+1]), divided by f(x), is below 1 when the point is under f:
 * the test f1 + w (f0 - f1) < 1, with libm's exp, whose decisions are kept
 * while its exponentials are mostly avoided:
 *  - f1 is f0 rise[i] up to rounding: the exponents differ by ~1e-15 at
 *    most (x^2, x[i]^2 <= 12, each difference rounded once) and each exp,
 *    and the product, by an ulp, so f1 <= 2.1 moves by under 1e-14 and the
 *    test value t by under 3e-14; t is then f0 k, k = rise + w (1 - rise);
 *  - f0 = e^a, a <= 0, lies between the Taylor polynomials of degree 3
 *    (below: the remainder e^s a^4 / 24 >= 0) and 4 (above: e^s a^5 / 120
 *    <= 0), each evaluated within a few ulp, and libm's within one ulp.
 * So when both polynomials put t more than 1e-12 on the same side of 1,
 * libm's f0 and f1 would have decided the same; otherwise f0 comes from
 * libm, and, when t is still within 1e-12 of 1, f1 too, as they always did.
 * tests/test_variates.c draws 4e6 normals against the two-exp test. */
RO_NO_SLP static inline int wedge_accepts(const ro_ziggurat *z, unsigned i, double x, double w)
{
    const double a = -0.5 * (z->x[i] * z->x[i] - x * x);
    const double k = z->rise[i] + w * (1 - z->rise[i]);
    const double p3 = 1 + a * (1 + a * (0.5 + a * (1.0 / 6)));
    const double p4 = 1 + a * (1 + a * (0.5 + a * (1.0 / 6 + a * (1.0 / 24))));
    if (p4 * k < 1 - 1e-12)
        return 1;
    if (p3 * k > 1 + 1e-12)
        return 0;
    const double f0 = exp(a);
    const double f1_near = f0 * z->rise[i];
    const double t = f1_near + w * (f0 - f1_near);
    if (fabs(t - 1.0) > 1e-12)
        return t < 1.0;
    const double f1 = exp(-0.5 * (z->x[i + 1] * z->x[i + 1] - x * x));
    return f1 + w * (f0 - f1) < 1.0;
}

/* Word by word, not memcpy: gcc expands memcpy into 16-byte moves, and a
 * 16-byte load of words just stored one by one (or the reverse) cannot be
 * forwarded from the store buffer, a stall of ~10 cycles per call. */
RO_NO_SLP static inline void copy_state(uint64_t *to, const uint64_t *from)
{
    to[0] = from[0]; /* unrolled: gcc turns the loop back into memcpy */
    to[1] = from[1];
    to[2] = from[2];
    to[3] = from[3];
}

/* A uniform in (0, 1): (k + 1/2) 2^-52 for k = the top 52 bits, every
 * step exact, so never 0 or 1 (the logs below need u > 0). */
static inline double unit_open(uint64_t b) { return ((double)(b >> 12) + 0.5) * 0x1.0p-52; }

/* A uniform in (-1, 1), exactly symmetric about 0: (k + 1/2) 2^-52 for
 * k = (bits 11..63 of b) - 2^52, every step exact in double precision.
 * The layer index uses bits 0..6, so the two are independent. */
static inline double unit_signed(uint64_t b)
{
    return ((double)(b >> 11) - 0x1.0p52 + 0.5) * 0x1.0p-52;
}

/* The ziggurat's rare paths: the wedge test of layer i for the candidate
 * u x[i], the tail beyond r for layer 0, and fresh candidates until one
 * is accepted. */
RO_NO_SLP static double normal_slow(const ro_ziggurat *z, uint64_t s[4], unsigned i, double u)
{
    for (;;) {
        if (i == 0) { /* Marsaglia's tail method */
            double x, y;
            do {
                x = log(unit_open(ro_xoshiro_next(s))) / ZIG_R;
                y = log(unit_open(ro_xoshiro_next(s)));
            } while (-2 * y < x * x);
            return u < 0 ? x - ZIG_R : ZIG_R - x;
        }
        const double x = u * z->x[i];
        if (wedge_accepts(z, i, x, unit_open(ro_xoshiro_next(s))))
            return x;
        const uint64_t b = ro_xoshiro_next(s);
        i = b & (RO_ZIG_LAYERS - 1);
        u = unit_signed(b);
        if (fabs(u) < z->ratio[i])
            return u * z->x[i];
    }
}

/* One normal; s is the caller's register copy of the state. */
RO_NO_SLP static inline __attribute__((always_inline)) double normal(const ro_ziggurat *z, uint64_t s[4])
{
    const uint64_t b = ro_xoshiro_next(s);
    const unsigned i = b & (RO_ZIG_LAYERS - 1);
    const double u = unit_signed(b);
    if (__builtin_expect(fabs(u) < z->ratio[i], 1))
        return u * z->x[i];
    uint64_t t[4]; /* keeps s out of memory on the common path */
    copy_state(t, s);
    const double x = normal_slow(z, t, i, u);
    copy_state(s, t);
    return x;
}

RO_NO_SLP void ro_rv_normals(const ro_ziggurat *z, gsl_rng *r, double *out, size_t n)
{
    uint64_t *words = ro_stream_words(r), s[4];
    copy_state(s, words);
    for (size_t k = 0; k < n; k++)
        out[k] = normal(z, s);
    copy_state(words, s);
}

void ro_gamma_shape_init(ro_gamma_shape *g, double a)
{
    const double a1 = a >= 1 ? a : 1 + a;
    g->d = a1 - 1.0 / 3;
    g->c = (1.0 / 3) / sqrt(g->d);
    g->inv_a = a >= 1 ? 0 : 1 / a;
    g->q = 1 / (108 * g->d);
}

/* Marsaglia and Tsang, for shape a >= 1: d = a - 1/3, c = 1/sqrt(9d);
 * x normal, v = (1 + c x)^3; accept d v when u < 1 - 0.0331 x^4 (the
 * squeeze) or log u < x^2/2 + d (1 - v + log v). Shape a < 1 is
 * Gamma(1 + a) U^(1/a), as in gsl_ran_gamma. */
RO_NO_SLP static inline __attribute__((always_inline)) double gamma_one(const ro_ziggurat *z, uint64_t s[4],
                                         const ro_gamma_shape *g)
{
    const double d = g->d, c = g->c;
    double x, v;
    for (;;) {
        do {
            x = normal(z, s);
            v = 1 + c * x;
        } while (v <= 0);
        v = v * v * v;
        const double u = unit_open(ro_xoshiro_next(s));
        const double x4 = (x * x) * (x * x);
        /* A second squeeze, tight for large d, that accepts only what the
         * log test below accepts (so the draws are the same, with fewer
         * logs): with t = c x, x^2/2 + d (1 - v + log v) = 3 d phi(t),
         * phi(t) = log(1+t) - t + t^2/2 - t^3/3 = -int_0^t s^3/(1+s) ds
         * >= -t^4 / (4 min(1, 1+t)), so the right side is at least
         * -x^4 q / min(1, 1 + c x), q = 1/(108 d) (c^4 = 1/(81 d^2)); and
         * log u <= u - 1. The margin 1e-9 is far above the rounding of
         * either side (~1e-13), so the log test in floating point would
         * have accepted too.
         * The first squeeze fails one time in ten (0.0331 E[x^4] = 0.1), a
         * branch that is predicted badly: both squeezes are evaluated and
         * tested at once, as bits (|, not ||), so the common path has one
         * well-predicted branch, and the decisions are the same. */
        const double m = 1 + c * x < 1 ? 1 + c * x : 1;
        if ((u < 1 - 0.0331 * x4) | ((1 - u - 1e-9) * m > g->q * x4))
            break;
        if (log(u) < 0.5 * x * x + d * (1 - v + log(v)))
            break;
    }
    double y = d * v;
    if (g->inv_a > 0)
        y *= pow(unit_open(ro_xoshiro_next(s)), g->inv_a);
    return y;
}

RO_NO_SLP void ro_rv_gammas(const ro_ziggurat *z, gsl_rng *r, const ro_gamma_shape *g,
                            double *out, size_t n)
{
    uint64_t *words = ro_stream_words(r), s[4];
    copy_state(s, words);
    for (size_t k = 0; k < n; k++)
        out[k] = gamma_one(z, s, &g[k]);
    copy_state(words, s);
}

RO_NO_SLP void ro_rv_gammas_one(const ro_ziggurat *z, gsl_rng *r, const ro_gamma_shape *g,
                                double *out, size_t n)
{
    uint64_t *words = ro_stream_words(r), s[4];
    const ro_gamma_shape shape = *g;
    copy_state(s, words);
    for (size_t k = 0; k < n; k++)
        out[k] = gamma_one(z, s, &shape);
    copy_state(words, s);
}
