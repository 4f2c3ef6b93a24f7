/*
 * doc_tree.h — the representation of a runoff_doc's tree and the node
 * helpers that build it, shared by doc.c (the parser and the accessors),
 * doc_set.c (the overrides) and doc_build.c (trees from other formats);
 * internal to those three files: everyone else uses doc.h.
 *
 * A node owns its text and its children; a document owns its root and
 * counts its nodes (n_nodes, bounded by RO_DOC_MAX_NODES), so whoever adds
 * nodes to a document adds them to the count.
 */
#ifndef RO_DOC_TREE_H
#define RO_DOC_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "doc.h"

struct ro_node {
    ro_node_kind kind;
    bool quoted;
    bool from_set;
    int line, column;
    char *text;        /* scalar only, NUL-terminated */
    size_t len;
    ro_node **kids;    /* mapping: key0, value0, key1, value1, ...; sequence: items */
    size_t n_kids, cap;
};

struct runoff_doc {
    char *name;
    ro_node *root;
    size_t n_nodes;
};

/* The value of key (len bytes, not NUL-terminated) in mapping n, with the
 * key's index among n->kids in *index if not NULL; NULL if n is not a
 * mapping or has no such key. */
ro_node *ro_doc_find_key(const ro_node *n, const char *key, size_t len, size_t *index);
/* A node with no text and no children, or NULL without memory. */
ro_node *ro_doc_node_new(ro_node_kind kind, int line, int column);
/* A scalar holding a NUL-terminated copy of text[0..len), or NULL. */
ro_node *ro_doc_scalar_new(const char *text, size_t len, int line, int column);
/* A NUL-terminated copy of text[0..len), or NULL. */
char *ro_doc_copy_text(const char *text, size_t len);
/* Frees n and its subtree; NULL is a no-op. */
void ro_doc_node_free(ro_node *n);
/* Appends child to parent's kids, growing them, without checking bounds
 * (callers do); 0 on success, -1 without memory (child stays the
 * caller's). */
int ro_doc_node_append(ro_node *parent, ro_node *child);
/* An empty document (no root yet) named name, or NULL. */
runoff_doc *ro_doc_new(const char *name);

#endif /* RO_DOC_TREE_H */
