/*
 * floor.h — the random-number floor of one draw: exactly the variates
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
    double *buf; /* transfer_gammas + group_normals + region_normals + 1 */
} ro_floor;

/* The variates of draw i; returns a value that depends on them, so none
 * is optimised away. */
static inline double ro_floor_draw(const ro_floor *f, uint64_t seed, uint64_t i)
{
    const ro_model_variates *v = f->v;
    gsl_rng *r = f->rng;
    double sink = 0;
    if (v->national_normals > 0) {
        ro_stream_seed(r, seed, i, RO_STREAM_POLLS);
        for (unsigned k = 0; k < v->national_normals; k++)
            sink += gsl_ran_gaussian_ziggurat(r, 1.0);
        if (v->national_gamma)
            sink += gsl_ran_gamma(r, v->t_shape, 2.0);
    }
    if (ro_model_n_regions(f->m) > 0) {
        ro_stream_seed(r, seed, i, RO_STREAM_TRANSFERS);
        ro_rv_gammas(f->zig, r, f->shapes, f->buf, v->transfer_gammas);
        sink += f->buf[0];
        ro_stream_seed(r, seed, i, RO_STREAM_REGIONS);
        ro_rv_normals(f->zig, r, f->buf, v->group_normals);
        ro_rv_normals(f->zig, r, f->buf + v->group_normals, v->region_normals);
        sink += f->buf[0];
    }
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
