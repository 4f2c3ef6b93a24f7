/*
 * floor.h — the random-number floor of a model: exactly the variates
 * ro_model_draw draws, as the model counts them (ro_model_count_variates,
 * ro_model_gamma_shapes), with the same samplers, parameters and stream
 * seedings, and nothing else. Shared by bench_floor.c and bench_model.c.
 */
#ifndef RO_BENCH_FLOOR_H
#define RO_BENCH_FLOOR_H

#include <gsl/gsl_randist.h>

#include "model.h"
#include "stream.h"
#include "variates.h"

typedef struct {
    const ro_model *m;
    const ro_model_variates *v;
    const ro_gamma_shape *shapes;
    const ro_ziggurat *zig;
    gsl_rng *rng;
    double *buf; /* ro_floor_buffer_size doubles */
} ro_floor;

static inline size_t ro_floor_buffer_size(const ro_model_variates *v)
{
    size_t n = v->transfer_gammas + v->group_normals + v->region_normals + v->lean_normals + 1;
    return n > 2 * RO_NATIONAL_BLOCK ? n : 2 * RO_NATIONAL_BLOCK;
}

/* The block variates of the national model, drawn when draw i starts a
 * block (the model draws a whole block when it needs one of its draws). */
static inline double ro_floor_block(const ro_floor *f, uint64_t seed, uint64_t i)
{
    const ro_model_variates *v = f->v;
    const uint64_t k = i / RO_NATIONAL_BLOCK;
    const size_t B = RO_NATIONAL_BLOCK;
    gsl_rng *r = f->rng;
    double sink = 0;
    if (i % RO_NATIONAL_BLOCK != 0)
        return 0;
    if (v->block_normals > 0) {
        ro_stream_seed(r, seed, k, RO_STREAM_POLLS_BLOCK);
        ro_rv_normals(f->zig, r, f->buf, v->block_normals);
        sink += f->buf[0];
        ro_rv_gammas_one(f->zig, r, v->t_gamma, f->buf, v->block_gammas);
        sink += f->buf[0];
    }
    if (v->block_turnout) {
        ro_stream_seed(r, seed, k, RO_STREAM_TURNOUT_BLOCK);
        if (v->turnout_ga != NULL) {
            ro_rv_gammas_one(f->zig, r, v->turnout_ga, f->buf, B);
            ro_rv_gammas_one(f->zig, r, v->turnout_gb, f->buf + B, B);
            sink += f->buf[0] + f->buf[B];
        } else {
            for (size_t j = 0; j < B; j++)
                sink += gsl_ran_beta(r, v->turnout_a, v->turnout_b);
        }
    }
    return sink;
}

/* The variates of draw i (draws taken in order from 0); returns a value
 * that depends on them, so none is optimised away. */
static inline double ro_floor_draw(const ro_floor *f, uint64_t seed, uint64_t i)
{
    const ro_model_variates *v = f->v;
    gsl_rng *r = f->rng;
    double sink = ro_floor_block(f, seed, i);
    if (ro_model_n_regions(f->m) == 0)
        return sink;
    ro_stream_seed(r, seed, i, RO_STREAM_TRANSFERS);
    ro_rv_gammas(f->zig, r, f->shapes, f->buf, v->transfer_gammas);
    sink += f->buf[0];
    ro_stream_seed(r, seed, i, RO_STREAM_REGIONS);
    ro_rv_normals(f->zig, r, f->buf, v->group_normals);
    ro_rv_normals(f->zig, r, f->buf + v->group_normals, v->region_normals);
    ro_rv_normals(f->zig, r, f->buf + v->group_normals + v->region_normals, v->lean_normals);
    sink += f->buf[0];
    if (v->blank_beta || v->turnout_beta) {
        ro_stream_seed(r, seed, i, RO_STREAM_TURNOUT);
        if (v->blank_beta)
            sink += gsl_ran_beta(r, v->blank_a, v->blank_b);
        if (v->turnout_beta)
            sink += gsl_ran_beta(r, v->turnout_a, v->turnout_b);
    }
    return sink;
}

#endif /* RO_BENCH_FLOOR_H */
