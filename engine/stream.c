/*
 * stream.c — xoshiro256++ as a GSL generator, and the keyed seeding that
 * turns (seed, draw index, component) into an independent stream.
 *
 * Why this generator: a draw reseeds up to four streams, so seeding must
 * cost nanoseconds (GSL's mt19937 costs ~4 µs), and every GSL sampler must
 * still work, hence the gsl_rng_type wrapper. Why keyed seeding: a draw's
 * numbers then depend on its index, never on the thread or block that
 * computes it (XSBench), and each model component reads its own stream, so
 * a change to one part of a scenario leaves the other parts' random numbers
 * alone (common random numbers across a sweep).
 *
 * Output conventions (the GSL contract for a type with min 0, max 2^32-1):
 *  - get returns the upper 32 bits of the 64-bit output: the upper bits
 *    are the best ones, and GSL's samplers that need integers (ziggurat,
 *    uniform_int) assume get() spans [min, max] uniformly;
 *  - get_double returns (x >> 11) * 2^-53, a multiple of 2^-53 in [0, 1);
 *    gsl_rng_uniform_pos loops past the value 0, so it stays in (0, 1).
 * Each call to either advances the state by one step.
 */
#include "stream.h"

#include <stdlib.h>

#include "error.h"

typedef struct {
    uint64_t s[4];
} xoshiro_state;

#define RO_GOLDEN UINT64_C(0x9e3779b97f4a7c15)

uint64_t ro_mix64(uint64_t x)
{
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* Four consecutive splitmix64 outputs: distinct inputs to the bijection
 * ro_mix64, so at most one of them is zero and the state is never the
 * all-zero fixed point of xoshiro. */
static void splitmix_fill(xoshiro_state *st, uint64_t x)
{
    for (int i = 0; i < 4; i++) {
        x += RO_GOLDEN;
        st->s[i] = ro_mix64(x);
    }
}

static void xoshiro_set(void *state, unsigned long int seed)
{
    splitmix_fill(state, (uint64_t)seed);
}

RO_NO_SLP static unsigned long int xoshiro_get(void *state)
{
    return (unsigned long int)(ro_xoshiro_next(((xoshiro_state *)state)->s) >> 32);
}

RO_NO_SLP static double xoshiro_get_double(void *state)
{
    return (double)(ro_xoshiro_next(((xoshiro_state *)state)->s) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type xoshiro_type = {
    "xoshiro256++",
    0xffffffffUL,
    0,
    sizeof(xoshiro_state),
    xoshiro_set,
    xoshiro_get,
    xoshiro_get_double,
};

const gsl_rng_type *ro_rng_xoshiro256pp = &xoshiro_type;

/* Built by hand rather than with gsl_rng_alloc: GSL's allocation failure
 * goes through its error handler (which aborts by default), and ours must
 * go through ro_malloc so tests can make it fail. gsl_rng_free would free
 * the same two blocks. */
gsl_rng *ro_stream_alloc(void)
{
    gsl_rng *r = ro_malloc(sizeof *r);
    if (r == NULL)
        return NULL;
    r->type = ro_rng_xoshiro256pp;
    r->state = ro_calloc(1, sizeof(xoshiro_state));
    if (r->state == NULL) {
        free(r);
        return NULL;
    }
    xoshiro_set(r->state, 0);
    return r;
}

uint64_t *ro_stream_words(gsl_rng *r) { return ((xoshiro_state *)r->state)->s; }

void ro_stream_free(gsl_rng *r)
{
    if (r == NULL)
        return;
    free(r->state);
    free(r);
}

/* The key is folded in one word at a time, each step through the bijection
 * ro_mix64: for a fixed seed and component, distinct indices give distinct
 * starting points (a composition of bijections in the index), and the
 * splitmix64 sequences that follow share no state word unless two starting
 * points fall within four golden-ratio steps of each other (probability
 * ~2^-61 for any pair). Different constants for each word keep (a, b, c)
 * and permutations of it apart. */
void ro_stream_seed(gsl_rng *r, uint64_t seed, uint64_t index, uint32_t component)
{
    uint64_t x = ro_mix64(seed ^ UINT64_C(0x6a09e667f3bcc908));
    x = ro_mix64(x ^ index);
    x = ro_mix64(x ^ ((uint64_t)component * UINT64_C(0xbb67ae8584caa73b)));
    splitmix_fill(r->state, x);
}
