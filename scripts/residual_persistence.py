#!/usr/bin/env python3
"""residual_persistence.py FILE — do the regional fit's misses persist from
one election to the next?

FILE is `runoff calibrate A.yaml B.yaml --residuals-csv FILE` (two past
elections with the same region codes, the earlier first). For the regions in
both, prints the correlation of the two elections' residuals and the slope of
B's on A's (least squares, each election's residuals centred: the weight a
"carry the last election's miss forward" component would get, the swing
being free), over all regions, the regions in no group, and the grouped
ones. This is the evidence docs/model.md §5 cites for
leaving a previous-election component out. Standard library only.
"""
import csv
import math
import sys


def stats(pairs):
    n = len(pairs)
    if n < 3:
        return f"{n} regions: too few"
    ma = sum(a for a, _ in pairs) / n
    mb = sum(b for _, b in pairs) / n
    saa = sum((a - ma) ** 2 for a, _ in pairs)
    sbb = sum((b - mb) ** 2 for _, b in pairs)
    sab = sum((a - ma) * (b - mb) for a, b in pairs)
    slope = sab / saa
    r = sab / math.sqrt(saa * sbb)
    # Fisher's z: an approximate 95 % interval for the correlation
    h = 1.96 / math.sqrt(n - 3)
    lo, hi = math.tanh(math.atanh(r) - h), math.tanh(math.atanh(r) + h)
    return f"{n} regions: correlation {r:+.3f} (95 % {lo:+.2f} .. {hi:+.2f}), slope {slope:+.3f}"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    elections = list(dict.fromkeys(r["election"] for r in rows))
    if len(elections) != 2:
        sys.exit(f"{sys.argv[1]}: expected the residuals of two elections, found {len(elections)}")
    first, second = ({r["code"]: r for r in rows if r["election"] == e} for e in elections)
    both = [c for c in first if c in second]
    print(f"residuals of {elections[1]} against {elections[0]}:")
    for label, keep in (("all", lambda c: True), ("in no group", lambda c: first[c]["group"] == ""),
                        ("in a group", lambda c: first[c]["group"] != "")):
        pairs = [(float(first[c]["residual"]), float(second[c]["residual"])) for c in both if keep(c)]
        print(f"  {label:12s} {stats(pairs)}")


if __name__ == "__main__":
    main()
