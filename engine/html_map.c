/*
 * html_map.c — the report page's choropleth: P(A wins) per region, drawn
 * as SVG paths from the scenario's outline file.
 *
 * Regions join features on geo_code. The features whose centres lie near
 * the median centre (within MAIN_DEGREES) form the main map, projected
 * equirectangularly with x scaled by the cosine of the mid-latitude, which
 * keeps shapes right at a country's scale; the others (overseas) are drawn
 * as insets, each scaled to its own box, and regions with no outline get a
 * plain box, all in a labelled grid below the main map. Every feature is
 * drawn exactly once and every region exactly once, each with a <title>
 * (name and numbers) for hover and screen readers.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "html_chart.h"

#define MAIN_DEGREES 15.0
#define DEGREE 0.017453292519943295 /* pi / 180 */
#define MAP_W 640
#define MAIN_W 600
#define CELL_W 124
#define CELL_H 104
#define CELL_COLS 5

typedef struct {
    double lon0, lat1, k, scale, x0, y0;    /* x = x0 + (lon - lon0) k scale */
} projection;

static double cmp_double(double a, double b) { return a < b ? -1 : a > b; }
static int by_value(const void *a, const void *b)
{
    return (int)cmp_double(*(const double *)a, *(const double *)b);
}

static double median_of(double *v, size_t n)
{
    qsort(v, n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Fit the box [lon0,lon1] x [lat0,lat1] into w x h at (x0, y0), centred. */
static projection fit(double lon0, double lon1, double lat0, double lat1, double x0, double y0,
                      double w, double h)
{
    projection p = {.lon0 = lon0, .lat1 = lat1};
    p.k = cos((lat0 + lat1) / 2 * DEGREE);
    double gw = fmax((lon1 - lon0) * p.k, 1e-9), gh = fmax(lat1 - lat0, 1e-9);
    p.scale = fmin(w / gw, h / gh);
    p.x0 = x0 + (w - gw * p.scale) / 2;
    p.y0 = y0 + (h - gh * p.scale) / 2;
    return p;
}

static void path_data(ro_fmt_out *o, const ro_geo_feature *f, const projection *p)
{
    for (size_t k = 0; k < f->n_rings; k++) {
        long px = LONG_MIN, py = LONG_MIN;
        for (size_t i = f->ring[k]; i < f->ring[k + 1]; i++) {
            double x = p->x0 + (f->xy[2 * i] - p->lon0) * p->k * p->scale;
            double y = p->y0 + (p->lat1 - f->xy[2 * i + 1]) * p->scale;
            long ix = lround(x * 10), iy = lround(y * 10);
            if (ix == px && iy == py)
                continue;
            ro_fmt_printf(o, "%s%.1f %.1f", i == f->ring[k] ? "M" : "L", ix / 10.0, iy / 10.0);
            px = ix;
            py = iy;
        }
        ro_fmt_puts(o, "Z");
    }
}

/* The region drawn for feature f (the first whose geo_code is its code),
 * or -1. */
static long region_of(const runoff_scenario *s, const ro_geo_feature *f)
{
    for (size_t i = 0; i < s->n_regions; i++)
        if (strcmp(s->regions[i].geo_code, f->code) == 0)
            return (long)i;
    return -1;
}

static void region_title(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r, long i,
                         const ro_geo_feature *f)
{
    ro_fmt_puts(o, "<title>");
    if (i < 0) {
        ro_html_text(o, f->name);
        ro_fmt_puts(o, ": not in the scenario</title>");
        return;
    }
    ro_fmt_region row;
    ro_fmt_region_row(s, r, (size_t)i, &row);
    ro_html_text(o, s->regions[i].name);
    ro_fmt_puts(o, " (");
    ro_html_text(o, s->regions[i].code);
    ro_fmt_puts(o, "): P(");
    ro_html_text(o, s->finalist[0].name);
    ro_fmt_printf(o, " wins) %.1f %%, median share %.1f %%</title>", 100 * row.win_probability_a,
                  100 * row.median);
}

/* One <path> for feature f, coloured by its region's P(A). */
static void feature_path(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r,
                         const ro_geo_feature *f, const projection *p)
{
    long i = region_of(s, f);
    double pa = i >= 0 && r->draws ? (double)r->region_wins_a[i] / (double)r->draws : NAN;
    ro_fmt_puts(o, "<path class=\"area\" data-code=\"");
    ro_html_text(o, f->code);
    ro_fmt_puts(o, "\" data-region=\"");
    if (i >= 0)
        ro_html_text(o, s->regions[i].code);
    char buf[32];
    ro_fmt_printf(o, "\" data-value=\"%s\" fill=\"%s\" stroke=\"#555\" stroke-width=\"0.4\" "
                     "fill-rule=\"evenodd\" d=\"",
                  ro_fmt_shortest(pa, buf, sizeof buf), ro_html_colour(pa));
    path_data(o, f, p);
    ro_fmt_puts(o, "\">");
    region_title(o, s, r, i, f);
    ro_fmt_puts(o, "</path>\n");
}

static void cell_label(ro_fmt_out *o, double x, double y, const char *name)
{
    ro_fmt_printf(o, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\"", x, y);
    size_t cols = 0;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        cols += (*c & 0xC0) != 0x80;
    if (cols > 22)
        ro_fmt_printf(o, " textLength=\"%d\" lengthAdjust=\"spacingAndGlyphs\"", CELL_W - 8);
    ro_fmt_puts(o, ">");
    ro_html_text(o, name);
    ro_fmt_puts(o, "</text>\n");
}

static void legend(ro_fmt_out *o, const runoff_scenario *s)
{
    /* a probability inside each of ro_html_colour's classes, and its label */
    static const struct {
        double mid;
        const char *label;
    } classes[] = {{0.01, "under 5 %"},       {0.1, "5&#8211;20 %"},  {0.3, "20&#8211;40 %"},
                   {0.5, "40&#8211;60 %"},    {0.7, "60&#8211;80 %"}, {0.9, "80&#8211;95 %"},
                   {0.99, "95 % or more"}};
    _Static_assert(sizeof classes / sizeof *classes == RO_HTML_CLASSES, "one entry a class");
    ro_fmt_puts(o, "<ul class=\"legend\" style=\"list-style:none;padding:0;display:flex;"
                   "flex-wrap:wrap;gap:.3rem 1rem;font-size:.9rem\">\n<li><strong>P(");
    ro_html_text(o, s->finalist[0].name);
    ro_fmt_puts(o, " wins)</strong></li>\n");
    for (size_t k = 0; k < sizeof classes / sizeof *classes; k++)
        ro_fmt_printf(o, "<li><span class=\"swatch\" style=\"background:%s\"></span>%s</li>\n",
                      ro_html_colour(classes[k].mid), classes[k].label);
    ro_fmt_puts(o, "</ul>\n");
}

/* Which features form the main map: those whose centre lies within
 * MAIN_DEGREES of the median centre (main_f[i]). Returns -1 when out of
 * memory. */
static int mark_main(const runoff_map *map, bool *main_f)
{
    size_t n = map->n;
    double *clon = malloc((n ? n : 1) * sizeof *clon), *clat = malloc((n ? n : 1) * sizeof *clat);
    double *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (clon == NULL || clat == NULL || tmp == NULL) {
        free(clon);
        free(clat);
        free(tmp);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        clon[i] = (map->features[i].lon0 + map->features[i].lon1) / 2;
        clat[i] = (map->features[i].lat0 + map->features[i].lat1) / 2;
    }
    memcpy(tmp, clon, n * sizeof *tmp);
    double mlon = median_of(tmp, n);
    memcpy(tmp, clat, n * sizeof *tmp);
    double mlat = median_of(tmp, n);
    for (size_t i = 0; i < n; i++)
        main_f[i] = fabs(clon[i] - mlon) <= MAIN_DEGREES && fabs(clat[i] - mlat) <= MAIN_DEGREES;
    free(clon);
    free(clat);
    free(tmp);
    return 0;
}

/* Whether region i is drawn by a feature (the first whose geo_code is its
 * code); if not, it gets a box in the grid. */
static bool has_outline(const runoff_scenario *s, const runoff_map *map, size_t i)
{
    const ro_geo_feature *f = ro_geo_find(map, s->regions[i].geo_code);
    return f != NULL && region_of(s, f) == (long)i;
}

/* Where the figure's parts go: the main map at the top, fitted to MAIN_W,
 * then a grid of cells (insets, then boxes), CELL_COLS to a row. */
typedef struct {
    bool *main_f;      /* [map->n]: the feature is on the main map (owned) */
    projection main_p;
    double main_h;     /* the main map's height: where the grid starts */
    double grid_x;
    int height;        /* the whole figure's */
} map_layout;

/* Returns -1 when out of memory (nothing to free then). */
static int plan_layout(map_layout *L, const runoff_scenario *s, const runoff_map *map)
{
    size_t n = map->n;
    L->main_f = calloc(n ? n : 1, sizeof *L->main_f);
    if (L->main_f == NULL || mark_main(map, L->main_f) != 0) {
        free(L->main_f);
        return -1;
    }
    double lon0 = INFINITY, lon1 = -INFINITY, lat0 = INFINITY, lat1 = -INFINITY;
    size_t n_cells = 0;
    for (size_t i = 0; i < n; i++) {
        const ro_geo_feature *f = &map->features[i];
        if (L->main_f[i]) {
            lon0 = fmin(lon0, f->lon0);
            lon1 = fmax(lon1, f->lon1);
            lat0 = fmin(lat0, f->lat0);
            lat1 = fmax(lat1, f->lat1);
        } else {
            n_cells++;
        }
    }
    for (size_t i = 0; i < s->n_regions; i++)
        n_cells += !has_outline(s, map, i);
    /* fitted to the width first, which gives the height to fit to */
    projection p = fit(lon0, lon1, lat0, lat1, (MAP_W - MAIN_W) / 2.0, 4, MAIN_W, 10000);
    L->main_h = isfinite(lat0) ? (lat1 - lat0) * p.scale + 8 : 0;
    L->main_p = fit(lon0, lon1, lat0, lat1, (MAP_W - MAIN_W) / 2.0, 4, MAIN_W, L->main_h - 8);
    size_t rows = (n_cells + CELL_COLS - 1) / CELL_COLS;
    L->grid_x = (MAP_W - CELL_COLS * CELL_W) / 2.0;
    L->height = (int)ceil(L->main_h + (double)rows * CELL_H + 4);
    return 0;
}

/* The top-left corner of the grid's cell number `cell`. */
static void cell_corner(const map_layout *L, size_t cell, double *x, double *y)
{
    *x = L->grid_x + (double)(cell % CELL_COLS) * CELL_W;
    *y = L->main_h + (double)(cell / CELL_COLS) * CELL_H;
}

/* The section heading, the <svg> and its title and description. */
static void map_open(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r, int height)
{
    ro_fmt_puts(o, "<section aria-labelledby=\"h-map\">\n<h2 id=\"h-map\">Region by region</h2>\n");
    ro_fmt_printf(o, "<figure>\n<svg id=\"map\" viewBox=\"0 0 %d %d\" role=\"img\" "
                     "aria-labelledby=\"map-title map-desc\">\n<title id=\"map-title\">Chance that ",
                  MAP_W, height);
    ro_html_text(o, s->finalist[0].name);
    size_t carried = 0;
    for (size_t i = 0; i < s->n_regions; i++)
        carried += r->draws && 2 * r->region_wins_a[i] > r->draws;
    ro_fmt_printf(o, " wins each region</title>\n<desc id=\"map-desc\">Map of the %zu regions, "
                     "coloured by the probability that ",
                  s->n_regions);
    ro_html_text(o, s->finalist[0].name);
    ro_fmt_puts(o, " wins there (purple: likely, orange: unlikely). ");
    ro_html_text(o, s->finalist[0].name);
    ro_fmt_printf(o, " is more likely than not to win %zu of them; the table below gives every "
                     "region&#8217;s numbers.</desc>\n",
                  carried);
}

/* Feature f off the main map, in its own frame at (x, y), scaled to it. */
static void inset(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r,
                  const ro_geo_feature *f, double x, double y)
{
    ro_fmt_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" "
                     "stroke=\"#bbb\"/>\n",
                  x + 2, y + 2, CELL_W - 4, CELL_H - 18);
    projection p = fit(f->lon0, f->lon1, f->lat0, f->lat1, x + 6, y + 6, CELL_W - 12, CELL_H - 26);
    feature_path(o, s, r, f, &p);
    long ri = region_of(s, f);
    cell_label(o, x + CELL_W / 2.0, y + CELL_H - 5, ri >= 0 ? s->regions[ri].name : f->name);
}

/* Region i, which no feature draws, as a coloured box in the cell at (x, y). */
static void region_box(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r, size_t i,
                       double x, double y)
{
    double pa = r->draws ? (double)r->region_wins_a[i] / (double)r->draws : NAN;
    ro_fmt_puts(o, "<rect class=\"box\" data-region=\"");
    ro_html_text(o, s->regions[i].code);
    /* smaller than an inset: a box stands for a place, not its area */
    char buf[32];
    ro_fmt_printf(o, "\" data-value=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" "
                     "fill=\"%s\" stroke=\"#555\">",
                  ro_fmt_shortest(pa, buf, sizeof buf), x + CELL_W / 2.0 - 24, y + 22, 48, 40,
                  ro_html_colour(pa));
    /* a region's title names the region, never the feature */
    region_title(o, s, r, (long)i, &(ro_geo_feature){.name = s->regions[i].name});
    ro_fmt_puts(o, "</rect>\n");
    cell_label(o, x + CELL_W / 2.0, y + CELL_H - 5, s->regions[i].name);
}

void ro_html_map(ro_fmt_out *o, const runoff_scenario *s, const runoff_result *r,
                 const runoff_map *map)
{
    map_layout L;
    if (plan_layout(&L, s, map) != 0) {
        ro_fmt_fail(o, ENOMEM);
        return;
    }
    map_open(o, s, r, L.height);
    ro_fmt_puts(o, "<g id=\"main-map\">\n");
    for (size_t i = 0; i < map->n; i++)
        if (L.main_f[i])
            feature_path(o, s, r, &map->features[i], &L.main_p);
    ro_fmt_puts(o, "</g>\n<g id=\"insets\">\n");
    size_t cell = 0;
    double x, y;
    for (size_t i = 0; i < map->n; i++)
        if (!L.main_f[i]) {
            cell_corner(&L, cell++, &x, &y);
            inset(o, s, r, &map->features[i], x, y);
        }
    for (size_t i = 0; i < s->n_regions; i++)
        if (!has_outline(s, map, i)) {
            cell_corner(&L, cell++, &x, &y);
            region_box(o, s, r, i, x, y);
        }
    ro_fmt_puts(o, "</g>\n</svg>\n");
    free(L.main_f);
    legend(o, s);
    ro_fmt_puts(o, "<figcaption>Overseas areas are drawn as insets at their own scale; areas with "
                   "no outline in the map file as boxes.</figcaption>\n</figure>\n</section>\n");
}
