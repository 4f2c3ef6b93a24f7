/*
 * pollcsv.c — a CSV table of polls → a document in the YAML poll form
 * (pollcsv.h has the contract).
 *
 * The CSV grammar is libcsv's (strict mode: a stray quote and an
 * unterminated quoted field are errors), fed one byte at a time so that
 * every field is known by the line and column where it starts: libcsv
 * reports fields and row ends but no positions, and a byte at a time is
 * the only way to tie each callback to a place in the file. The reader
 * checks only the table's shape (columns, row lengths, text encoding); the
 * values are judged by the scenario loader's readers, on the document
 * built here, so CSV and YAML polls share every rule and message.
 */
#include "pollcsv.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doc.h"
#include "error.h"
#include "value.h"

#define MAX_ROWS 100000 /* docs/scenario.md, "Limits" (polls) */

/* The columns, as data: the key each fills in a poll's mapping, and
 * whether it is required. The finalists' columns take their ids. */
enum { COL_ID, COL_POLLSTER, COL_START, COL_END, COL_SAMPLE, COL_A, COL_B, COL_UNDECIDED,
       COL_POPULATION, COL_ROLLING, N_COLS };

static const struct {
    const char *key;
    bool required;
} columns[N_COLS] = {
    [COL_ID] = {"id", false},           [COL_POLLSTER] = {"pollster", true},
    [COL_START] = {"start", true},      [COL_END] = {"end", true},
    [COL_SAMPLE] = {"sample", false},   [COL_A] = {NULL, true},
    [COL_B] = {NULL, true},             [COL_UNDECIDED] = {"undecided", false},
    [COL_POPULATION] = {"population", false}, [COL_ROLLING] = {"rolling", false},
};

typedef struct {
    char *text;
    size_t len, cap;
    int line, col;
} cell;

typedef struct {
    runoff_doc *doc;
    runoff_error *err;
    const char *names[N_COLS]; /* column names, finalists' included */
    ro_node *list;
    runoff_status st;
    int line, col;             /* where the byte being fed is */
    bool field_open;           /* a field has started and not yet ended */
    int field_line, field_col;
    cell cells[N_COLS];        /* the row's fields, as many as the header has */
    size_t n_fields;
    int extra_line, extra_col; /* the first field beyond the header's count */
    int row_line;              /* where the row's first field is */
    int header[N_COLS];        /* column of each field of the header */
    size_t n_header;           /* 0 until the header is read */
    size_t n_rows;
} reader;

static void fail(reader *r, int line, int col, const char *fmt, ...) RO_PRINTF(4, 5);

static void fail(reader *r, int line, int col, const char *fmt, ...)
{
    char msg[sizeof r->err->message];
    va_list ap;
    if (r->st != RUNOFF_OK)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->st = ro_error_set(r->err, RUNOFF_EINPUT, ro_doc_name(r->doc), line, col, "%s", msg);
}

static void nomem(reader *r)
{
    if (r->st == RUNOFF_OK)
        r->st = ro_error_set(r->err, RUNOFF_ENOMEM, ro_doc_name(r->doc), 0, 0, "out of memory");
}

/* libcsv's field callback: keep the field of the row, with its position. */
static void on_field(void *text, size_t len, void *data)
{
    reader *r = data;
    int line = r->field_open ? r->field_line : r->line;
    int col = r->field_open ? r->field_col : r->col;
    r->field_open = false;
    if (r->st != RUNOFF_OK)
        return;
    if (r->n_fields == 0)
        r->row_line = line;
    size_t limit = r->n_header ? r->n_header : N_COLS;
    if (r->n_fields >= limit) {
        if (r->n_fields++ == limit) {
            r->extra_line = line;
            r->extra_col = col;
        }
        return;
    }
    cell *c = &r->cells[r->n_fields++];
    if (len + 1 > c->cap) {
        char *t = ro_realloc(c->text, len + 1);
        if (t == NULL) {
            nomem(r);
            return;
        }
        c->text = t;
        c->cap = len + 1;
    }
    if (len > 0)
        memcpy(c->text, text, len);
    c->text[len] = '\0';
    c->len = len;
    c->line = line;
    c->col = col;
}

static void read_header(reader *r)
{
    int seen_at[N_COLS] = {0};
    if (r->n_fields > N_COLS) {
        fail(r, r->extra_line, r->extra_col,
             "the header has more than %d columns, expected at most one of each column",
             N_COLS);
        return;
    }
    for (size_t i = 0; i < r->n_fields && r->st == RUNOFF_OK; i++) {
        const cell *c = &r->cells[i];
        int k = 0;
        while (k < N_COLS && strcmp(c->text, r->names[k]) != 0)
            k++;
        if (k == N_COLS) {
            char list[512] = "", hint[160];
            size_t used = 0;
            for (int j = 0; j < N_COLS; j++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "",
                                         r->names[j]);
            fail(r, c->line, c->col, "unknown column '%s' in the poll table, expected one of: %s%s",
                 c->text, list,
                 ro_value_suggestion(c->text, (ro_name_list){r->names, N_COLS, 0}, hint,
                                     sizeof hint));
        } else if (seen_at[k] != 0) {
            fail(r, c->line, c->col,
                 "column '%s' is given twice (first at column %d), expected each column once",
                 c->text, seen_at[k]);
        } else {
            seen_at[k] = c->col;
            r->header[i] = k;
        }
    }
    for (int k = 0; k < N_COLS && r->st == RUNOFF_OK; k++)
        if (columns[k].required && seen_at[k] == 0)
            fail(r, r->row_line, 1,
                 "missing column '%s' in the header, expected columns pollster, start, end, %s "
                 "and %s at least",
                 r->names[k], r->names[COL_A], r->names[COL_B]);
    r->n_header = r->n_fields;
}

/* One data row → one poll mapping; empty optional cells are left out. */
static void read_row(reader *r, int end_line, int end_col)
{
    if (r->n_fields > r->n_header) {
        fail(r, r->extra_line, r->extra_col, "row has %zu fields, expected %zu as in the header",
             r->n_fields, r->n_header);
        return;
    }
    if (r->n_fields < r->n_header) {
        fail(r, end_line, end_col, "row has %zu field%s, expected %zu as in the header",
             r->n_fields, r->n_fields == 1 ? "" : "s", r->n_header);
        return;
    }
    if (++r->n_rows > MAX_ROWS) {
        fail(r, r->row_line, 1, "more than %d polls in the table", MAX_ROWS);
        return;
    }
    ro_node *m = ro_node_push_mapping(r->doc, r->list, r->row_line, 1), *shares = NULL;
    for (size_t i = 0; m != NULL && i < r->n_fields; i++) {
        const cell *c = &r->cells[i];
        int k = r->header[i];
        ro_node *into = m;
        if (c->len == 0 && !columns[k].required)
            continue;
        if (k == COL_A || k == COL_B) {
            if (shares == NULL)
                shares = ro_node_put(r->doc, m, "shares", RO_NODE_MAPPING, NULL, 0, c->line,
                                     c->col);
            if ((into = shares) == NULL)
                break;
        }
        if (ro_node_put(r->doc, into, r->names[k], RO_NODE_SCALAR, c->text, c->len, c->line,
                        c->col) == NULL)
            m = NULL;
    }
    if (m == NULL || (r->n_fields > 0 && shares == NULL))
        nomem(r);
}

/* libcsv's row callback, at the byte that ends the row (or at the end). */
static void on_row(int c, void *data)
{
    (void)c;
    reader *r = data;
    if (r->st == RUNOFF_OK) {
        if (r->n_header == 0)
            read_header(r);
        else
            read_row(r, r->line, r->col);
    }
    r->n_fields = 0;
}

/* Bytes of a UTF-8 sequence still expected after b, or -1 if b cannot
 * lead one (overlong and surrogate forms are checked on the next byte). */
static int utf8_lead(unsigned char b)
{
    if (b < 0x80)
        return 0;
    if (b >= 0xC2 && b <= 0xDF)
        return 1;
    if (b >= 0xE0 && b <= 0xEF)
        return 2;
    if (b >= 0xF0 && b <= 0xF4)
        return 3;
    return -1;
}

/* Whether b may follow lead (the first continuation byte is narrower
 * after E0, ED, F0 and F4). */
static bool utf8_next_ok(unsigned char lead, unsigned char b, bool first)
{
    unsigned char lo = 0x80, hi = 0xBF;
    if (first && lead == 0xE0)
        lo = 0xA0;
    else if (first && lead == 0xED)
        hi = 0x9F;
    else if (first && lead == 0xF0)
        lo = 0x90;
    else if (first && lead == 0xF4)
        hi = 0x8F;
    return b >= lo && b <= hi;
}

static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

static void feed(reader *r, struct csv_parser *p, const unsigned char *buf, size_t len)
{
    int pending = 0;
    unsigned char lead = 0;
    bool after_cr = false;
    for (size_t i = 0; i < len && r->st == RUNOFF_OK; i++) {
        unsigned char b = buf[i];
        if (b == 0) {
            fail(r, r->line, r->col, "NUL byte, expected text");
            return;
        }
        if (pending > 0) {
            if (!utf8_next_ok(lead, b, pending == utf8_lead(lead)) || (b & 0xC0) != 0x80) {
                fail(r, r->line, r->col, "invalid UTF-8, expected text in UTF-8");
                return;
            }
            pending--;
        } else if ((pending = utf8_lead(b)) < 0) {
            fail(r, r->line, r->col, "invalid UTF-8, expected text in UTF-8");
            return;
        } else {
            lead = b;
        }
        if (!r->field_open && b != '\r' && b != '\n') {
            r->field_open = true;
            r->field_line = r->line;
            r->field_col = r->col;
        }
        if (csv_parse(p, &b, 1, on_field, on_row, r) != 1) {
            if (csv_error(p) != CSV_EPARSE) {
                nomem(r);
                return;
            }
            fail(r, r->line, r->col,
                 "stray quote, expected a field quoted whole (\"...\", a quote inside written "
                 "\"\")");
            return;
        }
        if (b == '\n' || b == '\r') {
            if (!(b == '\n' && after_cr))
                r->line++;
            r->col = 1;
            after_cr = b == '\r';
        } else {
            after_cr = false;
            r->col += (b & 0xC0) != 0x80;
        }
    }
    if (r->st == RUNOFF_OK && pending > 0)
        fail(r, r->line, r->col, "invalid UTF-8, expected text in UTF-8");
}

runoff_doc *ro_pollcsv_parse(const char *name, const char *buf, size_t len,
                             const char *const finalists[2], runoff_error *err)
{
    reader r = {.err = err, .line = 1, .col = 1};
    struct csv_parser p;
    for (int k = 0; k < N_COLS; k++)
        r.names[k] = columns[k].key;
    r.names[COL_A] = finalists[0];
    r.names[COL_B] = finalists[1];
    r.doc = ro_doc_alloc(name);
    if (r.doc == NULL || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        runoff_doc_free(r.doc);
        ro_error_set(err, RUNOFF_ENOMEM, name, 0, 0, "out of memory");
        return NULL;
    }
    csv_set_space_func(&p, no_space);
    csv_set_realloc_func(&p, ro_realloc);
    csv_set_free_func(&p, free);
    r.list = ro_node_put(r.doc, ro_doc_root_edit(r.doc), "polls", RO_NODE_SEQUENCE, NULL, 0, 1, 1);
    if (r.list == NULL)
        nomem(&r);
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) { /* a byte-order mark */
        buf += 3;
        len -= 3;
    }
    feed(&r, &p, (const unsigned char *)buf, len);
    if (r.st == RUNOFF_OK && csv_fini(&p, on_field, on_row, &r) != 0 &&
        csv_error(&p) != CSV_EPARSE)
        nomem(&r);
    else if (r.st == RUNOFF_OK && csv_error(&p) == CSV_EPARSE)
        fail(&r, r.field_line, r.field_col,
             "unterminated quoted field, expected a closing quote before the end of the file");
    if (r.st == RUNOFF_OK && r.n_header == 0)
        fail(&r, 1, 1, "the poll table is empty, expected a header row naming the columns");
    csv_free(&p);
    for (int k = 0; k < N_COLS; k++)
        free(r.cells[k].text);
    if (r.st != RUNOFF_OK) {
        runoff_doc_free(r.doc);
        return NULL;
    }
    return r.doc;
}

runoff_doc *ro_pollcsv_read(const char *path, const char *const finalists[2], runoff_error *err)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (f == NULL) {
        ro_error_set(err, RUNOFF_EINPUT, path, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    /* Only a file: a FIFO or a terminal could block the load for ever. */
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        ro_error_set(err, RUNOFF_EINPUT, path, 0, 0, "not a regular file, expected a CSV file");
        return NULL;
    }
    const size_t most = RO_DOC_MAX_BYTES + 1;
    size_t cap = 65536, len = 0;
    char *buf = ro_malloc(cap);
    int e = 0;
    while (buf != NULL && len < most) {
        if (len == cap) {
            size_t ncap = cap * 2 < most ? cap * 2 : most;
            char *nb = ro_realloc(buf, ncap);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            e = ferror(f) ? errno : 0;
            break;
        }
    }
    fclose(f);
    runoff_doc *doc = NULL;
    if (buf == NULL)
        ro_error_set(err, RUNOFF_ENOMEM, path, 0, 0, "out of memory");
    else if (e != 0)
        ro_error_set(err, RUNOFF_EINPUT, path, 0, 0, "cannot read: %s", strerror(e));
    else if (len > RO_DOC_MAX_BYTES)
        ro_error_set(err, RUNOFF_EINPUT, path, 0, 0, "larger than 64 MiB, expected a smaller poll table");
    else
        doc = ro_pollcsv_parse(path, buf, len, finalists, err);
    free(buf);
    return doc;
}
