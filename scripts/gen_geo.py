#!/usr/bin/env python3
"""Build data/geo/fr-departements.geojson, the outlines runoff's report page draws.

    python3 scripts/gen_geo.py SHARED_GEO_DIR > data/geo/fr-departements.geojson

The 96 metropolitan départements come unchanged from the strongly simplified
file (departements-version-simplifiee.geojson, 570 KB); the five overseas
départements (971 Guadeloupe, 972 Martinique, 973 Guyane, 974 La Réunion,
976 Mayotte) exist only in the detailed file (3.7 MB), so they are taken from it
and simplified here to a comparable level: Douglas-Peucker with a tolerance of
TOLERANCE degrees, rings that shrink below four points or AREA_MIN square degrees
(islets) dropped, coordinates rounded to 5 decimals like the source. Both files:
IGN Admin Express COG 2018 and INSEE COG 2018 via france-geojson by Grégoire David,
Licence Ouverte / Etalab (data/geo/README.md).
"""
import json
import os
import sys

TOLERANCE = 0.004   # degrees, about 400 m: an inset a few centimetres wide
AREA_MIN = 2e-5     # square degrees, about 0.25 km²: islets invisible in an inset
OVERSEAS = ("971", "972", "973", "974", "976")


def perpendicular(p, a, b):
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / (dx * dx + dy * dy) ** 0.5


def douglas_peucker(points, tol):
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        i, j = stack.pop()
        best, k = 0.0, -1
        for m in range(i + 1, j):
            d = perpendicular(points[m], points[i], points[j])
            if d > best:
                best, k = d, m
        if k >= 0 and best > tol:
            keep[k] = True
            stack += [(i, k), (k, j)]
    return [p for p, kept in zip(points, keep) if kept]


def area(ring):
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:]))) / 2


def simplify_ring(ring):
    out = douglas_peucker(ring, TOLERANCE)
    out = [[round(x, 5), round(y, 5)] for x, y in out]
    if len(out) < 4 or area(out) < AREA_MIN:
        return None
    return out


def simplify(geometry):
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    kept = []
    for polygon in polygons:
        outer = simplify_ring(polygon[0])
        if outer is None:
            continue
        kept.append([outer] + [r for r in map(simplify_ring, polygon[1:]) if r is not None])
    if not kept:
        raise SystemExit("gen_geo.py: a feature lost every ring; lower TOLERANCE or AREA_MIN")
    return {"type": "MultiPolygon", "coordinates": kept}


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__.strip().splitlines()[2])
    src = sys.argv[1]
    with open(os.path.join(src, "departements-version-simplifiee.geojson"), encoding="utf-8") as f:
        metro = json.load(f)
    with open(os.path.join(src, "departements-avec-outre-mer.geojson"), encoding="utf-8") as f:
        full = json.load(f)
    features = list(metro["features"])
    have = {f["properties"]["code"] for f in features}
    for feature in full["features"]:
        code = feature["properties"]["code"]
        if code in OVERSEAS and code not in have:
            features.append({"type": "Feature", "properties": feature["properties"],
                             "geometry": simplify(feature["geometry"])})
    missing = set(OVERSEAS) - {f["properties"]["code"] for f in features}
    if missing:
        raise SystemExit(f"gen_geo.py: no outline for {', '.join(sorted(missing))}")
    json.dump({"type": "FeatureCollection", "features": features}, sys.stdout,
              ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
