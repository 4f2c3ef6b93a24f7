/*
 * summary.c — mergeable streaming summaries (ro_hist).
 *
 * Everything a histogram accumulates is an integer: one uint64 count per
 * bin plus underflow and overflow counts, and, for the moments, the sums of
 * q and q^2 where q = round((x - lo) / (hi - lo) * 2^40) is the clamped
 * value in fixed point. Integer addition is associative, so merging
 * per-thread histograms in any order gives the same bits, which is what
 * makes the driver's output identical for every thread count. min and max
 * are doubles, but min-of-mins is exact too.
 *
 * The 2^40 scale keeps q^2 below 2^80, so the 128-bit sum of squares holds
 * 2^48 draws, far more than a run can make; the quantisation (2^-41 of the
 * range) is far below anything reported.
 *
 * Quantiles and the CDF treat each bin's count as spread uniformly over the
 * bin, underflow as a point mass at lo and overflow as a point mass at hi.
 * ro_hist_cdf is that piecewise-linear CDF and ro_hist_quantile its
 * inverse, so cdf(quantile(q)) == q wherever the CDF is not flat, and the
 * back-test scores (backtest.c) use the very same distribution.
 */
#include "summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

__extension__ typedef unsigned __int128 ro_u128;

#define FIXED_SCALE 1099511627776.0 /* 2^40 */

struct ro_hist {
    double lo, hi;
    double width;               /* (hi - lo) / nbins */
    double inv_width;           /* nbins / (hi - lo): a multiply in the hot path, not a divide */
    double inv_range;           /* 1 / (hi - lo) when hi - lo is a power of two (x / (hi - lo)
                                   is then exactly x * inv_range), else 0: divide */
    size_t nbins;
    bool with_moments;
    uint64_t n;                 /* every non-NAN value, under/overflow included */
    uint64_t under, over;
    double min, max;
    ro_u128 s1, s2;             /* sums of q and q^2 */
    uint64_t counts[];          /* [nbins] */
};

ro_hist *ro_hist_alloc(double lo, double hi, size_t nbins, bool with_moments)
{
    if (!(isfinite(lo) && isfinite(hi) && lo < hi) || nbins == 0 ||
        nbins > (SIZE_MAX - sizeof(ro_hist)) / sizeof(uint64_t))
        return NULL;
    ro_hist *h = ro_calloc(1, sizeof *h + nbins * sizeof(uint64_t));
    if (h == NULL)
        return NULL;
    h->lo = lo;
    h->hi = hi;
    h->width = (hi - lo) / (double)nbins;
    h->inv_width = (double)nbins / (hi - lo);
    int e;
    h->inv_range = frexp(hi - lo, &e) == 0.5 ? ldexp(1.0, 1 - e) : 0;
    h->nbins = nbins;
    h->with_moments = with_moments;
    ro_hist_reset(h);
    return h;
}

void ro_hist_free(ro_hist *h) { free(h); }

void ro_hist_reset(ro_hist *h)
{
    h->n = h->under = h->over = 0;
    h->s1 = h->s2 = 0;
    h->min = INFINITY;
    h->max = -INFINITY;
    memset(h->counts, 0, h->nbins * sizeof(uint64_t));
}

void ro_hist_add(ro_hist *h, double x)
{
    if (isnan(x))
        return;
    h->n++;
    if (x < h->min)
        h->min = x;
    if (x > h->max)
        h->max = x;
    double c = x; /* clamped, for the moments */
    if (x < h->lo) {
        h->under++;
        c = h->lo;
    } else if (x > h->hi) {
        h->over++;
        c = h->hi;
    } else {
        /* hi itself belongs to the last bin; rounding can also land on nbins. */
        size_t i = (size_t)((x - h->lo) * h->inv_width);
        h->counts[i < h->nbins ? i : h->nbins - 1]++;
    }
    if (h->with_moments) {
        double frac = h->inv_range > 0 ? (c - h->lo) * h->inv_range : (c - h->lo) / (h->hi - h->lo);
        /* frac is in [0, 1]: adding 1/2 and truncating rounds to nearest
         * (half up) without a call into libm on every value; through int64,
         * exact below 2^63, so gcc needs no test for the unsigned range */
        ro_u128 q = (ro_u128)(uint64_t)(int64_t)(frac * FIXED_SCALE + 0.5);
        h->s1 += q;
        h->s2 += q * q;
    }
}

/*
 * ro_hist_add_n: the same integers as ro_hist_add on each value in turn,
 * four values at a time (an AVX2 copy chosen at load time, as for the
 * region sets below; both give the same bits). Per chunk of at most
 * ADD_CHUNK values, each value's code (bin, under, over or NAN, as in a
 * set) goes to a small buffer and is counted after; its fixed-point q is
 * an integer-valued double, and the sums of q and of q^2 are taken in
 * doubles, exactly: q <= 2^40, so the sum of q over a chunk stays below
 * 2^53, and q^2 is split as qh^2 2^42 + qh ql 2^22 + ql^2 with
 * q = qh 2^21 + ql, whose three sums stay below 2^53 too. Integer sums do
 * not depend on order, so they match the one-at-a-time sums bit for bit.
 * min and max: lane-wise, then reduced; values that compare equal have
 * the same bits except 0 and -0, so a minimum or maximum of zero is taken
 * again in order, as ro_hist_add would. Four values inside [lo, hi], the
 * usual case, skip the codes and clamping of the others.
 */
#define ADD_CHUNK 1024

typedef double add_v4 __attribute__((vector_size(32), aligned(8)));
typedef int64_t add_i4 __attribute__((vector_size(32), aligned(8)));
typedef int32_t add_c4 __attribute__((vector_size(16)));

#define ADD_SELECT(m, yes, no) ((add_v4)(((add_i4)(yes) & (m)) | ((add_i4)(no) & ~(m))))
#define add_v4_of(x) ((add_v4){(x), (x), (x), (x)})

/* floor(y) for 0 <= y < 2^52, exactly: y rounded to an integer by adding
 * and subtracting 2^52 (both exact there), less one where that rounded up.
 * A macro: as a function its vector argument draws a GCC ABI note. */
#define ADD_FLOOR(y)                                                                     \
    __extension__({                                                                      \
        const add_v4 y_ = (y), t_ = (y_ + 0x1.0p52) - 0x1.0p52;                          \
        ADD_SELECT(t_ > y_, t_ - 1.0, t_);                                               \
    })

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(RO_NO_CLONES) && \
    !defined(__SANITIZE_THREAD__)
#define ADD_HOT __attribute__((target_clones("avx2", "default")))
#else
#define ADD_HOT
#endif

/* min and max of x[0..n) in order, as ro_hist_add takes them. */
static void add_extremes_in_order(ro_hist *h, const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (x[i] < h->min)
            h->min = x[i];
        if (x[i] > h->max)
            h->max = x[i];
    }
}

ADD_HOT static void add_chunk(ro_hist *h, const double *x, size_t n)
{
    uint32_t code[ADD_CHUNK];
    const double nb = (double)h->nbins;
    const add_v4 lo = add_v4_of(h->lo), hi = add_v4_of(h->hi), iw = add_v4_of(h->inv_width);
    const add_v4 last = add_v4_of(nb - 1), under = add_v4_of(nb), over = add_v4_of(nb + 1);
    const add_v4 nan = add_v4_of(nb + 2), range = add_v4_of(h->hi - h->lo);
    const add_v4 inv_range = add_v4_of(h->inv_range), zero = add_v4_of(0);
    const bool by_mul = h->inv_range > 0;
    add_v4 mn = add_v4_of(INFINITY), mx = add_v4_of(-INFINITY);
    add_v4 s1 = zero, hh = zero, hl = zero, ll = zero;
    add_i4 count = {0, 0, 0, 0};
    const size_t n4 = n / 4 * 4;
    for (size_t i = 0; i < n4; i += 4) {
        const add_v4 v = *(const add_v4 *)(x + i);
        mn = ADD_SELECT(v < mn, v, mn);
        mx = ADD_SELECT(v > mx, v, mx);
        const add_v4 pos = (v - lo) * iw;
        const add_v4 bin = ADD_SELECT(pos < last, pos, last);
        const add_i4 in = (v >= lo) & (v <= hi); /* false for NAN */
        add_v4 c = bin, cl = v;
        add_i4 ok = in;
        if (__builtin_expect(!(in[0] & in[1] & in[2] & in[3]), 0)) {
            /* some value outside [lo, hi] or NAN: its code, and the moments'
             * clamped value */
            const add_i4 below = v < lo, beyond = v > hi;
            const add_v4 out = ADD_SELECT(below, under, ADD_SELECT(beyond, over, nan));
            c = ADD_SELECT(in, bin, out);
            cl = ADD_SELECT(below, lo, ADD_SELECT(beyond, hi, v));
            ok = v == v;
        }
        count -= ok; /* not NAN */
        const add_c4 k = __builtin_convertvector(c, add_c4);
        memcpy(code + i, &k, sizeof k);
        if (!h->with_moments)
            continue;
        const add_v4 frac = by_mul ? (cl - lo) * inv_range : (cl - lo) / range;
        const add_v4 y = ADD_SELECT(ok, frac * FIXED_SCALE + 0.5, zero);
        /* floor(floor(y) / 2^21) = floor(y / 2^21): qh straight from y */
        const add_v4 q = ADD_FLOOR(y), qh = ADD_FLOOR(y * 0x1.0p-21), ql = q - qh * 0x1.0p21;
        s1 += q;
        hh += qh * qh;
        hl += qh * ql;
        ll += ql * ql;
    }
    h->n += (uint64_t)(count[0] + count[1] + count[2] + count[3]);
    const double lmn = fmin(fmin(mn[0], mn[1]), fmin(mn[2], mn[3]));
    const double lmx = fmax(fmax(mx[0], mx[1]), fmax(mx[2], mx[3]));
    if (lmn == 0 || lmx == 0) { /* 0 or -0: whichever comes first */
        add_extremes_in_order(h, x, n4);
    } else {
        if (lmn < h->min)
            h->min = lmn;
        if (lmx > h->max)
            h->max = lmx;
    }
    if (h->with_moments) {
        const double sum1 = (s1[0] + s1[1]) + (s1[2] + s1[3]);
        const double shh = (hh[0] + hh[1]) + (hh[2] + hh[3]);
        const double shl = (hl[0] + hl[1]) + (hl[2] + hl[3]);
        const double sll = (ll[0] + ll[1]) + (ll[2] + ll[3]);
        h->s1 += (ro_u128)(uint64_t)(int64_t)sum1;
        h->s2 += ((ro_u128)(uint64_t)(int64_t)shh << 42) +
                 ((ro_u128)(uint64_t)(int64_t)shl << 22) + (ro_u128)(uint64_t)(int64_t)sll;
    }
    const uint32_t nbins = (uint32_t)h->nbins;
    for (size_t k = 0; k < n4; k++) {
        const uint32_t c = code[k];
        if (__builtin_expect(c < nbins, 1))
            h->counts[c]++;
        else if (c == nbins)
            h->under++;
        else if (c == nbins + 1)
            h->over++;
    }
    for (size_t i = n4; i < n; i++)
        ro_hist_add(h, x[i]);
}

void ro_hist_add_n(ro_hist *h, const double *x, size_t n)
{
    if (h->nbins > INT32_MAX - 3) { /* codes are 32-bit */
        for (size_t i = 0; i < n; i++)
            ro_hist_add(h, x[i]);
        return;
    }
    for (size_t k = 0; k < n; k += ADD_CHUNK)
        add_chunk(h, x + k, n - k < ADD_CHUNK ? n - k : ADD_CHUNK);
}

int ro_hist_merge(ro_hist *into, const ro_hist *from)
{
    if (into->lo != from->lo || into->hi != from->hi || into->nbins != from->nbins ||
        into->with_moments != from->with_moments)
        return -1;
    into->n += from->n;
    into->under += from->under;
    into->over += from->over;
    into->s1 += from->s1;
    into->s2 += from->s2;
    if (from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
    for (size_t i = 0; i < into->nbins; i++)
        into->counts[i] += from->counts[i];
    return 0;
}

/* ---- saved state: the accumulators as text, for merges across processes ---- */

int ro_hist_save(FILE *out, const ro_hist *h)
{
    size_t k = 0;
    for (size_t i = 0; i < h->nbins; i++)
        k += h->counts[i] != 0;
    fprintf(out, "hist %a %a %zu %d %llu %llu %llu %a %a %016llx%016llx %016llx%016llx %zu",
            h->lo, h->hi, h->nbins, h->with_moments ? 1 : 0, (unsigned long long)h->n,
            (unsigned long long)h->under, (unsigned long long)h->over, h->min, h->max,
            (unsigned long long)(h->s1 >> 64), (unsigned long long)h->s1,
            (unsigned long long)(h->s2 >> 64), (unsigned long long)h->s2, k);
    for (size_t i = 0; i < h->nbins; i++)
        if (h->counts[i] != 0)
            fprintf(out, " %zu:%llu", i, (unsigned long long)h->counts[i]);
    return fputc('\n', out) == EOF || ferror(out) ? -1 : 0;
}

/* A 128-bit sum written as 32 hexadecimal digits. */
static int read_u128(FILE *in, ro_u128 *v)
{
    unsigned long long hi, lo;
    if (fscanf(in, " %16llx%16llx", &hi, &lo) != 2)
        return -1;
    *v = (ro_u128)hi << 64 | lo;
    return 0;
}

int ro_hist_load_add(FILE *in, ro_hist *h)
{
    double lo, hi, mn, mx;
    size_t nbins, k;
    int moments;
    unsigned long long n, under, over;
    ro_u128 s1, s2;
    if (fscanf(in, " hist %lf %lf %zu %d %llu %llu %llu %lf %lf", &lo, &hi, &nbins, &moments, &n,
               &under, &over, &mn, &mx) != 9 ||
        read_u128(in, &s1) != 0 || read_u128(in, &s2) != 0 || fscanf(in, " %zu", &k) != 1)
        return -1;
    if (lo != h->lo || hi != h->hi || nbins != h->nbins || moments != (h->with_moments ? 1 : 0) ||
        k > nbins)
        return -1;
    /* Read into a scratch row first, so that a bad line leaves h as it was. */
    uint64_t *add = ro_calloc(nbins, sizeof *add);
    if (add == NULL)
        return -1;
    uint64_t total = (uint64_t)under + (uint64_t)over;
    size_t prev = 0;
    int rc = 0;
    for (size_t j = 0; j < k && rc == 0; j++) {
        size_t i;
        unsigned long long c;
        if (fscanf(in, " %zu:%llu", &i, &c) != 2 || i >= nbins || (j > 0 && i <= prev) || c == 0)
            rc = -1;
        else
            add[i] = c, total += c, prev = i;
    }
    if (rc == 0 && total != n)
        rc = -1;
    if (rc == 0) {
        h->n += n;
        h->under += under;
        h->over += over;
        h->s1 += s1;
        h->s2 += s2;
        if (mn < h->min)
            h->min = mn;
        if (mx > h->max)
            h->max = mx;
        for (size_t i = 0; i < nbins; i++)
            h->counts[i] += add[i];
    }
    free(add);
    return rc;
}

uint64_t ro_hist_count(const ro_hist *h) { return h->n; }

double ro_hist_mean(const ro_hist *h)
{
    if (h->n == 0 || !h->with_moments)
        return NAN;
    long double m = (long double)h->s1 / (long double)h->n / FIXED_SCALE;
    return (double)((long double)h->lo + m * ((long double)h->hi - h->lo));
}

/*
 * Sum of squared deviations, in fixed-point units squared. n*S2 - S1^2 can
 * need 176 bits, so centre on the integer a = floor(S1/n) instead, with
 * S1 = n*a + b (0 <= b < n):
 *   T = sum (q - a)^2 = S2 - n*a^2 - 2*a*b      (exact: every term fits,
 *       since n*a^2 <= S1^2/n <= S2 and T >= 0)
 *   M2 = T - b^2/n                               (the only rounding step)
 */
static long double hist_m2(const ro_hist *h)
{
    ro_u128 n = h->n;
    ro_u128 a = h->s1 / n, b = h->s1 % n;
    ro_u128 t = h->s2 - n * a * a - 2 * a * b;
    long double m2 = (long double)t - (long double)b * (long double)b / (long double)h->n;
    return m2 > 0 ? m2 : 0;
}

double ro_hist_variance(const ro_hist *h)
{
    if (h->n < 2 || !h->with_moments)
        return NAN;
    long double unit = ((long double)h->hi - h->lo) / FIXED_SCALE;
    return (double)(hist_m2(h) / (long double)(h->n - 1) * unit * unit);
}

double ro_hist_sd(const ro_hist *h) { return sqrt(ro_hist_variance(h)); }

double ro_hist_min(const ro_hist *h) { return h->n ? h->min : NAN; }
double ro_hist_max(const ro_hist *h) { return h->n ? h->max : NAN; }

/* Smallest x with cdf(x) >= q: the first bin where the cumulative count
 * reaches q*n, interpolated linearly inside it. */
double ro_hist_quantile(const ro_hist *h, double q)
{
    if (h->n == 0 || isnan(q))
        return NAN;
    if (q < 0)
        q = 0;
    if (q > 1)
        q = 1;
    long double target = (long double)q * (long double)h->n;
    if (h->under > 0 && target <= (long double)h->under)
        return h->lo;
    uint64_t cum = h->under;
    for (size_t i = 0; i < h->nbins; i++) {
        uint64_t c = h->counts[i];
        if (c > 0 && (long double)(cum + c) >= target) {
            long double frac = (target - (long double)cum) / (long double)c;
            if (frac < 0)
                frac = 0;
            return h->lo + ((double)i + (double)frac) * h->width;
        }
        cum += c;
    }
    return h->hi; /* the rest is overflow, a point mass at hi */
}

double ro_hist_cdf(const ro_hist *h, double x)
{
    if (h->n == 0 || isnan(x))
        return NAN;
    if (x < h->lo)
        return 0;
    if (x >= h->hi)
        return 1;
    double pos = (x - h->lo) / h->width;
    size_t k = (size_t)pos;
    if (k >= h->nbins)
        k = h->nbins - 1;
    uint64_t cum = h->under;
    for (size_t i = 0; i < k; i++)
        cum += h->counts[i];
    long double mass = (long double)cum + (long double)h->counts[k] * (pos - (double)k);
    return (double)(mass / (long double)h->n);
}

size_t ro_hist_nbins(const ro_hist *h) { return h->nbins; }
double ro_hist_lo(const ro_hist *h) { return h->lo; }
double ro_hist_hi(const ro_hist *h) { return h->hi; }
double ro_hist_bin_width(const ro_hist *h) { return h->width; }

uint64_t ro_hist_bin_count(const ro_hist *h, size_t i)
{
    return i < h->nbins ? h->counts[i] : 0;
}

double ro_mc_se(double p, uint64_t n)
{
    if (n == 0)
        return NAN;
    return sqrt(p * (1 - p) / (double)n);
}

/* ------------------------------------------------------------ hist sets */

/*
 * A set is updated once per draw, one value per member, and its count rows
 * (8 KiB each with 1000 bins) are too many to stay in L1: counted directly,
 * every value is a read-modify-write of a line fetched from L2. So an add
 * only computes each value's bin code, four values at a time, and stores it
 * as 16 bits into a small staging buffer (RO_SET_STAGE adds, member after
 * member); a flush then counts the staged codes member by member, where a
 * member's values fall in a few neighbouring lines. A code is a bin, or
 * nbins (under), nbins + 1 (over) or nbins + 2 (NAN, ignored): each row has
 * those three extra slots, so the flush is one increment per code. The
 * counts are the same integers as counting each value at once; whatever
 * reads them flushes first.
 */
#define RO_SET_STAGE 64

struct ro_hist_set {
    size_t n, nbins;
    size_t stride;              /* nbins + 3: bins, then under, over, NAN */
    double lo, hi, inv_width, threshold;
    uint64_t *above;            /* [n rounded up to 4]: values > threshold */
    uint64_t *counts;           /* [n * stride], histogram-major */
    uint16_t *stage;            /* [RO_SET_STAGE * n]: codes, add-major */
    size_t staged;              /* adds in stage */
};

typedef double set_v4 __attribute__((vector_size(32), aligned(8)));
typedef int64_t set_i4 __attribute__((vector_size(32), aligned(8)));
typedef int32_t set_c4 __attribute__((vector_size(16)));
typedef uint16_t set_h4 __attribute__((vector_size(8)));

/* Lane-wise m ? yes : no, m all-ones where true (a vector comparison; C
 * has no vector ?:). */
#define SET_SELECT(m, yes, no) ((set_v4)(((set_i4)(yes) & (m)) | ((set_i4)(no) & ~(m))))

#define set_v4_of(x) ((set_v4){(x), (x), (x), (x)})

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(RO_NO_CLONES) && \
    !defined(__SANITIZE_THREAD__)
#define SET_HOT __attribute__((target_clones("avx2", "default")))
#else
#define SET_HOT
#endif

ro_hist_set *ro_hist_set_alloc(size_t n, double lo, double hi, size_t nbins, double threshold)
{
    if (!(isfinite(lo) && isfinite(hi) && lo < hi) || nbins == 0 || n == 0 ||
        nbins > UINT16_MAX - 3 || n > SIZE_MAX / sizeof(uint64_t) / (nbins + 3) - 4)
        return NULL;
    ro_hist_set *s = ro_calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->n = n;
    s->nbins = nbins;
    s->stride = nbins + 3;
    s->lo = lo;
    s->hi = hi;
    s->inv_width = (double)nbins / (hi - lo);
    s->threshold = threshold;
    s->above = ro_calloc((n + 3) / 4 * 4, sizeof *s->above);
    s->counts = ro_calloc(n * s->stride, sizeof *s->counts);
    s->stage = ro_calloc(RO_SET_STAGE * n, sizeof *s->stage);
    if (s->above == NULL || s->counts == NULL || s->stage == NULL) {
        ro_hist_set_free(s);
        return NULL;
    }
    return s;
}

void ro_hist_set_free(ro_hist_set *s)
{
    if (s == NULL)
        return;
    free(s->above);
    free(s->counts);
    free(s->stage);
    free(s);
}

/* Count the staged codes. */
static void set_flush(ro_hist_set *s)
{
    const size_t n = s->n, staged = s->staged;
    for (size_t i = 0; i < n; i++) {
        uint64_t *row = s->counts + i * s->stride;
        const uint16_t *code = s->stage + i;
        for (size_t d = 0; d < staged; d++)
            row[code[d * n]]++;
    }
    s->staged = 0;
}

/* The code of one value (see the comment above RO_SET_STAGE). */
static inline __attribute__((always_inline)) uint16_t set_code(const ro_hist_set *s, double v)
{
    const size_t nb = s->nbins;
    if (v >= s->lo && v <= s->hi) {
        size_t b = (size_t)((v - s->lo) * s->inv_width);
        return (uint16_t)(b < nb ? b : nb - 1);
    }
    return (uint16_t)(v < s->lo ? nb : v > s->hi ? nb + 1 : nb + 2);
}

/* Four at a time, the codes as doubles first (the clamp to the last bin
 * before truncating gives the same bin as after: truncation is monotone),
 * then converted. An AVX2 copy chosen at load time, as in model_vec.c; both
 * give the same integers. */
SET_HOT void ro_hist_set_add(ro_hist_set *s, const double *x)
{
    const size_t n = s->n;
    uint16_t *code = s->stage + s->staged * n;
    const double nb = (double)s->nbins;
    const set_v4 lo = set_v4_of(s->lo), hi = set_v4_of(s->hi), iw = set_v4_of(s->inv_width);
    const set_v4 th = set_v4_of(s->threshold), last = set_v4_of(nb - 1);
    const set_v4 under = set_v4_of(nb), over = set_v4_of(nb + 1), nan = set_v4_of(nb + 2);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const set_v4 v = *(const set_v4 *)(x + i);
        *(set_i4 *)(s->above + i) -= v > th; /* a true comparison is -1 */
        const set_v4 pos = (v - lo) * iw;
        const set_v4 bin = SET_SELECT(pos < last, pos, last);
        const set_v4 out = SET_SELECT(v < lo, under, SET_SELECT(v > hi, over, nan));
        const set_v4 c = SET_SELECT((v >= lo) & (v <= hi), bin, out);
        const set_h4 h = __builtin_convertvector(__builtin_convertvector(c, set_c4), set_h4);
        memcpy(code + i, &h, sizeof h);
    }
    for (; i < n; i++) {
        s->above[i] += x[i] > s->threshold;
        code[i] = set_code(s, x[i]);
    }
    if (++s->staged == RO_SET_STAGE)
        set_flush(s);
}

int ro_hist_set_merge(ro_hist_set *into, ro_hist_set *from)
{
    if (into->n != from->n || into->nbins != from->nbins || into->lo != from->lo ||
        into->hi != from->hi || into->threshold != from->threshold)
        return -1;
    set_flush(into);
    set_flush(from);
    for (size_t i = 0; i < into->n; i++)
        into->above[i] += from->above[i];
    for (size_t k = 0; k < into->n * into->stride; k++)
        into->counts[k] += from->counts[k];
    return 0;
}

uint64_t ro_hist_set_above(const ro_hist_set *s, size_t i) { return s->above[i]; }

int ro_hist_set_export(ro_hist_set *s, size_t i, ro_hist *h)
{
    if (i >= s->n || h->nbins != s->nbins || h->lo != s->lo || h->hi != s->hi || h->with_moments)
        return -1;
    set_flush(s);
    const uint64_t *row = s->counts + i * s->stride;
    const uint64_t under = row[s->nbins], over = row[s->nbins + 1];
    h->under += under;
    h->over += over;
    h->n += under + over;
    if (under > 0 && h->lo < h->min)
        h->min = h->lo;
    if (over > 0 && h->hi > h->max)
        h->max = h->hi;
    for (size_t b = 0; b < s->nbins; b++) {
        if (row[b] == 0)
            continue;
        h->counts[b] += row[b];
        h->n += row[b];
        double left = h->lo + (double)b * h->width, right = left + h->width;
        if (left < h->min)
            h->min = left;
        if (right > h->max)
            h->max = right;
    }
    return 0;
}

/* The integer a one-unit-wide bin holds: the floor of its centre, for
 * bins [k - 0.5, k + 0.5) as for bins [k, k + 1). */
double ro_hist_bin_integer(const ro_hist *h, size_t i)
{
    return floor(ro_hist_lo(h) + ((double)i + 0.5) * ro_hist_bin_width(h));
}

double ro_hist_integer_quantile(const ro_hist *h, double q)
{
    uint64_t n = ro_hist_count(h), cum = 0;
    if (n == 0)
        return NAN;
    double target = q * (double)n;
    for (size_t i = 0; i < ro_hist_nbins(h); i++) {
        uint64_t c = ro_hist_bin_count(h, i);
        cum += c;
        if (c > 0 && (double)cum >= target)
            return ro_hist_bin_integer(h, i);
    }
    return NAN; /* only out-of-range values: not a regions histogram */
}
