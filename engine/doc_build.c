/*
 * doc_build.c — building a runoff_doc from another format than YAML:
 * pollcsv.c reads a CSV table of polls into one, so that its cells are
 * checked by the same typed readers as YAML values and errors point at the
 * cell (doc.h, "building a document from another format"). Every node made
 * here is counted in the document's n_nodes like a parsed one; the tree's
 * representation is doc_tree.h's.
 */
#include "doc.h"

#include <string.h>

#include "doc_tree.h"

runoff_doc *ro_doc_alloc(const char *name)
{
    runoff_doc *doc = ro_doc_new(name);
    if (doc == NULL)
        return NULL;
    doc->root = ro_doc_node_new(RO_NODE_MAPPING, 1, 1);
    if (doc->root == NULL) {
        runoff_doc_free(doc);
        return NULL;
    }
    doc->n_nodes = 1;
    return doc;
}

ro_node *ro_doc_root_edit(runoff_doc *doc) { return doc->root; }

ro_node *ro_node_put(runoff_doc *doc, ro_node *map, const char *key, ro_node_kind kind,
                     const char *text, size_t len, int line, int column)
{
    ro_node *k = ro_doc_scalar_new(key, strlen(key), line, column);
    ro_node *v = kind == RO_NODE_SCALAR ? ro_doc_scalar_new(text, len, line, column)
                                        : ro_doc_node_new(kind, line, column);
    if (k == NULL || v == NULL || ro_doc_node_append(map, k) != 0) {
        ro_doc_node_free(k);
        ro_doc_node_free(v);
        return NULL;
    }
    if (ro_doc_node_append(map, v) != 0) {
        map->n_kids--; /* the key, owned again here */
        ro_doc_node_free(k);
        ro_doc_node_free(v);
        return NULL;
    }
    doc->n_nodes += 2;
    return v;
}

ro_node *ro_node_push_mapping(runoff_doc *doc, ro_node *seq, int line, int column)
{
    ro_node *m = ro_doc_node_new(RO_NODE_MAPPING, line, column);
    if (m == NULL || ro_doc_node_append(seq, m) != 0) {
        ro_doc_node_free(m);
        return NULL;
    }
    doc->n_nodes++;
    return m;
}
