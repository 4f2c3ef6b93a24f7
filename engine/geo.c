/*
 * geo.c — GeoJSON outlines for the report page's map.
 *
 * The JSON is parsed by json-c (a maintained Debian library), not by hand;
 * this module only walks the tree into flat arrays of rings, so the page
 * writer never sees JSON. The file is read at most once per run, before
 * simulating, so a bad map fails in milliseconds.
 */
#include "geo.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "scenario.h"

#define MAP_MAX_BYTES (64u << 20)
#define MAP_MAX_DEPTH 64

void runoff_map_free(runoff_map *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->features[i].code);
        free(m->features[i].name);
        free(m->features[i].xy);
        free(m->features[i].ring);
    }
    free(m->features);
    free(m);
}

int runoff_scenario_has_map(const runoff_scenario *s) { return s->map.given; }

size_t runoff_map_count(const runoff_map *m) { return m ? m->n : 0; }

const ro_geo_feature *ro_geo_find(const runoff_map *m, const char *code)
{
    for (size_t i = 0; m != NULL && i < m->n; i++)
        if (strcmp(m->features[i].code, code) == 0)
            return &m->features[i];
    return NULL;
}

/* 1-based line and column of byte offset `at` in buf. */
static void position(const char *buf, size_t at, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at; i++) {
        if (buf[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

typedef struct {
    const char *name;
    runoff_error *err;
    size_t feature;             /* index, for messages */
} walker;

static runoff_status bad(const walker *w, const char *what)
{
    return ro_error_set(w->err, RUNOFF_EINPUT, w->name, 0, 0, "feature %zu: %s", w->feature,
                        what);
}

/* Append one ring (an array of [lon, lat, ...] positions) to f. */
static runoff_status add_ring(const walker *w, ro_geo_feature *f, json_object *ring,
                              size_t *cap_pts, size_t *n_pts)
{
    if (!json_object_is_type(ring, json_type_array) || json_object_array_length(ring) < 3)
        return bad(w, "a ring is not an array of at least three positions");
    size_t n = json_object_array_length(ring);
    if (*n_pts + n > *cap_pts) {
        size_t cap = (*n_pts + n) * 2;
        double *xy = ro_realloc(f->xy, cap * 2 * sizeof *xy);
        if (xy == NULL)
            return ro_error_set(w->err, RUNOFF_ENOMEM, w->name, 0, 0, "out of memory");
        f->xy = xy;
        *cap_pts = cap;
    }
    for (size_t k = 0; k < n; k++) {
        json_object *p = json_object_array_get_idx(ring, k);
        if (!json_object_is_type(p, json_type_array) || json_object_array_length(p) < 2)
            return bad(w, "a position is not an array [longitude, latitude]");
        json_object *x = json_object_array_get_idx(p, 0), *y = json_object_array_get_idx(p, 1);
        if (!(json_object_is_type(x, json_type_double) || json_object_is_type(x, json_type_int)) ||
            !(json_object_is_type(y, json_type_double) || json_object_is_type(y, json_type_int)))
            return bad(w, "a coordinate is not a number");
        double lon = json_object_get_double(x), lat = json_object_get_double(y);
        if (!isfinite(lon) || !isfinite(lat) || fabs(lon) > 360 || fabs(lat) > 90)
            return bad(w, "a coordinate is outside longitude -360..360, latitude -90..90");
        f->xy[2 * *n_pts] = lon;
        f->xy[2 * *n_pts + 1] = lat;
        f->lon0 = fmin(f->lon0, lon);
        f->lon1 = fmax(f->lon1, lon);
        f->lat0 = fmin(f->lat0, lat);
        f->lat1 = fmax(f->lat1, lat);
        (*n_pts)++;
    }
    size_t *ring_idx = ro_realloc(f->ring, (f->n_rings + 2) * sizeof *ring_idx);
    if (ring_idx == NULL)
        return ro_error_set(w->err, RUNOFF_ENOMEM, w->name, 0, 0, "out of memory");
    f->ring = ring_idx;
    f->ring[f->n_rings + 1] = *n_pts;
    f->n_rings++;
    return RUNOFF_OK;
}

/* Every ring of a Polygon (an array of rings) or MultiPolygon. */
static runoff_status add_geometry(const walker *w, ro_geo_feature *f, json_object *g)
{
    json_object *type, *coords;
    if (!json_object_object_get_ex(g, "type", &type) ||
        !json_object_object_get_ex(g, "coordinates", &coords) ||
        !json_object_is_type(coords, json_type_array))
        return bad(w, "geometry without type and coordinates");
    const char *t = json_object_get_string(type);
    bool multi = strcmp(t, "MultiPolygon") == 0;
    if (!multi && strcmp(t, "Polygon") != 0)
        return bad(w, "geometry is not a Polygon or a MultiPolygon");
    size_t cap = 0, n_pts = 0;
    f->ring = ro_calloc(1, sizeof *f->ring);
    if (f->ring == NULL)
        return ro_error_set(w->err, RUNOFF_ENOMEM, w->name, 0, 0, "out of memory");
    f->lon0 = f->lat0 = INFINITY;
    f->lon1 = f->lat1 = -INFINITY;
    size_t n_poly = multi ? json_object_array_length(coords) : 1;
    for (size_t p = 0; p < n_poly; p++) {
        json_object *poly = multi ? json_object_array_get_idx(coords, p) : coords;
        if (!json_object_is_type(poly, json_type_array))
            return bad(w, "a polygon is not an array of rings");
        for (size_t k = 0; k < json_object_array_length(poly); k++) {
            runoff_status st = add_ring(w, f, json_object_array_get_idx(poly, k), &cap, &n_pts);
            if (st != RUNOFF_OK)
                return st;
        }
    }
    if (f->n_rings == 0)
        return bad(w, "geometry has no ring");
    return RUNOFF_OK;
}

static runoff_status add_feature(const walker *w, ro_geo_feature *f, json_object *feat,
                                 const char *code_property)
{
    json_object *props, *code, *name = NULL, *geom;
    if (!json_object_is_type(feat, json_type_object) ||
        !json_object_object_get_ex(feat, "properties", &props) ||
        !json_object_is_type(props, json_type_object))
        return bad(w, "not a Feature with properties");
    if (!json_object_object_get_ex(props, code_property, &code) ||
        !(json_object_is_type(code, json_type_string) || json_object_is_type(code, json_type_int)) ||
        json_object_get_string_len(code) == 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "no property '%s' (the map's code_property) as a string",
                 code_property);
        return bad(w, msg);
    }
    if (!json_object_object_get_ex(props, "nom", &name))
        json_object_object_get_ex(props, "name", &name);
    f->code = ro_strdup(json_object_get_string(code));
    f->name = ro_strdup(name != NULL && json_object_is_type(name, json_type_string)
                            ? json_object_get_string(name)
                            : json_object_get_string(code));
    if (f->code == NULL || f->name == NULL)
        return ro_error_set(w->err, RUNOFF_ENOMEM, w->name, 0, 0, "out of memory");
    if (!json_object_object_get_ex(feat, "geometry", &geom) || geom == NULL)
        return bad(w, "no geometry");
    return add_geometry(w, f, geom);
}

static runoff_map *walk(const char *name, json_object *root, const char *code_property,
                        runoff_error *err)
{
    walker w = {name, err, 0};
    json_object *type, *features;
    if (!json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "type", &type) ||
        strcmp(json_object_get_string(type), "FeatureCollection") != 0 ||
        !json_object_object_get_ex(root, "features", &features) ||
        !json_object_is_type(features, json_type_array)) {
        ro_error_set(err, RUNOFF_EINPUT, name, 0, 0,
                     "not a GeoJSON FeatureCollection, expected {\"type\": "
                     "\"FeatureCollection\", \"features\": [...]}");
        return NULL;
    }
    runoff_map *m = ro_calloc(1, sizeof *m);
    size_t n = json_object_array_length(features);
    if (m == NULL || (m->features = ro_calloc(n ? n : 1, sizeof *m->features)) == NULL) {
        free(m);
        ro_error_set(err, RUNOFF_ENOMEM, name, 0, 0, "out of memory");
        return NULL;
    }
    snprintf(m->path, sizeof m->path, "%s", name);
    for (size_t i = 0; i < n; i++) {
        w.feature = i;
        m->n = i + 1;
        ro_geo_feature *f = &m->features[i];
        if (add_feature(&w, f, json_object_array_get_idx(features, i), code_property) != RUNOFF_OK)
            goto fail;
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->features[j].code, f->code) == 0) {
                ro_error_set(err, RUNOFF_EINPUT, name, 0, 0,
                             "features %zu and %zu both have %s '%s', expected unique codes", j,
                             i, code_property, f->code);
                goto fail;
            }
    }
    if (n == 0) {
        ro_error_set(err, RUNOFF_EINPUT, name, 0, 0, "no features, expected at least one outline");
        goto fail;
    }
    return m;
fail:
    runoff_map_free(m);
    return NULL;
}

runoff_map *ro_geo_parse(const char *name, const char *buf, size_t len,
                         const char *code_property, runoff_error *err)
{
    json_tokener *tok = json_tokener_new_ex(MAP_MAX_DEPTH);
    if (tok == NULL) {
        ro_error_set(err, RUNOFF_ENOMEM, name, 0, 0, "out of memory");
        return NULL;
    }
    json_object *root = json_tokener_parse_ex(tok, buf, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    while (root != NULL && end < len && strchr(" \t\r\n", buf[end]) != NULL)
        end++;
    runoff_map *m = NULL;
    if (root == NULL || jerr != json_tokener_success || end != len) {
        int line, col;
        position(buf, end < len ? end : len, &line, &col);
        ro_error_set(err, RUNOFF_EINPUT, name, line, col, "not valid JSON: %s",
                     root == NULL ? (jerr == json_tokener_continue ? "unexpected end of file"
                                                                   : json_tokener_error_desc(jerr))
                                  : "text after the JSON value");
    } else {
        m = walk(name, root, code_property, err);
    }
    json_object_put(root);
    json_tokener_free(tok);
    return m;
}

/* The map file's path: as written when absolute, else beside the scenario. */
static void map_path(const runoff_scenario *s, const char *scenario_path, char *buf, size_t size)
{
    const char *slash = scenario_path ? strrchr(scenario_path, '/') : NULL;
    if (s->map.file[0] == '/' || slash == NULL)
        snprintf(buf, size, "%s", s->map.file);
    else
        snprintf(buf, size, "%.*s/%s", (int)(slash - scenario_path), scenario_path, s->map.file);
}

runoff_map *runoff_map_load(const runoff_scenario *s, const char *scenario_path,
                            runoff_error *err)
{
    if (!s->map.given) {
        ro_error_set(err, RUNOFF_EINPUT, s->source, 0, 0, "the scenario has no 'map' section");
        return NULL;
    }
    char path[1024];
    map_path(s, scenario_path, path, sizeof path);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        ro_error_set(err, RUNOFF_EINPUT, s->source, s->map.pos.line, s->map.pos.column,
                     "map file '%s': %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int read_errno = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? 2 * cap : 1 << 16;
            char *nb = cap <= MAP_MAX_BYTES ? ro_realloc(buf, cap) : NULL;
            if (nb == NULL) {
                read_errno = cap > MAP_MAX_BYTES ? EFBIG : ENOMEM;
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                read_errno = errno ? errno : EIO;
            break;
        }
    }
    fclose(f);
    runoff_map *m = NULL;
    if (read_errno == EFBIG)
        ro_error_set(err, RUNOFF_EINPUT, path, 0, 0, "larger than %u MiB", MAP_MAX_BYTES >> 20);
    else if (read_errno != 0)
        ro_error_set(err, read_errno == ENOMEM ? RUNOFF_ENOMEM : RUNOFF_ERUNTIME, path, 0, 0,
                     "read failed: %s", strerror(read_errno));
    else
        m = ro_geo_parse(path, buf, len, s->map.code_property, err);
    free(buf);
    return m;
}
