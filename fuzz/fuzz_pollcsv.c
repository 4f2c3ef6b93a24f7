/*
 * fuzz_pollcsv.c — libFuzzer target for the CSV poll table reader.
 *
 * The input is the bytes of a poll table (polls: {file: ...}). It goes
 * through ro_pollcsv_parse (pollcsv.c, libcsv underneath) with the
 * finalists "a" and "b"; a table that is accepted must be a document whose
 * root maps "polls" to a list of mappings, each with positions inside the
 * input's lines. The fuzzer looks for memory errors, undefined behaviour,
 * a failure that fills no error record and a document of the wrong shape.
 */
#include <stdint.h>
#include <stdlib.h>

#include "doc.h"
#include "pollcsv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Lines in the input: an upper bound for any position. */
static int count_lines(const uint8_t *data, size_t size)
{
    int n = 1;
    for (size_t i = 0; i < size; i++)
        n += data[i] == '\n' || data[i] == '\r';
    return n;
}

static void check_node(const ro_node *n, int max_line)
{
    if (ro_node_line(n) < 1 || ro_node_line(n) > max_line || ro_node_column(n) < 1)
        abort();
    for (size_t i = 0; i < ro_node_len(n); i++) {
        if (ro_node_kind_of(n) == RO_NODE_MAPPING)
            check_node(ro_node_key(n, i), max_line);
        check_node(ro_node_value(n, i), max_line);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const finalists[2] = {"a", "b"};
    runoff_error err = {0};
    runoff_doc *doc = ro_pollcsv_parse("fuzz.csv", (const char *)data, size, finalists, &err);
    if (doc == NULL) {
        if (err.status == RUNOFF_OK)
            abort(); /* a failure must say why */
        return 0;
    }
    const ro_node *polls = ro_node_get(ro_doc_root(doc), "polls", NULL);
    if (polls == NULL || ro_node_kind_of(polls) != RO_NODE_SEQUENCE)
        abort();
    for (size_t i = 0; i < ro_node_len(polls); i++)
        if (ro_node_kind_of(ro_node_value(polls, i)) != RO_NODE_MAPPING)
            abort();
    check_node(ro_doc_root(doc), count_lines(data, size));
    runoff_doc_free(doc);
    return 0;
}
