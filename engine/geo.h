/*
 * geo.h — outlines for the report page's map: a GeoJSON FeatureCollection
 * read into plain arrays (runoff_map), one feature per region outline.
 *
 * Invariants: every feature has a non-empty code (the scenario's map
 * code_property, as text) and at least one ring of at least three points;
 * codes are unique; coordinates are finite longitude/latitude degrees.
 * The map owns every string and array; runoff_map_free() releases all.
 */
#ifndef RO_GEO_H
#define RO_GEO_H

#include <stddef.h>

#include "runoff.h"

typedef struct {
    char *code, *name;          /* name: properties.nom or .name, else the code */
    double *xy;                 /* lon, lat pairs */
    size_t *ring;               /* ring k is points ring[k] .. ring[k+1]-1 */
    size_t n_rings;
    double lon0, lon1, lat0, lat1;  /* bounding box */
} ro_geo_feature;

struct runoff_map {
    ro_geo_feature *features;
    size_t n;
    char path[1024];            /* as opened, for messages */
};

/* Read the GeoJSON text buf[0..len) (display name `name`) into a map, the
 * feature's `code_property` naming it. NULL with err set on bad JSON (with
 * its line and column), a shape that is not a FeatureCollection of Polygon
 * and MultiPolygon features, a missing or duplicate code, or no memory. */
runoff_map *ro_geo_parse(const char *name, const char *buf, size_t len,
                         const char *code_property, runoff_error *err);

/* The feature whose code is `code`, or NULL. */
const ro_geo_feature *ro_geo_find(const runoff_map *m, const char *code);

#endif /* RO_GEO_H */
