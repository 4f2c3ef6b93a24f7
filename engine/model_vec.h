/*
 * model_vec.h — the model's vector kernels (model_vec.c), internal to
 * model.c. Every array is a region array padded to a multiple of RO_BLOCK
 * (or a row array padded to a multiple of 4) and only 8-byte aligned;
 * arrays marked restrict do not overlap. Each kernel gives the same bits
 * as the scalar loop it stands for, on every x86-64 (an AVX2 copy is
 * chosen at load time where the CPU has it, unless built with
 * RO_NO_CLONES).
 */
#ifndef RO_MODEL_VEC_H
#define RO_MODEL_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Regions are processed in blocks of this many (region arrays are padded
 * to a multiple of it); ro_model_vec_anchor_eval assumes a multiple of 4. */
#define RO_BLOCK 8

/* num[k] /= den[k] for k < n, n a multiple of 4. */
void ro_model_vec_divide(double *restrict num, const double *restrict den, size_t n);

/* a[r] = sum over options o of votes[o][r] * t[2 o], and b[r] the same
 * with t[2 o + 1], for the n_pad regions of votes, laid out in blocks of
 * RO_BLOCK regions, option-major within a block (K options). */
void ro_model_vec_region_votes(const double *votes, size_t K, size_t n_pad, const double *t,
                               double *restrict a, double *restrict b);

/* The national shares of a block (model.c, national_block):
 * p[j] = ro_share_bound((mean + sd p[j]) + scale z2[j]), the z2 term left
 * out when z2 is NULL; n a multiple of 4. */
void ro_model_vec_national_share(double *restrict p, const double *restrict z2, size_t n,
                                 double mean, double sd, double scale);

/* The national model's runs (model.c, ro_model_draw_run), any n: how
 * many of p[0..n) are above 1/2 and how many below, and the margins
 * margin[j] = (reg tau[j] p[j] - reg tau[j] (1 - p[j])) / reg. */
void ro_model_vec_count_halves(const double *p, size_t n, uint64_t *above, uint64_t *below);
void ro_model_vec_margins(double *restrict margin, const double *p, const double *tau, double reg,
                          size_t n);

/* x[r] *= y[r], and x[r] += y[r], for r < n, n a multiple of 4. */
void ro_model_vec_mul(double *restrict x, const double *restrict y, size_t n);
void ro_model_vec_add(double *restrict x, const double *restrict y, size_t n);
/* x[r] += a * y[r] (a product, then a sum: no fused multiply-add) */
void ro_model_vec_add_scaled(double *restrict x, double a, const double *restrict y, size_t n);

/* How many of s[0..n) are above 1/2. */
uint32_t ro_model_vec_count_above_half(const double *s, size_t n);

/* From A_r in a and B_r in b: v = A + B, a = A exp(e) (e read from s
 * when dev), and the first evaluation of S at k (as
 * ro_model_vec_anchor_eval, the shares into s); a = b = 1 where v is 0.
 * Returns S and sum v in *total_v. */
double ro_model_vec_odds_eval(double *restrict a, double *restrict b, double *restrict v,
                              double *restrict s, bool dev, size_t n_pad, double k,
                              double *total_v, double *spread, double *curv);

/* s[r] = a[r] k / (b[r] + a[r] k); returns S = sum v s * inv_total, and its
 * first and second derivatives with respect to log k in *spread and *curv
 * (docs/model.md §6). */
double ro_model_vec_anchor_eval(const double *restrict a, const double *restrict b,
                                const double *restrict v, double *restrict s, size_t n_pad,
                                double k, double inv_total, double *spread, double *curv);

/* The shares s (at some delta) moved to delta + eps by their Taylor series
 * to the third order, |eps| <= 10^-4 (remainder below 10^-17 s_r); returns
 * S, *spread and *curv there, as ro_model_vec_anchor_eval. No division. */
double ro_model_vec_anchor_shift(double *restrict s, const double *restrict v, size_t n_pad,
                                 double eps, double inv_total, double *spread, double *curv);

#endif /* RO_MODEL_VEC_H */
