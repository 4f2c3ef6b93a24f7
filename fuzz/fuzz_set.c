/*
 * fuzz_set.c — libFuzzer target for overrides (--set) and sweep specs
 * (--vary).
 *
 * Input: lines. The first line is a --set assignment applied to a fixed,
 * small, valid document (then validated); every further line is a --vary
 * spec added to one sweep, except a line "--zip", which turns zip on. An
 * empty first line means "no --set". If the sweep finishes, its first and
 * last points are built as scenarios and the CSV header and keys written,
 * which exercises the point indexing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runoff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tests/data/good/regions.yaml: regions, transfers, surveys, groups, actual. */
static const char base_yaml[] =
    "election:\n"
    "  name: Synthetic regional run-off\n"
    "  date: 2030-06-16\n"
    "  registered: 3000\n"
    "  finalists:\n"
    "    - {id: north, name: Candidate North}\n"
    "    - {id: south, name: Candidate South}\n"
    "polls:\n"
    "  - pollster: Alpha\n"
    "    start: 2030-06-08\n"
    "    end: 2030-06-09\n"
    "    sample: 1000\n"
    "    shares: {north: 52, south: 48}\n"
    "aggregation:\n"
    "  half_life_days: 5\n"
    "  as_of: 2030-06-12\n"
    "  house_effects:\n"
    "    mode: fixed\n"
    "    values: {Alpha: 1.5}\n"
    "polling_error:\n"
    "  distribution: student_t\n"
    "  df: 6\n"
    "  scale: 2.5\n"
    "simulation:\n"
    "  draws: 2000\n"
    "  seed: 42\n"
    "  block_size: 500\n"
    "first_round:\n"
    "  options:\n"
    "    - {id: north, name: Candidate North}\n"
    "    - {id: south, name: Candidate South}\n"
    "    - {id: west, name: Candidate West}\n"
    "    - {id: abst, name: Abstention, kind: abstention}\n"
    "  regions:\n"
    "    - code: R1\n"
    "      name: Region One\n"
    "      registered: 1000\n"
    "      votes: {north: 300, south: 250, west: 150, abst: 300}\n"
    "    - code: R2\n"
    "      registered: 1200\n"
    "      votes: {north: 200, south: 500, west: 200, abst: 300}\n"
    "    - code: R3\n"
    "      name: Region Three\n"
    "      registered: 800\n"
    "      votes: {north: 250, south: 150, west: 100, abst: 300}\n"
    "transfers:\n"
    "  concentration: 50\n"
    "  half_life_days: 4\n"
    "  rows:\n"
    "    - option: north\n"
    "      shares: {north: 95, south: 3, none: 2}\n"
    "    - option: south\n"
    "      shares: {north: 2, south: 96, none: 2}\n"
    "      concentration: .inf\n"
    "  surveys:\n"
    "    - pollster: Gamma\n"
    "      start: 2030-06-02\n"
    "      end: 2030-06-02\n"
    "      option: west\n"
    "      shares: {north: 40, south: 30, none: 30}\n"
    "    - pollster: Gamma\n"
    "      start: 2030-06-06\n"
    "      end: 2030-06-06\n"
    "      option: west\n"
    "      shares: {north: 50, south: 20, none: 30}\n"
    "    - pollster: Delta\n"
    "      start: 2030-06-13\n"
    "      end: 2030-06-14\n"
    "      option: west\n"
    "      shares: {north: 10, south: 10, none: 80}\n"
    "  default:\n"
    "    shares: {north: 10, south: 10, none: 80}\n"
    "    concentration: 20\n"
    "  none_blank_null: {mean: 20, concentration: 40}\n"
    "regional_error:\n"
    "  sd: 0.05\n"
    "  groups:\n"
    "    - {name: coast, sd: 0.1, regions: [R1, R3]}\n"
    "blend:\n"
    "  mode: mix\n"
    "  weight: 0.25\n"
    "actual:\n"
    "  shares: {north: 52.5, south: 47.5}\n"
    "  turnout: 71\n"
    "  blank_null: 6\n"
    "  regions:\n"
    "    - {code: R2, shares: {north: 40, south: 60}}\n";

static FILE *sink(void)
{
    static FILE *f;
    if (f == NULL && (f = fopen("/dev/null", "w")) == NULL)
        abort();
    return f;
}

static const runoff_doc *base_doc(void)
{
    static runoff_doc *doc;
    if (doc == NULL) {
        runoff_error err = {0};
        doc = runoff_doc_parse_buffer("base.yaml", base_yaml, sizeof base_yaml - 1, &err);
        runoff_scenario *s = doc ? runoff_scenario_from_doc(doc, &err) : NULL;
        if (s == NULL) {
            fprintf(stderr, "fuzz_set: base document invalid: %s\n", err.message);
            abort();
        }
        runoff_scenario_free(s);
    }
    return doc;
}

static void fuzz_set(const char *assignment)
{
    runoff_error err = {0};
    runoff_doc *doc = runoff_doc_clone(base_doc(), &err);
    if (doc == NULL)
        abort();
    if (runoff_doc_set(doc, assignment, &err) == RUNOFF_OK) {
        runoff_scenario *s = runoff_scenario_from_doc(doc, &err);
        if (s != NULL)
            runoff_scenario_describe(s, sink());
        else if (err.status == RUNOFF_OK)
            abort();
        runoff_scenario_free(s);
    } else if (err.status == RUNOFF_OK) {
        abort();
    }
    runoff_doc_free(doc);
}

static void fuzz_point(const runoff_sweep *sw, size_t point)
{
    /* Points are applied to the document in place: use a copy, so one
     * input never changes what the next one starts from. */
    runoff_error err = {0};
    runoff_doc *doc = runoff_doc_clone(base_doc(), &err);
    if (doc == NULL)
        abort();
    runoff_scenario *s = runoff_sweep_scenario(sw, doc, point, &err);
    if (s == NULL && err.status == RUNOFF_OK)
        abort();
    runoff_write_sweep_keys(sink(), sw, point);
    runoff_scenario_free(s);
    runoff_doc_free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Lines as NUL-terminated strings; an embedded NUL ends its line. */
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *line = text;
    char *nl = strchr(line, '\n');
    if (nl != NULL)
        *nl = '\0';
    if (*line != '\0')
        fuzz_set(line);

    runoff_sweep *sw = runoff_sweep_alloc();
    if (sw == NULL)
        abort();
    int ok = 1;
    while (nl != NULL && ok) {
        line = nl + 1;
        if ((nl = strchr(line, '\n')) != NULL)
            *nl = '\0';
        if (strcmp(line, "--zip") == 0) {
            runoff_sweep_set_zip(sw, 1);
            continue;
        }
        runoff_error err = {0};
        if (runoff_sweep_add(sw, line, &err) != RUNOFF_OK) {
            if (err.status == RUNOFF_OK)
                abort();
            ok = 0;
        }
    }
    runoff_error err = {0};
    if (ok && runoff_sweep_finish(sw, &err) == RUNOFF_OK) {
        size_t n = runoff_sweep_n_points(sw);
        if (n == 0 || n > RUNOFF_SWEEP_MAX_POINTS)
            abort();
        runoff_write_sweep_header(sink(), sw);
        fuzz_point(sw, 0);
        if (n > 1)
            fuzz_point(sw, n - 1);
    }
    runoff_sweep_free(sw);
    free(text);
    return 0;
}
