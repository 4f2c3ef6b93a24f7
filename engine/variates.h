/*
 * variates.h — the random variates of the regional model's hot loop,
 * drawn straight from a stream's xoshiro256++ state.
 *
 * Why not GSL's samplers here: through a gsl_rng every uniform is an
 * indirect call that loads and stores the generator state, and each
 * sampler is a call into the shared library. A draw of the 107-département
 * model needs ~120 normals and ~40 gammas; measured on these machines,
 * gsl_ran_gaussian_ziggurat cost 10.8 ns and gsl_ran_gamma (shape 3)
 * 22-24 ns each, against 4.3-6 ns and 13-14 ns for the same algorithms
 * inlined with the state kept in registers (bench/README.md). The national
 * model draws its polling errors and turnout Betas with them too, a block
 * of draws at a time (model.c); the regional model's Betas still use GSL.
 *
 * They draw from the same stream words as GSL's samplers
 * (ro_stream_words), so both can share a stream; the algorithms are of
 * the same families as GSL's (ziggurat, Marsaglia-Tsang) but their
 * outputs are not GSL's:
 *  - normal: the Marsaglia-Tsang ziggurat, 128 layers, in Doornik's
 *    ZIGNOR form (J. A. Doornik, "An Improved Ziggurat Method to Generate
 *    Normal Random Samples", 2005): the layer index and the uniform come
 *    from disjoint bits of one 64-bit output;
 *  - gamma: Marsaglia and Tsang (2000), shape a >= 1; shape a < 1 as
 *    Gamma(1 + a) U^(1/a), as gsl_ran_gamma does.
 * tests/test_variates.c checks their distributions against GSL's CDFs.
 */
#ifndef RO_VARIATES_H
#define RO_VARIATES_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#define RO_ZIG_LAYERS 128

/* The ziggurat's layer table: x[i] the right edge of layer i (x[0] the
 * bottom layer's equivalent width, x[1] = r, x[128] = 0),
 * ratio[i] = x[i+1] / x[i] and rise[i] = exp((x[i]^2 - x[i+1]^2) / 2)
 * (i >= 1; of the wedge test, variates.c). Immutable once filled; shared
 * by threads. */
typedef struct {
    double x[RO_ZIG_LAYERS + 1];
    double ratio[RO_ZIG_LAYERS];
    double rise[RO_ZIG_LAYERS];
} ro_ziggurat;

/* Fill the table (a few hundred libm calls). */
void ro_ziggurat_init(ro_ziggurat *z);

/* n standard normal variates into out, from stream r (from ro_stream_alloc). */
void ro_rv_normals(const ro_ziggurat *z, gsl_rng *r, double *out, size_t n);

/* A gamma shape prepared once: the draw then needs no square root or
 * division (each costs more latency than the rest of an accepted draw). */
typedef struct {
    double d, c;      /* Marsaglia-Tsang constants for shape a' = max(a, 1 + a) */
    double inv_a;     /* 1/a when a < 1 (the U^(1/a) boost), else 0 */
    double q;         /* 1 / (108 d), of the second squeeze (variates.c) */
} ro_gamma_shape;

/* Prepare shape a > 0, finite. */
void ro_gamma_shape_init(ro_gamma_shape *g, double a);

/* n Gamma(g[k], 1) variates into out[k], from stream r, in order. */
void ro_rv_gammas(const ro_ziggurat *z, gsl_rng *r, const ro_gamma_shape *g, double *out,
                  size_t n);
/* n Gamma(*g, 1) variates of one shape into out, from stream r, in order:
 * the same numbers as ro_rv_gammas with n copies of *g. */
void ro_rv_gammas_one(const ro_ziggurat *z, gsl_rng *r, const ro_gamma_shape *g, double *out,
                      size_t n);

#endif /* RO_VARIATES_H */
