/*
 * bench_sim.c — draws per second and peak memory of the simulation driver.
 *
 * usage: bench_sim SCENARIO DRAWS THREADS [THREADS...]
 *        bench_sim --rss SCENARIO DRAWS THREADS
 *
 * The first form times runoff_simulate() for each thread count, in one
 * process and one run, so the figures can be compared as ratios (the
 * machines are shared and noisy: absolute numbers move, ratios much less).
 * Each timing is the best of 3 repetitions. The second form runs the
 * simulation in a child process and reports the child's peak resident set
 * size (getrusage ru_maxrss), which shows whether memory grows with the
 * number of draws.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "runoff.h"

static double time_run(const runoff_scenario *s, uint64_t draws, unsigned threads,
                       double *p_win)
{
    runoff_sim_options opt = {.threads = threads, .draws = draws};
    runoff_error err = {0};
    double t0 = bench_wall();
    runoff_result *r = runoff_simulate(s, &opt, &err);
    double t = bench_wall() - t0;
    if (r == NULL) {
        char buf[2048];
        fprintf(stderr, "bench_sim: %s\n", runoff_error_format(&err, buf, sizeof buf));
        exit(1);
    }
    *p_win = runoff_result_win_probability(r, 0);
    runoff_result_free(r);
    return t;
}

static int rss_mode(const char *path, uint64_t draws, unsigned threads)
{
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        runoff_scenario *s = bench_load("bench_sim", path);
        double p;
        time_run(s, draws, threads, &p);
        runoff_scenario_free(s);
        _exit(0);
    }
    int status;
    struct rusage ru;
    /* This process has one child at a time, so the children's maximum is
     * this child's peak. */
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        getrusage(RUSAGE_CHILDREN, &ru) != 0) {
        fprintf(stderr, "bench_sim: child failed\n");
        return 1;
    }
    printf("peak_rss_kib,%s,%llu,%u,%ld\n", path, (unsigned long long)draws, threads,
           ru.ru_maxrss);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "--rss") == 0)
        return rss_mode(argv[2], strtoull(argv[3], NULL, 10), (unsigned)atoi(argv[4]));
    if (argc < 4) {
        fprintf(stderr, "usage: bench_sim SCENARIO DRAWS THREADS [THREADS...]\n"
                        "       bench_sim --rss SCENARIO DRAWS THREADS\n");
        return 2;
    }
    runoff_scenario *s = bench_load("bench_sim", argv[1]);
    uint64_t draws = strtoull(argv[2], NULL, 10);
    double base = 0;
    /* Warm-up: page in the code and the histograms. */
    double p;
    time_run(s, draws / 10 + 1, 1, &p);
    for (int i = 3; i < argc; i++) {
        unsigned threads = (unsigned)atoi(argv[i]);
        double best = 1e300;
        for (int rep = 0; rep < 3; rep++) {
            double t = time_run(s, draws, threads, &p);
            if (t < best)
                best = t;
        }
        double rate = (double)draws / best;
        if (i == 3)
            base = rate;
        printf("rate,%s,%llu,%u,%.4f,%.0f,%.3f,%.6f\n", argv[1], (unsigned long long)draws,
               threads, best, rate, rate / base, p);
    }
    runoff_scenario_free(s);
    return 0;
}
