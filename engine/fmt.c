/*
 * fmt.c — checked output and the derived numbers the writers share.
 *
 * The text report, the CSV and the JSON all print the same quantities;
 * computing them here once (the statistics list, the per-region row, the
 * calibration over regions) keeps the three formats in agreement and keeps
 * the writers about layout only. Every write goes through ro_fmt_out, whose
 * error is sticky, so a writer checks once at the end instead of after
 * each fprintf, and still reports the first failure.
 */
#include "fmt.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "backtest.h"


static const double stat_quantiles[] = {0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975};
#define N_STAT_QUANTILES (sizeof stat_quantiles / sizeof stat_quantiles[0])

int ro_fmt_begin(ro_fmt_out *o, FILE *f, const runoff_scenario *s, const runoff_result *r)
{
    o->f = f;
    o->failed = 0;
    o->saved_errno = 0;
    if (r->n_regions != ro_scenario_reported_regions(s)) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

void ro_fmt_fail(ro_fmt_out *o, int errnum)
{
    if (!o->failed) {
        o->failed = 1;
        o->saved_errno = errnum ? errnum : EIO;
    }
}

void ro_fmt_printf(ro_fmt_out *o, const char *fmt, ...)
{
    if (o->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    errno = 0;
    if (vfprintf(o->f, fmt, ap) < 0)
        ro_fmt_fail(o, errno);
    va_end(ap);
}

void ro_fmt_puts(ro_fmt_out *o, const char *s) { ro_fmt_printf(o, "%s", s); }

int ro_fmt_finish(ro_fmt_out *o)
{
    if (!o->failed) {
        errno = 0;
        if (fflush(o->f) != 0 || ferror(o->f))
            ro_fmt_fail(o, errno);
    }
    if (o->failed) {
        errno = o->saved_errno;
        return -1;
    }
    return 0;
}

void ro_fmt_csv_field(ro_fmt_out *o, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        ro_fmt_puts(o, s);
        return;
    }
    ro_fmt_puts(o, "\"");
    for (const char *p = s; *p; p++)
        ro_fmt_puts(o, *p == '"' ? "\"\"" : (char[2]){*p, '\0'});
    ro_fmt_puts(o, "\"");
}

const char *ro_fmt_shortest(double x, char *buf, size_t size)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, x);
        if (!isfinite(x) || strtod(buf, NULL) == x)
            break;
    }
    return buf;
}

const char *runoff_format_number(double x, char *buf, size_t size)
{
    return ro_fmt_shortest(x, buf, size);
}

void ro_fmt_csv_number(ro_fmt_out *o, double x)
{
    char buf[32];
    if (isfinite(x))
        ro_fmt_puts(o, ro_fmt_shortest(x, buf, sizeof buf));
}

const char *ro_fmt_scenario_hash(const runoff_scenario *s, char *buf, size_t size)
{
    snprintf(buf, size, "fnv1a64:%016llx", (unsigned long long)s->doc_hash);
    return buf;
}

void ro_fmt_provenance_header(ro_fmt_out *o, bool with_run)
{
    ro_fmt_puts(o, with_run ? ",runoff_version,scenario_hash,seed,draws"
                            : ",runoff_version,scenario_hash");
}

void ro_fmt_provenance(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r,
                       bool with_run)
{
    char hash[32];
    ro_fmt_printf(o, ",%s,%s", RUNOFF_VERSION, ro_fmt_scenario_hash(s, hash, sizeof hash));
    if (with_run)
        ro_fmt_printf(o, ",%llu,%llu", (unsigned long long)r->seed, (unsigned long long)r->draws);
}

void ro_fmt_padded(ro_fmt_out *o, const char *s, size_t width)
{
    size_t cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80) /* not a UTF-8 continuation byte */
            cols++;
    ro_fmt_printf(o, "%s%*s", s, cols < width ? (int)(width - cols) : 0, "");
}

double ro_fmt_win_probability(const runoff_result *r, int f)
{
    if (r->draws == 0 || f < 0 || f > 1)
        return NAN;
    return (double)r->wins[f] / (double)r->draws;
}

double ro_fmt_quantile_se(const ro_hist *h, double q, uint64_t n)
{
    const double d = 0.01;
    if (n == 0 || q - d < 0 || q + d > 1)
        return NAN;
    double slope = (ro_hist_quantile(h, q + d) - ro_hist_quantile(h, q - d)) / (2 * d);
    return slope * sqrt(q * (1 - q) / (double)n);
}

void ro_fmt_headline_of(const runoff_result *r, ro_fmt_headline *h)
{
    double pa = ro_fmt_win_probability(r, 0), pb = ro_fmt_win_probability(r, 1);
    h->winner = pb > pa ? 1 : 0;
    h->probability = h->winner ? pb : pa;
    h->probability_se = ro_mc_se(h->probability, r->draws);
    double m = ro_hist_quantile(r->share_a, 0.5);
    double lo = ro_hist_quantile(r->share_a, 0.05), hi = ro_hist_quantile(r->share_a, 0.95);
    h->median = h->winner ? 1 - m : m;
    h->q05 = h->winner ? 1 - hi : lo;
    h->q95 = h->winner ? 1 - lo : hi;
    h->median_se = ro_fmt_quantile_se(r->share_a, 0.5, r->draws);
    ro_fmt_odds(h->probability, r->draws, h->odds, sizeof h->odds, &h->odds_of_loser);
}

void ro_fmt_odds(double p, uint64_t draws, char *buf, size_t size, bool *loser_phrase)
{
    *loser_phrase = false;
    if (!isfinite(p)) {
        snprintf(buf, size, "unknown");
    } else if (p < 0.95) {
        long n = lround(10 * p);
        snprintf(buf, size, "about %ld in 10", n > 9 ? 9 : n < 1 ? 1 : n);
    } else if (1 - p > 0) {
        *loser_phrase = true;
        snprintf(buf, size, "about 1 in %.0f", round(1 / (1 - p)));
    } else {
        *loser_phrase = true;
        snprintf(buf, size, "none of %llu simulated elections", (unsigned long long)draws);
    }
}

double ro_fmt_regions_majority(const ro_hist *h, size_t n_regions)
{
    uint64_t n = ro_hist_count(h), above = 0;
    if (n == 0)
        return NAN;
    for (size_t i = 0; i < ro_hist_nbins(h); i++)
        if (ro_hist_bin_integer(h, i) > (double)n_regions / 2)
            above += ro_hist_bin_count(h, i);
    return (double)above / (double)n;
}

void ro_fmt_region_row(const runoff_scenario *s, const runoff_result *r, size_t i,
                       ro_fmt_region *row)
{
    const ro_hist *h = r->region_share[i];
    row->win_probability_a = r->draws ? (double)r->region_wins_a[i] / (double)r->draws : NAN;
    row->win_probability_se = ro_mc_se(row->win_probability_a, r->draws);
    row->median = ro_hist_quantile(h, 0.5);
    row->q05 = ro_hist_quantile(h, 0.05);
    row->q25 = ro_hist_quantile(h, 0.25);
    row->q75 = ro_hist_quantile(h, 0.75);
    row->q95 = ro_hist_quantile(h, 0.95);
    row->actual = s->actual.region_share_a != NULL ? s->actual.region_share_a[i] : NAN;
    row->pit = isfinite(row->actual) ? ro_backtest_pit(h, row->actual) : NAN;
}

/* ---- the statistics list ---- */

typedef struct {
    ro_fmt_stat_fn fn;
    void *ctx;
} emitter;

static void emit(const emitter *e, const char *statistic, const char *subject, double value,
                 const char *unit)
{
    if (isfinite(value))
        e->fn(e->ctx, statistic, subject, value, unit);
}

/* mean, sd and quantiles of h, mirrored (1 - x) for finalist B and scaled
 * (e.g. to votes) where asked. */
static void emit_distribution(const emitter *e, const ro_hist *h, const char *prefix,
                              const char *subject, bool mirror, double scale, const char *unit,
                              bool moments)
{
    char name[64];
    if (moments) {
        double mean = ro_hist_mean(h);
        snprintf(name, sizeof name, "%s_mean", prefix);
        emit(e, name, subject, mirror ? 1 - mean : mean, unit);
        snprintf(name, sizeof name, "%s_sd", prefix);
        emit(e, name, subject, ro_hist_sd(h), unit);
    }
    for (size_t k = 0; k < N_STAT_QUANTILES; k++) {
        double q = stat_quantiles[k];
        double v = mirror ? 1 - ro_hist_quantile(h, 1 - q) : ro_hist_quantile(h, q);
        snprintf(name, sizeof name, "%s_quantile_%g", prefix, q);
        emit(e, name, subject, v * scale, unit);
    }
}

static void emit_backtest(const emitter *e, const ro_hist *h, double actual, const char *prefix,
                          const char *subject, bool mirror)
{
    char name[64];
    double pit = ro_backtest_pit(h, actual);
    snprintf(name, sizeof name, "%spit", prefix);
    emit(e, name, subject, mirror ? 1 - pit : pit, "probability");
    snprintf(name, sizeof name, "%scrps", prefix);
    emit(e, name, subject, ro_backtest_crps(h, actual), "score");
    for (size_t k = 0; k < RO_BACKTEST_N_LEVELS; k++) {
        snprintf(name, sizeof name, "%scovered_%g", prefix, ro_backtest_levels[k]);
        emit(e, name, subject, ro_backtest_covered(h, ro_backtest_levels[k], actual), "boolean");
    }
}

/* The regional scores of one calibration, each statistic's name prefixed. */
static void emit_region_scores(const emitter *e, const runoff_backtest_regions *cal,
                               const char *prefix, const char *a)
{
    char name[96];
    snprintf(name, sizeof name, "%swith_actual", prefix);
    emit(e, name, a, (double)cal->n, "count");
    snprintf(name, sizeof name, "%spit_mean", prefix);
    emit(e, name, a, cal->pit_mean, "probability");
    for (size_t k = 0; k < RO_BACKTEST_N_LEVELS; k++) {
        snprintf(name, sizeof name, "%scovered_%g", prefix, ro_backtest_levels[k]);
        emit(e, name, a, cal->covered[k], "fraction");
    }
    for (size_t k = 0; k < 10; k++) {
        snprintf(name, sizeof name, "%spit_decile_%zu", prefix, k + 1);
        emit(e, name, a, (double)cal->pit_decile[k], "count");
    }
    snprintf(name, sizeof name, "%sbrier_mean", prefix);
    emit(e, name, a, cal->brier_mean, "score");
    if (isfinite(cal->carried_actual)) {
        snprintf(name, sizeof name, "%scarried_actual", prefix);
        emit(e, name, a, cal->carried_actual, "count");
    }
}

static void emit_regions(const emitter *e, const runoff_scenario *s, const runoff_result *r)
{
    const char *a = s->finalist[0].id;
    char name[64];
    if (r->regions_a != NULL) {
        const double rq[] = {0.05, 0.5, 0.95};
        for (size_t k = 0; k < 3; k++) {
            snprintf(name, sizeof name, "regions_carried_quantile_%g", rq[k]);
            emit(e, name, a, ro_hist_integer_quantile(r->regions_a, rq[k]), "count");
        }
        emit(e, "regions_majority_probability", a,
             ro_fmt_regions_majority(r->regions_a, r->n_regions), "probability");
    }
    for (int c = 0; c < 2; c++) {
        runoff_backtest_regions cal;
        ro_backtest_regions(s, r, c == 1, &cal);
        if (cal.n > 0)
            emit_region_scores(e, &cal, c == 1 ? "regions_conditional_" : "regions_", a);
    }
}

void ro_fmt_each_stat(const runoff_scenario *s, const runoff_result *r, ro_fmt_stat_fn fn,
                      void *ctx)
{
    const emitter e = {fn, ctx};
    const ro_actual *act = &s->actual;
    emit(&e, "draws", "national", (double)r->draws, "count");
    emit(&e, "tie_probability", "national",
         r->draws ? (double)r->ties / (double)r->draws : NAN, "probability");
    for (int f = 0; f < 2; f++) {
        const char *id = s->finalist[f].id;
        double p = ro_fmt_win_probability(r, f);
        emit(&e, "win_probability", id, p, "probability");
        emit(&e, "win_probability_se", id, ro_mc_se(p, r->draws), "probability");
        emit_distribution(&e, r->share_a, "share", id, f == 1, 1, "fraction", true);
        if (act->has_share) {
            emit(&e, "actual_share", id, f == 0 ? act->share_a : 1 - act->share_a, "fraction");
            emit_backtest(&e, r->share_a, act->share_a, "", id, f == 1);
            bool won = f == 0 ? act->share_a > 0.5 : act->share_a < 0.5;
            emit(&e, "brier", id, ro_backtest_brier(p, won), "score");
        }
    }
    if (r->has_turnout && r->turnout != NULL) {
        emit_distribution(&e, r->turnout, "turnout", "national", false, 1, "fraction", true);
        if (act->has_turnout) {
            emit(&e, "actual_turnout", "national", act->turnout, "fraction");
            emit_backtest(&e, r->turnout, act->turnout, "turnout_", "national", false);
        }
    }
    if (r->blank_null != NULL) {
        emit_distribution(&e, r->blank_null, "blank_null", "national", false, 1, "fraction",
                          true);
        if (act->has_blank_null) {
            emit(&e, "actual_blank_null", "national", act->blank_null, "fraction");
            emit_backtest(&e, r->blank_null, act->blank_null, "blank_null_", "national", false);
        }
    }
    if (r->has_votes && r->margin != NULL)
        emit_distribution(&e, r->margin, "margin_votes", s->finalist[0].id, false,
                          r->registered, "votes", false);
    emit_regions(&e, s, r);
}
