/*
 * html_chart.c — the report page's two charts, drawn as inline SVG: the
 * distribution of A's share and the polls with their trend.
 *
 * One axis per chart, labelled in words; coordinates are rounded to 0.1
 * user unit so the page stays small. A chart's <desc> states what a reader
 * would take from it, so the page reads the same without the picture.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "html_chart.h"
#include "polls.h"
#include "trend.h"

#define COLOUR_A "#542788"
#define COLOUR_B "#b35806"
#define DIST_BINS 60

/* PuOr, 7 classes, from "B almost surely" to "A almost surely". */
static const double class_upper[] = {0.05, 0.2, 0.4, 0.6, 0.8, 0.95};
static const char *const class_colour[] = {"#b35806", "#f1a340", "#fee0b6", "#f7f7f7",
                                           "#d8daeb", "#998ec3", "#542788"};
_Static_assert(sizeof class_colour / sizeof *class_colour == RO_HTML_CLASSES &&
                   sizeof class_upper / sizeof *class_upper == RO_HTML_CLASSES - 1,
               "a colour below, between and above the class bounds");

const char *ro_html_colour(double p)
{
    if (!isfinite(p))
        return "#cccccc";
    size_t k = 0;
    while (k < sizeof class_upper / sizeof *class_upper && p >= class_upper[k])
        k++;
    return class_colour[k];
}

/* A tick step from 1, 2, 5 x 10^k giving at most `max` ticks over span. */
static double tick_step(double span, int max)
{
    static const double mult[] = {1, 2, 5};
    double p = pow(10, floor(log10(span / max)));
    for (;; p *= 10)
        for (int k = 0; k < 3; k++)
            if (span / (mult[k] * p) <= max)
                return mult[k] * p;
}

static void figure_open(ro_fmt_out *o, const char *id, int w, int h)
{
    ro_fmt_printf(o, "<figure>\n<svg id=\"%s\" viewBox=\"0 0 %d %d\" role=\"img\" "
                     "aria-labelledby=\"%s-title %s-desc\">\n<title id=\"%s-title\">",
                  id, w, h, id, id, id);
}

/* ---- distribution ---- */

/* The chart's size and margins; the bars span [lo, hi] of A's share. */
enum { DIST_W = 640, DIST_H = 260, DIST_ML = 20, DIST_MR = 20, DIST_MT = 24, DIST_MB = 44 };
static const double dist_pw = DIST_W - DIST_ML - DIST_MR, dist_ph = DIST_H - DIST_MT - DIST_MB;

static double dist_x(double share, double lo, double hi)
{
    return DIST_ML + (share - lo) / (hi - lo) * dist_pw;
}

static void dist_describe(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r,
                          double q05, double q95)
{
    const char *a = s->finalist[0].name;
    double med = ro_hist_quantile(r->share_a, 0.5), pa = ro_fmt_win_probability(r, 0);
    ro_fmt_puts(o, "Distribution of ");
    ro_html_text(o, a);
    ro_fmt_puts(o, "&#8217;s share of valid votes</title>\n<desc id=\"distribution-desc\">");
    ro_fmt_printf(o, "Bars: how often each share came up in %llu simulated elections. Median "
                     "%.1f %%, 90 %% interval %.1f to %.1f %% (darker bars). Bars right of the "
                     "50 %% line are wins for ",
                  (unsigned long long)r->draws, 100 * med, 100 * q05, 100 * q95);
    ro_html_text(o, a);
    ro_fmt_printf(o, " (%.1f %% of the elections), left of it for ", 100 * pa);
    ro_html_text(o, s->finalist[1].name);
    ro_fmt_puts(o, ".</desc>\n");
}

/* DIST_BINS bars over [lo, hi], as tall as their share of the draws
 * relative to the tallest; darker inside the 90 % interval [q05, q95]. */
static void dist_bars(ro_fmt_out *o, const ro_hist *h, double lo, double hi, double q05,
                      double q95)
{
    const double step = (hi - lo) / DIST_BINS;
    double mass[DIST_BINS], top = 0;
    for (int k = 0; k < DIST_BINS; k++) {
        mass[k] = ro_hist_cdf(h, lo + (k + 1) * step) - ro_hist_cdf(h, lo + k * step);
        top = fmax(top, mass[k]);
    }
    for (int k = 0; k < DIST_BINS && top > 0; k++) {
        double x0 = lo + k * step, mid = x0 + step / 2, bh = mass[k] / top * dist_ph;
        bool inside = mid >= q05 && mid <= q95;
        ro_fmt_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                         "fill=\"%s\" fill-opacity=\"%s\"/>\n",
                      dist_x(x0, lo, hi), DIST_MT + dist_ph - bh, dist_pw / DIST_BINS * 0.92, bh,
                      mid > 0.5 ? COLOUR_A : COLOUR_B, inside ? "1" : "0.4");
    }
}

/* The axis: ticks in percent, and the 50 % line when it is in range. */
static void dist_axis(ro_fmt_out *o, double lo, double hi)
{
    const double base = DIST_MT + dist_ph;
    double tstep = tick_step(100 * (hi - lo), 10);
    ro_fmt_printf(o, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
                  DIST_ML, DIST_W - DIST_MR, base, base);
    for (double t = ceil(100 * lo / tstep) * tstep; t <= 100 * hi + 1e-9; t += tstep) {
        double x = dist_x(t / 100, lo, hi);
        ro_fmt_printf(o, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>"
                         "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">"
                         "%g</text>\n",
                      x, x, base, base + 5, x, base + 18, t);
    }
    if (lo < 0.5 && hi > 0.5) {
        double x = dist_x(0.5, lo, hi);
        ro_fmt_printf(o, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.1f\" stroke=\"#000\" "
                         "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%d\" font-size=\"12\" "
                         "text-anchor=\"middle\">50 %%</text>\n",
                      x, x, DIST_MT - 4, base, x, DIST_MT - 8);
    }
}

static void dist_caption(ro_fmt_out *o, const runoff_scenario *s)
{
    const char *a = s->finalist[0].name, *b = s->finalist[1].name;
    ro_fmt_printf(o, "<text x=\"%d\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\">",
                  DIST_W / 2, DIST_H - 6);
    ro_html_text(o, a);
    ro_fmt_puts(o, "&#8217;s share of valid votes (%)</text>\n</svg>\n<figcaption>Darker bars: "
                   "the central 90&#8239;% of simulated results. Purple: ");
    ro_html_text(o, a);
    ro_fmt_puts(o, " wins; orange: ");
    ro_html_text(o, b);
    ro_fmt_puts(o, " wins.</figcaption>\n</figure>\n</section>\n");
}

void ro_html_distribution(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r)
{
    const ro_hist *h = r->share_a;
    /* whole points around the central 99.8 % of the draws */
    double lo = floor(100 * ro_hist_quantile(h, 0.001)) / 100;
    double hi = ceil(100 * ro_hist_quantile(h, 0.999)) / 100;
    if (!(hi > lo))
        hi = lo + 0.01;
    double q05 = ro_hist_quantile(h, 0.05), q95 = ro_hist_quantile(h, 0.95);
    ro_fmt_puts(o, "<section aria-labelledby=\"h-dist\">\n<h2 id=\"h-dist\">How the vote could "
                   "split</h2>\n");
    figure_open(o, "distribution", DIST_W, DIST_H);
    dist_describe(o, s, r, q05, q95);
    dist_bars(o, h, lo, hi, q05, q95);
    dist_axis(o, lo, hi);
    dist_caption(o, s);
}

/* ---- polls ---- */

typedef struct {
    int32_t d0, d1;             /* date range */
    double y0, y1;              /* share range, percent */
    double ml, mt, pw, ph;
} frame;

static double fx(const frame *f, double day) { return f->ml + (day - f->d0) / (f->d1 - f->d0) * f->pw; }
static double fy(const frame *f, double pct) { return f->mt + (f->y1 - pct) / (f->y1 - f->y0) * f->ph; }

static int32_t midpoint(const ro_poll *p)
{
    int64_t sum = (int64_t)p->start + p->end;
    return (int32_t)(sum >= 0 ? sum / 2 : -((-sum + 1) / 2));
}

static void poll_axes(ro_fmt_out *o, const frame *f)
{
    double ystep = tick_step(f->y1 - f->y0, 6);
    for (double t = ceil(f->y0 / ystep) * ystep; t <= f->y1 + 1e-9; t += ystep)
        ro_fmt_printf(o, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                         "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">%g</text>\n",
                      f->ml, f->ml + f->pw, fy(f, t), fy(f, t), f->ml - 4, fy(f, t) + 4, t);
    double span = f->d1 - f->d0, dstep = span <= 16 ? 2 : span <= 60 ? 7 : span <= 200 ? 30 : 91;
    char date[11];
    for (int32_t d = f->d0; d <= f->d1; d += (int32_t)dstep) {
        ro_date_format(d, date);
        ro_fmt_printf(o, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>"
                         "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%.5s"
                         "</text>\n",
                      fx(f, d), fx(f, d), f->mt + f->ph, f->mt + f->ph + 5, fx(f, d),
                      f->mt + f->ph + 17, date + 5);
    }
}

/* The trend's 90 % band edge (z = -Z90 or +Z90) on day d, in percent. */
#define Z90 1.6448536269514722 /* the standard normal's 95th percentile */
static double band_pct(const ro_trend *t, size_t d, double z)
{
    return 100 * ro_expit(t->mean[d] + z * t->sd[d]);
}

/* The frame that holds the polls used (and the trend's band, with trend):
 * from the first fieldwork day to the election or the last poll, shares
 * rounded out to whole points with a half-point margin. *used: how many
 * polls; *last: the last fieldwork day. Returns false with no poll used. */
static bool poll_frame(const runoff_scenario *s, const ro_poll_average *a, bool trend, frame *f,
                       size_t *used, int32_t *last)
{
    const ro_trend *t = &a->trend;
    *used = 0;
    *last = INT32_MIN;
    for (size_t i = 0; i < a->n_polls && i < s->n_polls; i++) {
        if (!a->polls[i].used)
            continue;
        ++*used;
        f->d0 = s->polls[i].start < f->d0 ? s->polls[i].start : f->d0;
        *last = s->polls[i].end > *last ? s->polls[i].end : *last;
        f->y0 = fmin(f->y0, 100 * s->polls[i].two_way_a);
        f->y1 = fmax(f->y1, 100 * s->polls[i].two_way_a);
    }
    if (*used == 0)
        return false;
    if (trend) {
        f->d0 = t->first_day < f->d0 ? t->first_day : f->d0;
        for (size_t d = 0; d < t->n_days; d++) {
            f->y0 = fmin(f->y0, band_pct(t, d, -Z90));
            f->y1 = fmax(f->y1, band_pct(t, d, Z90));
        }
    }
    f->d1 = f->d1 > *last ? f->d1 : *last;
    if (f->d1 <= f->d0)
        f->d1 = f->d0 + 1;
    f->y0 = floor(f->y0 - 0.5);
    f->y1 = ceil(f->y1 + 0.5);
    return true;
}

static void polls_describe(ro_fmt_out *o, const runoff_scenario *s, const ro_poll_average *a,
                           bool trend, const frame *f, size_t used, int32_t last)
{
    const ro_trend *t = &a->trend;
    ro_html_text(o, s->finalist[0].name);
    ro_fmt_puts(o, "&#8217;s share of the two-way vote in the polls</title>\n<desc id=\"polls-desc\">");
    char d0[11], d1[11];
    ro_date_format(f->d0, d0);
    ro_date_format(last, d1);
    ro_fmt_printf(o, "%zu polls fielded from %s to %s, dots at the middle of their fieldwork", used,
                  d0, d1);
    if (trend) {
        size_t e = t->election_day < t->n_days ? t->election_day : t->n_days - 1;
        ro_fmt_printf(o, "; the poll model&#8217;s trend (line) reaches %.1f %% on election day, "
                         "90 %% band %.1f to %.1f %% (shaded)",
                      100 * ro_expit(t->mean[e]), band_pct(t, e, -Z90), band_pct(t, e, Z90));
    } else {
        ro_fmt_printf(o, "; their weighted average is %.1f %%", 100 * a->mean);
    }
    ro_fmt_puts(o, ".</desc>\n");
}

/* The trend's 90 % band (shaded) and its mean (a line). */
static void trend_band(ro_fmt_out *o, const frame *f, const ro_trend *t)
{
    ro_fmt_puts(o, "<path fill=\"" COLOUR_A "\" fill-opacity=\"0.18\" d=\"");
    for (size_t d = 0; d < t->n_days; d++)
        ro_fmt_printf(o, "%s%.1f,%.1f", d ? "L" : "M", fx(f, t->first_day + (double)d),
                      fy(f, band_pct(t, d, Z90)));
    for (size_t d = t->n_days; d-- > 0;)
        ro_fmt_printf(o, "L%.1f,%.1f", fx(f, t->first_day + (double)d),
                      fy(f, band_pct(t, d, -Z90)));
    ro_fmt_puts(o, "Z\"/>\n<path fill=\"none\" stroke=\"" COLOUR_A "\" stroke-width=\"2\" d=\"");
    for (size_t d = 0; d < t->n_days; d++)
        ro_fmt_printf(o, "%s%.1f,%.1f", d ? "L" : "M", fx(f, t->first_day + (double)d),
                      fy(f, 100 * ro_expit(t->mean[d])));
    ro_fmt_puts(o, "\"/>\n");
}

static void poll_dots(ro_fmt_out *o, const runoff_scenario *s, const ro_poll_average *a,
                      const frame *f)
{
    for (size_t i = 0; i < a->n_polls && i < s->n_polls; i++)
        if (a->polls[i].used)
            ro_fmt_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#333\" "
                             "fill-opacity=\"0.6\"/>\n",
                          fx(f, midpoint(&s->polls[i])), fy(f, 100 * s->polls[i].two_way_a));
}

static void polls_caption(ro_fmt_out *o, const runoff_scenario *s, bool trend, int w, int h)
{
    ro_fmt_printf(o, "<text x=\"%d\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\">Fieldwork "
                     "date (month-day); vertical axis: ",
                  w / 2, h - 6);
    ro_html_text(o, s->finalist[0].name);
    ro_fmt_puts(o, "&#8217;s two-way share (%)</text>\n</svg>\n<figcaption>Dots: the polls used, "
                   "as published.");
    if (trend)
        ro_fmt_puts(o, " Line and band: the poll model&#8217;s estimate and its 90&#8239;% band "
                       "(poll uncertainty only, before the systematic polling error).");
    ro_fmt_puts(o, "</figcaption>\n</figure>\n</section>\n");
}

void ro_html_polls(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r)
{
    const ro_poll_average *a = &r->avg;
    if (a->n_polls == 0 || s->n_polls == 0)
        return;
    const ro_trend *t = &a->trend;
    bool trend = a->method == RO_AGG_DYNAMIC && t->mean != NULL && t->n_days > 1;
    const int W = 640, H = 300;
    frame f = {.d0 = INT32_MAX, .d1 = s->election_date, .y0 = 100, .y1 = 0,
               .ml = 40, .mt = 12, .pw = W - 40 - 24, .ph = H - 12 - 44};
    size_t used;
    int32_t last;
    if (!poll_frame(s, a, trend, &f, &used, &last))
        return;
    ro_fmt_puts(o, "<section aria-labelledby=\"h-polls\">\n<h2 id=\"h-polls\">The polls</h2>\n");
    figure_open(o, "polls", W, H);
    polls_describe(o, s, a, trend, &f, used, last);
    poll_axes(o, &f);
    if (trend)
        trend_band(o, &f, t);
    poll_dots(o, s, a, &f);
    polls_caption(o, s, trend, W, H);
}

/* ---- sensitivity ---- */

#define TORNADO_ROWS 12

/* The chart's fixed size and margins; its height grows with the rows. */
enum { TORNADO_W = 640, TORNADO_ML = 250, TORNADO_MR = 20, TORNADO_MT = 10, TORNADO_ROW_H = 24 };

/* The scale of the bars: changes of up to ±top points fill the half-width
 * pw / 2 either side of the zero line at x0. */
typedef struct {
    double top, pw, x0;
    int h;
} tornado_scale;

static void tornado_describe(ro_fmt_out *o, const runoff_sensitivity *sa, size_t rows)
{
    ro_fmt_puts(o, "Change in the chance that ");
    ro_html_text(o, sa->scenario->finalist[0].name);
    ro_fmt_puts(o, " wins when each input moves</title>\n<desc id=\"tornado-desc\">");
    for (size_t i = 0; i < rows && i < 3; i++) {
        const runoff_sensitivity_input *in = &sa->inputs[i];
        ro_fmt_printf(o, "%s", i ? "; " : "The inputs that matter most: ");
        ro_html_text(o, in->label);
        ro_fmt_printf(o, " (%g to %g %s: %+.1f to %+.1f points)", in->low, in->high, in->unit,
                      100 * in->p_low, 100 * in->p_high);
    }
    ro_fmt_puts(o, ". The table below lists every input.</desc>\n");
}

/* Vertical grid lines with their values in points; the zero line darker. */
static void tornado_axis(ro_fmt_out *o, const tornado_scale *sc)
{
    double step = tick_step(2 * sc->top, 6);
    for (double v = -floor(sc->top / step) * step; v <= sc->top + 1e-9; v += step) {
        double x = sc->x0 + v / sc->top * sc->pw / 2;
        ro_fmt_printf(o, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\"/>"
                         "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%+g"
                         "</text>\n",
                      x, x, TORNADO_MT, sc->h - 36, fabs(v) < 1e-12 ? "#333" : "#ddd", x,
                      sc->h - 22, v);
    }
}

/* Row i: the input's label, then its two bars (lower value, higher value). */
static void tornado_row(ro_fmt_out *o, const tornado_scale *sc,
                        const runoff_sensitivity_input *in, size_t i)
{
    double y = TORNADO_MT + (double)i * TORNADO_ROW_H;
    ro_fmt_printf(o, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\"",
                  TORNADO_ML - 6, y + 16);
    if (strlen(in->label) > 40)
        ro_fmt_printf(o, " textLength=\"%d\" lengthAdjust=\"spacingAndGlyphs\"", TORNADO_ML - 10);
    ro_fmt_puts(o, ">");
    ro_html_text(o, in->label);
    ro_fmt_puts(o, "</text>\n");
    const double v[2] = {in->p_low, in->p_high};
    for (int k = 0; k < 2; k++) {
        double x = sc->x0 + 100 * v[k] / sc->top * sc->pw / 2;
        ro_fmt_printf(o, "<rect class=\"bar\" data-input=\"");
        ro_html_text(o, in->key);
        ro_fmt_printf(o, "\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"9\" "
                         "fill=\"%s\"><title>%s value (%g %s): %+.2f points</title></rect>\n",
                      fmin(x, sc->x0), y + 4 + k * 9, fabs(x - sc->x0), k ? COLOUR_A : COLOUR_B,
                      k ? "higher" : "lower", k ? in->high : in->low, in->unit, 100 * v[k]);
    }
}

static void tornado_caption(ro_fmt_out *o, const runoff_sensitivity *sa, const tornado_scale *sc)
{
    ro_fmt_printf(o, "<text x=\"%.1f\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\">Change "
                     "in P(",
                  sc->x0, sc->h - 6);
    ro_html_text(o, sa->scenario->finalist[0].name);
    ro_fmt_puts(o, " wins), points</text>\n</svg>\n<figcaption>Orange: the input at its lower "
                   "value; purple: at its higher value. Every variant uses the same random numbers "
                   "as the forecast, so the bars show the inputs&#8217; effects, not noise."
                   "</figcaption>\n</figure>\n");
}

/* Every input, not only the charted ones, with the Monte Carlo errors. */
static void tornado_table(ro_fmt_out *o, const runoff_sensitivity *sa)
{
    ro_fmt_puts(o, "<div class=\"table-wrap\"><table id=\"sensitivity\">\n"
                   "<caption>Every input, ranked by its largest effect on the chance; "
                   "&#177; is the Monte Carlo standard error of the change.</caption>\n"
                   "<thead><tr><th scope=\"col\">rank</th><th scope=\"col\">input</th>"
                   "<th scope=\"col\">values tried</th><th scope=\"col\">change in P, points"
                   "</th><th scope=\"col\">change in median, points</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < sa->n; i++) {
        const runoff_sensitivity_input *in = &sa->inputs[i];
        ro_fmt_printf(o, "<tr><td>%zu</td><td>", in->rank_p);
        ro_html_text(o, in->label);
        ro_fmt_printf(o, "</td><td>%g&#8211;%g %s</td><td>%+.2f / %+.2f &#177;%.2f</td>"
                         "<td>%+.3f / %+.3f &#177;%.3f</td></tr>\n",
                      in->low, in->high, in->unit, 100 * in->p_low, 100 * in->p_high,
                      100 * fmax(in->p_low_se, in->p_high_se), 100 * in->m_low, 100 * in->m_high,
                      100 * fmax(in->m_low_se, in->m_high_se));
    }
    ro_fmt_puts(o, "</tbody></table></div>\n");
}

void ro_html_tornado(ro_fmt_out *o, const runoff_sensitivity *sa)
{
    size_t rows = sa->n < TORNADO_ROWS ? sa->n : TORNADO_ROWS;
    double top = 0;
    for (size_t i = 0; i < rows; i++)
        top = fmax(top, fmax(fabs(sa->inputs[i].p_low), fabs(sa->inputs[i].p_high)));
    tornado_scale sc = {.top = top > 0 ? 100 * top : 1,
                        .pw = TORNADO_W - TORNADO_ML - TORNADO_MR,
                        .h = TORNADO_MT + (int)rows * TORNADO_ROW_H + 40};
    sc.x0 = TORNADO_ML + sc.pw / 2;
    ro_fmt_puts(o, "<section aria-labelledby=\"h-sens\">\n<h2 id=\"h-sens\">What decides it</h2>\n");
    figure_open(o, "tornado", TORNADO_W, sc.h);
    tornado_describe(o, sa, rows);
    tornado_axis(o, &sc);
    for (size_t i = 0; i < rows; i++)
        tornado_row(o, &sc, &sa->inputs[i], i);
    tornado_caption(o, sa, &sc);
    tornado_table(o, sa);
    ro_fmt_puts(o, "</section>\n");
}
