/*
 * json.c — the JSON writer: one object holding the scenario's identity,
 * the run's seed and size, the polling average with every poll's weight,
 * the same tidy statistics as the CSV (fmt.h), and the regions.
 *
 * JSON has no NaN or infinity, so an unknown number is written as null;
 * integers that may exceed 2^53 (seed, draws) are written as integers,
 * not through a double. Strings are escaped per RFC 8259 and otherwise
 * passed through as the UTF-8 the loader accepted.
 */
#include <inttypes.h>
#include <math.h>

#include "date.h"
#include "fmt.h"

static void json_string(ro_fmt_out *o, const char *s)
{
    ro_fmt_puts(o, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': ro_fmt_puts(o, "\\\""); break;
        case '\\': ro_fmt_puts(o, "\\\\"); break;
        case '\n': ro_fmt_puts(o, "\\n"); break;
        case '\r': ro_fmt_puts(o, "\\r"); break;
        case '\t': ro_fmt_puts(o, "\\t"); break;
        default:
            /* U+2028/9 are valid JSON but end a line in JavaScript */
            if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
                ro_fmt_printf(o, "\\u%04x", 0x2000u + p[2] - 0x80u);
                p += 2;
            } else if (*p < 0x20 || *p == 0x7F)
                ro_fmt_printf(o, "\\u%04x", *p);
            else
                ro_fmt_printf(o, "%c", *p);
        }
    }
    ro_fmt_puts(o, "\"");
}

static void json_number(ro_fmt_out *o, double x)
{
    char buf[32];
    if (isfinite(x))
        ro_fmt_puts(o, ro_fmt_shortest(x, buf, sizeof buf));
    else
        ro_fmt_puts(o, "null");
}

/* "key": with the separator that precedes every member but the first. */
static void json_key(ro_fmt_out *o, bool *first, const char *key)
{
    ro_fmt_puts(o, *first ? "" : ", ");
    *first = false;
    json_string(o, key);
    ro_fmt_puts(o, ": ");
}

static void json_num_member(ro_fmt_out *o, bool *first, const char *key, double x)
{
    json_key(o, first, key);
    json_number(o, x);
}

static void json_str_member(ro_fmt_out *o, bool *first, const char *key, const char *s)
{
    json_key(o, first, key);
    if (s != NULL)
        json_string(o, s);
    else
        ro_fmt_puts(o, "null");
}

static void json_date_member(ro_fmt_out *o, bool *first, const char *key, int32_t days)
{
    char buf[11];
    ro_date_format(days, buf);
    json_str_member(o, first, key, buf);
}

static void write_scenario(ro_fmt_out *o, const runoff_scenario *s)
{
    bool first = true;
    ro_fmt_puts(o, "  \"scenario\": {");
    json_str_member(o, &first, "name", s->name);
    json_str_member(o, &first, "source", s->source);
    json_date_member(o, &first, "election_date", s->election_date);
    json_num_member(o, &first, "registered", s->registered > 0 ? s->registered : NAN);
    json_key(o, &first, "finalists");
    ro_fmt_puts(o, "[");
    for (int f = 0; f < 2; f++) {
        bool ff = true;
        ro_fmt_puts(o, f ? ", {" : "{");
        json_str_member(o, &ff, "id", s->finalist[f].id);
        json_str_member(o, &ff, "name", s->finalist[f].name);
        ro_fmt_puts(o, "}");
    }
    ro_fmt_puts(o, "]},\n");
}

static void write_poll(ro_fmt_out *o, const ro_poll *p, const ro_poll_weight *w)
{
    bool first = true;
    ro_fmt_puts(o, "{");
    json_str_member(o, &first, "pollster", p->pollster);
    json_date_member(o, &first, "start", p->start);
    json_date_member(o, &first, "end", p->end);
    json_num_member(o, &first, "sample", p->sample);
    json_num_member(o, &first, "two_way_a", p->two_way_a);
    json_key(o, &first, "used");
    ro_fmt_puts(o, w->used ? "true" : "false");
    json_str_member(o, &first, "excluded_why", w->used ? NULL : w->excluded_why);
    json_num_member(o, &first, "age_days", w->age_days);
    json_num_member(o, &first, "recency", w->recency);
    json_num_member(o, &first, "n_eff", w->n_eff);
    json_num_member(o, &first, "weight", w->weight);
    json_num_member(o, &first, "house", w->house);
    json_num_member(o, &first, "adjusted", w->adjusted);
    ro_fmt_puts(o, "}");
}

static void write_average(ro_fmt_out *o, const runoff_scenario *s, const ro_poll_average *a)
{
    bool first = true;
    ro_fmt_puts(o, "  \"polling_average\": {");
    json_num_member(o, &first, "mean", a->n_polls ? a->mean : NAN);
    json_num_member(o, &first, "sd", a->n_polls ? a->sd : NAN);
    json_num_member(o, &first, "n_eff", a->n_polls ? a->n_eff : NAN);
    json_num_member(o, &first, "n_used", (double)a->n_used);
    if (a->n_polls)
        json_date_member(o, &first, "reference_date", a->reference_date);
    json_str_member(o, &first, "method", ro_agg_method_names[a->method]);
    if (a->n_polls && a->method == RO_AGG_DYNAMIC) {
        json_num_member(o, &first, "daily_sd", a->trend.daily_sd);
        json_num_member(o, &first, "poll_sd", a->trend.poll_sd);
        json_num_member(o, &first, "log_likelihood", a->trend.log_lik);
    }
    json_key(o, &first, "polls");
    ro_fmt_puts(o, "[");
    for (size_t i = 0; i < a->n_polls && i < s->n_polls; i++) {
        ro_fmt_puts(o, i ? ",\n    " : "\n    ");
        write_poll(o, &s->polls[i], &a->polls[i]);
    }
    ro_fmt_puts(o, "]");
    json_key(o, &first, "house_effects");
    ro_fmt_puts(o, "[");
    for (size_t i = 0; i < a->n_house; i++) {
        bool hf = true;
        ro_fmt_puts(o, i ? ", {" : "{");
        json_str_member(o, &hf, "pollster", a->house[i].pollster);
        json_num_member(o, &hf, "n_polls", (double)a->house[i].n_polls);
        json_num_member(o, &hf, "effect", a->house[i].effect);
        ro_fmt_puts(o, "}");
    }
    ro_fmt_puts(o, "]},\n");
}

typedef struct {
    ro_fmt_out *o;
    bool first;
} stat_ctx;

static void stat_item(void *ctx, const char *statistic, const char *subject, double value,
                      const char *unit)
{
    stat_ctx *c = ctx;
    bool first = true;
    ro_fmt_puts(c->o, c->first ? "\n    {" : ",\n    {");
    c->first = false;
    json_str_member(c->o, &first, "statistic", statistic);
    json_str_member(c->o, &first, "subject", subject);
    json_num_member(c->o, &first, "value", value);
    json_str_member(c->o, &first, "unit", unit);
    ro_fmt_puts(c->o, "}");
}

static void write_regions(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r)
{
    ro_fmt_puts(o, "  \"regions\": [");
    for (size_t i = 0; i < r->n_regions; i++) {
        ro_fmt_region row;
        ro_fmt_region_row(s, r, i, &row);
        bool first = true;
        ro_fmt_puts(o, i ? ",\n    {" : "\n    {");
        json_str_member(o, &first, "code", s->regions[i].code);
        json_str_member(o, &first, "name", s->regions[i].name);
        json_num_member(o, &first, "registered", s->regions[i].registered);
        json_str_member(o, &first, "subject", s->finalist[0].id);
        json_num_member(o, &first, "win_probability", row.win_probability_a);
        json_num_member(o, &first, "win_probability_se", row.win_probability_se);
        json_num_member(o, &first, "share_quantile_0.5", row.median);
        json_num_member(o, &first, "share_quantile_0.05", row.q05);
        json_num_member(o, &first, "share_quantile_0.25", row.q25);
        json_num_member(o, &first, "share_quantile_0.75", row.q75);
        json_num_member(o, &first, "share_quantile_0.95", row.q95);
        json_num_member(o, &first, "actual_share", row.actual);
        json_num_member(o, &first, "pit", row.pit);
        ro_fmt_puts(o, "}");
    }
    ro_fmt_puts(o, "]\n");
}

int runoff_write_json(FILE *out, const runoff_scenario *s, const runoff_result *r)
{
    ro_fmt_out o;
    if (ro_fmt_begin(&o, out, s, r) != 0)
        return -1;
    ro_fmt_printf(&o, "{\n  \"runoff_version\": \"%s\",\n", RUNOFF_VERSION);
    write_scenario(&o, s);
    /* No thread count: the output must be the same bytes for any. */
    char hash[32];
    ro_fmt_printf(&o, "  \"scenario_hash\": \"%s\",\n", ro_fmt_scenario_hash(s, hash, sizeof hash));
    ro_fmt_printf(&o, "  \"seed\": %" PRIu64 ",\n  \"draws\": %" PRIu64 ",\n", r->seed,
                  r->draws);
    write_average(&o, s, &r->avg);
    stat_ctx c = {&o, true};
    ro_fmt_puts(&o, "  \"statistics\": [");
    ro_fmt_each_stat(s, r, stat_item, &c);
    ro_fmt_puts(&o, "],\n");
    write_regions(&o, s, r);
    ro_fmt_puts(&o, "}\n");
    return ro_fmt_finish(&o);
}
