/*
 * shard.c — a run split into shards, and put back together exactly.
 *
 * A shard is a contiguous range of the run's blocks of draws (sim.c); its
 * result is an ordinary finished result with fewer draws. Every
 * accumulator in a result is an integer (counts, fixed-point sums) or a
 * min/max, so adding the shards' results in any order gives the bits of
 * the whole run: runoff_result_merge in one process, and
 * runoff_result_save / runoff_result_load_add across processes (`runoff
 * merge`, MPI), through a text form that keeps every bit.
 *
 * The saved form, one item per line:
 *   result 1 draws D seed S wins A B ties T hists H regions N conditional C
 *   H histogram lines (summary.h), in the order of result_hists
 *   N region histogram lines, then "region_wins W1 ... WN" (when N > 0)
 *   the conditional result, the same way (when C is 1)
 *   end
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "result.h"

uint64_t runoff_shard_begin(uint64_t n, uint64_t index, uint64_t count)
{
    if (count == 0 || index >= count)
        return n;
    __extension__ unsigned __int128 b = (unsigned __int128)n * index / count;
    return (uint64_t)b;
}

/* The histograms every result of a scenario has or lacks alike, in the
 * saved order; returns how many, into h[5]. */
static size_t result_hists(const runoff_result *r, ro_hist *h[5])
{
    ro_hist *all[5] = {r->share_a, r->turnout, r->margin, r->blank_null, r->regions_a};
    size_t n = 0;
    for (size_t i = 0; i < 5; i++)
        if (all[i] != NULL)
            h[n++] = all[i];
    return n;
}

/* Whether two results have the same accumulators (same scenario). */
static bool same_shape(const runoff_result *a, const runoff_result *b)
{
    ro_hist *ha[5], *hb[5];
    size_t n = result_hists(a, ha);
    if (n != result_hists(b, hb) || a->n_regions != b->n_regions || a->seed != b->seed ||
        (a->conditional == NULL) != (b->conditional == NULL) || (a->n_regions > 0 &&
        (a->region_share == NULL || b->region_share == NULL)))
        return false;
    for (size_t i = 0; i < n; i++)
        if (ro_hist_nbins(ha[i]) != ro_hist_nbins(hb[i]) || ro_hist_lo(ha[i]) != ro_hist_lo(hb[i]))
            return false;
    for (size_t i = 0; i < a->n_regions; i++)
        if (ro_hist_nbins(a->region_share[i]) != ro_hist_nbins(b->region_share[i]))
            return false;
    return a->conditional == NULL || same_shape(a->conditional, b->conditional);
}

static void merge_into(runoff_result *into, const runoff_result *from)
{
    ro_hist *hi[5], *hf[5];
    size_t n = result_hists(into, hi);
    result_hists(from, hf);
    into->draws += from->draws;
    into->wins[0] += from->wins[0];
    into->wins[1] += from->wins[1];
    into->ties += from->ties;
    for (size_t i = 0; i < n; i++)
        ro_hist_merge(hi[i], hf[i]);
    for (size_t i = 0; i < into->n_regions; i++) {
        ro_hist_merge(into->region_share[i], from->region_share[i]);
        into->region_wins_a[i] += from->region_wins_a[i];
    }
    if (into->conditional != NULL)
        merge_into(into->conditional, from->conditional);
}

runoff_status runoff_result_merge(runoff_result *into, const runoff_result *from,
                                  runoff_error *err)
{
    if (!same_shape(into, from))
        return ro_error_set(err, RUNOFF_EINPUT, NULL, 0, 0,
                            "the results are not of the same scenario and seed");
    merge_into(into, from);
    return RUNOFF_OK;
}

static int save(FILE *out, const runoff_result *r)
{
    ro_hist *h[5];
    size_t n = result_hists(r, h);
    fprintf(out, "result 1 draws %" PRIu64 " seed %" PRIu64 " wins %" PRIu64 " %" PRIu64
                 " ties %" PRIu64 " hists %zu regions %zu conditional %d\n",
            r->draws, r->seed, r->wins[0], r->wins[1], r->ties, n, r->n_regions,
            r->conditional != NULL);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = ro_hist_save(out, h[i]);
    for (size_t i = 0; i < r->n_regions && rc == 0; i++)
        rc = ro_hist_save(out, r->region_share[i]);
    if (r->n_regions > 0 && rc == 0) {
        fputs("region_wins", out);
        for (size_t i = 0; i < r->n_regions; i++)
            fprintf(out, " %" PRIu64, r->region_wins_a[i]);
        fputc('\n', out);
    }
    if (rc == 0 && r->conditional != NULL)
        rc = save(out, r->conditional);
    return rc != 0 || ferror(out) ? -1 : 0;
}

int runoff_result_save(FILE *out, const runoff_result *r)
{
    if (save(out, r) != 0 || fputs("end\n", out) == EOF || ferror(out))
        return -1;
    return 0;
}

static runoff_status load_add(runoff_result *into, FILE *in, runoff_error *err)
{
    uint64_t draws, seed, wins[2], ties;
    size_t n_hists, n_regions;
    int conditional;
    ro_hist *h[5];
    size_t n = result_hists(into, h);
    if (fscanf(in, " result 1 draws %" SCNu64 " seed %" SCNu64 " wins %" SCNu64 " %" SCNu64
                   " ties %" SCNu64 " hists %zu regions %zu conditional %d",
               &draws, &seed, &wins[0], &wins[1], &ties, &n_hists, &n_regions,
               &conditional) != 8)
        return ro_error_set(err, RUNOFF_EINPUT, NULL, 0, 0, "malformed result (its first line)");
    if (seed != into->seed)
        return ro_error_set(err, RUNOFF_EINPUT, NULL, 0, 0,
                            "the result has seed %" PRIu64 ", expected %" PRIu64, seed,
                            into->seed);
    if (n_hists != n || n_regions != into->n_regions ||
        (conditional != 0) != (into->conditional != NULL) || wins[0] + wins[1] + ties != draws)
        return ro_error_set(err, RUNOFF_EINPUT, NULL, 0, 0,
                            "the result is not of this scenario (its shape differs)");
    for (size_t i = 0; i < n; i++)
        if (ro_hist_load_add(in, h[i]) != 0)
            return ro_error_set(err, RUNOFF_EINPUT, NULL, 0, 0,
                                "malformed or foreign histogram %zu of the result", i + 1);
    for (size_t i = 0; i < n_regions; i++)
        if (ro_hist_load_add(in, into->region_share[i]) != 0)
            return ro_error_set(err, RUNOFF_EINPUT, NULL, 0, 0,
                                "malformed or foreign histogram of region %zu", i + 1);
    if (n_regions > 0) {
        char word[16] = "";
        if (fscanf(in, " %15s", word) != 1 || strcmp(word, "region_wins") != 0)
            return ro_error_set(err, RUNOFF_EINPUT, NULL, 0, 0, "malformed region wins");
        for (size_t i = 0; i < n_regions; i++) {
            uint64_t w;
            if (fscanf(in, " %" SCNu64, &w) != 1 || w > draws)
                return ro_error_set(err, RUNOFF_EINPUT, NULL, 0, 0, "malformed region wins");
            into->region_wins_a[i] += w;
        }
    }
    into->draws += draws;
    into->wins[0] += wins[0];
    into->wins[1] += wins[1];
    into->ties += ties;
    return into->conditional != NULL ? load_add(into->conditional, in, err) : RUNOFF_OK;
}

runoff_status runoff_result_load_add(runoff_result *into, FILE *in, runoff_error *err)
{
    runoff_status st = load_add(into, in, err);
    if (st != RUNOFF_OK)
        return st;
    char end[4] = "";
    if (fscanf(in, " %3s", end) != 1 || strcmp(end, "end") != 0 || fgetc(in) != '\n')
        return ro_error_set(err, RUNOFF_EINPUT, NULL, 0, 0, "malformed result (no end line)");
    return RUNOFF_OK;
}
