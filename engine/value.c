/*
 * value.c — one node of the parsed document → one checked value, with an
 * error at the node when it is not what the schema expects.
 *
 * Owns the typed readers (strings, ids, numbers in a range, integers,
 * dates, enums, booleans), key look-up in mappings, unknown-key and
 * unknown-name messages with a "did you mean" suggestion, and the sorted
 * id indexes. The schema itself (which key holds which type) lives in the
 * section loaders, scenario*.c and transfers.c. Numbers are read strictly
 * (decimal notation only, no quotes) because YAML would otherwise accept
 * "0x10", "nan" or "'5'" where a forecast input was meant.
 */
#include "value.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"

/* --------------------------------------------------------------- errors */

runoff_status ro_value_bad(ro_loader *L, const ro_node *n, const char *fmt, ...)
{
    char msg[sizeof L->err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ro_error_set(L->err, RUNOFF_EINPUT, ro_node_file(L->doc, n), ro_node_line(n),
                        ro_node_column(n), "%s", msg);
}

runoff_status ro_value_nomem(ro_loader *L)
{
    return ro_error_set(L->err, RUNOFF_ENOMEM, ro_doc_name(L->doc), 0, 0, "out of memory");
}

/* Levenshtein distance, capped: names longer than 64 bytes are never "close". */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static const char *name_at(ro_name_list l, size_t i)
{
    if (l.stride == 0)
        return ((const char *const *)l.base)[i];
    return (const char *)l.base + i * l.stride;
}

/* " (did you mean 'x'?)" for the closest name within distance 2, else "". */
const char *ro_value_suggestion(const char *word, ro_name_list l, char *buf, size_t size)
{
    size_t best = 3;
    const char *pick = NULL;
    for (size_t i = 0; i < l.n; i++) {
        if (name_at(l, i)[0] == '\0') /* an optional name not given */
            continue;
        size_t d = edit_distance(word, name_at(l, i));
        if (d < best) {
            best = d;
            pick = name_at(l, i);
        }
    }
    if (pick == NULL)
        buf[0] = '\0';
    else
        snprintf(buf, size, " (did you mean '%s'?)", pick);
    return buf;
}

static ro_name_list keys_list(const char *const *keys)
{
    size_t n = 0;
    while (keys[n] != NULL)
        n++;
    return (ro_name_list){keys, n, 0};
}

/* Every key of map must be in keys (NULL-terminated). */
runoff_status ro_value_check_keys(ro_loader *L, const ro_node *map, const char *const *keys,
                                  const char *what)
{
    ro_name_list allowed = keys_list(keys);
    for (size_t i = 0; i < ro_node_len(map); i++) {
        const ro_node *k = ro_node_key(map, i);
        bool ok = false;
        for (size_t j = 0; j < allowed.n && !ok; j++)
            ok = strcmp(ro_node_text(k), keys[j]) == 0;
        if (ok)
            continue;
        char list[512] = "", hint[128];
        size_t used = 0;
        for (size_t j = 0; j < allowed.n && used < sizeof list; j++)
            used +=
                (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "", keys[j]);
        return ro_value_bad(L, k, "unknown key '%s' in %s, expected one of: %s%s", ro_node_text(k),
                            what, list,
                            ro_value_suggestion(ro_node_text(k), allowed, hint, sizeof hint));
    }
    return RUNOFF_OK;
}

/* -------------------------------------------------------- node → value */

runoff_status ro_value_need_kind(ro_loader *L, const ro_node *n, const char *key, ro_node_kind kind)
{
    if (ro_node_kind_of(n) == kind)
        return RUNOFF_OK;
    return ro_value_bad(L, n, "'%s' is %s, expected %s", key, ro_node_kind_name(n),
                        kind == RO_NODE_MAPPING    ? "a mapping"
                        : kind == RO_NODE_SEQUENCE ? "a list"
                                                   : "a value");
}

/* A scalar that is not null; `expected` completes "expected ...". */
static runoff_status need_scalar(ro_loader *L, const ro_node *n, const char *label,
                                 const char *expected)
{
    if (ro_node_kind_of(n) != RO_NODE_SCALAR)
        return ro_value_bad(L, n, "%s is %s, expected %s", label, ro_node_kind_name(n), expected);
    if (ro_node_is_null(n))
        return ro_value_bad(L, n, "%s is empty, expected %s", label, expected);
    return RUNOFF_OK;
}

runoff_status ro_value_string(ro_loader *L, const ro_node *n, const char *label, char *buf,
                              size_t size)
{
    runoff_status st = need_scalar(L, n, label, "a string");
    if (st != RUNOFF_OK)
        return st;
    if (ro_node_text_len(n) == 0) /* quoted '' */
        return ro_value_bad(L, n, "%s is empty, expected a string", label);
    if (ro_node_text_len(n) >= size)
        return ro_value_bad(L, n, "%s is %zu bytes long, expected at most %zu", label,
                            ro_node_text_len(n), size - 1);
    memcpy(buf, ro_node_text(n), ro_node_text_len(n) + 1);
    return RUNOFF_OK;
}

runoff_status ro_value_id(ro_loader *L, const ro_node *n, const char *label, char buf[RO_ID_MAX])
{
    runoff_status st = ro_value_string(L, n, label, buf, RO_ID_MAX);
    if (st != RUNOFF_OK)
        return st;
    for (const char *c = buf; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
            return ro_value_bad(L, n,
                                "%s '%s' has the character '%c', expected only a-z, 0-9, _ and -",
                                label, buf, *c);
    return RUNOFF_OK;
}

static bool is_inf_text(const char *t)
{
    if (*t == '+')
        t++;
    return strcmp(t, ".inf") == 0 || strcmp(t, ".Inf") == 0 || strcmp(t, ".INF") == 0;
}

/* Decimal notation only: refuses hex, nan, inf, spaces and trailing junk
 * that strtod alone would accept. */
static bool is_decimal(const char *p)
{
    int digits = 0;
    if (*p == '+' || *p == '-')
        p++;
    for (; *p >= '0' && *p <= '9'; p++)
        digits++;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            digits++;
    if (digits == 0)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

const ro_range ro_range_percent = {0, 100, false, false, false, "0..100"};
const ro_range ro_range_percent_open = {0, 100, true, true, false, "a percentage in (0,100)"};
const ro_range ro_range_positive = {0, INFINITY, true, false, false, "a number > 0"};
const ro_range ro_range_nonneg = {0, INFINITY, false, false, false, "a number >= 0"};
const ro_range ro_range_concentration = {0, INFINITY, true, false, true, "a number > 0 or .inf"};
const ro_range ro_range_unit = {0, 1, false, false, false, "a number in 0..1"};
/* ln 0.5 * age / half_life must stay finite for any age between two dates
 * (under 4e6 days), and so must the differences of such log weights. */
const ro_range ro_range_half_life = {1e-6, INFINITY, false, false, false,
                                     "a number >= 0.000001 (days)"};

runoff_status ro_value_number(ro_loader *L, const ro_node *n, const char *label, const ro_range *r,
                              double *out)
{
    runoff_status st = need_scalar(L, n, label, r->expect);
    if (st != RUNOFF_OK)
        return st;
    const char *t = ro_node_text(n);
    if (ro_node_quoted(n))
        return ro_value_bad(L, n, "%s is a quoted string, expected %s", label, r->expect);
    double v;
    if (r->allow_inf && is_inf_text(t)) {
        v = INFINITY;
    } else if (!is_decimal(t)) {
        return ro_value_bad(L, n, "%s is '%s', expected %s", label, t, r->expect);
    } else {
        errno = 0;
        v = strtod(t, NULL);
        if (!isfinite(v))
            return ro_value_bad(L, n, "%s is %s, too large, expected %s", label, t, r->expect);
        /* 1e-400 would silently become 0 (and 5e-324 lose all precision):
         * refused like 1e400, since a tiny value is never meant. */
        if (errno == ERANGE || (v != 0 && fabs(v) < 1e-307))
            return ro_value_bad(L, n, "%s is %s, too small (nonzero and below 1e-307 in magnitude), "
                                "expected %s", label, t, r->expect);
    }
    bool low = r->lo_open ? !(v > r->lo) : !(v >= r->lo);
    bool high = r->hi_open ? !(v < r->hi) : !(v <= r->hi);
    if (low || high)
        return ro_value_bad(L, n, "%s is %s, expected %s", label, t, r->expect);
    *out = v;
    return RUNOFF_OK;
}

runoff_status ro_value_uint(ro_loader *L, const ro_node *n, const char *label, uint64_t lo,
                            uint64_t hi, uint64_t *out)
{
    char expect[96];
    snprintf(expect, sizeof expect, "an integer in %llu..%llu", (unsigned long long)lo,
             (unsigned long long)hi);
    runoff_status st = need_scalar(L, n, label, expect);
    if (st != RUNOFF_OK)
        return st;
    const char *t = ro_node_text(n);
    if (ro_node_quoted(n))
        return ro_value_bad(L, n, "%s is a quoted string, expected %s", label, expect);
    const char *digits = t[0] == '-' || t[0] == '+' ? t + 1 : t;
    bool ok = *digits != '\0';
    for (const char *c = digits; *c && ok; c++)
        ok = *c >= '0' && *c <= '9';
    if (!ok)
        return ro_value_bad(L, n, "%s is '%s', expected %s", label, t, expect);
    errno = 0;
    unsigned long long v = strtoull(digits, NULL, 10);
    /* "-0" is refused too: a minus sign has no place in a count or a seed. */
    if (errno == ERANGE || t[0] == '-' || v < lo || v > hi)
        return ro_value_bad(L, n, "%s is %s, expected %s", label, t, expect);
    *out = v;
    return RUNOFF_OK;
}

static runoff_status node_date(ro_loader *L, const ro_node *n, const char *label, int32_t *out)
{
    runoff_status st = need_scalar(L, n, label, "a date YYYY-MM-DD");
    if (st != RUNOFF_OK)
        return st;
    if (!ro_date_parse(ro_node_text(n), out))
        return ro_value_bad(L, n, "%s is '%s', expected a real date YYYY-MM-DD", label,
                            ro_node_text(n));
    return RUNOFF_OK;
}

/* One of names[] (NULL-terminated); *out is its index. */
static runoff_status node_enum(ro_loader *L, const ro_node *n, const char *label,
                               const char *const *names, int *out)
{
    ro_name_list l = keys_list(names);
    char expect[256] = "", hint[128];
    size_t used = 0;
    for (size_t i = 0; i < l.n; i++)
        used += (size_t)snprintf(expect + used, sizeof expect - used, "%s%s",
                                 i == 0 ? "" : i + 1 == l.n ? " or " : ", ", names[i]);
    runoff_status st = need_scalar(L, n, label, expect);
    if (st != RUNOFF_OK)
        return st;
    for (size_t i = 0; i < l.n; i++)
        if (strcmp(ro_node_text(n), names[i]) == 0) {
            *out = (int)i;
            return RUNOFF_OK;
        }
    return ro_value_bad(L, n, "%s is '%s', expected %s%s", label, ro_node_text(n), expect,
                        ro_value_suggestion(ro_node_text(n), l, hint, sizeof hint));
}

runoff_status ro_value_bool(ro_loader *L, const ro_node *n, const char *label, bool *out)
{
    static const char *const names[] = {"false", "true", "False", "True", "FALSE", "TRUE", NULL};
    runoff_status st = need_scalar(L, n, label, "true or false");
    if (st != RUNOFF_OK)
        return st;
    for (int i = 0; names[i] != NULL; i++)
        if (!ro_node_quoted(n) && strcmp(ro_node_text(n), names[i]) == 0) {
            *out = i % 2 == 1;
            return RUNOFF_OK;
        }
    return ro_value_bad(L, n, "%s is '%s', expected true or false", label, ro_node_text(n));
}

/* ------------------------------------------------ mapping key → value */

runoff_status ro_value_field(ro_loader *L, const ro_node *map, const char *key, const char *what,
                             bool required, const ro_node **out)
{
    *out = ro_node_get(map, key, NULL);
    if (*out == NULL && required)
        return ro_value_bad(L, map, "missing key '%s' in %s", key, what);
    return RUNOFF_OK;
}

runoff_status ro_value_get_map(ro_loader *L, const ro_node *map, const char *key, const char *what,
                               bool required, const ro_node **out)
{
    runoff_status st = ro_value_field(L, map, key, what, required, out);
    if (st != RUNOFF_OK || *out == NULL)
        return st;
    return ro_value_need_kind(L, *out, key, RO_NODE_MAPPING);
}

runoff_status ro_value_get_list(ro_loader *L, const ro_node *map, const char *key, const char *what,
                                bool required, size_t max, const ro_node **out)
{
    runoff_status st = ro_value_field(L, map, key, what, required, out);
    if (st != RUNOFF_OK || *out == NULL)
        return st;
    if ((st = ro_value_need_kind(L, *out, key, RO_NODE_SEQUENCE)) != RUNOFF_OK)
        return st;
    if (ro_node_len(*out) > max)
        return ro_value_bad(L, *out, "'%s' has %zu items, expected at most %zu", key,
                            ro_node_len(*out), max);
    for (size_t i = 0; i < ro_node_len(*out); i++) {
        const ro_node *item = ro_node_value(*out, i);
        if (ro_node_kind_of(item) != RO_NODE_MAPPING)
            return ro_value_bad(L, item, "item %zu of '%s' is %s, expected a mapping", i, key,
                                ro_node_kind_name(item));
    }
    return RUNOFF_OK;
}

#define KEY_LABEL 80

/* The scalar getters below are this look-up followed by their node
 * reader: *n = the value under key (NULL when absent), label = "'key'". */
static runoff_status keyed(ro_loader *L, const ro_node *map, const char *key, const char *what,
                           bool required, const ro_node **n, char label[KEY_LABEL])
{
    snprintf(label, KEY_LABEL, "'%s'", key);
    return ro_value_field(L, map, key, what, required, n);
}

runoff_status ro_value_get_string(ro_loader *L, const ro_node *map, const char *key,
                                  const char *what, bool required, char *buf, size_t size)
{
    const ro_node *n;
    char label[KEY_LABEL];
    runoff_status st = keyed(L, map, key, what, required, &n, label);
    return st != RUNOFF_OK || n == NULL ? st : ro_value_string(L, n, label, buf, size);
}

runoff_status ro_value_get_number(ro_loader *L, const ro_node *map, const char *key,
                                  const char *what, bool required, const ro_range *r, double *out)
{
    const ro_node *n;
    char label[KEY_LABEL];
    runoff_status st = keyed(L, map, key, what, required, &n, label);
    return st != RUNOFF_OK || n == NULL ? st : ro_value_number(L, n, label, r, out);
}

runoff_status ro_value_get_number_or_estimate(ro_loader *L, const ro_node *map, const char *key,
                                              const char *what, const ro_range *r, double *out)
{
    const ro_node *n;
    char label[KEY_LABEL];
    runoff_status st = keyed(L, map, key, what, false, &n, label);
    if (st != RUNOFF_OK || n == NULL)
        return st;
    if (ro_node_kind_of(n) == RO_NODE_SCALAR && strcmp(ro_node_text(n), "estimate") == 0) {
        *out = NAN;
        return RUNOFF_OK;
    }
    return ro_value_number(L, n, label, r, out);
}

runoff_status ro_value_get_percent(ro_loader *L, const ro_node *map, const char *key,
                                   const char *what, bool required, const ro_range *r, double *out)
{
    double v = *out * 100;
    runoff_status st = ro_value_get_number(L, map, key, what, required, r, &v);
    if (st == RUNOFF_OK)
        *out = v / 100;
    return st;
}

runoff_status ro_value_get_uint(ro_loader *L, const ro_node *map, const char *key, const char *what,
                                uint64_t lo, uint64_t hi, uint64_t *out)
{
    const ro_node *n;
    char label[KEY_LABEL];
    runoff_status st = keyed(L, map, key, what, false, &n, label);
    return st != RUNOFF_OK || n == NULL ? st : ro_value_uint(L, n, label, lo, hi, out);
}

runoff_status ro_value_get_date(ro_loader *L, const ro_node *map, const char *key, const char *what,
                                bool required, int32_t *out, const ro_node **node)
{
    char label[KEY_LABEL];
    runoff_status st = keyed(L, map, key, what, required, node, label);
    return st != RUNOFF_OK || *node == NULL ? st : node_date(L, *node, label, out);
}

runoff_status ro_value_get_enum(ro_loader *L, const ro_node *map, const char *key, const char *what,
                                const char *const *names, int *out)
{
    const ro_node *n;
    char label[KEY_LABEL];
    runoff_status st = keyed(L, map, key, what, false, &n, label);
    return st != RUNOFF_OK || n == NULL ? st : node_enum(L, n, label, names, out);
}

ro_pos ro_value_pos(const ro_node *n) { return (ro_pos){ro_node_line(n), ro_node_column(n)}; }

/* ------------------------------------------------------- sorted indexes */

/* Ties broken by address, i.e. by position in the array, so that equal
 * names appear in file order. */
static int cmp_name_ptr(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int c = strcmp(x, y);
    return c != 0 ? c : (x > y) - (x < y);
}

static int cmp_name_key(const void *key, const void *elem)
{
    return strcmp(*(const char *const *)key, *(const char *const *)elem);
}

static size_t index_of(const ro_name_index *ix, const char *name)
{
    return (size_t)(name - (const char *)ix->list.base) / ix->list.stride;
}

runoff_status ro_value_index_build(ro_loader *L, ro_name_index *ix, ro_name_list list)
{
    ix->list = list;
    ix->sorted = ro_malloc((list.n ? list.n : 1) * sizeof *ix->sorted);
    if (ix->sorted == NULL)
        return ro_value_nomem(L);
    for (size_t i = 0; i < list.n; i++)
        ix->sorted[i] = name_at(list, i);
    qsort(ix->sorted, list.n, sizeof *ix->sorted, cmp_name_ptr);
    return RUNOFF_OK;
}

/* Index of name in the original array, or -1. */
static long index_find(const ro_name_index *ix, const char *name)
{
    const char **hit = bsearch(&name, ix->sorted, ix->list.n, sizeof *ix->sorted, cmp_name_key);
    return hit == NULL ? -1 : (long)index_of(ix, *hit);
}

void ro_value_index_free(ro_name_index *ix) { free(ix->sorted); }

#define RO_OPTION_EXPECTED "a first_round option id"

/* *out = index of name; unknown names are an error at n that says what was
 * expected and suggests a close name. */
runoff_status ro_value_lookup(ro_loader *L, const ro_node *n, const char *name,
                              const ro_name_index *ix, const char *what, const char *expected,
                              long *out)
{
    char hint[160];
    *out = index_find(ix, name);
    if (*out >= 0)
        return RUNOFF_OK;
    return ro_value_bad(L, n, "unknown %s '%s', expected %s%s", what, name, expected,
                        ro_value_suggestion(name, ix->list, hint, sizeof hint));
}

const char *ro_value_where(ro_loader *L, const ro_node *first, const ro_node *at, char *buf,
                           size_t size)
{
    const char *f = ro_node_file(L->doc, first);
    if (strcmp(f, ro_node_file(L->doc, at)) == 0)
        snprintf(buf, size, "line %d", ro_node_line(first));
    else
        snprintf(buf, size, "%s:%d:%d", f, ro_node_line(first), ro_node_column(first));
    return buf;
}

/* Names must be unique: reports the first repeat in file order, at its
 * `key` node, pointing back at the first occurrence. */
runoff_status ro_value_check_unique(ro_loader *L, const ro_node *seq, const char *key,
                                    const char *what, const ro_name_index *ix)
{
    size_t first = 0, second = SIZE_MAX;
    for (size_t i = 1; i < ix->list.n; i++) {
        bool opens_group = i == 1 || strcmp(ix->sorted[i - 2], ix->sorted[i - 1]) != 0;
        size_t later = index_of(ix, ix->sorted[i]);
        if (ix->sorted[i][0] == '\0') /* optional names (poll ids) not given */
            continue;
        if (opens_group && strcmp(ix->sorted[i - 1], ix->sorted[i]) == 0 && later < second) {
            first = index_of(ix, ix->sorted[i - 1]);
            second = later;
        }
    }
    if (second == SIZE_MAX)
        return RUNOFF_OK;
    const ro_node *a = ro_node_get(ro_node_value(seq, first), key, NULL);
    const ro_node *b = ro_node_get(ro_node_value(seq, second), key, NULL);
    char where[600];
    return ro_value_bad(L, b, "%s '%s' is used twice (first at %s), expected each %s once",
                        what, ro_node_text(b), ro_value_where(L, a, b, where, sizeof where),
                        what);
}

/* A mapping finalist id → percent (plus "none" when with_none); out[] gets
 * the percentages in A, B, none order. `whose` names the owner in messages. */
static runoff_status load_shares(ro_loader *L, const ro_node *shares, bool with_none, double out[3],
                                 bool given[3])
{
    const runoff_scenario *s = L->s;
    const char *ids[3] = {s->finalist[0].id, s->finalist[1].id, "none"};
    size_t n_ids = with_none ? 3 : 2;
    bool seen[3] = {false, false, false};
    for (size_t i = 0; i < ro_node_len(shares); i++) {
        const ro_node *k = ro_node_key(shares, i);
        size_t j = 0;
        while (j < n_ids && strcmp(ro_node_text(k), ids[j]) != 0)
            j++;
        if (j == n_ids) {
            char hint[128];
            return ro_value_bad(L, k, "unknown finalist '%s' in shares, expected %s%s%s%s%s%s",
                                ro_node_text(k), ids[0], with_none ? ", " : " and ", ids[1],
                                with_none ? " and " : "", with_none ? ids[2] : "",
                                ro_value_suggestion(ro_node_text(k), (ro_name_list){ids, n_ids, 0},
                                                    hint, sizeof hint));
        }
        char label[RO_ID_MAX + 32];
        snprintf(label, sizeof label, "share for '%s'", ids[j]);
        runoff_status st =
            ro_value_number(L, ro_node_value(shares, i), label, &ro_range_percent, &out[j]);
        if (st != RUNOFF_OK)
            return st;
        seen[j] = true;
    }
    if (given != NULL) {
        size_t n_seen = 0;
        for (size_t j = 0; j < n_ids; j++)
            n_seen += (given[j] = seen[j]);
        if (n_seen > 0)
            return RUNOFF_OK;
    }
    for (size_t j = 0; j < n_ids; j++)
        if (!seen[j])
            return ro_value_bad(L, shares, "missing share for '%s', expected shares for %s%s%s%s%s",
                                ids[j], ids[0], with_none ? ", " : " and ", ids[1],
                                with_none ? " and " : "", with_none ? ids[2] : "");
    return RUNOFF_OK;
}

runoff_status ro_value_get_shares(ro_loader *L, const ro_node *map, const char *what,
                                  bool with_none, double out[3], const ro_node **node)
{
    runoff_status st = ro_value_get_map(L, map, "shares", what, true, node);
    if (st != RUNOFF_OK)
        return st;
    return load_shares(L, *node, with_none, out, NULL);
}

runoff_status ro_value_get_shares_partial(ro_loader *L, const ro_node *map, const char *what,
                                          double out[3], bool given[3], const ro_node **node)
{
    runoff_status st = ro_value_get_map(L, map, "shares", what, true, node);
    if (st != RUNOFF_OK)
        return st;
    return load_shares(L, *node, true, out, given);
}

/* start <= end <= election date, for polls and transfer surveys. */
runoff_status ro_value_fieldwork(ro_loader *L, const ro_node *item, const char *what,
                                 int32_t *start, int32_t *end)
{
    const ro_node *sn, *en;
    runoff_status st;
    if ((st = ro_value_get_date(L, item, "start", what, true, start, &sn)) != RUNOFF_OK ||
        (st = ro_value_get_date(L, item, "end", what, true, end, &en)) != RUNOFF_OK)
        return st;
    char a[11], b[11];
    if (*end < *start) {
        ro_date_format(*end, a);
        ro_date_format(*start, b);
        return ro_value_bad(
            L, en, "end %s is before start %s, expected an end on or after the start", a, b);
    }
    if (*end > L->s->election_date) {
        ro_date_format(*end, a);
        ro_date_format(L->s->election_date, b);
        return ro_value_bad(
            L, en, "end %s is after the election date %s, expected an end on or before it", a, b);
    }
    return RUNOFF_OK;
}
