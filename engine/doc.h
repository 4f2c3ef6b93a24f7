/*
 * doc.h — read-only walk over a parsed runoff_doc (internal to the engine).
 *
 * A document is a tree of nodes. A mapping keeps its pairs in file order
 * (keys are scalars, distinct); a sequence keeps its items; a scalar keeps
 * its text (NUL-terminated, no embedded NUL) and whether it was quoted.
 * Every node knows its 1-based line and column, and whether an override
 * (runoff_doc_set) created or replaced it, in which case the position is
 * line 1 and a column in the assignment string, and ro_node_file() says
 * "--set". Nodes are owned by the document; pointers stay valid until the
 * document is freed or modified by runoff_doc_set.
 */
#ifndef RO_DOC_H
#define RO_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "runoff.h"

/* Bounds enforced by the parser (docs/scenario.md, "Limits"). */
#define RO_DOC_MAX_BYTES ((size_t)64 << 20) /* 64 MiB of YAML text */
#define RO_DOC_MAX_DEPTH 64
#define RO_DOC_MAX_SCALAR 65536
#define RO_DOC_MAX_ITEMS 1000000
#define RO_DOC_MAX_NODES 10000000

#define RO_SET_FILE "--set"

typedef enum { RO_NODE_SCALAR, RO_NODE_MAPPING, RO_NODE_SEQUENCE } ro_node_kind;

typedef struct ro_node ro_node;

/* The root mapping (never NULL for a parsed document). */
const ro_node *ro_doc_root(const runoff_doc *doc);
/* Display name given at parse time: the path, "<stdin>", or a buffer name. */
const char *ro_doc_name(const runoff_doc *doc);

ro_node_kind ro_node_kind_of(const ro_node *n);
/* "a mapping", "a list" or "a value": for messages. */
const char *ro_node_kind_name(const ro_node *n);
/* Pairs of a mapping or items of a sequence; 0 for a scalar. */
size_t ro_node_len(const ro_node *n);
/* i-th key (a scalar node) / value of a mapping, or i-th item of a sequence
 * (ro_node_value). i < ro_node_len(n). */
const ro_node *ro_node_key(const ro_node *n, size_t i);
const ro_node *ro_node_value(const ro_node *n, size_t i);
/* Value stored under key in a mapping, or NULL (also NULL if n is not a
 * mapping). With key_out, also the key node. */
const ro_node *ro_node_get(const ro_node *n, const char *key, const ro_node **key_out);

/* Text of a scalar ("" for other kinds), its length, and whether it was
 * written quoted (single, double, literal or folded): quoted scalars are
 * always strings, never numbers or booleans. */
const char *ro_node_text(const ro_node *n);
size_t ro_node_text_len(const ro_node *n);
bool ro_node_quoted(const ro_node *n);
/* A plain scalar that YAML reads as null: empty, "~" or "null". */
bool ro_node_is_null(const ro_node *n);

int ro_node_line(const ro_node *n);
int ro_node_column(const ro_node *n);
/* RO_SET_FILE for nodes made by an override, else the document's name. */
const char *ro_node_file(const runoff_doc *doc, const ro_node *n);

#endif /* RO_DOC_H */
