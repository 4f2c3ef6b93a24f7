/*
 * html_chart.h — the report page's pieces (html.c assembles them): the
 * SVG charts and the map, each a <section> with a <figure> whose <svg
 * role="img"> has a <title> and a <desc> giving its numbers in words.
 *
 * Internal to the library. All write through ro_fmt_out (sticky errors).
 */
#ifndef RO_HTML_CHART_H
#define RO_HTML_CHART_H

#include "fmt.h"
#include "geo.h"

/* s with & < > " ' escaped, for text and attribute values. */
void ro_html_text(ro_fmt_out *o, const char *s);

/* The map's colour for a probability p that A wins (RO_HTML_CLASSES
 * classes of a colour-blind-safe diverging scale, ColorBrewer PuOr: orange
 * for B, purple for A); "#cccccc" when p is not finite. The map's legend
 * has one entry per class. */
enum { RO_HTML_CLASSES = 7 };
const char *ro_html_colour(double p);

/* Histogram of A's share over its central 99.8 %, 50 % line, 90 % band. */
void ro_html_distribution(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r);
/* The polls used (two-way share of A at fieldwork midpoints), with the
 * dynamic model's trend and 90 % band when there is one; nothing without
 * polls. */
void ro_html_polls(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r);
/* Choropleth of P(A wins the region): the map's main cluster projected
 * equirectangularly (x scaled by the cosine of its mid-latitude), outlying
 * features (overseas) as insets and regions without an outline as boxes,
 * each in a grid below; the legend as an HTML list. */
void ro_html_map(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r,
                 const runoff_map *map);

/* The sensitivity (tornado) chart: for the inputs with the largest effect
 * on P(A wins), the change at the low and at the high value, as bars from
 * zero; then a table of every input with its Monte Carlo errors. */
void ro_html_tornado(ro_fmt_out *o, const runoff_sensitivity *sa);

#endif /* RO_HTML_CHART_H */
