/*
 * fuzz_scenario.c — libFuzzer target for the scenario front end.
 *
 * The input is a YAML document. It goes through the same path as a
 * scenario file: parse (doc.c) -> validate (scenario*.c, value.c,
 * transfers.c) -> describe and poll table (describe.c, polls.c) -> a few
 * inline draws (model.c, sim.c)
 * -> free. The draws use the on_draw path so no thread is started and a
 * run is a handful of draws whatever simulation.draws says: the fuzzer
 * looks for memory errors and undefined behaviour, not statistics.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "runoff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink(void)
{
    static FILE *f;
    if (f == NULL && (f = fopen("/dev/null", "w")) == NULL)
        abort();
    return f;
}

static int count_draw(void *ctx, const runoff_draw *draw)
{
    (void)draw;
    ++*(uint64_t *)ctx;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    runoff_error err = {0};
    runoff_doc *doc = runoff_doc_parse_buffer("fuzz.yaml", (const char *)data, size, &err);
    if (doc == NULL) {
        if (err.status == RUNOFF_OK)
            abort(); /* a failure must say why */
        return 0;
    }
    runoff_scenario *s = runoff_scenario_from_doc(doc, &err);
    runoff_doc_free(doc);
    if (s == NULL) {
        if (err.status == RUNOFF_OK)
            abort();
        return 0;
    }
    FILE *out = sink();
    runoff_scenario_describe(s, out);
    runoff_error perr = {0};
    runoff_write_poll_table(out, s, &perr);

    uint64_t seen = 0;
    runoff_sim_options opt = {.threads = 1, .draws = 4, .on_draw = count_draw,
                              .on_draw_ctx = &seen};
    runoff_error serr = {0};
    runoff_result *r = runoff_simulate(s, &opt, &serr);
    if (r != NULL) {
        if (seen != 4 || runoff_result_draws(r) != 4)
            abort();
        runoff_write_report(out, s, r);
        runoff_write_csv(out, s, r);
        runoff_write_json(out, s, r);
        runoff_write_regions_csv(out, s, r);
        runoff_write_histogram_csv(out, s, r);
        runoff_result_free(r);
    } else if (serr.status == RUNOFF_OK) {
        abort();
    }
    runoff_scenario_free(s);
    return 0;
}
