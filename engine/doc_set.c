/*
 * doc_set.c — key.path=value overrides (--set) on a parsed runoff_doc.
 *
 * A path walks mappings by key and sequences by an item's id, code or
 * option (else its index); the value replaces a scalar, or the missing
 * keys are created as a detached chain first and spliced in only when
 * complete, so a refused override leaves the document untouched. Nodes an
 * override creates or replaces are marked from_set and positioned in the
 * assignment string, so a loader error about them reads "--set:1:column".
 * The same bounds as the parser's hold (depth, scalar length, items per
 * mapping), and the text must stay inert (text.h). The tree's
 * representation is doc_tree.h's.
 */
#include "doc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc_tree.h"
#include "error.h"
#include "text.h"

/* ----------------------------------------------------------- overrides */

static runoff_status set_error(runoff_error *err, const char *assignment, const char *at,
                               const char *fmt, ...) RO_PRINTF(4, 5);

static runoff_status set_error(runoff_error *err, const char *assignment, const char *at,
                               const char *fmt, ...)
{
    char msg[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ro_error_set(err, RUNOFF_EINPUT, RO_SET_FILE, 1, (int)(at - assignment) + 1, "%s",
                        msg);
}

/* An item of a sequence named by a path segment: the first mapping whose
 * "id", "code" or "option" equals the segment, else a decimal index. Names
 * win over indices because region codes are often numbers ("75"). */
static ro_node *find_item(const ro_node *seq, const char *seg, size_t len)
{
    static const char *const id_keys[] = {"id", "code", "option"};
    for (size_t i = 0; i < seq->n_kids; i++) {
        const ro_node *item = seq->kids[i];
        for (size_t k = 0; k < sizeof id_keys / sizeof *id_keys; k++) {
            const ro_node *v = ro_doc_find_key(item, id_keys[k], strlen(id_keys[k]), NULL);
            if (v != NULL && v->kind == RO_NODE_SCALAR && v->len == len &&
                memcmp(v->text, seg, len) == 0)
                return seq->kids[i];
        }
    }
    if (len == 0 || len > 9)
        return NULL;
    size_t index = 0;
    for (size_t i = 0; i < len; i++) {
        if (seg[i] < '0' || seg[i] > '9')
            return NULL;
        index = index * 10 + (size_t)(seg[i] - '0');
    }
    return index < seq->n_kids ? seq->kids[index] : NULL;
}

/* Builds key → (mapping → key →)* scalar for the segments from `seg` to
 * `end`, detached, so that a failure leaves the document untouched. */
static ro_node *build_chain(const char *assignment, const char *seg, const char *end,
                            const char *value, size_t *n_created)
{
    const char *dot = memchr(seg, '.', (size_t)(end - seg));
    const char *stop = dot != NULL ? dot : end;
    int col = (int)(seg - assignment) + 1;
    ro_node *key = ro_doc_scalar_new(seg, (size_t)(stop - seg), 1, col);
    ro_node *val = NULL, *pair = ro_doc_node_new(RO_NODE_MAPPING, 1, col);
    if (key == NULL || pair == NULL)
        goto fail;
    key->from_set = true;
    pair->from_set = true;
    if (dot == NULL) {
        val = ro_doc_scalar_new(value, strlen(value), 1, (int)(value - assignment) + 1);
        if (val != NULL)
            val->from_set = true;
    } else {
        val = build_chain(assignment, dot + 1, end, value, n_created);
        if (val != NULL) /* a created mapping points at the key that owns it */
            val->column = col;
    }
    if (val == NULL)
        goto fail;
    /* pair is a one-entry mapping {key: val}; the caller splices it. */
    pair->kids = ro_malloc(2 * sizeof *pair->kids);
    if (pair->kids == NULL)
        goto fail;
    pair->kids[0] = key;
    pair->kids[1] = val;
    pair->n_kids = pair->cap = 2;
    *n_created += 2;
    return pair;
fail:
    ro_doc_node_free(key);
    ro_doc_node_free(val);
    ro_doc_node_free(pair);
    return NULL;
}

static runoff_status replace_scalar(ro_node *n, const char *value, int column, runoff_error *err)
{
    char *text = ro_doc_copy_text(value, strlen(value));
    if (text == NULL)
        return ro_error_set(err, RUNOFF_ENOMEM, RO_SET_FILE, 0, 0, "out of memory");
    free(n->text);
    n->text = text;
    n->len = strlen(value);
    n->quoted = false;
    n->from_set = true;
    n->line = 1;
    n->column = column;
    return RUNOFF_OK;
}

/* Adds the new chain's single pair to mapping m. */
static runoff_status splice(runoff_doc *doc, ro_node *m, ro_node *pair, size_t created,
                            runoff_error *err)
{
    if (ro_node_len(m) >= RO_DOC_MAX_ITEMS) {
        runoff_status st = ro_error_set(err, RUNOFF_EINPUT, RO_SET_FILE, 1, pair->column,
                                        "more than %d items in a mapping", RO_DOC_MAX_ITEMS);
        ro_doc_node_free(pair);
        return st;
    }
    if (m->cap < m->n_kids + 2) {
        size_t cap = m->cap ? 2 * m->cap : 8;
        ro_node **k = ro_realloc(m->kids, cap * sizeof *k);
        if (k == NULL) {
            ro_doc_node_free(pair);
            return ro_error_set(err, RUNOFF_ENOMEM, RO_SET_FILE, 0, 0, "out of memory");
        }
        m->kids = k;
        m->cap = cap;
    }
    m->kids[m->n_kids++] = pair->kids[0];
    m->kids[m->n_kids++] = pair->kids[1];
    pair->n_kids = 0;
    ro_doc_node_free(pair);
    doc->n_nodes += created;
    return RUNOFF_OK;
}

/* The whole assignment, before any node is touched: inert text, a value
 * no longer than a scalar may be, a path no deeper than the parser allows
 * and no empty segment, also among the keys to be created. */
static runoff_status check_assignment(const char *assignment, const char *eq, runoff_error *err)
{
    const char *value = eq + 1;
    uint32_t cp;
    int invalid;
    size_t active = ro_text_find_active(assignment, strlen(assignment), &cp, &invalid);
    if (active < strlen(assignment)) {
        char name[16];
        return set_error(err, assignment, assignment + active,
                         "%s in %s, " RO_TEXT_EXPECTED,
                         ro_text_describe(cp, invalid, name),
                         assignment + active < value ? "the key path" : "the value");
    }
    if (strlen(value) > RO_DOC_MAX_SCALAR)
        return set_error(err, assignment, value, "value is %zu bytes long, expected at most %d",
                         strlen(value), RO_DOC_MAX_SCALAR);
    size_t depth = 1;
    for (const char *c = assignment; c < eq; c++)
        depth += *c == '.';
    if (depth > RO_DOC_MAX_DEPTH)
        return set_error(err, assignment, assignment, "path deeper than 64 levels");
    for (const char *seg = assignment; seg <= eq; seg++)
        if ((seg == assignment || seg[-1] == '.') && (*seg == '.' || *seg == '='))
            return set_error(err, assignment, seg, "empty key in '%.*s', expected key.path=value",
                             (int)(eq - assignment), assignment);
    return RUNOFF_OK;
}

/* A key missing from mapping m at segment seg: the rest of the path, down
 * to the value, created and spliced in. */
static runoff_status create_path(runoff_doc *doc, ro_node *m, const char *assignment,
                                 const char *seg, const char *eq, runoff_error *err)
{
    size_t created = 0;
    ro_node *pair = build_chain(assignment, seg, eq, eq + 1, &created);
    if (pair == NULL)
        return ro_error_set(err, RUNOFF_ENOMEM, RO_SET_FILE, 0, 0, "out of memory");
    return splice(doc, m, pair, created, err);
}

/* The item of sequence seq that the segment [seg, stop) names, into
 * *next; else an error naming the path so far. */
static runoff_status path_item(const char *assignment, const ro_node *seq, const char *seg,
                               const char *stop, ro_node **next, runoff_error *err)
{
    *next = find_item(seq, seg, (size_t)(stop - seg));
    if (*next == NULL && seq->n_kids == 0)
        return set_error(err, assignment, seg, "no item '%.*s' in '%.*s', which is empty",
                         (int)(stop - seg), seg, (int)(seg - 1 - assignment), assignment);
    if (*next == NULL)
        return set_error(err, assignment, seg,
                         "no item '%.*s' in '%.*s', expected an index 0..%zu or the id, "
                         "code or option of an item",
                         (int)(stop - seg), seg, (int)(seg - 1 - assignment), assignment,
                         seq->n_kids - 1);
    return RUNOFF_OK;
}

/* Node n, where the path ends at segment seg (path_len bytes of path),
 * takes the value; only a scalar can. */
static runoff_status set_value(const char *assignment, ro_node *n, const char *seg, int path_len,
                               const char *value, runoff_error *err)
{
    if (n->kind != RO_NODE_SCALAR)
        return set_error(err, assignment, seg,
                         n->kind == RO_NODE_MAPPING ? "'%.*s' is a mapping, not a value, expected a path to a value in it"
                                                    : "'%.*s' is a list, not a value, expected a path to a value in it",
                         path_len, assignment);
    return replace_scalar(n, value, (int)(value - assignment) + 1, err);
}

runoff_status runoff_doc_set(runoff_doc *doc, const char *assignment, runoff_error *err)
{
    const char *eq = strchr(assignment, '=');
    if (eq == NULL)
        return set_error(err, assignment, assignment,
                         "missing '=' in '%s', expected key.path=value", assignment);
    runoff_status st = check_assignment(assignment, eq, err);
    if (st != RUNOFF_OK)
        return st;
    ro_node *cur = doc->root;
    const char *seg = assignment;
    /* every segment [seg, stop) is non-empty: check_assignment refused a
     * '.' or '=' at the start of the path or just after a '.' */
    for (;;) {
        const char *dot = memchr(seg, '.', (size_t)(eq - seg));
        const char *stop = dot != NULL ? dot : eq;
        ro_node *next;
        if (cur->kind == RO_NODE_MAPPING) {
            next = ro_doc_find_key(cur, seg, (size_t)(stop - seg), NULL);
            if (next == NULL)
                return create_path(doc, cur, assignment, seg, eq, err);
        } else if (cur->kind == RO_NODE_SEQUENCE) {
            if ((st = path_item(assignment, cur, seg, stop, &next, err)) != RUNOFF_OK)
                return st;
        } else {
            return set_error(err, assignment, seg, "'%.*s' is a value, not a mapping, expected the path to end there",
                             (int)(seg - 1 - assignment), assignment);
        }
        if (dot == NULL)
            return set_value(assignment, next, seg, (int)(stop - assignment), eq + 1, err);
        cur = next;
        seg = dot + 1;
    }
}
