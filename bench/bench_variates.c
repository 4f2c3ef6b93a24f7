/*
 * bench_variates.c — what a variate costs through GSL and through
 * engine/variates.c, on the same xoshiro256++ stream, in one process.
 *
 * usage: bench_variates [N]
 *
 * Output lines: variate,SAMPLER,NS_PER_VARIATE,RATIO_TO_GSL. Each figure
 * is the best of 5 rounds of N variates (default 10^7), drawn in batches
 * the size a draw of the 2022 model uses (107 region normals in one call;
 * 42 gammas, 14 rows of three, here a third of them with shape < 1;
 * bench_floor prints the counts the model makes), so call overheads count
 * as they do in a draw.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_randist.h>

#include "stream.h"
#include "variates.h"

#define NORMAL_BATCH 107
#define GAMMA_BATCH 42

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double shape_of(int k) { return k % 3 == 0 ? 0.6 : 3.0; }

typedef enum { GSL_NORMAL, RV_NORMAL, GSL_GAMMA, RV_GAMMA } which;

/* ns per variate, best of 5. */
static double time_one(which w, gsl_rng *r, const ro_ziggurat *z, const ro_gamma_shape *g,
                       long n)
{
    double out[NORMAL_BATCH], best = INFINITY, sink = 0;
    const int batch = w == GSL_NORMAL || w == RV_NORMAL ? NORMAL_BATCH : GAMMA_BATCH;
    const long rounds = n / batch;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        for (long i = 0; i < rounds; i++) {
            switch (w) {
            case GSL_NORMAL:
                for (int k = 0; k < batch; k++)
                    out[k] = gsl_ran_gaussian_ziggurat(r, 1.0);
                break;
            case RV_NORMAL:
                ro_rv_normals(z, r, out, batch);
                break;
            case GSL_GAMMA:
                for (int k = 0; k < batch; k++)
                    out[k] = gsl_ran_gamma(r, shape_of(k), 1.0);
                break;
            case RV_GAMMA:
                ro_rv_gammas(z, r, g, out, batch);
                break;
            }
            sink += out[batch - 1];
        }
        double t = (now() - t0) / (double)(rounds * batch) * 1e9;
        best = t < best ? t : best;
    }
    if (sink == 42)
        puts("");
    return best;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10000000;
    if (n < GAMMA_BATCH * NORMAL_BATCH) {
        fprintf(stderr, "bench_variates: N must be at least %d\n", GAMMA_BATCH * NORMAL_BATCH);
        return 2;
    }
    gsl_rng *r = ro_stream_alloc();
    if (r == NULL)
        return 1;
    ro_stream_seed(r, 1, 2, 3);
    ro_ziggurat z;
    ro_ziggurat_init(&z);
    ro_gamma_shape g[GAMMA_BATCH];
    for (int k = 0; k < GAMMA_BATCH; k++)
        ro_gamma_shape_init(&g[k], shape_of(k));
    double gn = time_one(GSL_NORMAL, r, &z, g, n), rn = time_one(RV_NORMAL, r, &z, g, n);
    double gg = time_one(GSL_GAMMA, r, &z, g, n), rg = time_one(RV_GAMMA, r, &z, g, n);
    printf("variate,sampler,ns_per_variate,ratio_to_gsl\n");
    printf("variate,gsl_ran_gaussian_ziggurat,%.2f,1.000\n", gn);
    printf("variate,ro_rv_normals (batch of %d),%.2f,%.3f\n", NORMAL_BATCH, rn, rn / gn);
    printf("variate,gsl_ran_gamma (shapes 0.6 and 3),%.2f,1.000\n", gg);
    printf("variate,ro_rv_gammas (batch of %d),%.2f,%.3f\n", GAMMA_BATCH, rg, rg / gg);
    ro_stream_free(r);
    return 0;
}
