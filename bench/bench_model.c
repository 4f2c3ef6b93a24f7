/*
 * bench_model.c — where one draw of the full regional model spends its time.
 *
 * usage: bench_model SCENARIO [DRAWS]
 *
 * Single thread, best of 3 timings of DRAWS calls each, all in one process
 * so the parts can be compared as ratios of one run. The breakdown comes
 * from differences between variants of the same scenario:
 *
 *   draw           ro_model_draw, the scenario as given (blend: polls)
 *   no anchoring   the same with blend: transfers (no swing to solve)
 *   variates       only the random numbers one draw needs, drawn with the
 *                  same samplers, parameters and stream seeding (floor.h)
 *   accumulate     runoff_simulate per draw minus ro_model_draw per draw
 *                  (histograms, region counts, merging)
 *
 * so anchoring = draw - no anchoring and arithmetic = no anchoring -
 * variates (transfer matrix product, odds, exp, totals).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "floor.h"
#include "model.h"
#include "runoff.h"
#include "scenario.h"
#include "stream.h"
#include "variates.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static runoff_scenario *load(const char *path, const char *set)
{
    runoff_error err = {0};
    const char *sets[1] = {set};
    runoff_scenario *s = runoff_scenario_load(path, sets, set ? 1 : 0, &err);
    if (s == NULL) {
        char buf[2048];
        fprintf(stderr, "bench_model: %s\n", runoff_error_format(&err, buf, sizeof buf));
        exit(2);
    }
    return s;
}

/* Best of 3: nanoseconds per ro_model_draw. */
static double time_draws(const runoff_scenario *s, long n)
{
    runoff_error err = {0};
    ro_model *m = ro_model_alloc(s, &err);
    ro_workspace *w = ro_workspace_alloc(m);
    if (m == NULL || w == NULL)
        exit(1);
    double best = INFINITY, sink = 0;
    ro_draw d;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        for (long i = 0; i < n; i++) {
            ro_model_draw(m, w, 1, (uint64_t)i, &d);
            sink += d.share_a;
        }
        double t = (now() - t0) / (double)n * 1e9;
        best = t < best ? t : best;
    }
    ro_workspace_free(w);
    ro_model_free(m);
    if (sink < 0)
        puts("");
    return best;
}

/* The variates of one draw, as the model counts and draws them (floor.h). */
static double time_variates(const runoff_scenario *s, long n)
{
    runoff_error err = {0};
    ro_model *m = ro_model_alloc(s, &err);
    gsl_rng *r = ro_stream_alloc();
    if (m == NULL || r == NULL)
        exit(1);
    ro_model_variates v;
    ro_model_count_variates(m, &v);
    const ro_gamma_shape *shapes;
    ro_model_gamma_shapes(m, &shapes);
    double *out = malloc(ro_floor_buffer_size(&v) * sizeof *out);
    if (out == NULL)
        exit(1);
    const ro_floor f = {m, &v, shapes, ro_model_ziggurat(m), r, out};
    double best = INFINITY, sink = 0;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        for (long i = 0; i < n; i++)
            sink += ro_floor_draw(&f, 1, (uint64_t)i);
        double t = (now() - t0) / (double)n * 1e9;
        best = t < best ? t : best;
    }
    ro_stream_free(r);
    ro_model_free(m);
    free(out);
    if (sink < 0)
        puts("");
    return best;
}

static double time_simulate(const runoff_scenario *s, long n)
{
    runoff_sim_options opt = {.threads = 1, .draws = (uint64_t)n};
    double best = INFINITY;
    for (int rep = 0; rep < 3; rep++) {
        runoff_error err = {0};
        double t0 = now();
        runoff_result *r = runoff_simulate(s, &opt, &err);
        double t = (now() - t0) / (double)n * 1e9;
        if (r == NULL)
            exit(1);
        runoff_result_free(r);
        best = t < best ? t : best;
    }
    return best;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_model SCENARIO [DRAWS]\n");
        return 2;
    }
    long n = argc > 2 ? atol(argv[2]) : 100000;
    runoff_scenario *s = load(argv[1], NULL);
    runoff_scenario *t = load(argv[1], "blend.mode=transfers");
    if (s->n_regions == 0) {
        fprintf(stderr, "bench_model: %s has no regions\n", argv[1]);
        return 2;
    }
    double draw = time_draws(s, n);
    double no_anchor = time_draws(t, n);
    double variates = time_variates(s, n);
    double sim = time_simulate(s, n);
    printf("# one thread, ns per draw, %zu regions x %zu options, best of 3 x %ld draws\n",
           s->n_regions, s->n_options, n);
    printf("part,ns_per_draw,share_of_simulate\n");
    printf("simulate (draw + accumulate),%.0f,%.3f\n", sim, 1.0);
    printf("draw,%.0f,%.3f\n", draw, draw / sim);
    printf("  random variates,%.0f,%.3f\n", variates, variates / sim);
    printf("  arithmetic (matrix product, odds, exp),%.0f,%.3f\n", no_anchor - variates,
           (no_anchor - variates) / sim);
    printf("  anchoring (swing solve),%.0f,%.3f\n", draw - no_anchor, (draw - no_anchor) / sim);
    printf("accumulate (histograms, merge),%.0f,%.3f\n", sim - draw, (sim - draw) / sim);
    runoff_scenario_free(s);
    runoff_scenario_free(t);
    return 0;
}
