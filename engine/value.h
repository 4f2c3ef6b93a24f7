/*
 * value.h — the typed-value reader shared by the scenario loaders
 * (scenario.c, scenario_polls.c, scenario_regions.c, transfers.c); internal to
 * the engine.
 *
 * Every reader takes the loader, reads one node of the parsed document and
 * either stores a checked value or returns RUNOFF_EINPUT with an error
 * record at that node (file:line:column, "--set:1:column" for overrides)
 * that names the key, the value found and what was expected. Nothing here
 * allocates except ro_value_index_build. Outputs are left untouched on
 * failure and when an optional key is absent, so a caller presets them to
 * the default.
 *
 * Labels: the ro_value_<type> readers take the label used in messages
 * ("'sample'", "share for 'x'"); the ro_value_get_<type> readers look the
 * key up in a mapping and label the value "'key'". `what` names the
 * mapping in "missing key 'k' in <what>".
 */
#ifndef RO_VALUE_H
#define RO_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "doc.h"
#include "error.h"
#include "scenario.h"

/* The state of one load. The readers use doc and err only; the section
 * loaders fill s from root, in dependency order (docs/scenario.md), so a
 * reader of one section can rely on the sections read before it. */
typedef struct {
    const runoff_doc *doc;
    runoff_error *err;
    runoff_scenario *s;         /* being built; owned by the caller */
    const ro_node *root;
    const ro_node *options_seq; /* first_round.options, when present */
} ro_loader;

/* RUNOFF_EINPUT at node n, with a printf message. */
runoff_status ro_value_bad(ro_loader *L, const ro_node *n, const char *fmt, ...) RO_PRINTF(3, 4);
/* RUNOFF_ENOMEM, at the document. */
runoff_status ro_value_nomem(ro_loader *L);

/* ---- names and suggestions */

/* n names, each `stride` bytes after the previous (an array of structs)
 * or, with stride 0, an array of char pointers. */
typedef struct {
    const void *base;
    size_t n, stride;
} ro_name_list;

/* " (did you mean 'x'?)" in buf for the name of l closest to word (edit
 * distance at most 2), else ""; returns buf. */
const char *ro_value_suggestion(const char *word, ro_name_list l, char *buf, size_t size);

/* Every key of map is one of keys (NULL-terminated); an unknown key lists
 * them all and suggests the closest. */
runoff_status ro_value_check_keys(ro_loader *L, const ro_node *map, const char *const *keys,
                                  const char *what);

/* n is a mapping, a list or a scalar as kind says; key names it. */
runoff_status ro_value_need_kind(ro_loader *L, const ro_node *n, const char *key,
                                 ro_node_kind kind);

/* ---- one node → one value */

/* A number's accepted interval; `expect` completes "expected ...". */
typedef struct {
    double lo, hi;
    bool lo_open, hi_open;
    bool allow_inf;     /* ".inf" accepted (and only then an infinite value) */
    const char *expect;
} ro_range;

extern const ro_range ro_range_percent;       /* 0..100 */
extern const ro_range ro_range_percent_open;  /* (0,100) */
extern const ro_range ro_range_positive;      /* > 0 */
extern const ro_range ro_range_nonneg;        /* >= 0 */
extern const ro_range ro_range_unit;          /* 0..1 */
extern const ro_range ro_range_concentration; /* > 0 or .inf */
extern const ro_range ro_range_half_life;     /* >= 1e-6 days: recency finite at any age */

/* A non-empty string shorter than size bytes, copied into buf. */
runoff_status ro_value_string(ro_loader *L, const ro_node *n, const char *label, char *buf,
                              size_t size);
/* An id: a string of a-z, 0-9, _ and - only. */
runoff_status ro_value_id(ro_loader *L, const ro_node *n, const char *label, char buf[RO_ID_MAX]);
/* A plain decimal number in r (no hex, nan, quotes; .inf only if r allows). */
runoff_status ro_value_number(ro_loader *L, const ro_node *n, const char *label, const ro_range *r,
                              double *out);
/* An unquoted decimal integer in lo..hi. */
runoff_status ro_value_uint(ro_loader *L, const ro_node *n, const char *label, uint64_t lo,
                            uint64_t hi, uint64_t *out);
/* true/false in YAML's three spellings, unquoted. */
runoff_status ro_value_bool(ro_loader *L, const ro_node *n, const char *label, bool *out);

/* ---- mapping key → value */

/* *out = the value under key, NULL when absent; absent and required is an
 * error at the mapping. */
runoff_status ro_value_field(ro_loader *L, const ro_node *map, const char *key, const char *what,
                             bool required, const ro_node **out);
runoff_status ro_value_get_map(ro_loader *L, const ro_node *map, const char *key,
                               const char *what, bool required, const ro_node **out);
/* A list of at most max items, each a mapping. */
runoff_status ro_value_get_list(ro_loader *L, const ro_node *map, const char *key,
                                const char *what, bool required, size_t max,
                                const ro_node **out);
runoff_status ro_value_get_string(ro_loader *L, const ro_node *map, const char *key,
                                  const char *what, bool required, char *buf, size_t size);
runoff_status ro_value_get_number(ro_loader *L, const ro_node *map, const char *key,
                                  const char *what, bool required, const ro_range *r,
                                  double *out);
/* A number in r, or the word `estimate` (then *out = NAN); optional. */
runoff_status ro_value_get_number_or_estimate(ro_loader *L, const ro_node *map, const char *key,
                                              const char *what, const ro_range *r, double *out);
/* A percentage in the file (r is in percent), a fraction in *out. */
runoff_status ro_value_get_percent(ro_loader *L, const ro_node *map, const char *key,
                                   const char *what, bool required, const ro_range *r,
                                   double *out);
/* Optional. */
runoff_status ro_value_get_uint(ro_loader *L, const ro_node *map, const char *key,
                                const char *what, uint64_t lo, uint64_t hi, uint64_t *out);
/* A real date YYYY-MM-DD as days (date.h); *node = its node, NULL when absent. */
runoff_status ro_value_get_date(ro_loader *L, const ro_node *map, const char *key,
                                const char *what, bool required, int32_t *out,
                                const ro_node **node);
/* One of names (NULL-terminated), optional; *out = its index. */
runoff_status ro_value_get_enum(ro_loader *L, const ro_node *map, const char *key,
                                const char *what, const char *const *names, int *out);

/* Where `first` is, said from the point of view of a message at `at`:
 * "line 12" in the same file, else "file:line:column" (e.g. "--set:1:25"
 * for a value an override wrote). Returns buf. */
const char *ro_value_where(ro_loader *L, const ro_node *first, const ro_node *at, char *buf,
                           size_t size);

/* The node's position, for structs that remember where they came from. */
ro_pos ro_value_pos(const ro_node *n);

/* ---- values that need the finalists (and election date) already read */

/* map.shares: finalist id → percent, plus "none" when with_none, each
 * exactly once, each in 0..100; out[] = percentages in A, B, none order,
 * *node = the shares mapping. */
runoff_status ro_value_get_shares(ro_loader *L, const ro_node *map, const char *what,
                                  bool with_none, double out[3], const ro_node **node);
/* The same with "none", where any non-empty subset of the three may be
 * given: given[] says which (out[] is untouched for the others); an empty
 * mapping is refused as a missing share. */
runoff_status ro_value_get_shares_partial(ro_loader *L, const ro_node *map, const char *what,
                                          double out[3], bool given[3], const ro_node **node);
/* item.start and item.end: start <= end <= the election date. */
runoff_status ro_value_fieldwork(ro_loader *L, const ro_node *item, const char *what,
                                 int32_t *start, int32_t *end);

/* ---- look-up by id */

/* Names sorted for binary search; each entry points into the array of
 * structs the names live in (stride > 0), so the original index is
 * recovered from the address. Options, regions and pollsters can be
 * numerous (see the Limits in docs/scenario.md). */
typedef struct {
    const char **sorted;
    ro_name_list list;
} ro_name_index;

/* Sorts list (stride > 0) into ix; free with ro_value_index_free. */
runoff_status ro_value_index_build(ro_loader *L, ro_name_index *ix, ro_name_list list);
void ro_value_index_free(ro_name_index *ix); /* zeroed or built */

/* Names must be unique: reports the first repeat in file order, at the
 * `key` node of its item of seq, pointing back at the first occurrence.
 * Empty names (an optional id not given) may repeat. */
runoff_status ro_value_check_unique(ro_loader *L, const ro_node *seq, const char *key,
                                    const char *what, const ro_name_index *ix);

/* *out = index of name in ix; an unknown name is an error at n that says
 * what was expected and suggests a close name. */
runoff_status ro_value_lookup(ro_loader *L, const ro_node *n, const char *name,
                              const ro_name_index *ix, const char *what, const char *expected,
                              long *out);

#define RO_OPTION_EXPECTED "a first_round option id"

#endif /* RO_VALUE_H */
