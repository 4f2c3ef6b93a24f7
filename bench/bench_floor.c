/*
 * bench_floor.c — the model against its random-number floor, as ratios
 * measured in one run.
 *
 * usage: bench_floor FULL.yaml NATIONAL.yaml [FULL_DRAWS [NATIONAL_DRAWS [REPS]]]
 *
 * The floor of a scenario is a loop that draws exactly the variates one
 * draw of its model draws -- counted by the model itself
 * (ro_model_count_variates, ro_model_gamma_shapes), with the same samplers,
 * parameters and stream seedings -- and does nothing else. Against it:
 *
 *   draw    ro_model_draw alone, one thread
 *   sim1    runoff_simulate on one thread (draws + accumulators + merge)
 *   sim2    runoff_simulate on two threads
 *
 * Single-thread cases are timed in thread CPU time
 * (CLOCK_THREAD_CPUTIME_ID), the simulations in process CPU time
 * (getrusage) and wall time. The machines are shared: time stolen by other
 * processes does not count as CPU time, but cache and core sharing still
 * do, so each round times every case once, one after the other
 * (interleaved), ratios are taken within a round, and the output gives
 * the median and the range over the rounds.
 *
 * Output lines (CSV):
 *   variates,SCENARIO,NORMALS,GAMMAS,BETAS,SEEDINGS     per draw, as counted
 *     (a national block's variates and seedings divided by its draws;
 *     BETAS are gsl_ran_beta calls, two gammas each inside GSL)
 *   ns,SCENARIO,CASE,MEDIAN,MIN,MAX                      CPU ns per draw
 *   ratio,NAME,MEDIAN,MIN,MAX
 * where the ratios are model/floor (sim1 and draw), the 2-thread throughput
 * over the 1-thread one (wall) and the CPU per draw with 1 thread over the
 * CPU per draw with 2 (1.0: the threads do not slow each other), national
 * over full draws per CPU second, and rate2_cpu: 2 threads' draws per
 * second if both cores were its own (draws / process CPU time x 2).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "floor.h"
#include "model.h"
#include "bench_util.h"
#include "runoff.h"
#include "stream.h"
#include "variates.h"

#define MAX_REPS 64

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double process_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

typedef struct {
    const char *path;
    runoff_scenario *s;
    ro_model *m;
    ro_workspace *w;
    ro_model_variates v;
    const ro_gamma_shape *shapes;
    const ro_ziggurat *zig;
    gsl_rng *rng;
    double *buf;
    uint64_t draws;
    /* CPU ns per draw, per round */
    double floor_ns[MAX_REPS], draw_ns[MAX_REPS], sim1_ns[MAX_REPS], sim2_ns[MAX_REPS];
    double sim1_wall[MAX_REPS], sim2_wall[MAX_REPS];
} bench_case;

static void setup(bench_case *c, const char *path, uint64_t draws)
{
    runoff_error err = {0};
    c->path = path;
    c->s = bench_load("bench_floor", path);
    c->m = ro_model_alloc(c->s, &err);
    if (c->m == NULL)
        exit(1);
    c->w = ro_workspace_alloc(c->m);
    c->rng = ro_stream_alloc();
    ro_model_count_variates(c->m, &c->v);
    ro_model_gamma_shapes(c->m, &c->shapes);
    c->zig = ro_model_ziggurat(c->m);
    c->buf = malloc(ro_floor_buffer_size(&c->v) * sizeof *c->buf);
    if (c->w == NULL || c->rng == NULL || c->buf == NULL)
        exit(1);
    c->draws = draws;
}

static void teardown(bench_case *c)
{
    free(c->buf);
    ro_stream_free(c->rng);
    ro_workspace_free(c->w);
    ro_model_free(c->m);
    runoff_scenario_free(c->s);
}

static double floor_of(bench_case *c, uint64_t seed, uint64_t i)
{
    ro_floor f = {c->m, &c->v, c->shapes, c->zig, c->rng, c->buf};
    return ro_floor_draw(&f, seed, i);
}

static volatile double g_sink;

static double time_floor(bench_case *c)
{
    double sink = 0, t0 = thread_cpu();
    for (uint64_t i = 0; i < c->draws; i++)
        sink += floor_of(c, 1, i);
    double t = thread_cpu() - t0;
    g_sink = sink;
    return t / (double)c->draws * 1e9;
}

static double time_draw(bench_case *c)
{
    double sink = 0, t0 = thread_cpu();
    ro_draw d;
    for (uint64_t i = 0; i < c->draws; i++) {
        ro_model_draw(c->m, c->w, 1, i, &d);
        sink += d.share_a;
    }
    double t = thread_cpu() - t0;
    g_sink = sink;
    return t / (double)c->draws * 1e9;
}

/* CPU ns per draw of runoff_simulate; *wall_s gets its wall seconds. */
static double time_sim(bench_case *c, unsigned threads, double *wall_s)
{
    runoff_sim_options opt = {.threads = threads, .draws = c->draws, .has_seed = true, .seed = 1};
    runoff_error err = {0};
    double w0 = bench_wall(), t0 = process_cpu();
    runoff_result *r = runoff_simulate(c->s, &opt, &err);
    double t = process_cpu() - t0;
    *wall_s = bench_wall() - w0;
    if (r == NULL) {
        char buf[2048];
        fprintf(stderr, "bench_floor: %s\n", runoff_error_format(&err, buf, sizeof buf));
        exit(1);
    }
    runoff_result_free(r);
    return t / (double)c->draws * 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median, min and max of x[0..n-1] (reordered). */
static void spread(double *x, int n, double *med, double *lo, double *hi)
{
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    *med = n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
    *lo = x[0];
    *hi = x[n - 1];
}

static void print_row(const char *kind, const char *a, const char *b, const double *x, int n)
{
    double tmp[MAX_REPS], med, lo, hi;
    memcpy(tmp, x, (size_t)n * sizeof *x);
    spread(tmp, n, &med, &lo, &hi);
    if (b != NULL)
        printf("%s,%s,%s,%.4g,%.4g,%.4g\n", kind, a, b, med, lo, hi);
    else
        printf("%s,%s,%.4g,%.4g,%.4g\n", kind, a, med, lo, hi);
}

static void round_of(bench_case *c, int rep)
{
    c->floor_ns[rep] = time_floor(c);
    c->draw_ns[rep] = time_draw(c);
    c->sim1_ns[rep] = time_sim(c, 1, &c->sim1_wall[rep]);
    c->sim2_ns[rep] = time_sim(c, 2, &c->sim2_wall[rep]);
}

static void report_case(bench_case *c, int reps)
{
    const ro_model_variates *v = &c->v;
    const double B = RO_NATIONAL_BLOCK;
    const bool regional = ro_model_n_regions(c->m) > 0;
    const bool block_betas = v->block_turnout && v->turnout_ga == NULL;
    const double normals = (double)v->block_normals / B +
                           (double)(v->group_normals + v->region_normals + v->lean_normals);
    const double gammas = (double)v->block_gammas / B + (double)v->transfer_gammas +
                          (v->block_turnout && !block_betas ? 2.0 : 0.0);
    const double betas = block_betas + v->blank_beta + v->turnout_beta;
    const double seedings = ((v->block_normals > 0) + v->block_turnout) / B + 2.0 * regional +
                            (v->blank_beta || v->turnout_beta);
    printf("variates,%s,%.3f,%.3f,%.3f,%.3f\n", c->path, normals, gammas, betas, seedings);
    print_row("ns", c->path, "floor", c->floor_ns, reps);
    print_row("ns", c->path, "draw", c->draw_ns, reps);
    print_row("ns", c->path, "sim1", c->sim1_ns, reps);
    print_row("ns", c->path, "sim2", c->sim2_ns, reps);
}

/* num[i] / den[i] * scale for every round, or scale / den[i] when num is NULL. */
static void ratio_row(const char *name, const char *what, const double *num, const double *den,
                      double scale, int reps)
{
    double r[MAX_REPS];
    char label[256];
    for (int i = 0; i < reps; i++)
        r[i] = (num != NULL ? num[i] : 1.0) / den[i] * scale;
    snprintf(label, sizeof label, "%s %s", name, what);
    print_row("ratio", label, NULL, r, reps);
}

static void report_ratios(const char *name, const bench_case *c, int reps)
{
    ratio_row(name, "sim1/floor", c->sim1_ns, c->floor_ns, 1, reps);
    ratio_row(name, "draw/floor", c->draw_ns, c->floor_ns, 1, reps);
    ratio_row(name, "2 threads/1 thread (wall throughput)", c->sim1_wall, c->sim2_wall, 1, reps);
    ratio_row(name, "cpu per draw 1 thread/2 threads", c->sim1_ns, c->sim2_ns, 1, reps);
    ratio_row(name, "rate2_cpu (draws/s on 2 cores)", NULL, c->sim2_ns, 2e9, reps);
    ratio_row(name, "rate2_wall (draws/s)", NULL, c->sim2_wall, (double)c->draws, reps);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_floor FULL.yaml NATIONAL.yaml [FULL_DRAWS [NATIONAL_DRAWS "
                        "[REPS]]]\n");
        return 2;
    }
    uint64_t full_draws = argc > 3 ? strtoull(argv[3], NULL, 10) : 1000000;
    uint64_t nat_draws = argc > 4 ? strtoull(argv[4], NULL, 10) : 10000000;
    int reps = argc > 5 ? atoi(argv[5]) : 5;
    if (reps < 1 || reps > MAX_REPS || full_draws == 0 || nat_draws == 0) {
        fprintf(stderr, "bench_floor: draws must be positive, rounds 1 to %d\n", MAX_REPS);
        return 2;
    }
    static bench_case full, nat;
    setup(&full, argv[1], full_draws);
    setup(&nat, argv[2], nat_draws);
    /* warm-up: page in code, tables and accumulators */
    double w;
    full.draws /= 10;
    nat.draws /= 10;
    time_sim(&full, 2, &w);
    time_sim(&nat, 2, &w);
    full.draws = full_draws;
    nat.draws = nat_draws;
    for (int rep = 0; rep < reps; rep++) {
        round_of(&full, rep);
        round_of(&nat, rep);
    }
    printf("# CPU ns per draw and ratios: median, min, max over %d interleaved rounds\n", reps);
    report_case(&full, reps);
    report_case(&nat, reps);
    report_ratios("full", &full, reps);
    report_ratios("national", &nat, reps);
    ratio_row("national/full", "draws per CPU second (1 thread)", full.sim1_ns, nat.sim1_ns, 1,
              reps);
    teardown(&full);
    teardown(&nat);
    return 0;
}
