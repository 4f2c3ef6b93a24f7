/*
 * html.c — the report page (runoff run --html): one self-contained HTML
 * file a newsroom can publish or open from a USB stick.
 *
 * Everything is inline: CSS in a <style>, charts as <svg> drawn here, no
 * script, font, image or link outside the file (so the page loads nothing
 * from the network, and `http` appears nowhere in it). Every chart is a
 * <figure> whose <svg role="img"> carries a <title> and a <desc> stating
 * its numbers in words, for screen readers and for print.
 *
 * Every number shown comes from fmt.c, as in the text report, and carries
 * its machine value (as the JSON writes it) in a data-value attribute
 * beside the statistic's JSON name, so a test can check the page against
 * the JSON output without parsing prose.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "fmt.h"
#include "geo.h"
#include "html_chart.h"
#include "polls.h"
#include "trend.h"

/* ---- text ---- */

void ro_html_text(ro_fmt_out *o, const char *s)
{
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '&': ro_fmt_puts(o, "&amp;"); break;
        case '<': ro_fmt_puts(o, "&lt;"); break;
        case '>': ro_fmt_puts(o, "&gt;"); break;
        case '"': ro_fmt_puts(o, "&quot;"); break;
        case '\'': ro_fmt_puts(o, "&#39;"); break;
        default: ro_fmt_printf(o, "%c", *p);
        }
    }
}

/* <span data-stat=.. data-subject=.. data-value=..>shown</span>: a shown
 * number tied to the JSON statistic it rounds; shown is 100 * value with
 * `decimals` decimals, then `unit`. */
static void stat_span(ro_fmt_out *o, const char *stat, const char *subject, double value,
                      int decimals, const char *unit)
{
    ro_fmt_printf(o, "<span class=\"num\" data-stat=\"%s\" data-subject=\"", stat);
    ro_html_text(o, subject);
    char buf[32];
    ro_fmt_printf(o, "\" data-value=\"%s\">%.*f%s</span>", ro_fmt_shortest(value, buf, sizeof buf),
                  decimals, 100 * value, unit);
}

#define PERCENT "&#8239;%"

static const char page_css[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
    "color:#1a1a1a;background:#fff}"
    "main{max-width:60rem;margin:0 auto;padding:1rem}"
    "h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}"
    ".sub{color:#555;margin:0}"
    ".headline{border-left:6px solid #542788;padding:.5rem 1rem;margin:1rem 0;background:#f5f3fa}"
    ".headline .big{font-size:1.6rem;font-weight:700;margin:.2rem 0}"
    ".headline p{margin:.3rem 0}"
    "figure{margin:0 0 1rem}figcaption{font-size:.9rem;color:#444}"
    "svg{width:100%;height:auto;display:block}"
    "svg text{font-family:inherit}"
    ".table-wrap{overflow-x:auto}"
    "table{border-collapse:collapse;font-size:.9rem;width:100%}"
    "th,td{padding:.2rem .5rem;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}"
    "th:nth-child(2),td:nth-child(2),th:first-child,td:first-child{text-align:left}"
    "caption{text-align:left;font-size:.9rem;color:#444;caption-side:bottom;padding-top:.3rem}"
    ".swatch{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;"
    "border:1px solid #999;margin-right:.3em}"
    "footer{font-size:.85rem;color:#444;border-top:1px solid #ccc;margin-top:2rem;padding-top:.5rem}"
    "@media (max-width:40rem){body{font-size:15px}.headline .big{font-size:1.3rem}}"
    "@media print{main{max-width:none}figure,.headline,tr{break-inside:avoid}"
    ".table-wrap{overflow:visible}a{color:inherit}}";

/* ---- the page's parts ---- */

static void page_head(ro_fmt_out *o, const runoff_scenario *s)
{
    ro_fmt_puts(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<meta name=\"generator\" content=\"runoff " RUNOFF_VERSION "\">\n<title>");
    ro_html_text(o, s->name);
    ro_fmt_puts(o, ": forecast</title>\n<style>");
    ro_fmt_puts(o, page_css);
    ro_fmt_puts(o, "</style>\n</head>\n<body>\n<main>\n");
}

static void page_headline(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r)
{
    ro_fmt_headline h;
    char date[11];
    ro_fmt_headline_of(r, &h);
    ro_date_format(s->election_date, date);
    const char *win_id = s->finalist[h.winner].id;
    ro_fmt_puts(o, "<header>\n<h1>");
    ro_html_text(o, s->name);
    ro_fmt_printf(o, "</h1>\n<p class=\"sub\">Forecast of the vote on %s", date);
    if (r->avg.n_polls > 0) {
        char ref[11];
        ro_date_format(r->avg.reference_date, ref);
        ro_fmt_printf(o, ", with the polls up to %s", ref);
    }
    ro_fmt_puts(o, "</p>\n</header>\n<section class=\"headline\" aria-label=\"Headline\">\n"
                   "<p class=\"big\">");
    ro_html_text(o, s->finalist[h.winner].name);
    ro_fmt_puts(o, " wins in ");
    stat_span(o, "win_probability", win_id, h.probability, 1, PERCENT);
    ro_fmt_puts(o, " of simulated elections</p>\n<p>");
    if (h.odds_of_loser) {
        ro_fmt_puts(o, "The chance of ");
        ro_html_text(o, s->finalist[!h.winner].name);
        ro_fmt_printf(o, " winning: %s.", h.odds);
    } else {
        ro_fmt_printf(o, "That is %s.", h.odds);
    }
    ro_fmt_puts(o, "</p>\n<p>");
    ro_html_text(o, s->finalist[h.winner].name);
    ro_fmt_puts(o, "&#8217;s share of valid votes: median ");
    stat_span(o, "share_quantile_0.5", win_id, h.median, 1, PERCENT);
    ro_fmt_puts(o, ", 90&#8239;% interval ");
    stat_span(o, "share_quantile_0.05", win_id, h.q05, 1, "");
    ro_fmt_puts(o, "&#8211;");
    stat_span(o, "share_quantile_0.95", win_id, h.q95, 1, PERCENT);
    ro_fmt_puts(o, ".</p>\n<p class=\"sub\">Monte Carlo standard error of the chance ");
    stat_span(o, "win_probability_se", win_id, h.probability_se, 3, " points");
    ro_fmt_printf(o, ", of the median %.3f points (%llu simulated elections, seed %llu).</p>\n"
                     "</section>\n",
                  100 * h.median_se, (unsigned long long)r->draws, (unsigned long long)r->seed);
}

static void region_table(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r)
{
    ro_fmt_puts(o, "<section aria-labelledby=\"h-regions\">\n<h2 id=\"h-regions\">Every region</h2>\n"
                   "<div class=\"table-wrap\"><table id=\"regions\">\n<caption>P(");
    ro_html_text(o, s->finalist[0].name);
    ro_fmt_puts(o, " wins the region) and ");
    ro_html_text(o, s->finalist[0].name);
    ro_fmt_puts(o, "&#8217;s share of valid votes there, median and 90&#8239;% interval, "
                   "in scenario order.</caption>\n<thead><tr><th scope=\"col\">code</th>"
                   "<th scope=\"col\">name</th><th scope=\"col\">P(");
    ro_html_text(o, s->finalist[0].name);
    ro_fmt_puts(o, ")</th><th scope=\"col\">median</th><th scope=\"col\">90&#8239;% interval"
                   "</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < r->n_regions; i++) {
        ro_fmt_region row;
        ro_fmt_region_row(s, r, i, &row);
        ro_fmt_puts(o, "<tr data-code=\"");
        ro_html_text(o, s->regions[i].code);
        char p[32], m[32];
        ro_fmt_printf(o, "\" data-win-probability=\"%s\" data-share-median=\"%s\"><td>",
                      ro_fmt_shortest(row.win_probability_a, p, sizeof p),
                      ro_fmt_shortest(row.median, m, sizeof m));
        ro_html_text(o, s->regions[i].code);
        ro_fmt_puts(o, "</td><td>");
        ro_html_text(o, s->regions[i].name);
        ro_fmt_printf(o, "</td><td><span class=\"swatch\" style=\"background:%s\"></span>"
                         "%.1f&#8239;%%</td><td>%.1f&#8239;%%</td><td>%.1f&#8211;%.1f&#8239;%%"
                         "</td></tr>\n",
                      ro_html_colour(row.win_probability_a), 100 * row.win_probability_a,
                      100 * row.median, 100 * row.q05, 100 * row.q95);
    }
    ro_fmt_puts(o, "</tbody></table></div>\n</section>\n");
}

static void page_footer(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r,
                        const runoff_map *map)
{
    ro_fmt_puts(o, "<footer>\n<p>Scenario: ");
    ro_html_text(o, s->source);
    ro_fmt_printf(o, ". Engine: runoff %s. Seed %llu, %llu draws.", RUNOFF_VERSION,
                  (unsigned long long)r->seed, (unsigned long long)r->draws);
    if (r->avg.n_polls > 0)
        ro_fmt_printf(o, " Polls: %zu of %zu used.", r->avg.n_used, r->avg.n_polls);
    ro_fmt_puts(o, "</p>\n");
    if (map != NULL) {
        ro_fmt_puts(o, "<p>Map outlines: ");
        ro_html_text(o, s->map.attribution[0] ? s->map.attribution : s->map.file);
        ro_fmt_puts(o, ".</p>\n");
    }
    ro_fmt_puts(o, "<p>Probabilities are shares of simulated elections under the scenario&#8217;s "
                   "assumptions (polling error, turnout, transfers), not certainties.</p>\n"
                   "</footer>\n");
}

static int write_page(FILE *out, const runoff_scenario *s, const runoff_result *r,
                      const runoff_map *map, const runoff_sensitivity *sa)
{
    ro_fmt_out o;
    if (ro_fmt_begin(&o, out, s, r) != 0)
        return -1;
    page_head(&o, s);
    page_headline(&o, s, r);
    ro_html_distribution(&o, s, r);
    if (sa != NULL)
        ro_html_tornado(&o, sa);
    ro_html_polls(&o, s, r);
    if (r->n_regions > 0) {
        if (map != NULL)
            ro_html_map(&o, s, r, map);
        region_table(&o, s, r);
    }
    page_footer(&o, s, r, map);
    ro_fmt_puts(&o, "</main>\n</body>\n</html>\n");
    return ro_fmt_finish(&o);
}

int runoff_write_html(FILE *out, const runoff_scenario *s, const runoff_result *r,
                      const runoff_map *map)
{
    return write_page(out, s, r, map, NULL);
}

int runoff_write_html_sensitivity(FILE *out, const runoff_sensitivity *sa, const runoff_map *map)
{
    return write_page(out, sa->scenario, sa->result, map, sa);
}
