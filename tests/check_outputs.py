#!/usr/bin/env python3
"""check_outputs.py DOC DIR — every output's columns against docs/outputs.md.

DOC is docs/outputs.md; DIR holds the outputs tests/test_outputs.sh wrote:
stats*.csv (statistics), histogram.csv, regions.csv, trend.csv, draws.csv,
sweep.csv, backtest.csv, sensitivity.csv, residuals.csv and run*.json. Each `<!-- columns: KIND -->` table in
DOC lists the columns of the files of that kind, names in backticks; `<...>`
in a name stands for any text. Checks, per file: every column is documented
(matches a row) and every documented column appears, in the order of the
table (the back-test file's blocks repeat per forecast, so not there); every statistic in the stats files and the JSON matches a row of
the `<!-- statistics -->` table; the JSON's top-level members are those of the
`<!-- json -->` table and its regions' members are the regions file's columns
(without the provenance ones, which are top-level). Prints "ok - ..." or
"FAIL - ..."; exit status 1 if any failed.
"""
import csv
import glob
import json
import os
import re
import sys

failures = 0


def check(ok, what):
    global failures
    print(("ok - " if ok else "FAIL - ") + what)
    failures += not ok


def tables(doc):
    """{marker: [first-column cells of the table after it]}."""
    out, marker, rows = {}, None, None
    for line in doc.splitlines():
        m = re.match(r"<!-- (columns: \w+|statistics|json) -->", line.strip())
        if m:
            marker, rows = m.group(1), []
            out[marker] = rows
        elif marker and line.startswith("|"):
            cell = line.split("|")[1].strip()
            if cell.startswith("`"):
                rows.append(cell)
        elif marker and rows and not line.strip():
            marker = None
    return out


# What the placeholders of the back-test and sweep tables stand for (DOC says
# so in words); any other <...> stands for any text.
PLACEHOLDERS = {"<forecast>": "(model|final_week|last_poll)", "<baseline>": "(final_week|last_poll)",
                "<regions>": "(regions|regions_conditional)", "<k>": "[0-9]+"}


def patterns(cell):
    """The names of one cell: `a`, `b` -> two regexes."""
    out = []
    for name in re.findall(r"`([^`]+)`", cell):
        parts = re.split(r"(<[^>]+>)", name)
        rx = "".join(PLACEHOLDERS.get(p, ".+") if p.startswith("<") else re.escape(p) for p in parts)
        out.append(re.compile("^" + rx + "$"))
    return out


def check_columns(kind, header, cells):
    rows = [patterns(c) for c in cells]
    matched = []
    for col in header:
        hits = [i for i, ps in enumerate(rows) if any(p.match(col) for p in ps)]
        # a literal name wins over a pattern that also matches it
        exact = [i for i in hits if any(p.pattern == "^" + re.escape(col) + "$" for p in rows[i])]
        hits = exact or hits
        check(len(hits) >= 1, f"{kind}: column {col} is documented")
        matched.append(hits[0] if hits else -1)
    unused = [cells[i] for i in range(len(rows)) if i not in matched]
    check(not unused, f"{kind}: every documented column is written" + (f" (not: {unused})" if unused else ""))
    order = [m for m in matched if m >= 0]
    if not kind.startswith("backtest"):  # its blocks repeat per forecast: no one order
        check(order == sorted(order), f"{kind}: columns in the documented order")


def main():
    doc_path, out_dir = sys.argv[1:3]
    with open(doc_path, encoding="utf-8") as f:
        t = tables(f.read())
    for kind, pattern in [("histogram", "histogram.csv"), ("regions", "regions.csv"),
                          ("trend", "trend.csv"), ("draws", "draws.csv"), ("sweep", "sweep.csv"),
                          ("backtest", "backtest.csv"), ("sensitivity", "sensitivity.csv"),
                          ("residuals", "residuals.csv"),
                          ("stats", "stats*.csv")]:
        files = sorted(glob.glob(os.path.join(out_dir, pattern)))
        check(bool(files) and ("columns: " + kind) in t, f"{kind}: a file and a table")
        for path in files:
            with open(path, newline="", encoding="utf-8") as f:
                header = next(csv.reader(f))
            if kind == "sweep":  # the swept key paths come first
                check(header.index("subject") >= 1, "sweep: swept key columns before subject")
            check_columns(f"{kind} {os.path.basename(path)}", header, t["columns: " + kind])
    stats = [patterns(c) for c in t["statistics"]]
    names = set()
    for path in glob.glob(os.path.join(out_dir, "stats*.csv")):
        with open(path, newline="", encoding="utf-8") as f:
            names |= {row["statistic"] for row in csv.DictReader(f)}
    for path in glob.glob(os.path.join(out_dir, "run*.json")):
        with open(path, encoding="utf-8") as f:
            j = json.load(f)
        names |= {s["statistic"] for s in j["statistics"]}
        top = [re.findall(r"`([^`]+)`", c)[0] for c in t["json"]]
        check(list(j.keys()) == top, f"json {os.path.basename(path)}: members {list(j.keys())}")
        region_cols = [re.findall(r"`([^`]+)`", c)[0] for c in t["columns: regions"]]
        region_cols = [c for c in region_cols if c not in ("runoff_version", "scenario_hash", "seed", "draws")]
        for r in j["regions"][:1]:
            check(list(r.keys()) == region_cols, f"json {os.path.basename(path)}: region members")
    missing = sorted(n for n in names if not any(p.match(n) for ps in stats for p in ps))
    check(not missing, f"{len(names)} statistic names documented" + (f" (not: {missing})" if missing else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
