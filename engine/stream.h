/*
 * stream.h — reproducible random streams keyed by (seed, draw, component).
 *
 * A draw's random numbers depend only on the scenario seed, the draw's
 * index and which part of the model consumes them (polls, transfers,
 * regional errors...), never on the thread or block that computes it.
 * That gives byte-identical output for any thread count or block size,
 * and common random numbers across the points of a sweep: changing a
 * transfer concentration cannot shift the stream of the polling error.
 *
 * The generator is xoshiro256++ wrapped as a gsl_rng_type, so every GSL
 * sampler works on it; seeding costs a few splitmix64 steps (GSL's default
 * mt19937 costs ~4 µs to seed, ../shared/notes/rng-performance.md).
 */
#ifndef RO_STREAM_H
#define RO_STREAM_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* Components: one independent sub-stream each. */
enum {
    RO_STREAM_POLLS = 0,     /* sampling + systematic polling error */
    RO_STREAM_TURNOUT = 1,   /* national turnout / blank-null split */
    RO_STREAM_TRANSFERS = 2, /* Dirichlet transfer matrix */
    RO_STREAM_REGIONS = 3,   /* regional and group deviations */
    /* keyed by a block of RO_NATIONAL_BLOCK draws, not by one draw (model.c) */
    RO_STREAM_POLLS_BLOCK = 4,   /* the polling errors of a block of draws */
    RO_STREAM_TURNOUT_BLOCK = 5  /* the national-only turnouts of a block */
};

extern const gsl_rng_type *ro_rng_xoshiro256pp;

/* gcc 12 SLP-vectorises the state update when it may use wide vectors and
 * the generator gets 3x slower (../shared/notes/rng-performance.md), so
 * that one transformation is switched off here. Every function that
 * inlines ro_xoshiro_next carries the same attribute: gcc does not inline
 * across different optimisation attributes, and the call would cost more
 * than the vectorisation. */
#if defined(__GNUC__) && !defined(__clang__)
#define RO_NO_SLP __attribute__((optimize("no-tree-slp-vectorize")))
#else
#define RO_NO_SLP
#endif

/* One xoshiro256++ step on the four state words s[0..3]; returns the
 * 64-bit output. Inline so that a sampler can keep the state in
 * registers over a batch (variates.c): through GSL, every uniform is an
 * indirect call that loads and stores the state. */
RO_NO_SLP static inline uint64_t ro_xoshiro_next(uint64_t s[4])
{
    const uint64_t result = ((s[0] + s[3]) << 23 | (s[0] + s[3]) >> 41) + s[0];
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s[3] << 45 | s[3] >> 19;
    return result;
}

/* The four state words of a generator from ro_stream_alloc(): samplers
 * that inline ro_xoshiro_next read and write them, so GSL samplers and
 * inline ones share one stream. */
uint64_t *ro_stream_words(gsl_rng *r);

/* splitmix64 finaliser: a bijective 64-bit mix. */
uint64_t ro_mix64(uint64_t x);

/* Allocate a GSL generator of type ro_rng_xoshiro256pp (call it in the
 * thread that will use it, so its state sits in that thread's memory). */
gsl_rng *ro_stream_alloc(void);
void ro_stream_free(gsl_rng *r);

/* Reset r to the stream for (seed, index, component). r must come from
 * ro_stream_alloc(). */
void ro_stream_seed(gsl_rng *r, uint64_t seed, uint64_t index, uint32_t component);

#endif /* RO_STREAM_H */
