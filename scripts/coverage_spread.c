/*
 * coverage_spread.c — how the unconditional coverage of regional intervals
 * spreads over elections when the model is exactly right.
 *
 * One election scores every region against intervals that share the
 * national error, so its fraction of regions inside their 90 % intervals is
 * not near 90 % even for a perfect model: it is near 100 % when the national
 * result lands in the middle of its distribution and low when it lands in a
 * tail. This program takes the model at its word: it simulates N draws of a
 * regional scenario for the intervals (each region's 5 % and 95 % quantiles),
 * then T further draws of the same model as "actual" elections, and prints
 * the distribution of their fractions covered (mean, quantiles, and the
 * share of elections inside a band such as 85-97 %).
 *
 *   make build/coverage_spread      (make backtest runs it on the regional back-test)
 *   build/coverage_spread scenarios/regional/fr-2017-regions.yaml 20000 2000 0.85 0.97
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runoff.h"

typedef struct {
    size_t n_regions, n, cap;
    double *share; /* [cap * n_regions], draw-major */
} keep;

static int on_draw(void *ctx, const runoff_draw *d)
{
    keep *k = ctx;
    if (k->share == NULL) {
        k->n_regions = d->n_regions;
        if (k->n_regions == 0)
            return 1;
        if ((k->share = calloc(k->cap * k->n_regions, sizeof *k->share)) == NULL)
            return 1;
    }
    if (d->index < k->cap)
        memcpy(k->share + d->index * k->n_regions, d->region_share_a,
               k->n_regions * sizeof *k->share);
    k->n++;
    return 0;
}

static int cmp(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* n draws' regional shares (draw-major; *R set to the number of regions). */
static double *simulate(runoff_scenario *s, size_t *R, size_t n, uint64_t seed)
{
    keep k = {0, 0, n, NULL};
    runoff_sim_options opt = {.threads = 1, .draws = n, .has_seed = 1, .seed = seed,
                              .on_draw = on_draw, .on_draw_ctx = &k};
    runoff_error err = {0};
    runoff_result *r = runoff_simulate(s, &opt, &err);
    if (r == NULL) {
        fprintf(stderr, "coverage_spread: %s\n",
                k.n_regions == 0 ? "the scenario has no regions" : err.message);
        exit(1);
    }
    runoff_result_free(r);
    *R = k.n_regions;
    return k.share;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: coverage_spread SCENARIO N T LO HI\n");
        return 2;
    }
    runoff_error err = {0};
    runoff_scenario *s = runoff_scenario_load(argv[1], NULL, 0, &err);
    if (s == NULL) {
        fprintf(stderr, "%s:%d:%d: %s\n", err.file, err.line, err.column, err.message);
        return 2;
    }
    char *end1, *end2, *end3, *end4;
    const size_t N = (size_t)strtoull(argv[2], &end1, 10), T = (size_t)strtoull(argv[3], &end2, 10);
    const double lo = strtod(argv[4], &end3), hi = strtod(argv[5], &end4);
    if (*end1 || *end2 || *end3 || *end4 || N < 20 || T < 20 || N > 10000000 || T > 10000000 ||
        !(lo >= 0 && lo <= hi && hi <= 1)) {
        fprintf(stderr, "coverage_spread: expected N and T whole numbers in 20..10000000 and "
                        "0 <= LO <= HI <= 1\n");
        return 2;
    }
    size_t R;
    double *d = simulate(s, &R, N, 1), *t = simulate(s, &R, T, 2);
    double *q5 = calloc(R, sizeof *q5), *q95 = calloc(R, sizeof *q95);
    double *col = calloc(N, sizeof *col), *f = calloc(T, sizeof *f);
    if (!d || !t || !q5 || !q95 || !col || !f) {
        fprintf(stderr, "coverage_spread: out of memory\n");
        return 1;
    }
    for (size_t r = 0; r < R; r++) {
        for (size_t i = 0; i < N; i++)
            col[i] = d[i * R + r];
        qsort(col, N, sizeof *col, cmp);
        q5[r] = col[(size_t)(0.05 * (N - 1))];
        q95[r] = col[(size_t)(0.95 * (N - 1))];
    }
    double mean = 0, band = 0, above = 0;
    for (size_t j = 0; j < T; j++) {
        size_t in = 0;
        for (size_t r = 0; r < R; r++)
            in += t[j * R + r] >= q5[r] && t[j * R + r] <= q95[r];
        f[j] = (double)in / R;
        mean += f[j] / T;
        band += (f[j] >= lo && f[j] <= hi) / (double)T;
        above += (f[j] > hi) / (double)T;
    }
    qsort(f, T, sizeof *f, cmp);
    printf("regions %zu, interval draws %zu, elections %zu\n", R, N, T);
    printf("fraction inside the 90 %% intervals: mean %.3f; quantiles 5/25/50/75/95 %%: "
           "%.3f %.3f %.3f %.3f %.3f\n",
           mean, f[T / 20], f[T / 4], f[T / 2], f[3 * T / 4], f[19 * T / 20]);
    printf("elections with a fraction in [%.2f, %.2f]: %.3f; above %.2f: %.3f\n", lo, hi, band, hi,
           above);
    free(d);
    free(t);
    free(q5);
    free(q95);
    free(col);
    free(f);
    runoff_scenario_free(s);
    return 0;
}
