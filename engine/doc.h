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

/* ---- building a document from another format (pollcsv.c reads a CSV
 * table into one, so that its cells are validated by the same readers as
 * YAML values and errors point at the cell). Nodes made here are plain
 * scalars (never quoted), mappings and sequences at the position given;
 * the caller keeps the keys of a mapping distinct. Each returns the new
 * node, or NULL when out of memory (the document stays valid and is freed
 * by runoff_doc_free). */

/* A document named name (its display name in errors) whose root is an
 * empty mapping at 1:1. */
runoff_doc *ro_doc_alloc(const char *name);
/* The root, for adding to it. */
ro_node *ro_doc_root_edit(runoff_doc *doc);
/* Adds key → a new empty mapping or sequence (kind), or a scalar with text
 * text[0..len) (kind RO_NODE_SCALAR), to the mapping map. */
ro_node *ro_node_put(runoff_doc *doc, ro_node *map, const char *key, ro_node_kind kind,
                     const char *text, size_t len, int line, int column);
/* Appends a new empty mapping to the sequence seq. */
ro_node *ro_node_push_mapping(runoff_doc *doc, ro_node *seq, int line, int column);

#endif /* RO_DOC_H */
