/*
 * sim.c — the simulation driver: blocks of draws, worker threads, merging.
 *
 * Draws are handed out in fixed-size blocks through an atomic counter, so a
 * fast thread simply takes more blocks. Which thread computes a draw never
 * matters: a draw's random numbers depend only on (seed, draw index,
 * component) (stream.h), and every accumulator is integer-valued
 * (summary.h), so merging the per-thread partial results in any order gives
 * the same bytes for 1 or N threads. Memory is the model, one workspace and
 * one partial result per thread: it does not grow with the number of draws.
 *
 * The calling thread does no draws; it sleeps on a condition variable,
 * waking every 100 ms to report progress and to pass on a cancellation.
 *
 * A shard (runoff_sim_options.shard_count) runs a contiguous range of the
 * blocks; for the same reason, the shards' results merged (shard.c) are
 * the whole run's, bit for bit.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "model.h"
#include "sim.h"

/* Allocate an empty result shaped for this scenario and model. */
static runoff_result *result_alloc(const runoff_scenario *s, const ro_model *m)
{
    runoff_result *r = ro_calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->share_a = ro_hist_alloc(0.0, 1.0, RO_SHARE_BINS, true);
    if (r->share_a == NULL)
        goto fail;
    r->has_turnout = ro_model_has_turnout(m);
    if (r->has_turnout && (r->turnout = ro_hist_alloc(0.0, 1.0, RO_SHARE_BINS, true)) == NULL)
        goto fail;
    /* A national first round is the model's one electorate, never a region
     * of the result: the result has its blank and null ballots, not its
     * regional summaries. */
    const size_t electorates = ro_model_n_regions(m);
    r->n_regions = s->first_round_national ? 0 : electorates;
    if (electorates > 0) {
        for (size_t i = 0; i < electorates; i++)
            r->registered += s->regions[i].registered;
    } else {
        r->registered = s->registered;
    }
    r->has_votes = electorates > 0 || (r->registered > 0 && r->has_turnout);
    if (r->has_votes && (r->margin = ro_hist_alloc(-1.0, 1.0, RO_MARGIN_BINS, true)) == NULL)
        goto fail;
    if (electorates > 0 && (r->blank_null = ro_hist_alloc(0.0, 1.0, RO_SHARE_BINS, true)) == NULL)
        goto fail;
    if (r->n_regions > 0) {
        r->regions_a = ro_hist_alloc(-0.5, (double)r->n_regions + 0.5, r->n_regions + 1, true);
        r->region_set = ro_hist_set_alloc(r->n_regions, 0.0, 1.0, ro_region_bins(r->n_regions), 0.5);
        if (r->regions_a == NULL || r->region_set == NULL)
            goto fail;
    }
    return r;
fail:
    runoff_result_free(r);
    return NULL;
}

static void result_add(runoff_result *r, const ro_draw *d)
{
    if (d->winner == 0)
        r->wins[0]++;
    else if (d->winner == 1)
        r->wins[1]++;
    else
        r->ties++;
    r->draws++;
    ro_hist_add(r->share_a, d->share_a);
    if (r->turnout != NULL)
        ro_hist_add(r->turnout, d->turnout);
    if (r->margin != NULL)
        ro_hist_add(r->margin, d->margin);
    if (r->blank_null != NULL)
        ro_hist_add(r->blank_null, d->blank_null);
    if (r->n_regions == 0)
        return;
    ro_hist_add(r->regions_a, (double)d->regions_a);
    ro_hist_set_add(r->region_set, d->region_share_a);
}

/* result_add of each draw of a run of a national-only model: the same
 * counts and sums, a run at a time (per draw, the calls and branches of
 * result_add cost as much as the national draw itself). */
static void result_add_run(runoff_result *r, const ro_draw_run *d, size_t n)
{
    r->wins[0] += d->wins[0];
    r->wins[1] += d->wins[1];
    r->ties += n - d->wins[0] - d->wins[1];
    r->draws += n;
    ro_hist_add_n(r->share_a, d->share_a, n);
    if (r->turnout != NULL && d->turnout != NULL)
        ro_hist_add_n(r->turnout, d->turnout, n);
    if (r->margin != NULL && d->margin != NULL)
        ro_hist_add_n(r->margin, d->margin, n);
}

/* The draws lo .. hi - 1 into r. */
static void add_draws(runoff_result *r, const ro_model *m, ro_workspace *ws, uint64_t seed,
                      uint64_t lo, uint64_t hi)
{
    if (ro_model_n_regions(m) == 0) {
        ro_draw_run run;
        for (uint64_t i = lo; i < hi;) {
            const size_t n = ro_model_draw_run(m, ws, seed, i, (size_t)(hi - i), &run);
            result_add_run(r, &run, n);
            i += n;
        }
        return;
    }
    ro_draw d;
    for (uint64_t i = lo; i < hi; i++) {
        ro_model_draw(m, ws, seed, i, &d);
        result_add(r, &d);
    }
}

/* into += from. Both come from result_alloc on the same scenario. */
static void result_merge(runoff_result *into, const runoff_result *from)
{
    into->draws += from->draws;
    into->wins[0] += from->wins[0];
    into->wins[1] += from->wins[1];
    into->ties += from->ties;
    ro_hist_merge(into->share_a, from->share_a);
    if (into->turnout != NULL)
        ro_hist_merge(into->turnout, from->turnout);
    if (into->margin != NULL)
        ro_hist_merge(into->margin, from->margin);
    if (into->blank_null != NULL)
        ro_hist_merge(into->blank_null, from->blank_null);
    if (into->n_regions == 0)
        return;
    ro_hist_merge(into->regions_a, from->regions_a);
    ro_hist_set_merge(into->region_set, from->region_set);
}

/* The writers read one ro_hist per region: built once, at the end. */
static runoff_status result_finish_regions(runoff_result *r, runoff_error *err)
{
    if (r->n_regions == 0)
        return RUNOFF_OK;
    r->region_share = ro_calloc(r->n_regions, sizeof *r->region_share);
    r->region_wins_a = ro_calloc(r->n_regions, sizeof *r->region_wins_a);
    if (r->region_share == NULL || r->region_wins_a == NULL)
        return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < r->n_regions; i++) {
        r->region_share[i] = ro_hist_alloc(0.0, 1.0, ro_region_bins(r->n_regions), false);
        if (r->region_share[i] == NULL)
            return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
        ro_hist_set_export(r->region_set, i, r->region_share[i]);
        r->region_wins_a[i] = ro_hist_set_above(r->region_set, i);
    }
    ro_hist_set_free(r->region_set);
    r->region_set = NULL;
    return RUNOFF_OK;
}

/* The draws a run makes: blocks [first_block, end_block) of `block`
 * draws each, the last block of the run cut at `draws`. */
typedef struct {
    uint64_t draws, block;
    uint64_t first_block, end_block;
} draw_range;

static uint64_t range_lo(const draw_range *g)
{
    uint64_t lo = g->first_block * g->block;
    return lo < g->draws ? lo : g->draws;
}

static uint64_t range_hi(const draw_range *g)
{
    uint64_t hi = g->end_block * g->block;
    return hi < g->draws ? hi : g->draws;
}

typedef struct {
    const runoff_scenario *s;
    const ro_model *m;
    uint64_t seed, draws, block;
    uint64_t n_blocks;         /* the end of the range: blocks below it, from next_block */
    uint64_t todo;             /* draws in the range, for progress */
    _Atomic uint64_t next_block;
    _Atomic uint64_t done;
    _Atomic int cancel;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned running;          /* workers still running, under lock */
} shared_run;

typedef struct {
    shared_run *run;
    runoff_result *part;       /* allocated by the worker itself */
    int failed;                /* allocation failure inside the worker */
} worker;

static void *worker_main(void *arg)
{
    worker *wk = arg;
    shared_run *run = wk->run;
    /* Allocated here, in the worker, so the generator state and the
     * accumulators live in this thread's memory (no false sharing). */
    ro_workspace *ws = ro_workspace_alloc(run->m);
    wk->part = result_alloc(run->s, run->m);
    if (ws == NULL || wk->part == NULL) {
        wk->failed = 1;
        atomic_store(&run->cancel, 1);
    }
    while (!wk->failed && !atomic_load(&run->cancel)) {
        uint64_t b = atomic_fetch_add(&run->next_block, 1);
        if (b >= run->n_blocks)
            break;
        uint64_t lo = b * run->block;
        uint64_t hi = lo + run->block < run->draws ? lo + run->block : run->draws;
        add_draws(wk->part, run->m, ws, run->seed, lo, hi);
        atomic_fetch_add(&run->done, hi - lo);
    }
    ro_workspace_free(ws);
    pthread_mutex_lock(&run->lock);
    run->running--;
    pthread_cond_signal(&run->cond);
    pthread_mutex_unlock(&run->lock);
    return NULL;
}

/* Wait for the workers, reporting progress every 100 ms; returns non-zero
 * if the progress callback asked to stop. */
static int supervise(shared_run *run, const runoff_sim_options *opt)
{
    int cancelled = 0;
    pthread_mutex_lock(&run->lock);
    while (run->running > 0) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&run->cond, &run->lock, &until);
        if (opt->progress != NULL && run->running > 0 && !cancelled) {
            pthread_mutex_unlock(&run->lock);
            if (opt->progress(opt->progress_ctx, atomic_load(&run->done), run->todo)) {
                cancelled = 1;
                atomic_store(&run->cancel, 1);
            }
            pthread_mutex_lock(&run->lock);
        }
    }
    pthread_mutex_unlock(&run->lock);
    return cancelled;
}

unsigned ro_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1u : n > 256 ? 256u : (unsigned)n;
}

/* Sequential path for --draws-csv: each draw is handed to the callback in
 * order. Same draws, same accumulators, so the summaries are unchanged. */
static runoff_status run_inline(const runoff_scenario *s, const ro_model *m,
                                const runoff_sim_options *opt, runoff_result *r,
                                uint64_t seed, const draw_range *g, runoff_error *err)
{
    const uint64_t lo = range_lo(g), hi = range_hi(g);
    ro_workspace *ws = ro_workspace_alloc(m);
    if (ws == NULL)
        return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    runoff_status st = RUNOFF_OK;
    ro_draw d;
    for (uint64_t i = lo; i < hi; i++) {
        ro_model_draw(m, ws, seed, i, &d);
        result_add(r, &d);
        const runoff_draw pub = {
            .index = i, .share_a = d.share_a, .turnout = d.turnout, .blank_null = d.blank_null,
            .votes_a = d.votes_a, .votes_b = d.votes_b, .winner = d.winner,
            .regions_a = s->n_options > 0 ? (double)d.regions_a : NAN,
            .n_regions = r->n_regions, .region_share_a = d.region_share_a};
        if (opt->on_draw(opt->on_draw_ctx, &pub) != 0) {
            st = ro_error_set(err, RUNOFF_ERUNTIME, NULL, 0, 0, "writing draws failed");
            break;
        }
        if (opt->progress != NULL && ((i - lo) & 0xffff) == 0xffff &&
            opt->progress(opt->progress_ctx, i - lo + 1, hi - lo)) {
            st = ro_error_set(err, RUNOFF_ERUNTIME, NULL, 0, 0, "interrupted");
            break;
        }
    }
    ro_workspace_free(ws);
    return st;
}

/* The draws of range g of model m into r on worker threads; the calling
 * thread reports progress (opt) until they finish. */
static runoff_status run_threads(const runoff_scenario *s, const ro_model *m,
                                 const runoff_sim_options *opt, runoff_result *r, uint64_t seed,
                                 const draw_range *g, unsigned threads, runoff_error *err)
{
    shared_run run = {.s = s, .m = m, .seed = seed, .draws = g->draws, .block = g->block,
                      .n_blocks = g->end_block, .todo = range_hi(g) - range_lo(g)};
    atomic_init(&run.next_block, g->first_block);
    uint64_t blocks = g->end_block - g->first_block;
    if ((uint64_t)threads > blocks)
        threads = blocks > 0 ? (unsigned)blocks : 1u;
    r->threads = threads;
    runoff_status st = RUNOFF_OK;
    pthread_mutex_init(&run.lock, NULL);
    pthread_cond_init(&run.cond, NULL);
    worker *wk = ro_calloc(threads, sizeof *wk);
    pthread_t *tid = ro_calloc(threads, sizeof *tid);
    unsigned started = 0;
    if (wk == NULL || tid == NULL) {
        st = ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    } else {
        for (; started < threads; started++) {
            wk[started].run = &run;
            pthread_mutex_lock(&run.lock);
            run.running++;
            pthread_mutex_unlock(&run.lock);
            int rc = pthread_create(&tid[started], NULL, worker_main, &wk[started]);
            if (rc != 0) {
                pthread_mutex_lock(&run.lock);
                run.running--;
                pthread_mutex_unlock(&run.lock);
                atomic_store(&run.cancel, 1);
                st = ro_error_set(err, RUNOFF_ERUNTIME, NULL, 0, 0,
                                  "cannot start thread: %s", strerror(rc));
                break;
            }
        }
        int cancelled = supervise(&run, opt);
        for (unsigned i = 0; i < started; i++)
            pthread_join(tid[i], NULL);
        for (unsigned i = 0; i < started; i++) {
            if (wk[i].failed && st == RUNOFF_OK)
                st = ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
            if (wk[i].part != NULL)
                result_merge(r, wk[i].part);
            runoff_result_free(wk[i].part);
        }
        if (cancelled && st == RUNOFF_OK)
            st = ro_error_set(err, RUNOFF_ERUNTIME, NULL, 0, 0, "interrupted");
        if (st == RUNOFF_OK && opt->progress != NULL)
            opt->progress(opt->progress_ctx, run.todo, run.todo);
    }
    free(wk);
    free(tid);
    pthread_cond_destroy(&run.cond);
    pthread_mutex_destroy(&run.lock);
    return st;
}

/* Whether the run also simulates the regions conditional on the actual
 * national share: only when there is something to score them against. */
static bool wants_conditional(const runoff_scenario *s)
{
    return s->n_regions > 0 && s->n_options > 0 && s->actual.has_share &&
           s->actual.region_share_a != NULL;
}

/* The regions once more with the national share held at its actual value
 * (docs/model.md §8), into r->conditional: same seed and draws, so every
 * component but the national level draws the same numbers. */
static runoff_status run_conditional(const runoff_scenario *s, ro_model *m,
                                     const runoff_sim_options *opt, runoff_result *r,
                                     const draw_range *g, unsigned threads, runoff_error *err)
{
    ro_model_condition(m, s->actual.share_a);
    if ((r->conditional = result_alloc(s, m)) == NULL)
        return ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    r->conditional->seed = r->seed;
    runoff_status st = run_threads(s, m, opt, r->conditional, r->seed, g, threads, err);
    return st == RUNOFF_OK ? result_finish_regions(r->conditional, err) : st;
}

runoff_result *runoff_simulate(const runoff_scenario *s, const runoff_sim_options *opt,
                               runoff_error *err)
{
    static const runoff_sim_options defaults;
    if (opt == NULL)
        opt = &defaults;
    ro_model *m = ro_model_alloc(s, err);
    if (m == NULL)
        return NULL;
    runoff_result *r = result_alloc(s, m);
    if (r == NULL) {
        ro_model_free(m);
        ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    uint64_t draws = opt->draws ? opt->draws : s->simulation.draws;
    unsigned threads = opt->threads ? opt->threads : ro_default_threads();
    draw_range g = {.draws = draws,
                    .block = s->simulation.block_size ? s->simulation.block_size : 10000};
    uint64_t n_blocks = (draws + g.block - 1) / g.block;
    g.end_block = n_blocks;
    if (opt->shard_count > 0) {
        if (opt->shard_index >= opt->shard_count) {
            ro_model_free(m);
            runoff_result_free(r);
            ro_error_set(err, RUNOFF_EINPUT, NULL, 0, 0,
                         "shard %llu of %llu does not exist, expected 0 to %llu",
                         (unsigned long long)opt->shard_index,
                         (unsigned long long)opt->shard_count,
                         (unsigned long long)opt->shard_count - 1);
            return NULL;
        }
        g.first_block = runoff_shard_begin(n_blocks, opt->shard_index, opt->shard_count);
        g.end_block = runoff_shard_begin(n_blocks, opt->shard_index + 1, opt->shard_count);
    }
    r->seed = opt->has_seed ? opt->seed : s->simulation.seed;
    /* The writers keep the average; the draws need only its mean and sd. */
    ro_model_take_poll_average(m, &r->avg);
    runoff_status st;
    if (opt->on_draw != NULL) {
        r->threads = 1;
        st = run_inline(s, m, opt, r, r->seed, &g, err);
    } else {
        st = run_threads(s, m, opt, r, r->seed, &g, threads, err);
    }
    if (st == RUNOFF_OK)
        st = result_finish_regions(r, err);
    if (st == RUNOFF_OK && wants_conditional(s) && !opt->skip_conditional)
        st = run_conditional(s, m, opt, r, &g, threads, err);
    ro_model_free(m);
    if (st != RUNOFF_OK) {
        runoff_result_free(r);
        return NULL;
    }
    return r;
}

runoff_result *runoff_result_alloc(const runoff_scenario *s, uint64_t seed, runoff_error *err)
{
    ro_model *m = ro_model_alloc(s, err);
    if (m == NULL)
        return NULL;
    runoff_result *r = result_alloc(s, m);
    runoff_status st = r != NULL ? RUNOFF_OK
                                 : ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    if (st == RUNOFF_OK) {
        r->seed = seed;
        ro_model_take_poll_average(m, &r->avg);
        st = result_finish_regions(r, err);
    }
    if (st == RUNOFF_OK && wants_conditional(s)) {
        ro_model_condition(m, s->actual.share_a);
        if ((r->conditional = result_alloc(s, m)) == NULL)
            st = ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
        else
            r->conditional->seed = seed;
        if (st == RUNOFF_OK)
            st = result_finish_regions(r->conditional, err);
    }
    ro_model_free(m);
    if (st != RUNOFF_OK) {
        runoff_result_free(r);
        return NULL;
    }
    return r;
}
