#!/usr/bin/env python3
"""check_html.py DOM JSON GEOJSON NETLOG — checks of a rendered report page.

DOM: the page's DOM as Chromium dumped it after loading (--dump-dom);
JSON: runoff run --json of the same run; GEOJSON: the scenario's outline file;
NETLOG: Chromium's --log-net-log of that load. Prints "ok - ..." or
"FAIL - ..." per check; exit status 1 if any failed.

- every shown number (span[data-stat]) is the JSON statistic of the same
  name and subject, exactly, and its text is that value rounded;
- every feature of the outline file is drawn once (a path with data), and
  every region is drawn once, as a path or a box, coloured (not the grey of
  a missing value) with the JSON's win probability;
- every chart has a title and a description;
- the page initiated no network request (Chromium's own update checks,
  which have no page origin, are not the page's).
"""
import html.parser
import json
import re
import sys

failures = 0


def check(ok, what):
    global failures
    print(("ok - " if ok else "FAIL - ") + what)
    failures += not ok


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.spans, self.paths, self.boxes, self.svgs = [], [], [], []
        self.stack, self.current_span = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "span" and "data-stat" in a:
            self.current_span = [a, ""]
            self.spans.append(self.current_span)
        elif tag == "path" and "area" in a.get("class", ""):
            self.paths.append(a)
        elif tag == "rect" and "box" in a.get("class", ""):
            self.boxes.append(a)
        elif tag == "svg":
            self.svgs.append({"id": a.get("id"), "role": a.get("role"), "title": False,
                              "desc": False, "depth": len(self.stack)})
        if tag in ("title", "desc") and self.svgs and self.stack and self.stack[-1] == "svg":
            self.svgs[-1][tag] = True
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "span":
            self.current_span = None
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        if self.current_span is not None:
            self.current_span[1] += data


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__.splitlines()[0])
    dom_path, json_path, geo_path, net_path = sys.argv[1:]
    dom = Dom()
    with open(dom_path, encoding="utf-8") as f:
        dom.feed(f.read())
    with open(json_path, encoding="utf-8") as f:
        out = json.load(f)
    with open(geo_path, encoding="utf-8") as f:
        geo = json.load(f)

    stats = {(s["statistic"], s["subject"]): s["value"] for s in out["statistics"]}
    check(len(dom.spans) >= 5, f"the headline shows {len(dom.spans)} numbers tied to statistics")
    for a, text in dom.spans:
        key = (a["data-stat"], a["data-subject"])
        value = float(a["data-value"])
        check(key in stats and stats[key] == value,
              f"{key[0]} {key[1]} on the page is {value!r}, in the JSON {stats.get(key)!r}")
        shown = re.match(r"\s*(-?[0-9.]+)", text.replace("\u202f", " "))
        decimals = len(shown.group(1).split(".")[1]) if shown and "." in shown.group(1) else 0
        check(shown is not None and shown.group(1) == f"{100 * value:.{decimals}f}",
              f"{key[0]} {key[1]} reads {text.strip()!r}, the value rounded")

    codes = [f["properties"]["code"] for f in geo["features"]]
    drawn = {}
    for p in dom.paths:
        drawn.setdefault(p.get("data-code"), []).append(p)
    missing = [c for c in codes if len(drawn.get(c, [])) != 1]
    check(not missing, f"each of the {len(codes)} outlines is drawn once"
          + (f" (not: {', '.join(missing[:10])})" if missing else ""))
    empty = [p["data-code"] for p in dom.paths if len(re.findall(r"[ML]", p.get("d", ""))) < 3]
    check(not empty, "every outline has a path of three points or more")
    grey = [p["data-code"] for p in dom.paths if p.get("fill", "").lower() in ("", "none", "#cccccc")]
    check(not grey, "every outline is coloured" + (f" (not: {', '.join(grey[:10])})" if grey else ""))

    regions = {r["code"]: r["win_probability"] for r in out["regions"]}
    shown = {}
    for el in dom.paths + dom.boxes:
        if el.get("data-region"):
            shown.setdefault(el["data-region"], []).append(el)
    wrong = [c for c in regions if len(shown.get(c, [])) != 1]
    check(not wrong, f"each of the {len(regions)} regions is drawn once, as an outline or a box"
          + (f" (not: {', '.join(wrong[:10])})" if wrong else ""))
    off = [c for c, els in shown.items()
           if c not in regions or float(els[0]["data-value"]) != regions[c]]
    check(not off, "every region's colour stands for its JSON win probability")
    uncoloured = [b["data-region"] for b in dom.boxes if b.get("fill", "").lower() in ("", "#cccccc")]
    check(not uncoloured, "every box is coloured")

    check(len(dom.svgs) >= 3, f"{len(dom.svgs)} charts")
    for s in dom.svgs:
        check(s["role"] == "img" and s["title"] and s["desc"],
              f"chart {s['id']} has role=img, a <title> and a <desc>")

    with open(net_path, encoding="utf-8") as f:
        net = json.load(f)
    names = {v: k for k, v in net["constants"]["logEventTypes"].items()}
    page = [e["params"].get("url") for e in net["events"]
            if names.get(e["type"]) == "URL_REQUEST_START_JOB"
            and e.get("params", {}).get("url")
            and e["params"].get("initiator") != "not an origin"]
    check(not page, "the page started no network request" + (f" (it did: {page[:3]})" if page else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
