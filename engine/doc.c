/*
 * doc.c — YAML text → a small, bounded, position-aware tree (runoff_doc).
 *
 * We read libyaml's event stream rather than its document API so that we
 * control every allocation (they go through ro_malloc and can be made to
 * fail in tests), refuse what a scenario never needs (aliases and anchors,
 * tags, several documents) before building anything, and bound the work an
 * input can cause: nesting depth, scalar length, items per container and
 * total nodes. Validation of meaning belongs to scenario.c; this file only
 * guarantees a well-formed tree of string-keyed mappings, sequences and
 * scalars, each with the position a message should point at. The
 * key.path=value overrides on that tree are doc_set.c's, the building of a
 * tree from another format doc_build.c's; the tree's representation, which
 * the three files share, is in doc_tree.h.
 */
#include "doc.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "doc_tree.h"
#include "error.h"
#include "text.h"


/* ------------------------------------------------------------ accessors */

const ro_node *ro_doc_root(const runoff_doc *doc) { return doc->root; }
const char *ro_doc_name(const runoff_doc *doc) { return doc->name; }
ro_node_kind ro_node_kind_of(const ro_node *n) { return n->kind; }

const char *ro_node_kind_name(const ro_node *n)
{
    switch (n->kind) {
    case RO_NODE_MAPPING: return "a mapping";
    case RO_NODE_SEQUENCE: return "a list";
    default: return "a value";
    }
}

size_t ro_node_len(const ro_node *n)
{
    switch (n->kind) {
    case RO_NODE_MAPPING: return n->n_kids / 2;
    case RO_NODE_SEQUENCE: return n->n_kids;
    default: return 0;
    }
}

const ro_node *ro_node_key(const ro_node *n, size_t i) { return n->kids[2 * i]; }

const ro_node *ro_node_value(const ro_node *n, size_t i)
{
    return n->kind == RO_NODE_MAPPING ? n->kids[2 * i + 1] : n->kids[i];
}

ro_node *ro_doc_find_key(const ro_node *n, const char *key, size_t len, size_t *index)
{
    if (n->kind != RO_NODE_MAPPING)
        return NULL;
    for (size_t i = 0; i < n->n_kids; i += 2) {
        const ro_node *k = n->kids[i];
        if (k->len == len && memcmp(k->text, key, len) == 0) {
            if (index != NULL)
                *index = i;
            return n->kids[i + 1];
        }
    }
    return NULL;
}

const ro_node *ro_node_get(const ro_node *n, const char *key, const ro_node **key_out)
{
    size_t i = 0;
    const ro_node *v = ro_doc_find_key(n, key, strlen(key), &i);
    if (key_out != NULL)
        *key_out = v != NULL ? n->kids[i] : NULL;
    return v;
}

const char *ro_node_text(const ro_node *n) { return n->kind == RO_NODE_SCALAR ? n->text : ""; }
size_t ro_node_text_len(const ro_node *n) { return n->kind == RO_NODE_SCALAR ? n->len : 0; }
bool ro_node_quoted(const ro_node *n) { return n->quoted; }

bool ro_node_is_null(const ro_node *n)
{
    return n->kind == RO_NODE_SCALAR && !n->quoted &&
           (n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
            strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0);
}

int ro_node_line(const ro_node *n) { return n->line; }
int ro_node_column(const ro_node *n) { return n->column; }

const char *ro_node_file(const runoff_doc *doc, const ro_node *n)
{
    return n->from_set ? RO_SET_FILE : doc->name;
}

/* ------------------------------------------------------- node lifetime */

void ro_doc_node_free(ro_node *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->n_kids; i++)
        ro_doc_node_free(n->kids[i]);
    free(n->kids);
    free(n->text);
    free(n);
}

ro_node *ro_doc_node_new(ro_node_kind kind, int line, int column)
{
    ro_node *n = ro_calloc(1, sizeof *n);
    if (n != NULL) {
        n->kind = kind;
        n->line = line;
        n->column = column;
    }
    return n;
}

char *ro_doc_copy_text(const char *text, size_t len)
{
    char *t = ro_malloc(len + 1);
    if (t != NULL) {
        memcpy(t, text, len);
        t[len] = '\0';
    }
    return t;
}

ro_node *ro_doc_scalar_new(const char *text, size_t len, int line, int column)
{
    ro_node *n = ro_doc_node_new(RO_NODE_SCALAR, line, column);
    if (n == NULL)
        return NULL;
    n->text = ro_doc_copy_text(text, len);
    if (n->text == NULL) {
        free(n);
        return NULL;
    }
    n->len = len;
    return n;
}

int ro_doc_node_append(ro_node *parent, ro_node *child)
{
    if (parent->n_kids == parent->cap) {
        size_t cap = parent->cap ? 2 * parent->cap : 8;
        ro_node **k = ro_realloc(parent->kids, cap * sizeof *k);
        if (k == NULL)
            return -1;
        parent->kids = k;
        parent->cap = cap;
    }
    parent->kids[parent->n_kids++] = child;
    return 0;
}

static ro_node *node_clone(const ro_node *n)
{
    ro_node *c = ro_doc_node_new(n->kind, n->line, n->column);
    if (c == NULL)
        return NULL;
    c->quoted = n->quoted;
    c->from_set = n->from_set;
    if (n->kind == RO_NODE_SCALAR) {
        c->text = ro_doc_copy_text(n->text, n->len);
        if (c->text == NULL)
            goto fail;
        c->len = n->len;
        return c;
    }
    if (n->n_kids > 0) {
        c->kids = ro_malloc(n->n_kids * sizeof *c->kids);
        if (c->kids == NULL)
            goto fail;
        c->cap = n->n_kids;
        for (size_t i = 0; i < n->n_kids; i++) {
            c->kids[i] = node_clone(n->kids[i]);
            if (c->kids[i] == NULL)
                goto fail;
            c->n_kids++;
        }
    }
    return c;
fail:
    ro_doc_node_free(c);
    return NULL;
}

runoff_doc *ro_doc_new(const char *name)
{
    runoff_doc *doc = ro_calloc(1, sizeof *doc);
    if (doc == NULL)
        return NULL;
    doc->name = ro_strdup(name);
    if (doc->name == NULL) {
        free(doc);
        return NULL;
    }
    return doc;
}

void runoff_doc_free(runoff_doc *doc)
{
    if (doc == NULL)
        return;
    ro_doc_node_free(doc->root);
    free(doc->name);
    free(doc);
}

runoff_doc *runoff_doc_clone(const runoff_doc *doc, runoff_error *err)
{
    runoff_doc *c = ro_doc_new(doc->name);
    if (c == NULL)
        goto nomem;
    c->n_nodes = doc->n_nodes;
    c->root = node_clone(doc->root);
    if (c->root == NULL)
        goto nomem;
    return c;
nomem:
    runoff_doc_free(c);
    ro_error_set(err, RUNOFF_ENOMEM, doc->name, 0, 0, "out of memory");
    return NULL;
}

/* ---------------------------------------------------------- fingerprint */

/* FNV-1a, 64 bits: small, fast and stable across machines; this is a
 * fingerprint against mistakes, not a defence against forgery. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static uint64_t fnv1a_u64(uint64_t h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    return fnv1a(h, b, sizeof b);
}

/* Each node as (kind + quoted, length, then its text or its children):
 * the lengths keep different trees from hashing the same bytes. */
static uint64_t node_hash(uint64_t h, const ro_node *n)
{
    h = fnv1a_u64(h, (uint64_t)n->kind * 2 + (n->quoted ? 1 : 0));
    if (n->kind == RO_NODE_SCALAR)
        return fnv1a(fnv1a_u64(h, n->len), n->text, n->len);
    h = fnv1a_u64(h, n->n_kids);
    for (size_t i = 0; i < n->n_kids; i++)
        h = node_hash(h, n->kids[i]);
    return h;
}

uint64_t runoff_doc_hash(const runoff_doc *doc)
{
    return node_hash(UINT64_C(0xcbf29ce484222325), doc->root);
}

/* -------------------------------------------------------------- parser */

typedef struct {
    runoff_doc *doc;
    runoff_error *err;
    const char *buf;
    size_t len;
    ro_node *stack[RO_DOC_MAX_DEPTH];
    int depth;
} builder;

#define TOO_LARGE "larger than 64 MiB, the limit for a scenario file"
#define ANCHOR_REFUSED \
    "anchors (&name) and aliases (*name) are not supported, expected the value written out"
#define EMPTY_DOCUMENT "empty document, expected a mapping of scenario sections (election:, polls:, ...)"

static runoff_status fail_at(builder *b, yaml_mark_t mark, const char *msg)
{
    return ro_error_set(b->err, RUNOFF_EINPUT, b->doc->name, (int)mark.line + 1,
                        (int)mark.column + 1, "%s", msg);
}

static runoff_status nomem(builder *b)
{
    return ro_error_set(b->err, RUNOFF_ENOMEM, b->doc->name, 0, 0, "out of memory");
}

/* libyaml's reader errors carry a byte offset, not a mark. Columns count
 * characters, as libyaml's marks do (UTF-8 continuation bytes are not
 * counted, nor a byte-order mark, which libyaml skips without counting). */
static void offset_position(const char *buf, size_t len, size_t offset, int *line, int *col)
{
    size_t l = 1, start = 0, c = 0;
    if (offset > len)
        offset = len;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        start = offset >= 3 ? 3 : offset;
    for (size_t i = 0; i < offset; i++)
        if (buf[i] == '\n') {
            l++;
            start = i + 1;
        }
    for (size_t i = start; i < offset; i++)
        c += ((unsigned char)buf[i] & 0xC0) != 0x80;
    *line = (int)l;
    *col = (int)(c + 1);
}

/* libyaml's problems, said in plain words. "%s" in a phrase is replaced by
 * where the construct being read started ("the list that starts at line 1
 * column 4"), or by `alone` when libyaml gives no such place. */
typedef struct {
    const char *problem, *phrase, *alone;
} plain_problem;

static const plain_problem plain_problems[] = {
    {"did not find expected ',' or ']'", "expected ',' or ']' in %s", NULL},
    {"did not find expected ',' or '}'", "expected ',' or '}' in %s", NULL},
    {"did not find expected key",
     "expected a key aligned with the keys of %s (check the indentation)", NULL},
    {"did not find expected '-' indicator",
     "expected a '- ' item aligned with the items of %s (check the indentation)", NULL},
    {"mapping values are not allowed in this context",
     "unexpected ':' (check the indentation, or quote a value that contains ': ')", NULL},
    {"block sequence entries are not allowed in this context",
     "unexpected '- ' list item (check the indentation)", NULL},
    {"found unexpected end of stream", "the file ends before the end of %s (a missing closing quote or bracket?)",
     "the file ends too early"},
    {"did not find expected <document start>",
     "unexpected text after the end of the document, expected nothing more", NULL},
    {"did not find expected node content", "expected a value in %s", "expected a value"},
    {"could not find expected ':'", "expected ':' after %s", "expected ':' after the key"},
    {"found unknown escape character",
     "unknown escape sequence in %s, expected \\\\, \\\", \\n, \\t, \\uXXXX...", NULL},
    {"found unknown directive name", "unknown directive, expected %%YAML or %%TAG", NULL},
    {"found a tab character that violates indentation",
     "tab character in the indentation, expected spaces (YAML does not allow tabs there)", NULL},
    {"found a tab character where an indentation space is expected",
     "tab character in the indentation, expected spaces (YAML does not allow tabs there)", NULL},
};

/* libyaml's contexts ("while parsing a flow sequence") as the thing that
 * was being read. */
static const char *const plain_contexts[][2] = {
    {"while parsing a flow sequence", "the list"},
    {"while parsing a block collection", "the list"},
    {"while parsing a flow mapping", "the mapping"},
    {"while parsing a block mapping", "the mapping"},
    {"while scanning a quoted scalar", "the quoted string"},
    {"while parsing a quoted scalar", "the quoted string"},
    {"while scanning a simple key", "the key"},
    {"while scanning a plain scalar", "the value"},
    {"while scanning a block scalar", "the text block"},
};

/* Byte offset of a libyaml mark, whose index and column count characters. */
static size_t mark_offset(const char *buf, size_t len, yaml_mark_t m)
{
    size_t i = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    for (size_t l = 0; l < m.line && i < len; i++)
        l += buf[i] == '\n';
    for (size_t c = 0; i < len && (c < m.column || ((unsigned char)buf[i] & 0xC0) == 0x80); i++)
        c += ((unsigned char)buf[i] & 0xC0) != 0x80;
    return i;
}

static runoff_status syntax_error(builder *b, const yaml_parser_t *p)
{
    const char *problem = p->problem ? p->problem : "syntax error";
    int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
    const char *name = b->doc->name;
    size_t at = mark_offset(b->buf, b->len, p->problem_mark);
    if (strcmp(problem, "found character that cannot start any token") == 0 && at < b->len) {
        unsigned char c = (unsigned char)b->buf[at];
        if (c == '\t')
            return ro_error_set(b->err, RUNOFF_EINPUT, name, line, col,
                                "tab character, expected spaces (YAML does not allow tabs "
                                "for indentation)");
        if (c > ' ' && c < 0x7F)
            return ro_error_set(b->err, RUNOFF_EINPUT, name, line, col,
                                "'%c' cannot start a value, expected a letter, a digit or a quote "
                                "(quote values that start with '%c')", c, c);
    }
    char where[160] = "";
    for (size_t i = 0; p->context != NULL && i < sizeof plain_contexts / sizeof *plain_contexts;
         i++)
        if (strcmp(p->context, plain_contexts[i][0]) == 0)
            snprintf(where, sizeof where, "%s that starts at line %d column %d",
                     plain_contexts[i][1], (int)p->context_mark.line + 1,
                     (int)p->context_mark.column + 1);
    for (size_t i = 0; i < sizeof plain_problems / sizeof *plain_problems; i++) {
        const plain_problem *pp = &plain_problems[i];
        if (strcmp(problem, pp->problem) != 0)
            continue;
        if (where[0] == '\0' && pp->alone != NULL)
            return ro_error_set(b->err, RUNOFF_EINPUT, name, line, col, "%s", pp->alone);
        char msg[400];
        snprintf(msg, sizeof msg, pp->phrase, where[0] ? where : "the document");
        return ro_error_set(b->err, RUNOFF_EINPUT, name, line, col, "%s", msg);
    }
    if (p->context != NULL)
        return ro_error_set(b->err, RUNOFF_EINPUT, name, line, col,
                            "%s (%s at line %d column %d)", problem, p->context,
                            (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
    return ro_error_set(b->err, RUNOFF_EINPUT, name, line, col, "%s", problem);
}

/* Reader errors are about bytes: name the byte and what text is expected. */
static runoff_status reader_error(builder *b, const yaml_parser_t *p)
{
    int line, col;
    const char *problem = p->problem ? p->problem : "unreadable input";
    size_t at = p->problem_offset;
    /* libyaml points at the bad continuation byte; the character (and the
     * byte worth naming) starts at the leading byte before it. */
    if (strcmp(problem, "invalid trailing UTF-8 octet") == 0 && at > 0 && at <= b->len) {
        at--;
        while (at > 0 && ((unsigned char)b->buf[at] & 0xC0) == 0x80)
            at--;
    }
    offset_position(b->buf, b->len, at, &line, &col);
    int byte = at < b->len ? (unsigned char)b->buf[at] : -1;
    if (strcmp(problem, "control characters are not allowed") == 0 && byte >= 0x80) {
        uint32_t cp;
        int invalid;
        char name[16];
        ro_text_find_active(b->buf + at, b->len - at, &cp, &invalid);
        return ro_error_set(b->err, RUNOFF_EINPUT, b->doc->name, line, col,
                            "%s is not allowed in YAML, expected text (printable characters, "
                            "spaces, tabs and line breaks)", ro_text_describe(cp, invalid, name));
    }
    if (strcmp(problem, "control characters are not allowed") == 0)
        return ro_error_set(b->err, RUNOFF_EINPUT, b->doc->name, line, col,
                            "control character 0x%02X, expected text (printable characters, "
                            "spaces, tabs and line breaks)", (unsigned)byte);
    if (strstr(problem, "UTF-8") != NULL || strcmp(problem, "invalid Unicode character") == 0) {
        if (byte < 0)
            return ro_error_set(b->err, RUNOFF_EINPUT, b->doc->name, line, col,
                                "invalid UTF-8 (%s), expected UTF-8 text", problem);
        return ro_error_set(b->err, RUNOFF_EINPUT, b->doc->name, line, col,
                            "invalid UTF-8 (byte 0x%02X), expected UTF-8 text (save the file "
                            "as UTF-8)", (unsigned)byte);
    }
    return ro_error_set(b->err, RUNOFF_EINPUT, b->doc->name, line, col, "%s", problem);
}

static runoff_status parser_error(builder *b, const yaml_parser_t *p)
{
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        return nomem(b);
    case YAML_READER_ERROR:
        return reader_error(b, p);
    default:
        return syntax_error(b, p);
    }
}

typedef struct {
    const ro_node *key;
    size_t index;
} key_ref;

static int key_ref_cmp(const void *pa, const void *pb)
{
    const key_ref *a = pa, *b = pb;
    int c = strcmp(a->key->text, b->key->text);
    if (c != 0)
        return c;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Reports the duplicate that comes first in the file, so the message does
 * not depend on the sort. Sorting keeps large mappings O(n log n). */
static runoff_status check_duplicates(builder *b, const ro_node *m)
{
    size_t n = m->n_kids / 2;
    if (n < 2)
        return RUNOFF_OK;
    key_ref *refs = ro_malloc(n * sizeof *refs);
    if (refs == NULL)
        return nomem(b);
    for (size_t i = 0; i < n; i++)
        refs[i] = (key_ref){m->kids[2 * i], i};
    qsort(refs, n, sizeof *refs, key_ref_cmp);
    const key_ref *first = NULL, *second = NULL;
    for (size_t i = 1; i < n; i++) {
        bool starts_group = i == 1 || strcmp(refs[i - 2].key->text, refs[i - 1].key->text) != 0;
        if (starts_group && strcmp(refs[i - 1].key->text, refs[i].key->text) == 0 &&
            (second == NULL || refs[i].index < second->index)) {
            first = &refs[i - 1];
            second = &refs[i];
        }
    }
    runoff_status st = RUNOFF_OK;
    if (second != NULL)
        st = ro_error_set(b->err, RUNOFF_EINPUT, b->doc->name, second->key->line,
                          second->key->column, "duplicate key '%s' (first at line %d), expected each key once",
                          second->key->text, first->key->line);
    free(refs);
    return st;
}

/* Places a finished or just-opened node in its parent (or as the root). */
static runoff_status attach(builder *b, ro_node *n, yaml_mark_t mark)
{
    if (b->depth == 0) {
        if (n->kind == RO_NODE_SCALAR && n->len == 0 && !n->quoted)
            return fail_at(b, mark, EMPTY_DOCUMENT);
        if (n->kind != RO_NODE_MAPPING) {
            return ro_error_set(b->err, RUNOFF_EINPUT, b->doc->name, n->line, n->column,
                                "the document is %s, expected a mapping",
                                ro_node_kind_name(n));
        }
        b->doc->root = n;
        return RUNOFF_OK;
    }
    ro_node *parent = b->stack[b->depth - 1];
    bool is_key = parent->kind == RO_NODE_MAPPING && parent->n_kids % 2 == 0;
    if (is_key && n->kind != RO_NODE_SCALAR)
        return ro_error_set(b->err, RUNOFF_EINPUT, b->doc->name, n->line, n->column,
                            "a key is %s, expected a string", ro_node_kind_name(n));
    if (is_key && ro_node_is_null(n))
        return ro_error_set(b->err, RUNOFF_EINPUT, b->doc->name, n->line, n->column,
                            "empty key, expected a string");
    if ((is_key || parent->kind == RO_NODE_SEQUENCE) && ro_node_len(parent) >= RO_DOC_MAX_ITEMS)
        return ro_error_set(b->err, RUNOFF_EINPUT, b->doc->name, n->line, n->column,
                            "more than %d items in %s", RO_DOC_MAX_ITEMS,
                            ro_node_kind_name(parent));
    if (ro_doc_node_append(parent, n) != 0)
        return nomem(b);
    return RUNOFF_OK;
}

static runoff_status refuse_decorations(builder *b, const yaml_event_t *ev,
                                        const yaml_char_t *anchor, const yaml_char_t *tag)
{
    if (anchor != NULL)
        return fail_at(b, ev->start_mark, ANCHOR_REFUSED);
    if (tag != NULL)
        return fail_at(b, ev->start_mark, "tags (!name) are not supported, expected a value without a tag");
    return RUNOFF_OK;
}

/* Text must stay inert after unescaping (text.h): "\e[2J" or "\n" in a
 * quoted string would otherwise reach messages, reports and terminals. */
static runoff_status check_inert(runoff_error *err, const char *file, int line, int col,
                                 const char *text, size_t len, const char *what)
{
    uint32_t cp;
    int invalid;
    if (ro_text_find_active(text, len, &cp, &invalid) == len)
        return RUNOFF_OK;
    char name[16];
    return ro_error_set(err, RUNOFF_EINPUT, file, line, col,
                        "%s in %s, " RO_TEXT_EXPECTED,
                        invalid ? "invalid UTF-8" : ro_text_describe(cp, 0, name), what);
}

static runoff_status on_node(builder *b, const yaml_event_t *ev)
{
    int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
    runoff_status st;
    if (++b->doc->n_nodes > RO_DOC_MAX_NODES)
        return fail_at(b, ev->start_mark, "more than 10000000 nodes in the document");
    ro_node *n;
    if (ev->type == YAML_SCALAR_EVENT) {
        const yaml_char_t *tag = ev->data.scalar.tag;
        if (tag != NULL && (ev->data.scalar.plain_implicit || ev->data.scalar.quoted_implicit))
            tag = NULL; /* libyaml reports no tag here; defensive only */
        if ((st = refuse_decorations(b, ev, ev->data.scalar.anchor, tag)) != RUNOFF_OK)
            return st;
        size_t len = ev->data.scalar.length;
        const char *text = (const char *)ev->data.scalar.value;
        const ro_node *parent = b->depth > 0 ? b->stack[b->depth - 1] : NULL;
        bool is_key = parent != NULL && parent->kind == RO_NODE_MAPPING && parent->n_kids % 2 == 0;
        if (len > RO_DOC_MAX_SCALAR)
            return ro_error_set(b->err, RUNOFF_EINPUT, b->doc->name, line, col,
                                "%s is %zu bytes long, expected at most %d", is_key ? "key" : "value",
                                len, RO_DOC_MAX_SCALAR);
        if (memchr(text, '\0', len) != NULL)
            return fail_at(b, ev->start_mark, "NUL character (\\0) in a value, expected text");
        if ((st = check_inert(b->err, b->doc->name, line, col, text, len,
                              is_key ? "a key" : "a value")) != RUNOFF_OK)
            return st;
        n = ro_doc_scalar_new(text, len, line, col);
        if (n == NULL)
            return nomem(b);
        n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    } else {
        bool map = ev->type == YAML_MAPPING_START_EVENT;
        st = map ? refuse_decorations(b, ev, ev->data.mapping_start.anchor,
                                      ev->data.mapping_start.implicit ? NULL
                                                                       : ev->data.mapping_start.tag)
                 : refuse_decorations(b, ev, ev->data.sequence_start.anchor,
                                      ev->data.sequence_start.implicit ? NULL
                                                                        : ev->data.sequence_start.tag);
        if (st != RUNOFF_OK)
            return st;
        if (b->depth >= RO_DOC_MAX_DEPTH)
            return fail_at(b, ev->start_mark, "nesting deeper than 64 levels");
        n = ro_doc_node_new(map ? RO_NODE_MAPPING : RO_NODE_SEQUENCE, line, col);
        if (n == NULL)
            return nomem(b);
    }
    if ((st = attach(b, n, ev->start_mark)) != RUNOFF_OK) {
        ro_doc_node_free(n);
        return st;
    }
    if (n->kind != RO_NODE_SCALAR)
        b->stack[b->depth++] = n;
    return RUNOFF_OK;
}

static runoff_status on_event(builder *b, const yaml_event_t *ev, bool *seen_doc, bool *done)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (*seen_doc)
            return fail_at(b, ev->start_mark, "a second document, expected one document per file");
        *seen_doc = true;
        return RUNOFF_OK;
    case YAML_STREAM_END_EVENT:
        *done = true;
        if (b->doc->root == NULL)
            return fail_at(b, ev->start_mark, EMPTY_DOCUMENT);
        return RUNOFF_OK;
    case YAML_ALIAS_EVENT:
        return fail_at(b, ev->start_mark, ANCHOR_REFUSED);
    case YAML_SCALAR_EVENT:
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        return on_node(b, ev);
    case YAML_MAPPING_END_EVENT:
        return check_duplicates(b, b->stack[--b->depth]);
    case YAML_SEQUENCE_END_EVENT:
        b->depth--;
        return RUNOFF_OK;
    default:
        return RUNOFF_OK;
    }
}

runoff_doc *runoff_doc_parse_buffer(const char *display_name, const char *buf, size_t len,
                                    runoff_error *err)
{
    if (len > RO_DOC_MAX_BYTES) {
        ro_error_set(err, RUNOFF_EINPUT, display_name, 0, 0, TOO_LARGE);
        return NULL;
    }
    builder b = {.err = err, .buf = buf, .len = len};
    b.doc = ro_doc_new(display_name);
    if (b.doc == NULL) {
        ro_error_set(err, RUNOFF_ENOMEM, display_name, 0, 0, "out of memory");
        return NULL;
    }
    /* libyaml would stop at a NUL as if the input ended there. */
    const char *nul = memchr(buf, '\0', len);
    if (nul != NULL) {
        int line, col;
        offset_position(buf, len, (size_t)(nul - buf), &line, &col);
        ro_error_set(err, RUNOFF_EINPUT, display_name, line, col,
                     "NUL byte, expected UTF-8 text (is this a binary or UTF-16 file?)");
        runoff_doc_free(b.doc);
        return NULL;
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        nomem(&b);
        runoff_doc_free(b.doc);
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    bool seen_doc = false, done = false;
    runoff_status st = RUNOFF_OK;
    while (!done && st == RUNOFF_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            st = parser_error(&b, &parser);
            break;
        }
        st = on_event(&b, &ev, &seen_doc, &done);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    if (st != RUNOFF_OK) {
        runoff_doc_free(b.doc);
        return NULL;
    }
    return b.doc;
}

/* Whole file into memory, up to RO_DOC_MAX_BYTES + 1 bytes (one more
 * than the limit, so the caller can tell "too large" without reading an
 * endless input such as /dev/zero to its end). */
static char *read_all(int fd, size_t *len_out, int *errno_out)
{
    const size_t most = RO_DOC_MAX_BYTES + 1;
    size_t cap = 65536, len = 0;
    char *buf = ro_malloc(cap);
    if (buf == NULL) {
        *errno_out = ENOMEM;
        return NULL;
    }
    while (len < most) {
        if (len == cap) {
            size_t ncap = cap * 2 < most ? cap * 2 : most;
            char *nb = ro_realloc(buf, ncap);
            if (nb == NULL) {
                free(buf);
                *errno_out = ENOMEM;
                return NULL;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            *errno_out = errno;
            free(buf);
            return NULL;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    *len_out = len;
    return buf;
}

runoff_doc *runoff_doc_parse_file(const char *path, runoff_error *err)
{
    if (path[0] == '\0') {
        ro_error_set(err, RUNOFF_EINPUT, NULL, 0, 0,
                     "empty scenario path, expected a file name or - for standard input");
        return NULL;
    }
    bool use_stdin = strcmp(path, "-") == 0;
    const char *name = use_stdin ? "<stdin>" : path;
    int fd = use_stdin ? STDIN_FILENO : open(path, O_RDONLY);
    if (fd < 0) {
        ro_error_set(err, RUNOFF_EINPUT, name, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    bool is_dir = false, too_large = false;
    if (fstat(fd, &st) == 0) {
        is_dir = S_ISDIR(st.st_mode);
        too_large = S_ISREG(st.st_mode) && st.st_size > (off_t)RO_DOC_MAX_BYTES;
    }
    if (is_dir || too_large) {
        if (!use_stdin)
            close(fd);
        ro_error_set(err, RUNOFF_EINPUT, name, 0, 0,
                     is_dir ? "is a directory, expected a scenario file" : TOO_LARGE);
        return NULL;
    }
    size_t len = 0;
    int e = 0;
    char *buf = read_all(fd, &len, &e);
    if (!use_stdin)
        close(fd);
    if (buf == NULL) {
        if (e == ENOMEM)
            ro_error_set(err, RUNOFF_ENOMEM, name, 0, 0, "out of memory");
        else
            ro_error_set(err, RUNOFF_EINPUT, name, 0, 0, "cannot read: %s", strerror(e));
        return NULL;
    }
    runoff_doc *doc = runoff_doc_parse_buffer(name, buf, len, err);
    free(buf);
    return doc;
}
