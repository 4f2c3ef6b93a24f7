/*
 * cli_mpi.c — `mpirun -np N runoff run|sweep ...` (built with make MPI=1):
 * the ranks divide the work as N shards would and rank 0 writes, the same
 * bytes as one process.
 *
 * A run: rank k simulates shard k of N of the blocks of draws; the
 * results, saved as text (runoff_result_save), are gathered on rank 0,
 * which adds them up exactly (runoff_result_load_add) and writes every
 * output. A sweep: rank k runs shard k of N of the points into memory;
 * rank 0 gathers the rows, in rank order, which is point order. Every rank
 * reads the scenario itself (it is small) and decides alone whether its
 * arguments are valid; the ranks then agree on the worst status before
 * any work, so that one rank's bad output path stops all of them instead
 * of leaving the others waiting.
 *
 * Without MPI (the ordinary build) there is one rank and every function
 * here is the single-process path.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#ifdef RUNOFF_MPI
#include <mpi.h>

static int mpi_rank, mpi_size = 1;
static bool mpi_started;

void cli_mpi_init(int *argc, char ***argv)
{
    if (MPI_Init(argc, argv) != MPI_SUCCESS)
        return;
    mpi_started = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);
}

void cli_mpi_finalize(void)
{
    if (mpi_started)
        MPI_Finalize();
    mpi_started = false;
}

int cli_mpi_rank(void) { return mpi_rank; }
int cli_mpi_size(void) { return mpi_size; }

int cli_mpi_agree(int status)
{
    int worst = status;
    if (mpi_size > 1)
        MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return worst;
}

/* Every rank's text to rank 0: *all (rank 0 only) gets size entries, each
 * malloc'd (NULL for a rank that failed, len -1). Returns 0, or -1 when
 * memory ran out on rank 0. */
static int gather_text(const char *text, long long len, char ***all, long long **lens)
{
    long long *l = mpi_rank == 0 ? calloc((size_t)mpi_size, sizeof *l) : NULL;
    MPI_Gather(&len, 1, MPI_LONG_LONG, l, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    if (mpi_rank != 0) {
        if (len > 0)
            MPI_Send(text, (int)len, MPI_CHAR, 0, 1, MPI_COMM_WORLD);
        return 0;
    }
    char **t = calloc((size_t)mpi_size, sizeof *t);
    int rc = l != NULL && t != NULL ? 0 : -1;
    for (int k = 0; k < mpi_size; k++) {
        long long n = k == 0 ? len : l != NULL ? l[k] : -1;
        if (l != NULL)
            l[k] = n;
        char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
        if (n >= 0 && buf == NULL)
            rc = -1;
        if (k == 0 && buf != NULL)
            memcpy(buf, text, (size_t)n);
        else if (n > 0) /* received even when memory ran out, so the rank is not left waiting */
            MPI_Recv(buf != NULL ? buf : NULL, buf != NULL ? (int)n : 0, MPI_CHAR, k, 1,
                     MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (buf != NULL)
            buf[n] = '\0';
        if (t != NULL)
            t[k] = buf;
        else
            free(buf);
    }
    *all = t;
    *lens = l;
    return rc;
}

static void free_texts(char **all, long long *lens)
{
    for (int k = 0; all != NULL && k < mpi_size; k++)
        free(all[k]);
    free(all);
    free(lens);
}

/* The text a write function prints, in memory; NULL if it failed. */
static char *render(int (*write)(FILE *, const void *), const void *ctx, long long *len)
{
    char *text = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&text, &n);
    if (m == NULL)
        return NULL;
    int rc = write(m, ctx);
    if (fclose(m) != 0 || rc != 0 || n > (size_t)INT_MAX) {
        free(text);
        return NULL;
    }
    *len = (long long)n;
    return text;
}

static int save_result(FILE *m, const void *r) { return runoff_result_save(m, r); }

runoff_result *cli_mpi_simulate(const runoff_scenario *s, runoff_sim_options *opt, bool divide,
                                runoff_error *err)
{
    if (mpi_size == 1 || !divide)
        return mpi_rank == 0 ? runoff_simulate(s, opt, err) : NULL;
    runoff_sim_options o = *opt;
    o.shard_index = (uint64_t)mpi_rank;
    o.shard_count = (uint64_t)mpi_size;
    if (mpi_rank != 0)
        o.progress = NULL;
    runoff_result *mine = runoff_simulate(s, &o, err);
    long long len = -1;
    char *text = mine != NULL ? render(save_result, mine, &len) : NULL;
    char **all = NULL;
    long long *lens = NULL;
    int rc = gather_text(text, text != NULL ? len : -1, &all, &lens);
    free(text);
    if (mpi_rank != 0) {
        runoff_result_free(mine);
        return NULL;
    }
    runoff_result *r = NULL;
    if (mine == NULL)
        goto done; /* err is rank 0's own */
    if (rc != 0) {
        snprintf(err->message, sizeof err->message, "out of memory");
        err->status = RUNOFF_ENOMEM;
        goto done;
    }
    if ((r = runoff_result_alloc(s, runoff_result_seed(mine), err)) == NULL)
        goto done;
    for (int k = 0; k < mpi_size; k++) {
        if (all[k] == NULL) {
            err->status = RUNOFF_ERUNTIME;
            err->file[0] = '\0';
            err->line = err->column = 0;
            snprintf(err->message, sizeof err->message,
                     "rank %d of %d failed (its message is on its standard error)", k, mpi_size);
            runoff_result_free(r);
            r = NULL;
            goto done;
        }
        FILE *m = fmemopen(all[k], (size_t)lens[k], "r");
        runoff_status st = m != NULL ? runoff_result_load_add(r, m, err) : RUNOFF_ENOMEM;
        if (m != NULL)
            fclose(m);
        if (st != RUNOFF_OK) {
            runoff_result_free(r);
            r = NULL;
            goto done;
        }
    }
done:
    runoff_result_free(mine);
    free_texts(all, lens);
    return r;
}

char *cli_mpi_gather_rows(const char *mine, size_t len, bool ok, size_t *total, bool *all_ok)
{
    char **all = NULL;
    long long *lens = NULL;
    int rc = gather_text(mine, ok && len <= (size_t)INT_MAX ? (long long)len : -1, &all, &lens);
    if (mpi_rank != 0)
        return NULL;
    char *out = NULL;
    size_t n = 0;
    *all_ok = rc == 0;
    FILE *m = open_memstream(&out, &n);
    for (int k = 0; k < mpi_size; k++) {
        if (all == NULL || all[k] == NULL)
            *all_ok = false;
        else if (m != NULL)
            fwrite(all[k], 1, (size_t)lens[k], m);
    }
    if (m == NULL || fclose(m) != 0) {
        *all_ok = false;
        free(out);
        out = NULL;
    }
    free_texts(all, lens);
    *total = n;
    return out;
}

#else /* one process */

void cli_mpi_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}

void cli_mpi_finalize(void) {}
int cli_mpi_rank(void) { return 0; }
int cli_mpi_size(void) { return 1; }
int cli_mpi_agree(int status) { return status; }

runoff_result *cli_mpi_simulate(const runoff_scenario *s, runoff_sim_options *opt, bool divide,
                                runoff_error *err)
{
    (void)divide;
    return runoff_simulate(s, opt, err);
}

char *cli_mpi_gather_rows(const char *mine, size_t len, bool ok, size_t *total, bool *all_ok)
{
    char *out = ok ? malloc(len + 1) : NULL;
    *all_ok = out != NULL;
    if (out != NULL) {
        memcpy(out, mine, len);
        out[len] = '\0';
    }
    *total = len;
    return out;
}

#endif
