/*
 * model_vec.c — the model's vector kernels: the loops over regions (and
 * over transfer rows) that one regional draw runs, four doubles at a time,
 * and the fast exponential of the regional deviations (ro_exp, model.h).
 *
 * Kept apart from model.c because they share one delicate contract: every
 * kernel gives the same bits as the scalar loop it stands for, in both of
 * its copies (baseline x86-64 and AVX2, chosen when the program loads),
 * which tests/test_baseline.sh checks against a build with RO_NO_CLONES
 * (the Makefile's runoff-baseline compiles this file so). model.c decides
 * what the kernels compute and in which order; this file only how.
 */
#include "model_vec.h"

#include <stdint.h>

#include "model.h"

/* Four doubles processed as one value (GCC/clang vector extension),
 * lowered to pairs of SSE2 operations on any x86-64: gcc -O2 does not
 * vectorise these loops by itself (the exponent-bit trick in v4_exp, the
 * selects, the division). Every lane does exactly what scalar code would,
 * in the same order, so results are the same bits as a scalar loop (no
 * reassociation; -std=c11 keeps FMA contraction off). aligned(8): the
 * arrays are only 8-byte aligned. */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi" /* ABI of vector values: moot, see RO_V4_INLINE */
#endif
typedef double ro_v4 __attribute__((vector_size(32), aligned(8)));
typedef int64_t ro_i4 __attribute__((vector_size(32), aligned(8)));
typedef uint64_t ro_u4 __attribute__((vector_size(32), aligned(8)));


/* The hot loops get a second, AVX2 copy chosen when the program loads
 * (GCC's target_clones, an ifunc); without FMA, so both copies compute
 * the same bits (tests/test_baseline.sh compares against a build with
 * RO_NO_CLONES, which has only the baseline x86-64 copy).
 * ThreadSanitizer builds get no clones: the ifunc resolver runs before
 * TSan's runtime is ready and crashes. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(RO_NO_CLONES) && \
    !defined(__SANITIZE_THREAD__)
#define RO_HOT __attribute__((target_clones("avx2", "default")))
#else
#define RO_HOT
#endif

/* Always inlined: a vector passed by value between a default and an AVX2
 * function would cross two calling conventions. */
#define RO_V4_INLINE static inline __attribute__((always_inline))


RO_V4_INLINE ro_v4 v4_set(double x) { return (ro_v4){x, x, x, x}; }

/* Lane-wise select: m is all-ones where true (a vector comparison). A
 * macro: as a function its vector arguments draw a GCC ABI note. */
#define V4_SELECT(m, yes, no) ((ro_v4)(((ro_i4)(yes) & (m)) | ((ro_i4)(no) & ~(m))))

/* num[k] /= den[k], four at a time: the row divisions of a draw are
 * independent, so they pipeline instead of each waiting for its sum. */
RO_HOT void ro_model_vec_divide(double *restrict num, const double *restrict den, size_t n)
{
    for (size_t k = 0; k < n; k += 4)
        *(ro_v4 *)(num + k) = *(const ro_v4 *)(num + k) / *(const ro_v4 *)(den + k);
}

/* A_r and B_r (into a and b) = sum_o votes[o][r] * T[o][A or B], a block
 * of RO_BLOCK regions at a time: the block's sums stay in registers while
 * the options stream past, and each block's votes are contiguous. */
RO_V4_INLINE void votes_block(const double *restrict vb, const double *t, size_t K,
                              double *restrict a, double *restrict b)
{
    ro_v4 sa0 = v4_set(0), sa1 = v4_set(0), sb0 = v4_set(0), sb1 = v4_set(0);
    for (size_t o = 0; o < K; o++) {
        const ro_v4 ta = v4_set(t[2 * o]), tb = v4_set(t[2 * o + 1]);
        const ro_v4 x0 = *(const ro_v4 *)(vb + o * RO_BLOCK);
        const ro_v4 x1 = *(const ro_v4 *)(vb + o * RO_BLOCK + 4);
        sa0 += x0 * ta;
        sa1 += x1 * ta;
        sb0 += x0 * tb;
        sb1 += x1 * tb;
    }
    *(ro_v4 *)a = sa0;
    *(ro_v4 *)(a + 4) = sa1;
    *(ro_v4 *)b = sb0;
    *(ro_v4 *)(b + 4) = sb1;
}

/* A_r and B_r (into a and b) = sum_o votes[o][r] * T[o][A or B], a block
 * of RO_BLOCK regions at a time: the block's sums stay in registers while
 * the options stream past, and each block's votes are contiguous. Two
 * blocks at once where there are two: the eight sums are independent, and
 * four are too few to hide the latency of an addition; each region's sum
 * is taken in the same order either way. */
RO_HOT void ro_model_vec_region_votes(const double *votes, size_t K, size_t n_pad,
                                      const double *t, double *restrict a, double *restrict b)
{
    size_t rb = 0;
    for (; rb + 2 * RO_BLOCK <= n_pad; rb += 2 * RO_BLOCK) {
        const double *restrict v0 = votes + rb * K;
        const double *restrict v1 = v0 + RO_BLOCK * K;
        ro_v4 a0 = v4_set(0), a1 = v4_set(0), a2 = v4_set(0), a3 = v4_set(0);
        ro_v4 b0 = v4_set(0), b1 = v4_set(0), b2 = v4_set(0), b3 = v4_set(0);
        for (size_t o = 0; o < K; o++) {
            const ro_v4 ta = v4_set(t[2 * o]), tb = v4_set(t[2 * o + 1]);
            const ro_v4 x0 = *(const ro_v4 *)(v0 + o * RO_BLOCK);
            const ro_v4 x1 = *(const ro_v4 *)(v0 + o * RO_BLOCK + 4);
            const ro_v4 x2 = *(const ro_v4 *)(v1 + o * RO_BLOCK);
            const ro_v4 x3 = *(const ro_v4 *)(v1 + o * RO_BLOCK + 4);
            a0 += x0 * ta;
            a1 += x1 * ta;
            a2 += x2 * ta;
            a3 += x3 * ta;
            b0 += x0 * tb;
            b1 += x1 * tb;
            b2 += x2 * tb;
            b3 += x3 * tb;
        }
        *(ro_v4 *)(a + rb) = a0;
        *(ro_v4 *)(a + rb + 4) = a1;
        *(ro_v4 *)(a + rb + 8) = a2;
        *(ro_v4 *)(a + rb + 12) = a3;
        *(ro_v4 *)(b + rb) = b0;
        *(ro_v4 *)(b + rb + 4) = b1;
        *(ro_v4 *)(b + rb + 8) = b2;
        *(ro_v4 *)(b + rb + 12) = b3;
    }
    if (rb < n_pad)
        votes_block(votes + rb * K, t, K, a + rb, b + rb);
}

/* exp(x) of at[0..3], to within 1.2e-15 relative plus rounding, for the
 * regional deviations: glibc's exp cost ~15 % of a draw here (one call
 * per region) and cannot be vectorised.
 * x = k ln2 + r with |r| <= ln2/2 (Cody-Waite, ln2 split in two parts),
 * exp(r) = 1 + r + r^2 q(r), q of degree 8 interpolating (exp(r) - 1 - r) / r^2
 * at the Chebyshev points of [-ln2/2, ln2/2] (1.0001 ln2/2: the reduced r
 * can pass ln2/2 by rounding; coefficients rounded to doubles, the worst
 * relative error of the polynomial 1.17e-15 there, computed in 50 digits;
 * the Taylor series needed degree 13 for 1e-17), evaluated by Estrin's
 * scheme (a tree, not a chain of dependent multiply-adds), then scaled by
 * 2^k built in the exponent bits.
 * k is read from the bits of x log2e + 1.5 2^52, whose low mantissa bits
 * hold k exactly (SSE2 and AVX2 have no double -> int64 conversion).
 * |x| is clamped to 700, far beyond any logit deviation, so 2^k stays a
 * normal double. */
RO_V4_INLINE ro_v4 v4_exp(const double *at)
{
    ro_v4 x = *(const ro_v4 *)at;
    const ro_v4 log2e = v4_set(1.4426950408889634074), shift = v4_set(0x1.8p52);
    const ro_v4 ln2_hi = v4_set(6.93147180369123816490e-01);
    const ro_v4 ln2_lo = v4_set(1.90821492927058770002e-10);
    const ro_v4 lim = v4_set(700);
    x = V4_SELECT(x < -lim, -lim, x);
    x = V4_SELECT(x > lim, lim, x);
    const ro_v4 y = x * log2e + shift;
    const ro_v4 kd = y - shift; /* x log2e rounded to the nearest integer */
    const ro_v4 r = (x - kd * ln2_hi) - kd * ln2_lo;
    const ro_v4 r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const ro_v4 p01 = 0.5 + r * 0.1666666666664829;
    const ro_v4 p23 = 0.04166666666665136 + r * 0.008333333353729397;
    const ro_v4 p45 = 0.0013888888905881542 + r * 0.00019841208732536384;
    const ro_v4 p67 = 2.4801536388690766e-05 + r * 2.762511557828763e-06;
    const ro_v4 q = ((p01 + r2 * p23) + r4 * (p45 + r2 * p67)) + r8 * 2.761380686153829e-07;
    const ro_v4 p = (1.0 + r) + r2 * q;
    /* unsigned: a NaN lane (never produced by the model) must not shift a
     * signed value out of range */
    const ro_u4 k = (ro_u4)y - (ro_u4)shift;
    return p * (ro_v4)((k + 1023) << 52);
}

double ro_exp(double x)
{
    const double at[4] = {x, x, x, x};
    return v4_exp(at)[0];
}

/* Four shares at a time; a group with a share in a tail of the bounded
 * map (rare: beyond 2 % or 98 %) goes through ro_share_bound lane by lane. */
RO_HOT void ro_model_vec_national_share(double *restrict p, const double *restrict z2, size_t n,
                                        double mean, double sd, double scale)
{
    const ro_v4 m4 = v4_set(mean), sd4 = v4_set(sd), sc4 = v4_set(scale);
    const ro_v4 lo = v4_set(RO_SHARE_LO), hi = v4_set(1 - RO_SHARE_LO);
    for (size_t j = 0; j < n; j += 4) {
        ro_v4 y = m4 + sd4 * *(const ro_v4 *)(p + j);
        if (z2 != NULL)
            y += sc4 * *(const ro_v4 *)(z2 + j);
        const ro_i4 tail = (y < lo) | (y > hi);
        if (tail[0] | tail[1] | tail[2] | tail[3])
            for (int l = 0; l < 4; l++)
                y[l] = ro_share_bound(y[l]);
        *(ro_v4 *)(p + j) = y;
    }
}

RO_HOT void ro_model_vec_count_halves(const double *p, size_t n, uint64_t *above,
                                      uint64_t *below)
{
    ro_i4 a = {0, 0, 0, 0}, b = {0, 0, 0, 0};
    const ro_v4 half = v4_set(0.5);
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        const ro_v4 x = *(const ro_v4 *)(p + j);
        a -= x > half; /* a true comparison is -1 */
        b -= x < half;
    }
    uint64_t na = (uint64_t)(a[0] + a[1] + a[2] + a[3]);
    uint64_t nb = (uint64_t)(b[0] + b[1] + b[2] + b[3]);
    for (; j < n; j++) {
        na += p[j] > 0.5;
        nb += p[j] < 0.5;
    }
    *above = na;
    *below = nb;
}

RO_HOT void ro_model_vec_margins(double *restrict margin, const double *p, const double *tau,
                                 double reg, size_t n)
{
    const ro_v4 r4 = v4_set(reg), one = v4_set(1.0);
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        const ro_v4 t = *(const ro_v4 *)(tau + j), x = *(const ro_v4 *)(p + j);
        const ro_v4 va = r4 * t * x, vb = r4 * t * (one - x);
        *(ro_v4 *)(margin + j) = (va - vb) / r4;
    }
    for (; j < n; j++) {
        const double va = reg * tau[j] * p[j], vb = reg * tau[j] * (1 - p[j]);
        margin[j] = (va - vb) / reg;
    }
}

/* x[r] *= y[r] and x[r] += y[r], four regions at a time. */
RO_HOT void ro_model_vec_mul(double *restrict x, const double *restrict y, size_t n)
{
    for (size_t r = 0; r < n; r += 4)
        *(ro_v4 *)(x + r) = *(const ro_v4 *)(x + r) * *(const ro_v4 *)(y + r);
}

RO_HOT void ro_model_vec_add(double *restrict x, const double *restrict y, size_t n)
{
    for (size_t r = 0; r < n; r += 4)
        *(ro_v4 *)(x + r) = *(const ro_v4 *)(x + r) + *(const ro_v4 *)(y + r);
}

RO_HOT void ro_model_vec_add_scaled(double *restrict x, double a, const double *restrict y,
                                    size_t n)
{
    const ro_v4 a4 = v4_set(a);
    for (size_t r = 0; r < n; r += 4)
        *(ro_v4 *)(x + r) = *(const ro_v4 *)(x + r) + a4 * *(const ro_v4 *)(y + r);
}

/* The number of the first n shares above 1/2, four at a time (a
 * comparison is -1 where true). */
RO_HOT uint32_t ro_model_vec_count_above_half(const double *s, size_t n)
{
    ro_i4 acc = {0, 0, 0, 0};
    size_t r = 0;
    for (; r + 4 <= n; r += 4)
        acc -= *(const ro_v4 *)(s + r) > 0.5;
    uint32_t count = (uint32_t)(acc[0] + acc[1] + acc[2] + acc[3]);
    for (; r < n; r++)
        count += s[r] > 0.5;
    return count;
}

/* The sums of one evaluation of S at k for a block of four regions
 * (docs/model.md §6): s_r = a_r k / (b_r + a_r k), one division, and the
 * weighted sums of s_r, s_r (1 - s_r) and s_r (1 - s_r) (1 - 2 s_r). */
RO_V4_INLINE ro_v4 v4_share(ro_v4 a4, ro_v4 b4, ro_v4 k4)
{
    return 1 - b4 / (b4 + a4 * k4); /* 1 - (1 - s): exact 1 when a k = inf */
}

RO_V4_INLINE void v4_moments(ro_v4 v4, ro_v4 sr, ro_v4 *acc_s, ro_v4 *acc_d, ro_v4 *acc_c)
{
    const ro_v4 d = 1 - sr;
    const ro_v4 w = v4 * sr * d;
    *acc_s += v4 * sr;
    *acc_d += w;
    *acc_c += w * (d - sr);
}

RO_V4_INLINE double v4_sum(ro_v4 x) { return x[0] + x[1] + x[2] + x[3]; }

/* From A_r (in a) and B_r (in b): V_r = A_r + B_r into v, a_r = A_r
 * exp(e_r) into a (e_r read from s when dev, which then receives the
 * shares), and the first evaluation of S at k, all in one pass: the odds
 * are never divided out. A region with no valid vote gets a = b = 1 (its
 * weight V_r is 0, its share k / (1 + k)). Four partial sums per
 * quantity, one per lane. */
RO_HOT double ro_model_vec_odds_eval(double *restrict a, double *restrict b, double *restrict v,
                                     double *restrict s, bool dev, size_t n_pad, double k,
                                     double *total_v, double *spread, double *curv)
{
    ro_v4 acc_v = v4_set(0), acc_s = v4_set(0), acc_d = v4_set(0), acc_c = v4_set(0);
    const ro_v4 k4 = v4_set(k), one = v4_set(1.0);
    for (size_t r = 0; r < n_pad; r += 4) {
        ro_v4 a4 = *(const ro_v4 *)(a + r), b4 = *(const ro_v4 *)(b + r);
        const ro_v4 v4 = a4 + b4;
        if (dev)
            a4 *= v4_exp(s + r);
        const ro_i4 live = v4 > 0;
        a4 = V4_SELECT(live, a4, one);
        b4 = V4_SELECT(live, b4, one);
        const ro_v4 sr = v4_share(a4, b4, k4);
        *(ro_v4 *)(a + r) = a4;
        *(ro_v4 *)(b + r) = b4;
        *(ro_v4 *)(v + r) = v4;
        *(ro_v4 *)(s + r) = sr;
        acc_v += v4;
        v4_moments(v4, sr, &acc_s, &acc_d, &acc_c);
    }
    *total_v = v4_sum(acc_v);
    const double inv_total = 1 / *total_v;
    *spread = v4_sum(acc_d) * inv_total;
    *curv = v4_sum(acc_c) * inv_total;
    return v4_sum(acc_s) * inv_total;
}

/* S(k) = sum V_r s_r / sum V_r with s_r = a_r k / (b_r + a_r k), written
 * to s; *spread = sum V_r s_r (1 - s_r) / sum V_r, the derivative of S with
 * respect to delta = log k, and *curv = sum V_r s_r (1 - s_r) (1 - 2 s_r) /
 * sum V_r, its second derivative. Four partial sums per quantity, one per
 * lane: the blocks of four regions have no dependency between them. */
RO_HOT double ro_model_vec_anchor_eval(const double *restrict a, const double *restrict b,
                                       const double *restrict v, double *restrict s,
                                       size_t n_pad, double k, double inv_total, double *spread,
                                       double *curv)
{
    ro_v4 acc_s = v4_set(0), acc_d = v4_set(0), acc_c = v4_set(0);
    const ro_v4 k4 = v4_set(k);
    for (size_t r = 0; r < n_pad; r += 4) {
        const ro_v4 sr = v4_share(*(const ro_v4 *)(a + r), *(const ro_v4 *)(b + r), k4);
        *(ro_v4 *)(s + r) = sr;
        v4_moments(*(const ro_v4 *)(v + r), sr, &acc_s, &acc_d, &acc_c);
    }
    *spread = v4_sum(acc_d) * inv_total;
    *curv = v4_sum(acc_c) * inv_total;
    return v4_sum(acc_s) * inv_total;
}

/* S at delta + eps from the shares s at delta, without a division: each
 * s_r moves by its Taylor series to the third order, s + eps p + eps^2/2
 * p (1 - 2 s) + eps^3/6 p (1 - 6 p) with p = s (1 - s) (the derivatives of
 * expit); the remainder is at most eps^4/12 s_r (the fourth derivative is
 * p (1 - 2 s) (1 - 12 p), at most 2 s in size), below 10^-17 s_r for the
 * |eps| <= 10^-4 model.c allows. Writes the new shares to s and returns S,
 * *spread and *curv there, as ro_model_vec_anchor_eval. */
RO_HOT double ro_model_vec_anchor_shift(double *restrict s, const double *restrict v,
                                        size_t n_pad, double eps, double inv_total,
                                        double *spread, double *curv)
{
    ro_v4 acc_s = v4_set(0), acc_d = v4_set(0), acc_c = v4_set(0);
    const ro_v4 e1 = v4_set(eps), e2 = v4_set(eps / 2), e3 = v4_set(eps * eps / 6);
    for (size_t r = 0; r < n_pad; r += 4) {
        const ro_v4 s0 = *(const ro_v4 *)(s + r);
        const ro_v4 d0 = 1 - s0, p = s0 * d0;
        const ro_v4 sr = s0 + e1 * p * ((1 + e2 * (d0 - s0)) + e3 * (1 - 6 * p));
        *(ro_v4 *)(s + r) = sr;
        v4_moments(*(const ro_v4 *)(v + r), sr, &acc_s, &acc_d, &acc_c);
    }
    *spread = v4_sum(acc_d) * inv_total;
    *curv = v4_sum(acc_c) * inv_total;
    return v4_sum(acc_s) * inv_total;
}
