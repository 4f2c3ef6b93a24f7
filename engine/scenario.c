/*
 * scenario.c — a parsed runoff_doc → a validated, immutable runoff_scenario.
 *
 * This is the only place that knows the scenario schema (docs/scenario.md is
 * its contract). Every check that the rest of the engine relies on without
 * re-checking (scenario.h's invariants) is made here, once, and every refusal
 * names the node at fault as file:line:column so the user can go straight to
 * it; nodes created by --set report "--set:1:column" instead. The loader
 * reads sections in dependency order (finalists before shares, options and
 * regions before transfers and groups), so a message can always name what
 * was expected. Look-ups by id go through sorted indexes because options,
 * regions and pollsters can be numerous (see the Limits in the doc).
 */
#include "scenario.h"
#include "trend.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "error.h"

/* Limits (docs/scenario.md, "Limits"). */
#define MAX_POLLS 100000
#define MAX_SURVEYS 100000
#define MAX_REGIONS 100000
#define MAX_OPTIONS 256
#define MAX_GROUPS 1000
#define MAX_DRAWS 1000000000000ULL
#define MAX_BLOCK 10000000ULL
#define MAX_REGISTERED 1000000000000ULL

typedef struct {
    const runoff_doc *doc;
    runoff_error *err;
    runoff_scenario *s;
    const ro_node *root;
    const ro_node *options_seq; /* first_round.options, when present */
} loader;

/* ---------------------------------------------------------------- dates */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool ro_date_parse(const char *text, int32_t *days)
{
    static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (text[i] == '\0' || (dash ? text[i] != '-' : (text[i] < '0' || text[i] > '9')))
            return false;
    }
    if (text[10] != '\0')
        return false;
    int y = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
    int m = (text[5] - '0') * 10 + (text[6] - '0');
    int d = (text[8] - '0') * 10 + (text[9] - '0');
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return false;
    if (d > month_days[m - 1] + (m == 2 && is_leap(y)))
        return false;
    *days = (int32_t)days_from_civil(y, m, d);
    return true;
}

void ro_date_format(int32_t days, char buf[11])
{
    int64_t z = (int64_t)days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    y += m <= 2;
    if (y < 0)
        y = 0;
    if (y > 9999)
        y = 9999;
    int yy = (int)y;
    int digits[8] = {yy / 1000, yy / 100 % 10, yy / 10 % 10, yy % 10, m / 10, m % 10, d / 10, d % 10};
    const int at[8] = {0, 1, 2, 3, 5, 6, 8, 9};
    for (int i = 0; i < 8; i++)
        buf[at[i]] = (char)('0' + digits[i]);
    buf[4] = buf[7] = '-';
    buf[10] = '\0';
}

/* ------------------------------------------------------- alloc and free */

runoff_scenario *ro_scenario_alloc_defaults(void)
{
    runoff_scenario *s = ro_calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->aggregation.half_life_days = 7;
    s->aggregation.rolling = RO_ROLLING_LATEST;
    s->aggregation.house = RO_HOUSE_ESTIMATE;
    s->aggregation.house_shrinkage = 2;
    s->aggregation.design_effect = 1;
    s->aggregation.method = RO_AGG_DYNAMIC;
    s->aggregation.daily_sd = NAN;
    s->aggregation.poll_sd = NAN;
    s->aggregation.house_sd = RO_DEFAULT_HOUSE_SD;
    s->aggregation.max_sample = RO_DEFAULT_MAX_SAMPLE;
    s->polling_error.dist = RO_ERRDIST_NORMAL;
    s->polling_error.df = 5;
    s->polling_error.scale = RO_DEFAULT_ERROR_SCALE;
    s->simulation.draws = 100000;
    s->simulation.seed = 1;
    s->simulation.block_size = 10000;
    s->blend.mode = RO_BLEND_POLLS;
    s->blend.weight = 0.5;
    s->blank_null.mean = 0.15;
    s->blank_null.concentration = 100;
    return s;
}

void runoff_scenario_free(runoff_scenario *s)
{
    if (s == NULL)
        return;
    free(s->polls);
    free(s->aggregation.house_fixed);
    free(s->options);
    free(s->regions);
    free(s->votes);
    free(s->transfers);
    free(s->regional_error.groups);
    free(s->actual.region_share_a);
    free(s);
}

/* --------------------------------------------------------------- errors */

static runoff_status bad(loader *L, const ro_node *n, const char *fmt, ...) RO_PRINTF(3, 4);

static runoff_status bad(loader *L, const ro_node *n, const char *fmt, ...)
{
    char msg[sizeof L->err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ro_error_set(L->err, RUNOFF_EINPUT, ro_node_file(L->doc, n), ro_node_line(n),
                        ro_node_column(n), "%s", msg);
}

static runoff_status nomem(loader *L)
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

/* Names to suggest from: n strings, each `stride` bytes after the previous
 * (an array of structs) or, with stride 0, an array of char pointers. */
typedef struct {
    const void *base;
    size_t n, stride;
} name_list;

static const char *name_at(name_list l, size_t i)
{
    if (l.stride == 0)
        return ((const char *const *)l.base)[i];
    return (const char *)l.base + i * l.stride;
}

/* " (did you mean 'x'?)" for the closest name within distance 2, else "". */
static const char *suggestion(const char *word, name_list l, char *buf, size_t size)
{
    size_t best = 3;
    const char *pick = NULL;
    for (size_t i = 0; i < l.n; i++) {
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

static name_list keys_list(const char *const *keys)
{
    size_t n = 0;
    while (keys[n] != NULL)
        n++;
    return (name_list){keys, n, 0};
}

/* Every key of map must be in keys (NULL-terminated). */
static runoff_status check_keys(loader *L, const ro_node *map, const char *const *keys,
                                const char *what)
{
    name_list allowed = keys_list(keys);
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
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "", keys[j]);
        return bad(L, k, "unknown key '%s' in %s, expected one of: %s%s", ro_node_text(k), what,
                   list, suggestion(ro_node_text(k), allowed, hint, sizeof hint));
    }
    return RUNOFF_OK;
}

/* -------------------------------------------------------- node → value */

static runoff_status need_kind(loader *L, const ro_node *n, const char *key, ro_node_kind kind)
{
    if (ro_node_kind_of(n) == kind)
        return RUNOFF_OK;
    return bad(L, n, "'%s' is %s, expected %s", key, ro_node_kind_name(n),
               kind == RO_NODE_MAPPING ? "a mapping" : kind == RO_NODE_SEQUENCE ? "a list" : "a value");
}

/* A scalar that is not null; `expected` completes "expected ...". */
static runoff_status need_scalar(loader *L, const ro_node *n, const char *label, const char *expected)
{
    if (ro_node_kind_of(n) != RO_NODE_SCALAR)
        return bad(L, n, "%s is %s, expected %s", label, ro_node_kind_name(n), expected);
    if (ro_node_is_null(n))
        return bad(L, n, "%s is empty, expected %s", label, expected);
    return RUNOFF_OK;
}

static runoff_status node_string(loader *L, const ro_node *n, const char *label, char *buf,
                                 size_t size)
{
    runoff_status st = need_scalar(L, n, label, "a string");
    if (st != RUNOFF_OK)
        return st;
    if (ro_node_text_len(n) == 0) /* quoted '' */
        return bad(L, n, "%s is empty, expected a string", label);
    if (ro_node_text_len(n) >= size)
        return bad(L, n, "%s is %zu bytes long, expected at most %zu", label, ro_node_text_len(n),
                   size - 1);
    memcpy(buf, ro_node_text(n), ro_node_text_len(n) + 1);
    return RUNOFF_OK;
}

static runoff_status node_id(loader *L, const ro_node *n, const char *label, char buf[RO_ID_MAX])
{
    runoff_status st = node_string(L, n, label, buf, RO_ID_MAX);
    if (st != RUNOFF_OK)
        return st;
    for (const char *c = buf; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
            return bad(L, n, "%s '%s' has the character '%c', expected only a-z, 0-9, _ and -",
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

typedef struct {
    double lo, hi;
    bool lo_open, hi_open;
    bool allow_inf;     /* ".inf" accepted (and only then an infinite value) */
    const char *expect; /* completes "expected ..." */
} range;

static const range R_PERCENT = {0, 100, false, false, false, "0..100"};
static const range R_PERCENT_OPEN = {0, 100, true, true, false, "a percentage in (0,100)"};
static const range R_POSITIVE = {0, INFINITY, true, false, false, "a number > 0"};
static const range R_NONNEG = {0, INFINITY, false, false, false, "a number >= 0"};
static const range R_CONCENTRATION = {0, INFINITY, true, false, true, "a number > 0 or .inf"};
static const range R_UNIT = {0, 1, false, false, false, "a number in 0..1"};
static const range R_DESIGN = {1, INFINITY, false, false, false, "a number >= 1"};
static const range R_DF = {2, INFINITY, true, false, false, "a number > 2"};
static const range R_POINTS = {-100, 100, false, false, false, "points in -100..100"};
static const range R_DAILY_SD = {RO_TREND_DAILY_SD_MIN, RO_TREND_DAILY_SD_MAX, false, false,
                                 false, "estimate or a number in 0.002..0.2"};
static const range R_POLL_SD = {0, RO_TREND_POLL_SD_MAX, false, false, false,
                                "estimate or a number in 0..0.2"};
static const range R_HOUSE_SD = {0, 1, true, false, false, "a number in (0, 1]"};
static const range R_MAX_SAMPLE = {1, 1e9, false, false, false, "a number in 1..1e9"};
/* Bounds that keep the model's arithmetic finite: a poll interviews at
 * least one person, and a logit-scale deviation beyond 100 means nothing
 * (exp(100 z) overflows for sd around 1e10, giving NaN shares). */
static const range R_SAMPLE = {1, 1e9, false, false, false, "a number in 1..1000000000"};
static const range R_LOGIT_SD = {0, 100, false, false, false, "a number in 0..100 (logit scale)"};
static const range R_LEAN = {-5, 5, false, false, false, "a number in -5..5"};

static runoff_status node_number(loader *L, const ro_node *n, const char *label, const range *r,
                                 double *out)
{
    runoff_status st = need_scalar(L, n, label, r->expect);
    if (st != RUNOFF_OK)
        return st;
    const char *t = ro_node_text(n);
    if (ro_node_quoted(n))
        return bad(L, n, "%s is a quoted string, expected %s", label, r->expect);
    double v;
    if (r->allow_inf && is_inf_text(t)) {
        v = INFINITY;
    } else if (!is_decimal(t)) {
        return bad(L, n, "%s is '%s', expected %s", label, t, r->expect);
    } else {
        errno = 0;
        v = strtod(t, NULL);
        if (!isfinite(v))
            return bad(L, n, "%s is %s, too large, expected %s", label, t, r->expect);
    }
    bool low = r->lo_open ? !(v > r->lo) : !(v >= r->lo);
    bool high = r->hi_open ? !(v < r->hi) : !(v <= r->hi);
    if (low || high)
        return bad(L, n, "%s is %s, expected %s", label, t, r->expect);
    *out = v;
    return RUNOFF_OK;
}

static runoff_status node_uint(loader *L, const ro_node *n, const char *label, uint64_t lo,
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
        return bad(L, n, "%s is a quoted string, expected %s", label, expect);
    const char *digits = t[0] == '-' || t[0] == '+' ? t + 1 : t;
    bool ok = *digits != '\0';
    for (const char *c = digits; *c && ok; c++)
        ok = *c >= '0' && *c <= '9';
    if (!ok)
        return bad(L, n, "%s is '%s', expected %s", label, t, expect);
    errno = 0;
    unsigned long long v = strtoull(digits, NULL, 10);
    bool zero = strspn(digits, "0") == strlen(digits);
    if (errno == ERANGE || (t[0] == '-' && !zero) || v < lo || v > hi)
        return bad(L, n, "%s is %s, expected %s", label, t, expect);
    *out = v;
    return RUNOFF_OK;
}

static runoff_status node_date(loader *L, const ro_node *n, const char *label, int32_t *out)
{
    runoff_status st = need_scalar(L, n, label, "a date YYYY-MM-DD");
    if (st != RUNOFF_OK)
        return st;
    if (!ro_date_parse(ro_node_text(n), out))
        return bad(L, n, "%s is '%s', expected a real date YYYY-MM-DD", label, ro_node_text(n));
    return RUNOFF_OK;
}

/* One of names[] (NULL-terminated); *out is its index. */
static runoff_status node_enum(loader *L, const ro_node *n, const char *label,
                               const char *const *names, int *out)
{
    name_list l = keys_list(names);
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
    return bad(L, n, "%s is '%s', expected %s%s", label, ro_node_text(n), expect,
               suggestion(ro_node_text(n), l, hint, sizeof hint));
}

static runoff_status node_bool(loader *L, const ro_node *n, const char *label, bool *out)
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
    return bad(L, n, "%s is '%s', expected true or false", label, ro_node_text(n));
}

/* ------------------------------------------------ mapping key → value */

/* The value under key, or NULL when absent; absent and required is an
 * error at the parent mapping. */
static runoff_status field(loader *L, const ro_node *map, const char *key, const char *what,
                           bool required, const ro_node **out)
{
    *out = ro_node_get(map, key, NULL);
    if (*out == NULL && required)
        return bad(L, map, "missing key '%s' in %s", key, what);
    return RUNOFF_OK;
}

#define LABEL(buf, key) (snprintf(buf, sizeof buf, "'%s'", key), buf)

static runoff_status get_map(loader *L, const ro_node *map, const char *key, const char *what,
                             bool required, const ro_node **out)
{
    runoff_status st = field(L, map, key, what, required, out);
    if (st != RUNOFF_OK || *out == NULL)
        return st;
    return need_kind(L, *out, key, RO_NODE_MAPPING);
}

/* A list of at most max items; each item must be a mapping. */
static runoff_status get_list(loader *L, const ro_node *map, const char *key, const char *what,
                              bool required, size_t max, const ro_node **out)
{
    runoff_status st = field(L, map, key, what, required, out);
    if (st != RUNOFF_OK || *out == NULL)
        return st;
    if ((st = need_kind(L, *out, key, RO_NODE_SEQUENCE)) != RUNOFF_OK)
        return st;
    if (ro_node_len(*out) > max)
        return bad(L, *out, "'%s' has %zu items, expected at most %zu", key, ro_node_len(*out), max);
    for (size_t i = 0; i < ro_node_len(*out); i++) {
        const ro_node *item = ro_node_value(*out, i);
        if (ro_node_kind_of(item) != RO_NODE_MAPPING)
            return bad(L, item, "item %zu of '%s' is %s, expected a mapping", i, key,
                       ro_node_kind_name(item));
    }
    return RUNOFF_OK;
}

static runoff_status get_string(loader *L, const ro_node *map, const char *key, const char *what,
                                bool required, char *buf, size_t size)
{
    const ro_node *n;
    char label[80];
    runoff_status st = field(L, map, key, what, required, &n);
    if (st != RUNOFF_OK || n == NULL)
        return st;
    return node_string(L, n, LABEL(label, key), buf, size);
}

static runoff_status get_number(loader *L, const ro_node *map, const char *key, const char *what,
                                bool required, const range *r, double *out)
{
    const ro_node *n;
    char label[80];
    runoff_status st = field(L, map, key, what, required, &n);
    if (st != RUNOFF_OK || n == NULL)
        return st;
    return node_number(L, n, LABEL(label, key), r, out);
}

/* A number in r, or the word `estimate` (then *out = NAN). */
static runoff_status get_number_or_estimate(loader *L, const ro_node *map, const char *key,
                                            const char *what, const range *r, double *out)
{
    const ro_node *n;
    char label[80];
    runoff_status st = field(L, map, key, what, false, &n);
    if (st != RUNOFF_OK || n == NULL)
        return st;
    if (ro_node_kind_of(n) == RO_NODE_SCALAR && strcmp(ro_node_text(n), "estimate") == 0) {
        *out = NAN;
        return RUNOFF_OK;
    }
    return node_number(L, n, LABEL(label, key), r, out);
}

/* Percent in the file, fraction in the scenario. */
static runoff_status get_percent(loader *L, const ro_node *map, const char *key, const char *what,
                                 bool required, const range *r, double *out)
{
    double v = *out * 100;
    runoff_status st = get_number(L, map, key, what, required, r, &v);
    if (st == RUNOFF_OK)
        *out = v / 100;
    return st;
}

static runoff_status get_uint(loader *L, const ro_node *map, const char *key, const char *what,
                              uint64_t lo, uint64_t hi, uint64_t *out)
{
    const ro_node *n;
    char label[80];
    runoff_status st = field(L, map, key, what, false, &n);
    if (st != RUNOFF_OK || n == NULL)
        return st;
    return node_uint(L, n, LABEL(label, key), lo, hi, out);
}

static runoff_status get_date(loader *L, const ro_node *map, const char *key, const char *what,
                              bool required, int32_t *out, const ro_node **node)
{
    char label[80];
    runoff_status st = field(L, map, key, what, required, node);
    if (st != RUNOFF_OK || *node == NULL)
        return st;
    return node_date(L, *node, LABEL(label, key), out);
}

static runoff_status get_enum(loader *L, const ro_node *map, const char *key, const char *what,
                              const char *const *names, int *out)
{
    const ro_node *n;
    char label[80];
    runoff_status st = field(L, map, key, what, false, &n);
    if (st != RUNOFF_OK || n == NULL)
        return st;
    return node_enum(L, n, LABEL(label, key), names, out);
}

static ro_pos pos_of(const ro_node *n) { return (ro_pos){ro_node_line(n), ro_node_column(n)}; }

/* ------------------------------------------------------- sorted indexes */

/* Names sorted for binary search; each entry points into the array of
 * structs the names live in (stride > 0), so the original index is
 * recovered from the address. */
typedef struct {
    const char **sorted;
    name_list list;
} name_index;

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

static size_t index_of(const name_index *ix, const char *name)
{
    return (size_t)(name - (const char *)ix->list.base) / ix->list.stride;
}

static runoff_status index_build(loader *L, name_index *ix, name_list list)
{
    ix->list = list;
    ix->sorted = ro_malloc((list.n ? list.n : 1) * sizeof *ix->sorted);
    if (ix->sorted == NULL)
        return nomem(L);
    for (size_t i = 0; i < list.n; i++)
        ix->sorted[i] = name_at(list, i);
    qsort(ix->sorted, list.n, sizeof *ix->sorted, cmp_name_ptr);
    return RUNOFF_OK;
}

/* Index of name in the original array, or -1. */
static long index_find(const name_index *ix, const char *name)
{
    const char **hit = bsearch(&name, ix->sorted, ix->list.n, sizeof *ix->sorted, cmp_name_key);
    return hit == NULL ? -1 : (long)index_of(ix, *hit);
}

static void index_free(name_index *ix) { free(ix->sorted); }

#define OPTION_EXPECTED "a first_round option id"
#define REGION_EXPECTED "a first_round region code"

/* *out = index of name; unknown names are an error at n that says what was
 * expected and suggests a close name. */
static runoff_status lookup(loader *L, const ro_node *n, const char *name, const name_index *ix,
                            const char *what, const char *expected, long *out)
{
    char hint[160];
    *out = index_find(ix, name);
    if (*out >= 0)
        return RUNOFF_OK;
    return bad(L, n, "unknown %s '%s', expected %s%s", what, name, expected,
               suggestion(name, ix->list, hint, sizeof hint));
}

/* ------------------------------------------------------------- election */

static runoff_status load_finalists(loader *L, const ro_node *el)
{
    static const char *const keys[] = {"id", "name", NULL};
    const ro_node *seq;
    runoff_status st = get_list(L, el, "finalists", "election", true, SIZE_MAX, &seq);
    if (st != RUNOFF_OK)
        return st;
    if (ro_node_len(seq) != 2)
        return bad(L, seq, "'finalists' has %zu item%s, expected exactly 2", ro_node_len(seq),
                   ro_node_len(seq) == 1 ? "" : "s");
    for (int i = 0; i < 2; i++) {
        const ro_node *f = ro_node_value(seq, (size_t)i), *idn;
        ro_finalist *out = &L->s->finalist[i];
        if ((st = check_keys(L, f, keys, "a finalist")) != RUNOFF_OK ||
            (st = field(L, f, "id", "a finalist", true, &idn)) != RUNOFF_OK ||
            (st = node_id(L, idn, "finalist id", out->id)) != RUNOFF_OK ||
            (st = get_string(L, f, "name", "a finalist", true, out->name, sizeof out->name)))
            return st;
        if (strcmp(out->id, "none") == 0)
            return bad(L, idn, "finalist id 'none' is reserved for the voters who choose neither "
                               "finalist in transfer shares, expected another id");
        if (i == 1 && strcmp(out->id, L->s->finalist[0].id) == 0)
            return bad(L, idn, "finalist id '%s' is used twice, expected two distinct ids", out->id);
    }
    return RUNOFF_OK;
}

static runoff_status load_election(loader *L)
{
    static const char *const keys[] = {"name", "date", "registered", "finalists", NULL};
    const ro_node *el, *n;
    runoff_scenario *s = L->s;
    runoff_status st = get_map(L, L->root, "election", "the scenario", true, &el);
    if (st != RUNOFF_OK || (st = check_keys(L, el, keys, "election")) != RUNOFF_OK ||
        (st = get_string(L, el, "name", "election", true, s->name, sizeof s->name)) != RUNOFF_OK ||
        (st = get_date(L, el, "date", "election", true, &s->election_date, &n)) != RUNOFF_OK)
        return st;
    uint64_t reg = 0;
    if ((st = get_uint(L, el, "registered", "election", 1, MAX_REGISTERED, &reg)) != RUNOFF_OK)
        return st;
    s->registered = (double)reg;
    return load_finalists(L, el);
}

/* A mapping finalist id → percent (plus "none" when with_none); out[] gets
 * the percentages in A, B, none order. `whose` names the owner in messages. */
static runoff_status load_shares(loader *L, const ro_node *shares, bool with_none, double out[3])
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
            return bad(L, k, "unknown finalist '%s' in shares, expected %s%s%s%s%s%s",
                       ro_node_text(k), ids[0], with_none ? ", " : " and ", ids[1],
                       with_none ? " and " : "", with_none ? ids[2] : "",
                       suggestion(ro_node_text(k), (name_list){ids, n_ids, 0}, hint, sizeof hint));
        }
        char label[RO_ID_MAX + 32];
        snprintf(label, sizeof label, "share for '%s'", ids[j]);
        runoff_status st = node_number(L, ro_node_value(shares, i), label, &R_PERCENT, &out[j]);
        if (st != RUNOFF_OK)
            return st;
        seen[j] = true;
    }
    for (size_t j = 0; j < n_ids; j++)
        if (!seen[j])
            return bad(L, shares, "missing share for '%s', expected shares for %s%s%s%s%s", ids[j],
                       ids[0], with_none ? ", " : " and ", ids[1], with_none ? " and " : "",
                       with_none ? ids[2] : "");
    return RUNOFF_OK;
}

static runoff_status get_shares(loader *L, const ro_node *map, const char *what, bool with_none,
                                double out[3], const ro_node **node)
{
    runoff_status st = get_map(L, map, "shares", what, true, node);
    if (st != RUNOFF_OK)
        return st;
    return load_shares(L, *node, with_none, out);
}

/* start <= end <= election date, for polls and transfer surveys. */
static runoff_status load_fieldwork(loader *L, const ro_node *item, const char *what,
                                    int32_t *start, int32_t *end)
{
    const ro_node *sn, *en;
    runoff_status st;
    if ((st = get_date(L, item, "start", what, true, start, &sn)) != RUNOFF_OK ||
        (st = get_date(L, item, "end", what, true, end, &en)) != RUNOFF_OK)
        return st;
    char a[11], b[11];
    if (*end < *start) {
        ro_date_format(*end, a);
        ro_date_format(*start, b);
        return bad(L, en, "end %s is before start %s, expected an end on or after the start", a, b);
    }
    if (*end > L->s->election_date) {
        ro_date_format(*end, a);
        ro_date_format(L->s->election_date, b);
        return bad(L, en, "end %s is after the election date %s, expected an end on or before it",
                   a, b);
    }
    return RUNOFF_OK;
}

/* ---------------------------------------------------------------- polls */

static runoff_status load_poll(loader *L, const ro_node *item, ro_poll *p)
{
    static const char *const keys[] = {"pollster", "start", "end", "sample", "shares",
                                       "population", "rolling", NULL};
    static const char *const populations[] = {"likely", "registered", "adults", NULL};
    const ro_node *shares, *n;
    double pct[3];
    int pop = RO_POP_LIKELY;
    runoff_status st;
    p->pos = pos_of(item);
    if ((st = check_keys(L, item, keys, "a poll")) != RUNOFF_OK ||
        (st = get_string(L, item, "pollster", "a poll", true, p->pollster, sizeof p->pollster)) ||
        (st = load_fieldwork(L, item, "a poll", &p->start, &p->end)) != RUNOFF_OK ||
        (st = get_number(L, item, "sample", "a poll", true, &R_SAMPLE, &p->sample)) ||
        (st = get_shares(L, item, "a poll", false, pct, &shares)) != RUNOFF_OK ||
        (st = get_enum(L, item, "population", "a poll", populations, &pop)) != RUNOFF_OK ||
        (st = field(L, item, "rolling", "a poll", false, &n)) != RUNOFF_OK ||
        (n != NULL && (st = node_bool(L, n, "'rolling'", &p->rolling)) != RUNOFF_OK))
        return st;
    if (pct[0] + pct[1] <= 0)
        return bad(L, shares, "shares add up to 0, expected a positive total");
    p->population = (ro_population)pop;
    p->share_a = pct[0];
    p->share_b = pct[1];
    p->two_way_a = pct[0] / (pct[0] + pct[1]);
    return RUNOFF_OK;
}

bool ro_scenario_uses_polls(const runoff_scenario *s)
{
    return !(s->n_options > 0 && s->n_regions > 0 && s->blend.mode == RO_BLEND_TRANSFERS);
}

static runoff_status load_polls(loader *L)
{
    const ro_node *seq;
    bool required = ro_scenario_uses_polls(L->s);
    runoff_status st = field(L, L->root, "polls", "the scenario", false, &seq);
    if (st != RUNOFF_OK)
        return st;
    if (seq == NULL && required)
        return bad(L, L->root, "missing key 'polls' in the scenario (needed unless blend.mode is "
                               "transfers)");
    if (seq == NULL)
        return RUNOFF_OK;
    if ((st = get_list(L, L->root, "polls", "the scenario", false, MAX_POLLS, &seq)) != RUNOFF_OK)
        return st;
    if (ro_node_len(seq) == 0 && required)
        return bad(L, seq, "'polls' is empty, expected at least one poll");
    L->s->polls = ro_calloc(ro_node_len(seq), sizeof *L->s->polls);
    if (L->s->polls == NULL)
        return nomem(L);
    for (size_t i = 0; i < ro_node_len(seq); i++) {
        if ((st = load_poll(L, ro_node_value(seq, i), &L->s->polls[i])) != RUNOFF_OK)
            return st;
        L->s->n_polls++;
    }
    return RUNOFF_OK;
}

/* ---------------------------------------------------------- aggregation */

static runoff_status load_house_values(loader *L, const ro_node *values)
{
    ro_aggregation *a = &L->s->aggregation;
    name_index ix;
    const void *base = L->s->n_polls > 0 ? L->s->polls[0].pollster : NULL;
    runoff_status st = index_build(L, &ix, (name_list){base, L->s->n_polls, sizeof *L->s->polls});
    if (st != RUNOFF_OK)
        return st;
    a->house_fixed = ro_calloc(ro_node_len(values), sizeof *a->house_fixed);
    if (a->house_fixed == NULL) {
        index_free(&ix);
        return nomem(L);
    }
    for (size_t i = 0; i < ro_node_len(values) && st == RUNOFF_OK; i++) {
        const ro_node *k = ro_node_key(values, i);
        ro_house_value *hv = &a->house_fixed[i];
        char label[RO_NAME_MAX + 32];
        long p;
        if ((st = lookup(L, k, ro_node_text(k), &ix, "pollster", "a pollster that appears in polls",
                         &p)) != RUNOFF_OK)
            break;
        snprintf(hv->pollster, sizeof hv->pollster, "%s", ro_node_text(k));
        snprintf(label, sizeof label, "house effect for '%s'", hv->pollster);
        st = node_number(L, ro_node_value(values, i), label, &R_POINTS, &hv->effect);
        hv->effect /= 100;
        a->n_house_fixed++;
    }
    index_free(&ix);
    return st;
}

static runoff_status load_house_effects(loader *L, const ro_node *agg)
{
    static const char *const keys[] = {"mode", "shrinkage", "sd", "values", NULL};
    static const char *const modes[] = {"estimate", "none", "fixed", NULL};
    const char *what = "aggregation.house_effects";
    ro_aggregation *a = &L->s->aggregation;
    const ro_node *he, *values, *values_key;
    int mode = (int)a->house;
    runoff_status st = get_map(L, agg, "house_effects", "aggregation", false, &he);
    if (st != RUNOFF_OK || he == NULL)
        return st;
    if ((st = check_keys(L, he, keys, what)) != RUNOFF_OK ||
        (st = get_enum(L, he, "mode", what, modes, &mode)) != RUNOFF_OK ||
        (st = get_number(L, he, "shrinkage", what, false, &R_NONNEG, &a->house_shrinkage)) ||
        (st = get_number(L, he, "sd", what, false, &R_HOUSE_SD, &a->house_sd)) != RUNOFF_OK)
        return st;
    a->house = (ro_house_mode)mode;
    values = ro_node_get(he, "values", &values_key);
    if (values == NULL && a->house == RO_HOUSE_FIXED)
        return bad(L, he, "missing key 'values' in %s, needed with mode fixed", what);
    if (values == NULL)
        return RUNOFF_OK;
    if (a->house != RO_HOUSE_FIXED)
        return bad(L, values_key, "'values' is only used with mode fixed, expected no 'values'");
    if ((st = need_kind(L, values, "values", RO_NODE_MAPPING)) != RUNOFF_OK)
        return st;
    return load_house_values(L, values);
}

/* as_of must leave a poll to average when polls are used: said here, at
 * as_of, rather than later by the averaging without a position. */
static runoff_status check_polls_left(loader *L, const ro_node *as_of)
{
    const runoff_scenario *s = L->s;
    if (!ro_scenario_uses_polls(L->s) || s->n_polls == 0)
        return RUNOFF_OK;
    int32_t first_end = s->polls[0].end;
    for (size_t i = 0; i < s->n_polls; i++) {
        if (s->polls[i].end <= s->aggregation.as_of)
            return RUNOFF_OK;
        first_end = s->polls[i].end < first_end ? s->polls[i].end : first_end;
    }
    char x[11], e[11];
    ro_date_format(s->aggregation.as_of, x);
    ro_date_format(first_end, e);
    return bad(L, as_of, "as_of %s is before the end of every poll, expected %s or later so that "
                         "a poll is left to average", x, e);
}

static runoff_status load_aggregation(loader *L)
{
    static const char *const keys[] = {"method", "half_life_days", "as_of", "rolling",
                                       "house_effects", "design_effect", "daily_sd", "poll_sd",
                                       "max_sample", NULL};
    static const char *const rolling[] = {"latest", "all", NULL};
    static const char *const methods[] = {"exponential", "dynamic", NULL};
    ro_aggregation *a = &L->s->aggregation;
    const ro_node *agg, *as_of;
    int roll = (int)a->rolling, method = (int)a->method;
    runoff_status st = get_map(L, L->root, "aggregation", "the scenario", false, &agg);
    if (st != RUNOFF_OK || agg == NULL)
        return st;
    if ((st = check_keys(L, agg, keys, "aggregation")) != RUNOFF_OK ||
        (st = get_number(L, agg, "half_life_days", "aggregation", false, &R_POSITIVE,
                         &a->half_life_days)) != RUNOFF_OK ||
        (st = get_date(L, agg, "as_of", "aggregation", false, &a->as_of, &as_of)) != RUNOFF_OK ||
        (st = get_enum(L, agg, "rolling", "aggregation", rolling, &roll)) != RUNOFF_OK ||
        (st = get_number(L, agg, "design_effect", "aggregation", false, &R_DESIGN,
                         &a->design_effect)) != RUNOFF_OK ||
        (st = get_enum(L, agg, "method", "aggregation", methods, &method)) != RUNOFF_OK ||
        (st = get_number_or_estimate(L, agg, "daily_sd", "aggregation", &R_DAILY_SD,
                                     &a->daily_sd)) != RUNOFF_OK ||
        (st = get_number_or_estimate(L, agg, "poll_sd", "aggregation", &R_POLL_SD,
                                     &a->poll_sd)) != RUNOFF_OK ||
        (st = get_number(L, agg, "max_sample", "aggregation", false, &R_MAX_SAMPLE,
                         &a->max_sample)) != RUNOFF_OK)
        return st;
    a->rolling = (ro_rolling_rule)roll;
    a->method = (ro_agg_method)method;
    if (as_of != NULL) {
        a->has_as_of = true;
        if (a->as_of > L->s->election_date) {
            char x[11], e[11];
            ro_date_format(a->as_of, x);
            ro_date_format(L->s->election_date, e);
            return bad(L, as_of, "as_of %s is after the election date %s, expected a date on or "
                                 "before it", x, e);
        }
        if ((st = check_polls_left(L, as_of)) != RUNOFF_OK)
            return st;
    }
    return load_house_effects(L, agg);
}

/* ------------------------------------------ polling error, turnout, sim */

static runoff_status load_polling_error(loader *L)
{
    static const char *const keys[] = {"distribution", "df", "scale", NULL};
    static const char *const dists[] = {"normal", "student_t", NULL};
    ro_polling_error *pe = &L->s->polling_error;
    const ro_node *m;
    int dist = (int)pe->dist;
    runoff_status st = get_map(L, L->root, "polling_error", "the scenario", false, &m);
    if (st != RUNOFF_OK || m == NULL)
        return st;
    if ((st = check_keys(L, m, keys, "polling_error")) != RUNOFF_OK ||
        (st = get_enum(L, m, "distribution", "polling_error", dists, &dist)) != RUNOFF_OK ||
        (st = get_number(L, m, "df", "polling_error", false, &R_DF, &pe->df)) != RUNOFF_OK ||
        (st = get_percent(L, m, "scale", "polling_error", false, &R_PERCENT, &pe->scale)))
        return st;
    pe->dist = (ro_error_dist)dist;
    const ro_node *scale = ro_node_get(m, "scale", NULL);
    if (scale != NULL)
        pe->scale_pos = pos_of(scale);
    return RUNOFF_OK;
}

static runoff_status load_turnout(loader *L)
{
    static const char *const keys[] = {"mean", "sd", NULL};
    ro_turnout *t = &L->s->turnout;
    const ro_node *m, *sd;
    runoff_status st = get_map(L, L->root, "turnout", "the scenario", false, &m);
    if (st != RUNOFF_OK || m == NULL)
        return st;
    if ((st = check_keys(L, m, keys, "turnout")) != RUNOFF_OK ||
        (st = get_percent(L, m, "mean", "turnout", true, &R_PERCENT_OPEN, &t->mean)) ||
        (st = get_percent(L, m, "sd", "turnout", false, &R_PERCENT, &t->sd)) != RUNOFF_OK)
        return st;
    t->given = true;
    /* A Beta distribution with this mean exists only below this sd. */
    double max_sd = sqrt(t->mean * (1 - t->mean));
    if (t->sd >= max_sd && (sd = ro_node_get(m, "sd", NULL)) != NULL)
        return bad(L, sd, "'sd' is %s, expected less than %.4g for mean %.4g (sd^2 < mean(1-mean))",
                   ro_node_text(sd), 100 * max_sd, 100 * t->mean);
    return RUNOFF_OK;
}

static runoff_status load_simulation(loader *L)
{
    static const char *const keys[] = {"draws", "seed", "block_size", NULL};
    ro_simulation *sim = &L->s->simulation;
    const ro_node *m;
    uint64_t block = sim->block_size;
    runoff_status st = get_map(L, L->root, "simulation", "the scenario", false, &m);
    if (st != RUNOFF_OK || m == NULL)
        return st;
    if ((st = check_keys(L, m, keys, "simulation")) != RUNOFF_OK ||
        (st = get_uint(L, m, "draws", "simulation", 1, MAX_DRAWS, &sim->draws)) != RUNOFF_OK ||
        (st = get_uint(L, m, "seed", "simulation", 0, UINT64_MAX, &sim->seed)) != RUNOFF_OK ||
        (st = get_uint(L, m, "block_size", "simulation", 1, MAX_BLOCK, &block)) != RUNOFF_OK)
        return st;
    sim->block_size = (uint32_t)block;
    return RUNOFF_OK;
}

/* ---------------------------------------------------------- first round */

/* Names must be unique: reports the first repeat in file order, at its
 * `key` node, pointing back at the first occurrence. */
static runoff_status check_unique(loader *L, const ro_node *seq, const char *key,
                                  const char *what, const name_index *ix)
{
    size_t first = 0, second = SIZE_MAX;
    for (size_t i = 1; i < ix->list.n; i++) {
        bool opens_group = i == 1 || strcmp(ix->sorted[i - 2], ix->sorted[i - 1]) != 0;
        size_t later = index_of(ix, ix->sorted[i]);
        if (opens_group && strcmp(ix->sorted[i - 1], ix->sorted[i]) == 0 && later < second) {
            first = index_of(ix, ix->sorted[i - 1]);
            second = later;
        }
    }
    if (second == SIZE_MAX)
        return RUNOFF_OK;
    const ro_node *a = ro_node_get(ro_node_value(seq, first), key, NULL);
    const ro_node *b = ro_node_get(ro_node_value(seq, second), key, NULL);
    return bad(L, b, "%s '%s' is used twice (first at line %d), expected each %s once", what,
               ro_node_text(b), ro_node_line(a), what);
}

static runoff_status load_options(loader *L, const ro_node *fr, name_index *ix)
{
    static const char *const keys[] = {"id", "name", "kind", NULL};
    static const char *const kinds[] = {"candidate", "abstention", "blank_null", NULL};
    runoff_scenario *s = L->s;
    const ro_node *seq, *idn;
    runoff_status st = get_list(L, fr, "options", "first_round", true, MAX_OPTIONS, &seq);
    if (st != RUNOFF_OK)
        return st;
    if (ro_node_len(seq) == 0)
        return bad(L, seq, "'options' is empty, expected at least one option");
    L->options_seq = seq;
    s->options = ro_calloc(ro_node_len(seq), sizeof *s->options);
    if (s->options == NULL)
        return nomem(L);
    for (size_t i = 0; i < ro_node_len(seq); i++) {
        const ro_node *item = ro_node_value(seq, i);
        ro_option *o = &s->options[i];
        int kind = RO_OPT_CANDIDATE;
        if ((st = check_keys(L, item, keys, "a first-round option")) != RUNOFF_OK ||
            (st = field(L, item, "id", "a first-round option", true, &idn)) != RUNOFF_OK ||
            (st = node_id(L, idn, "option id", o->id)) != RUNOFF_OK ||
            (st = get_string(L, item, "name", "a first-round option", false, o->name,
                             sizeof o->name)) != RUNOFF_OK ||
            (st = get_enum(L, item, "kind", "a first-round option", kinds, &kind)) != RUNOFF_OK)
            return st;
        if (o->name[0] == '\0')
            memcpy(o->name, o->id, sizeof o->id);
        o->kind = (ro_option_kind)kind;
        s->n_options++;
    }
    if ((st = index_build(L, ix, (name_list){s->options[0].id, s->n_options, sizeof *s->options})))
        return st;
    return check_unique(L, seq, "id", "option id", ix);
}

/* One region's votes: every option exactly once, summing to registered. */
static runoff_status load_votes(loader *L, const ro_node *votes, size_t r, const name_index *opts,
                                bool *seen)
{
    runoff_scenario *s = L->s;
    double sum = 0;
    memset(seen, 0, s->n_options * sizeof *seen);
    for (size_t i = 0; i < ro_node_len(votes); i++) {
        const ro_node *k = ro_node_key(votes, i);
        long o;
        char label[RO_ID_MAX + 32];
        runoff_status st = lookup(L, k, ro_node_text(k), opts, "option", OPTION_EXPECTED, &o);
        if (st != RUNOFF_OK)
            return st;
        snprintf(label, sizeof label, "votes for '%s'", ro_node_text(k));
        double *v = &s->votes[(size_t)o * s->n_regions + r];
        if ((st = node_number(L, ro_node_value(votes, i), label, &R_NONNEG, v)) != RUNOFF_OK)
            return st;
        seen[o] = true;
        sum += *v;
    }
    for (size_t o = 0; o < s->n_options; o++)
        if (!seen[o])
            return bad(L, votes, "missing votes for option '%s', expected votes for every "
                                   "first_round option", s->options[o].id);
    double reg = s->regions[r].registered;
    if (fabs(sum - reg) > fmax(1, 1e-6 * reg))
        return bad(L, votes, "votes add up to %.15g, expected the %.15g registered (within %.15g)",
                   sum, reg, fmax(1, 1e-6 * reg));
    return RUNOFF_OK;
}

static runoff_status load_region(loader *L, const ro_node *item, size_t r, const name_index *opts,
                                 bool *seen)
{
    static const char *const keys[] = {"code", "name", "registered", "votes", NULL};
    const char *what = "a region";
    ro_region *g = &L->s->regions[r];
    const ro_node *votes, *n;
    uint64_t reg = 0;
    runoff_status st;
    g->pos = pos_of(item);
    g->group = -1;
    if ((st = check_keys(L, item, keys, what)) != RUNOFF_OK ||
        (st = get_string(L, item, "code", what, true, g->code, sizeof g->code)) != RUNOFF_OK ||
        (st = get_string(L, item, "name", what, false, g->name, sizeof g->name)) != RUNOFF_OK ||
        (st = field(L, item, "registered", what, true, &n)) != RUNOFF_OK ||
        (st = node_uint(L, n, "'registered'", 1, MAX_REGISTERED, &reg)) != RUNOFF_OK ||
        (st = get_map(L, item, "votes", what, true, &votes)) != RUNOFF_OK)
        return st;
    if (g->name[0] == '\0')
        memcpy(g->name, g->code, sizeof g->code);
    g->registered = (double)reg;
    return load_votes(L, votes, r, opts, seen);
}

static runoff_status load_first_round(loader *L, const ro_node *fr, name_index *opts,
                                      name_index *regs)
{
    static const char *const keys[] = {"options", "regions", NULL};
    runoff_scenario *s = L->s;
    const ro_node *seq;
    runoff_status st;
    if ((st = check_keys(L, fr, keys, "first_round")) != RUNOFF_OK ||
        (st = load_options(L, fr, opts)) != RUNOFF_OK ||
        (st = get_list(L, fr, "regions", "first_round", true, MAX_REGIONS, &seq)) != RUNOFF_OK)
        return st;
    size_t n = ro_node_len(seq);
    if (n == 0)
        return bad(L, seq, "'regions' is empty, expected at least one region");
    s->regions = ro_calloc(n, sizeof *s->regions);
    s->votes = ro_calloc(n * s->n_options, sizeof *s->votes);
    bool *seen = ro_calloc(s->n_options, sizeof *seen);
    if (s->regions == NULL || s->votes == NULL || seen == NULL) {
        free(seen);
        return nomem(L);
    }
    s->n_regions = n;
    for (size_t r = 0; r < n && st == RUNOFF_OK; r++)
        st = load_region(L, ro_node_value(seq, r), r, opts, seen);
    free(seen);
    if (st != RUNOFF_OK)
        return st;
    if ((st = index_build(L, regs, (name_list){s->regions[0].code, n, sizeof *s->regions})))
        return st;
    return check_unique(L, seq, "code", "region code", regs);
}

/* ------------------------------------------------------------ transfers */

/* shares (finalist ids + none, percent) → fractions summing to exactly 1. */
static runoff_status load_transfer_shares(loader *L, const ro_node *item, const char *what,
                                          const char *whose, double mean[3])
{
    const ro_node *shares;
    double pct[3];
    runoff_status st = get_shares(L, item, what, true, pct, &shares);
    if (st != RUNOFF_OK)
        return st;
    double sum = pct[0] + pct[1] + pct[2];
    if (fabs(sum - 100) > 0.5)
        return bad(L, shares, "transfer shares for '%s' add up to %.1f, expected 100 ± 0.5", whose,
                   sum);
    for (int j = 0; j < 3; j++)
        mean[j] = pct[j] / sum;
    return RUNOFF_OK;
}

/* The option a row or survey is about, as an index into options. */
static runoff_status get_option_ref(loader *L, const ro_node *item, const char *what,
                                    const name_index *opts, size_t *out)
{
    const ro_node *n;
    char id[RO_ID_MAX];
    runoff_status st = field(L, item, "option", what, true, &n);
    if (st != RUNOFF_OK || (st = node_string(L, n, "'option'", id, sizeof id)) != RUNOFF_OK)
        return st;
    long o;
    if ((st = lookup(L, n, id, opts, "option", OPTION_EXPECTED, &o)) != RUNOFF_OK)
        return st;
    *out = (size_t)o;
    return RUNOFF_OK;
}

typedef struct {
    const ro_node **row;  /* [n_options] the explicit row, or NULL */
    double *acc;          /* [n_options * 4]: weighted A, B, none, total weight */
    const ro_node **first_survey;
} transfer_work;

static runoff_status load_rows(loader *L, const ro_node *tr, double conc, const name_index *opts,
                               transfer_work *w)
{
    static const char *const keys[] = {"option", "shares", "concentration", NULL};
    const char *what = "a transfer row";
    const ro_node *seq;
    runoff_status st = get_list(L, tr, "rows", "transfers", false, MAX_OPTIONS, &seq);
    for (size_t i = 0; st == RUNOFF_OK && seq != NULL && i < ro_node_len(seq); i++) {
        const ro_node *item = ro_node_value(seq, i);
        size_t o;
        if ((st = check_keys(L, item, keys, what)) != RUNOFF_OK ||
            (st = get_option_ref(L, item, what, opts, &o)) != RUNOFF_OK)
            return st;
        if (w->row[o] != NULL)
            return bad(L, ro_node_get(item, "option", NULL),
                       "second row for option '%s' (first at line %d), expected one row per option",
                       L->s->options[o].id,
                       ro_node_line(w->row[o]));
        ro_transfer *t = &L->s->transfers[o];
        t->concentration = conc;
        t->pos = pos_of(item);
        w->row[o] = item;
        if ((st = load_transfer_shares(L, item, what, L->s->options[o].id, t->mean)) ||
            (st = get_number(L, item, "concentration", what, false, &R_CONCENTRATION,
                             &t->concentration)) != RUNOFF_OK)
            return st;
    }
    return st;
}

/* Surveys are averaged with the polls' recency rule: weight
 * 0.5^(age / half_life), age from the fieldwork midpoint to as_of (or the
 * election date); surveys that end after as_of are not yet known. */
static runoff_status load_surveys(loader *L, const ro_node *tr, double half_life,
                                  const name_index *opts, transfer_work *w)
{
    static const char *const keys[] = {"pollster", "start", "end", "option", "shares", NULL};
    const char *what = "a transfer survey";
    const ro_aggregation *a = &L->s->aggregation;
    int32_t ref = a->has_as_of ? a->as_of : L->s->election_date;
    const ro_node *seq;
    runoff_status st = get_list(L, tr, "surveys", "transfers", false, MAX_SURVEYS, &seq);
    for (size_t i = 0; st == RUNOFF_OK && seq != NULL && i < ro_node_len(seq); i++) {
        const ro_node *item = ro_node_value(seq, i);
        char pollster[RO_NAME_MAX];
        int32_t start, end;
        double mean[3];
        size_t o;
        if ((st = check_keys(L, item, keys, what)) != RUNOFF_OK ||
            (st = get_string(L, item, "pollster", what, true, pollster, sizeof pollster)) ||
            (st = load_fieldwork(L, item, what, &start, &end)) != RUNOFF_OK ||
            (st = get_option_ref(L, item, what, opts, &o)) != RUNOFF_OK ||
            (st = load_transfer_shares(L, item, what, L->s->options[o].id, mean)) != RUNOFF_OK)
            return st;
        if (end > ref)
            continue;
        double age = ref - 0.5 * ((double)start + (double)end);
        double weight = pow(0.5, age / half_life);
        double *acc = &w->acc[4 * o];
        for (int j = 0; j < 3; j++)
            acc[j] += weight * mean[j];
        acc[3] += weight;
        if (w->first_survey[o] == NULL)
            w->first_survey[o] = item;
    }
    return st;
}

static runoff_status load_none_blank_null(loader *L, const ro_node *tr)
{
    static const char *const keys[] = {"mean", "concentration", NULL};
    const char *what = "transfers.none_blank_null";
    const ro_node *m;
    runoff_status st = get_map(L, tr, "none_blank_null", "transfers", false, &m);
    if (st != RUNOFF_OK || m == NULL)
        return st;
    if ((st = check_keys(L, m, keys, what)) != RUNOFF_OK ||
        (st = get_percent(L, m, "mean", what, false, &R_PERCENT_OPEN, &L->s->blank_null.mean)))
        return st;
    return get_number(L, m, "concentration", what, false, &R_CONCENTRATION,
                      &L->s->blank_null.concentration);
}

/* Picks each option's row: explicit, else survey average, else default. */
static runoff_status resolve_transfers(loader *L, const transfer_work *w, double survey_conc,
                                       const ro_node *def, const ro_transfer *def_row)
{
    runoff_scenario *s = L->s;
    for (size_t o = 0; o < s->n_options; o++) {
        ro_transfer *t = &s->transfers[o];
        const double *acc = &w->acc[4 * o];
        if (w->row[o] != NULL)
            continue;
        if (acc[3] > 0) {
            double sum = acc[0] + acc[1] + acc[2];
            for (int j = 0; j < 3; j++)
                t->mean[j] = acc[j] / sum;
            t->concentration = survey_conc;
            t->pos = pos_of(w->first_survey[o]);
        } else if (def != NULL) {
            *t = *def_row;
        } else {
            return bad(L, ro_node_value(L->options_seq, o),
                       "no transfer row for option '%s' (give a row, a survey or a default)",
                       s->options[o].id);
        }
    }
    return RUNOFF_OK;
}

/* transfers.adjust: {option: {finalist id | none: percent}}. Applied after
 * each row is resolved (row, survey average or default): the given shares
 * replace the row's, and the shares not given are rescaled in proportion
 * so the row still adds up to 100 (split equally if they were all zero).
 * This is how a sweep moves one share of a row without ever producing a
 * row that does not add up (docs/scenario.md). */
static runoff_status adjust_row(loader *L, const ro_node *row, const char *whose, ro_transfer *t)
{
    const runoff_scenario *s = L->s;
    const char *ids[3] = {s->finalist[0].id, s->finalist[1].id, "none"};
    bool given[3] = {false, false, false};
    double val[3] = {0, 0, 0}, sum_given = 0, sum_rest = 0;
    int n_rest = 0;
    runoff_status st;
    for (size_t j = 0; j < ro_node_len(row); j++) {
        const ro_node *k = ro_node_key(row, j);
        int c = 0;
        while (c < 3 && strcmp(ro_node_text(k), ids[c]) != 0)
            c++;
        if (c == 3) {
            char hint[128];
            return bad(L, k, "unknown share '%s' in transfers.adjust.%s, expected %s, %s or none%s",
                       ro_node_text(k), whose, ids[0], ids[1],
                       suggestion(ro_node_text(k), (name_list){ids, 3, 0}, hint, sizeof hint));
        }
        char label[RO_ID_MAX + 32];
        snprintf(label, sizeof label, "share for '%s'", ids[c]);
        if ((st = node_number(L, ro_node_value(row, j), label, &R_PERCENT, &val[c])) != RUNOFF_OK)
            return st;
        val[c] /= 100;
        given[c] = true;
        sum_given += val[c];
    }
    for (int c = 0; c < 3; c++)
        if (!given[c]) {
            sum_rest += t->mean[c];
            n_rest++;
        }
    if (n_rest == 0 ? fabs(sum_given - 1) > 0.005 : sum_given > 1.005)
        return bad(L, row, "adjusted shares for '%s' add up to %.1f, expected %s", whose,
                   100 * sum_given, n_rest == 0 ? "100 ± 0.5" : "at most 100");
    double rest = sum_given < 1 ? 1 - sum_given : 0;
    double total = sum_given + rest;
    for (int c = 0; c < 3; c++) {
        double v = given[c] ? val[c]
                   : sum_rest > 0 ? t->mean[c] * rest / sum_rest
                                  : rest / n_rest;
        t->mean[c] = v / total;
    }
    return RUNOFF_OK;
}

static runoff_status load_adjust(loader *L, const ro_node *tr, const name_index *opts)
{
    const ro_node *adj;
    runoff_status st = get_map(L, tr, "adjust", "transfers", false, &adj);
    for (size_t i = 0; st == RUNOFF_OK && adj != NULL && i < ro_node_len(adj); i++) {
        const ro_node *k = ro_node_key(adj, i), *row = ro_node_value(adj, i);
        long o;
        if ((st = lookup(L, k, ro_node_text(k), opts, "option", OPTION_EXPECTED, &o)) != RUNOFF_OK)
            return st;
        if (ro_node_kind_of(row) != RO_NODE_MAPPING)
            return bad(L, row, "'transfers.adjust.%s' is %s, expected a mapping of shares "
                               "{finalist id or none: percent}", ro_node_text(k),
                       ro_node_kind_name(row));
        st = adjust_row(L, row, ro_node_text(k), &L->s->transfers[o]);
    }
    return st;
}

static runoff_status load_transfers_body(loader *L, const ro_node *tr, const name_index *opts,
                                         transfer_work *w)
{
    static const char *const keys[] = {"concentration", "half_life_days", "rows", "surveys",
                                       "default", "none_blank_null", "adjust", NULL};
    static const char *const def_keys[] = {"shares", "concentration", NULL};
    ro_transfer def_row = {.concentration = 100};
    double half_life = 7;
    const ro_node *def;
    runoff_status st;
    if ((st = check_keys(L, tr, keys, "transfers")) != RUNOFF_OK ||
        (st = get_number(L, tr, "concentration", "transfers", false, &R_CONCENTRATION,
                         &def_row.concentration)) != RUNOFF_OK ||
        (st = get_number(L, tr, "half_life_days", "transfers", false, &R_POSITIVE, &half_life)) ||
        (st = load_rows(L, tr, def_row.concentration, opts, w)) != RUNOFF_OK ||
        (st = load_surveys(L, tr, half_life, opts, w)) != RUNOFF_OK ||
        (st = get_map(L, tr, "default", "transfers", false, &def)) != RUNOFF_OK ||
        (st = load_none_blank_null(L, tr)) != RUNOFF_OK)
        return st;
    double section_conc = def_row.concentration;
    if (def != NULL) {
        def_row.pos = pos_of(def);
        if ((st = check_keys(L, def, def_keys, "transfers.default")) != RUNOFF_OK ||
            (st = load_transfer_shares(L, def, "transfers.default", "default", def_row.mean)) ||
            (st = get_number(L, def, "concentration", "transfers.default", false,
                             &R_CONCENTRATION, &def_row.concentration)) != RUNOFF_OK)
            return st;
    }
    /* Survey averages take the section's concentration, not the default's. */
    if ((st = resolve_transfers(L, w, section_conc, def, &def_row)) != RUNOFF_OK)
        return st;
    return load_adjust(L, tr, opts);
}

static runoff_status load_transfers(loader *L, const name_index *opts)
{
    runoff_scenario *s = L->s;
    const ro_node *tr;
    runoff_status st = get_map(L, L->root, "transfers", "the scenario", true, &tr);
    if (st != RUNOFF_OK)
        return st;
    transfer_work w = {0};
    s->transfers = ro_calloc(s->n_options, sizeof *s->transfers);
    w.row = ro_calloc(s->n_options, sizeof *w.row);
    w.first_survey = ro_calloc(s->n_options, sizeof *w.first_survey);
    w.acc = ro_calloc(4 * s->n_options, sizeof *w.acc);
    if (s->transfers == NULL || w.row == NULL || w.first_survey == NULL || w.acc == NULL)
        st = nomem(L);
    else
        st = load_transfers_body(L, tr, opts, &w);
    free(w.row);
    free(w.first_survey);
    free(w.acc);
    return st;
}

/* ------------------------------------------------------ regional error */

static runoff_status load_group(loader *L, const ro_node *item, int gi, const name_index *regs)
{
    static const char *const keys[] = {"name", "sd", "regions", NULL};
    const char *what = "a region group";
    ro_region_group *g = &L->s->regional_error.groups[gi];
    const ro_node *codes;
    runoff_status st;
    if ((st = check_keys(L, item, keys, what)) != RUNOFF_OK ||
        (st = get_string(L, item, "name", what, true, g->name, sizeof g->name)) != RUNOFF_OK ||
        (st = get_number(L, item, "sd", what, true, &R_LOGIT_SD, &g->sd)) != RUNOFF_OK ||
        (st = field(L, item, "regions", what, true, &codes)) != RUNOFF_OK ||
        (st = need_kind(L, codes, "regions", RO_NODE_SEQUENCE)) != RUNOFF_OK)
        return st;
    for (int h = 0; h < gi; h++)
        if (strcmp(L->s->regional_error.groups[h].name, g->name) == 0)
            return bad(L, ro_node_get(item, "name", NULL), "group name '%s' is used twice, expected unique group names",
                       g->name);
    for (size_t i = 0; i < ro_node_len(codes); i++) {
        const ro_node *c = ro_node_value(codes, i);
        char code[RO_ID_MAX];
        if ((st = node_string(L, c, "region code", code, sizeof code)) != RUNOFF_OK)
            return st;
        long r;
        if ((st = lookup(L, c, code, regs, "region", REGION_EXPECTED, &r)) != RUNOFF_OK)
            return st;
        ro_region *reg = &L->s->regions[r];
        if (reg->group >= 0)
            return bad(L, c, "region '%s' is already in group '%s', expected each region in at "
                             "most one group", code,
                       L->s->regional_error.groups[reg->group].name);
        reg->group = gi;
    }
    return RUNOFF_OK;
}

/* local_lean reads each region's first-round balance between the two
 * finalists' own options, found by id (docs/model.md §5). */
static runoff_status check_lean_options(loader *L, const ro_node *m)
{
    if (L->s->regional_error.local_lean == 0)
        return RUNOFF_OK;
    for (int f = 0; f < 2; f++)
        if (ro_scenario_finalist_option(L->s, f) < 0)
            return bad(L, ro_node_get(m, "local_lean", NULL),
                       "local_lean needs a first-round option with the id of finalist '%s', "
                       "expected the finalists among first_round.options",
                       L->s->finalist[f].id);
    return RUNOFF_OK;
}

long ro_scenario_finalist_option(const runoff_scenario *s, int finalist)
{
    for (size_t o = 0; o < s->n_options; o++)
        if (strcmp(s->options[o].id, s->finalist[finalist].id) == 0)
            return (long)o;
    return -1;
}

static runoff_status load_regional_error(loader *L, const name_index *regs)
{
    static const char *const keys[] = {"sd", "transfer_sd", "local_lean", "groups", NULL};
    ro_regional_error *re = &L->s->regional_error;
    const ro_node *m, *seq;
    runoff_status st = get_map(L, L->root, "regional_error", "the scenario", false, &m);
    if (st != RUNOFF_OK || m == NULL)
        return st;
    if ((st = check_keys(L, m, keys, "regional_error")) != RUNOFF_OK ||
        (st = get_number(L, m, "sd", "regional_error", false, &R_LOGIT_SD, &re->sd)) ||
        (st = get_number(L, m, "transfer_sd", "regional_error", false, &R_LOGIT_SD,
                         &re->transfer_sd)) ||
        (st = get_number(L, m, "local_lean", "regional_error", false, &R_LEAN,
                         &re->local_lean)) ||
        (st = check_lean_options(L, m)) != RUNOFF_OK ||
        (st = get_list(L, m, "groups", "regional_error", false, MAX_GROUPS, &seq)) != RUNOFF_OK ||
        seq == NULL)
        return st;
    re->groups = ro_calloc(ro_node_len(seq), sizeof *re->groups);
    if (re->groups == NULL)
        return nomem(L);
    for (size_t i = 0; i < ro_node_len(seq); i++) {
        if ((st = load_group(L, ro_node_value(seq, i), (int)i, regs)) != RUNOFF_OK)
            return st;
        re->n_groups++;
    }
    return RUNOFF_OK;
}

static runoff_status load_blend(loader *L)
{
    static const char *const keys[] = {"mode", "weight", NULL};
    static const char *const modes[] = {"polls", "transfers", "mix", NULL};
    ro_blend *b = &L->s->blend;
    const ro_node *m;
    int mode = (int)b->mode;
    runoff_status st = get_map(L, L->root, "blend", "the scenario", false, &m);
    if (st != RUNOFF_OK || m == NULL)
        return st;
    if ((st = check_keys(L, m, keys, "blend")) != RUNOFF_OK ||
        (st = get_enum(L, m, "mode", "blend", modes, &mode)) != RUNOFF_OK ||
        (st = get_number(L, m, "weight", "blend", false, &R_UNIT, &b->weight)) != RUNOFF_OK)
        return st;
    b->mode = (ro_blend_mode)mode;
    return RUNOFF_OK;
}

/* --------------------------------------------------------------- actual */

static runoff_status load_actual_regions(loader *L, const ro_node *seq, const name_index *regs)
{
    static const char *const keys[] = {"code", "shares", NULL};
    const char *what = "an actual region";
    ro_actual *a = &L->s->actual;
    const ro_node **seen_at = NULL;
    runoff_status st = RUNOFF_OK;
    a->region_share_a = ro_malloc(L->s->n_regions * sizeof *a->region_share_a);
    seen_at = ro_calloc(L->s->n_regions, sizeof *seen_at);
    if (a->region_share_a == NULL || seen_at == NULL) {
        free(seen_at);
        return nomem(L);
    }
    for (size_t r = 0; r < L->s->n_regions; r++)
        a->region_share_a[r] = NAN;
    for (size_t i = 0; i < ro_node_len(seq) && st == RUNOFF_OK; i++) {
        const ro_node *item = ro_node_value(seq, i), *cn, *shares;
        char code[RO_ID_MAX];
        double pct[3];
        if ((st = check_keys(L, item, keys, what)) != RUNOFF_OK ||
            (st = field(L, item, "code", what, true, &cn)) != RUNOFF_OK ||
            (st = node_string(L, cn, "'code'", code, sizeof code)) != RUNOFF_OK)
            break;
        long r;
        if ((st = lookup(L, cn, code, regs, "region", REGION_EXPECTED, &r)) != RUNOFF_OK) {
            break;
        } else if (seen_at[r] != NULL) {
            st = bad(L, cn, "region '%s' is listed twice (first at line %d), expected each region once", code,
                     ro_node_line(seen_at[r]));
        } else if ((st = get_shares(L, item, what, false, pct, &shares)) == RUNOFF_OK) {
            seen_at[r] = cn;
            if (pct[0] + pct[1] <= 0)
                st = bad(L, shares, "shares add up to 0, expected a positive total");
            else
                a->region_share_a[r] = pct[0] / (pct[0] + pct[1]);
        }
    }
    free(seen_at);
    return st;
}

static runoff_status load_actual(loader *L, const name_index *regs)
{
    static const char *const keys[] = {"shares", "turnout", "blank_null", "regions", NULL};
    ro_actual *a = &L->s->actual;
    const ro_node *m, *n, *regions_key;
    runoff_status st = get_map(L, L->root, "actual", "the scenario", false, &m);
    if (st != RUNOFF_OK || m == NULL)
        return st;
    if ((st = check_keys(L, m, keys, "actual")) != RUNOFF_OK)
        return st;
    if (ro_node_get(m, "shares", NULL) != NULL) {
        double pct[3];
        if ((st = get_shares(L, m, "actual", false, pct, &n)) != RUNOFF_OK)
            return st;
        if (pct[0] + pct[1] <= 0)
            return bad(L, n, "shares add up to 0, expected a positive total");
        a->has_share = true;
        a->share_a = pct[0] / (pct[0] + pct[1]);
    }
    a->has_turnout = ro_node_get(m, "turnout", NULL) != NULL;
    a->has_blank_null = ro_node_get(m, "blank_null", NULL) != NULL;
    if ((st = get_percent(L, m, "turnout", "actual", false, &R_PERCENT, &a->turnout)) ||
        (st = get_percent(L, m, "blank_null", "actual", false, &R_PERCENT, &a->blank_null)) ||
        (st = get_list(L, m, "regions", "actual", false, MAX_REGIONS, &n)) != RUNOFF_OK || n == NULL)
        return st;
    if (L->s->n_regions == 0) {
        ro_node_get(m, "regions", &regions_key);
        return bad(L, regions_key, "'regions' needs 'first_round', expected no actual.regions");
    }
    return load_actual_regions(L, n, regs);
}

/* ---------------------------------------------------------------- whole */

static const char *const top_keys[] = {"election", "polls", "aggregation", "polling_error",
                                       "turnout", "simulation", "first_round", "transfers",
                                       "regional_error", "blend", "actual", "sweep", NULL};

/* sweep: {vary: {KEY: SPEC, ...}, zip: bool}. Only the shape is checked
 * here; the specs are parsed by sweep.c, which reports their positions. A
 * plain run ignores the section. */
static runoff_status load_sweep(loader *L)
{
    static const char *const keys[] = {"vary", "zip", NULL};
    const ro_node *sw, *vary, *zip;
    bool z;
    runoff_status st = get_map(L, L->root, "sweep", "the scenario", false, &sw);
    if (st != RUNOFF_OK || sw == NULL)
        return st;
    if ((st = check_keys(L, sw, keys, "sweep")) != RUNOFF_OK ||
        (st = get_map(L, sw, "vary", "sweep", true, &vary)) != RUNOFF_OK ||
        (st = field(L, sw, "zip", "sweep", false, &zip)) != RUNOFF_OK ||
        (zip != NULL && (st = node_bool(L, zip, "'zip'", &z)) != RUNOFF_OK))
        return st;
    if (ro_node_len(vary) == 0)
        return bad(L, vary, "'vary' is empty, expected at least one entry KEY.PATH: SPEC");
    for (size_t i = 0; i < ro_node_len(vary); i++) {
        const ro_node *v = ro_node_value(vary, i);
        if (ro_node_kind_of(v) != RO_NODE_SCALAR || ro_node_text_len(v) == 0)
            return bad(L, v, "sweep.vary.%s is %s, expected a range a:b:step, a date range or a "
                             "list a,b,c", ro_node_text(ro_node_key(vary, i)),
                       ro_node_kind_of(v) == RO_NODE_SCALAR ? "empty" : ro_node_kind_name(v));
    }
    return RUNOFF_OK;
}

/* Sections that only mean something with a first round. */
static runoff_status check_needs_first_round(loader *L)
{
    static const char *const needing[] = {"transfers", "regional_error", "blend"};
    for (size_t i = 0; i < sizeof needing / sizeof *needing; i++) {
        const ro_node *k;
        if (ro_node_get(L->root, needing[i], &k) != NULL)
            return bad(L, k, "'%s' needs 'first_round', expected no '%s' in a national scenario",
                       needing[i], needing[i]);
    }
    return RUNOFF_OK;
}

static runoff_status load_all(loader *L, name_index *opts, name_index *regs)
{
    const ro_node *fr;
    runoff_status st;
    if ((st = check_keys(L, L->root, top_keys, "the scenario")) != RUNOFF_OK ||
        (st = load_election(L)) != RUNOFF_OK ||
        (st = get_map(L, L->root, "first_round", "the scenario", false, &fr)) != RUNOFF_OK)
        return st;
    if (fr == NULL)
        st = check_needs_first_round(L);
    else if ((st = load_first_round(L, fr, opts, regs)) == RUNOFF_OK)
        st = load_blend(L);
    if (st != RUNOFF_OK || (st = load_polls(L)) != RUNOFF_OK ||
        (st = load_aggregation(L)) != RUNOFF_OK || (st = load_polling_error(L)) != RUNOFF_OK ||
        (st = load_turnout(L)) != RUNOFF_OK || (st = load_simulation(L)) != RUNOFF_OK)
        return st;
    if (fr != NULL && ((st = load_transfers(L, opts)) != RUNOFF_OK ||
                       (st = load_regional_error(L, regs)) != RUNOFF_OK))
        return st;
    if ((st = load_actual(L, regs)) != RUNOFF_OK)
        return st;
    return load_sweep(L);
}

runoff_scenario *runoff_scenario_from_doc(const runoff_doc *doc, runoff_error *err)
{
    loader L = {.doc = doc, .err = err, .root = ro_doc_root(doc)};
    name_index opts = {0}, regs = {0};
    L.s = ro_scenario_alloc_defaults();
    if (L.s == NULL) {
        nomem(&L);
        return NULL;
    }
    snprintf(L.s->source, sizeof L.s->source, "%s", ro_doc_name(doc));
    runoff_status st = load_all(&L, &opts, &regs);
    index_free(&opts);
    index_free(&regs);
    if (st != RUNOFF_OK) {
        runoff_scenario_free(L.s);
        return NULL;
    }
    return L.s;
}

/* Apply the overrides to doc, validate, and free doc in every case. */
static runoff_scenario *load_doc(runoff_doc *doc, const char *const *sets, size_t n_sets,
                                 runoff_error *err)
{
    if (doc == NULL)
        return NULL;
    runoff_scenario *s = NULL;
    size_t i = 0;
    while (i < n_sets && runoff_doc_set(doc, sets[i], err) == RUNOFF_OK)
        i++;
    if (i == n_sets)
        s = runoff_scenario_from_doc(doc, err);
    runoff_doc_free(doc);
    return s;
}

runoff_scenario *runoff_scenario_load(const char *path, const char *const *sets, size_t n_sets,
                                      runoff_error *err)
{
    return load_doc(runoff_doc_parse_file(path, err), sets, n_sets, err);
}

runoff_scenario *runoff_scenario_load_buffer(const char *display_name, const char *buf,
                                             size_t len, const char *const *sets,
                                             size_t n_sets, runoff_error *err)
{
    return load_doc(runoff_doc_parse_buffer(display_name, buf, len, err), sets, n_sets, err);
}

/* ------------------------------------------------------------- describe */

static const char *const population_names[] = {"likely", "registered", "adults"};
static const char *const house_names[] = {"estimate", "none", "fixed"};
static const char *const blend_names[] = {"polls", "transfers", "mix"};

static void describe_polls(const runoff_scenario *s, FILE *out)
{
    const ro_aggregation *a = &s->aggregation;
    char d1[11], d2[11];
    if (s->n_polls == 0) {
        fprintf(out, "polls         none\n");
    } else {
        int32_t lo = s->polls[0].start, hi = s->polls[0].end;
        size_t counts[3] = {0, 0, 0};
        for (size_t i = 0; i < s->n_polls; i++) {
            lo = s->polls[i].start < lo ? s->polls[i].start : lo;
            hi = s->polls[i].end > hi ? s->polls[i].end : hi;
            counts[s->polls[i].population]++;
        }
        ro_date_format(lo, d1);
        ro_date_format(hi, d2);
        fprintf(out, "polls         %zu, fieldwork %s .. %s (", s->n_polls, d1, d2);
        for (int p = 0, sep = 0; p < 3; p++)
            if (counts[p] > 0)
                fprintf(out, "%s%zu %s", sep++ ? ", " : "", counts[p], population_names[p]);
        fprintf(out, ")\n");
    }
    if (a->method == RO_AGG_DYNAMIC) {
        char daily[32] = "estimate", poll[32] = "estimate"; /* NAN = estimate */
        if (!isnan(a->daily_sd))
            snprintf(daily, sizeof daily, "%g", a->daily_sd);
        if (!isnan(a->poll_sd))
            snprintf(poll, sizeof poll, "%g", a->poll_sd);
        fprintf(out, "aggregation   dynamic, daily sd %s, poll sd %s, sample cap %g", daily, poll,
                a->max_sample);
    } else {
        fprintf(out, "aggregation   exponential, half-life %g days", a->half_life_days);
    }
    if (a->has_as_of) {
        ro_date_format(a->as_of, d1);
        fprintf(out, ", as of %s", d1);
    }
    fprintf(out, ", rolling %s, house effects %s", a->rolling == RO_ROLLING_ALL ? "all" : "latest",
            house_names[a->house]);
    if (a->house == RO_HOUSE_ESTIMATE && a->method == RO_AGG_EXPONENTIAL)
        fprintf(out, " (shrinkage %g)", a->house_shrinkage);
    if (a->house == RO_HOUSE_ESTIMATE && a->method == RO_AGG_DYNAMIC)
        fprintf(out, " (sd %g)", a->house_sd);
    if (a->house == RO_HOUSE_FIXED)
        fprintf(out, " (%zu pollsters)", a->n_house_fixed);
    fprintf(out, ", design effect %g\n", a->design_effect);
}

static void describe_first_round(const runoff_scenario *s, FILE *out)
{
    double registered = 0;
    for (size_t r = 0; r < s->n_regions; r++)
        registered += s->regions[r].registered;
    fprintf(out, "first round   %zu options, %zu regions, %.0f registered\n", s->n_options,
            s->n_regions, registered);
    fprintf(out, "transfers     %-16s %7s %7s %7s  %s\n", "option", s->finalist[0].id,
            s->finalist[1].id, "none", "concentration");
    for (size_t o = 0; o < s->n_options; o++) {
        const ro_transfer *t = &s->transfers[o];
        fprintf(out, "              %-16s %6.1f%% %6.1f%% %6.1f%%  %g\n", s->options[o].id,
                100 * t->mean[RO_TO_A], 100 * t->mean[RO_TO_B], 100 * t->mean[RO_TO_NONE],
                t->concentration);
    }
    fprintf(out, "none column   %.1f %% blank or null (concentration %g)\n",
            100 * s->blank_null.mean, s->blank_null.concentration);
    fprintf(out, "regional      sd %g, %zu groups\n", s->regional_error.sd,
            s->regional_error.n_groups);
    fprintf(out, "blend         %s", blend_names[s->blend.mode]);
    if (s->blend.mode == RO_BLEND_MIX)
        fprintf(out, " (poll weight %g)", s->blend.weight);
    fprintf(out, "\n");
}

static void describe_actual(const ro_actual *a, size_t n_regions, FILE *out)
{
    if (!a->has_share && !a->has_turnout && !a->has_blank_null && a->region_share_a == NULL)
        return;
    fprintf(out, "actual       ");
    if (a->has_share)
        fprintf(out, " A %.2f %%", 100 * a->share_a);
    if (a->has_turnout)
        fprintf(out, " turnout %.2f %%", 100 * a->turnout);
    if (a->has_blank_null)
        fprintf(out, " blank/null %.2f %%", 100 * a->blank_null);
    if (a->region_share_a != NULL) {
        size_t given = 0;
        for (size_t r = 0; r < n_regions; r++)
            given += !isnan(a->region_share_a[r]);
        fprintf(out, " %zu regions", given);
    }
    fprintf(out, "\n");
}

int runoff_scenario_describe(const runoff_scenario *s, FILE *out)
{
    char date[11];
    ro_date_format(s->election_date, date);
    fprintf(out, "scenario      %s (%s)\n", s->name, s->source);
    fprintf(out, "election      %s\n", date);
    fprintf(out, "finalists     A = %s (%s), B = %s (%s)\n", s->finalist[0].name, s->finalist[0].id,
            s->finalist[1].name, s->finalist[1].id);
    if (s->registered > 0)
        fprintf(out, "registered    %.0f\n", s->registered);
    describe_polls(s, out);
    const ro_polling_error *pe = &s->polling_error;
    fprintf(out, "polling error %s, scale %g points",
            pe->dist == RO_ERRDIST_STUDENT_T ? "student_t" : "normal", 100 * pe->scale);
    if (pe->dist == RO_ERRDIST_STUDENT_T)
        fprintf(out, ", df %g", pe->df);
    fprintf(out, "\n");
    if (s->turnout.given)
        fprintf(out, "turnout       mean %.1f %%, sd %.1f %%\n", 100 * s->turnout.mean,
                100 * s->turnout.sd);
    fprintf(out, "simulation    %llu draws, seed %llu, blocks of %u\n",
            (unsigned long long)s->simulation.draws, (unsigned long long)s->simulation.seed,
            (unsigned)s->simulation.block_size);
    if (s->n_options > 0)
        describe_first_round(s, out);
    describe_actual(&s->actual, s->n_regions, out);
    return ferror(out) ? -1 : 0;
}

int runoff_scenario_warnings(const runoff_scenario *s, FILE *out)
{
    int n = 0;
    if (s->n_polls > 0 && ro_scenario_uses_polls(s) && s->polling_error.scale == 0) {
        fprintf(out, "runoff: %s:%d:%d: warning: polling_error.scale is 0: the forecast ignores "
                     "systematic polling error (the default is %g points)\n",
                s->source, s->polling_error.scale_pos.line, s->polling_error.scale_pos.column,
                100 * RO_DEFAULT_ERROR_SCALE);
        n++;
    }
    return n;
}

const char *runoff_scenario_name(const runoff_scenario *s) { return s->name; }

const char *runoff_scenario_finalist_id(const runoff_scenario *s, int finalist)
{
    return s->finalist[finalist != 0].id;
}
