#!/usr/bin/env python3
"""Write a synthetic scenario with N regions (default 35000, about every
commune of France), three first-round options and a regional-error group,
for timing `runoff check` on a large first round (make bench).
Usage: gen_regions.py [N] > FILE.yaml"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 35000
out = ["election:", "  name: synthetic communes", "  date: 2030-06-16", "  finalists:",
       "    - {id: a, name: Alice}", "    - {id: b, name: Bob}", "polls:",
       "  - {pollster: P, start: 2030-06-01, end: 2030-06-02, sample: 500, shares: {a: 52, b: 48}}",
       "transfers:", "  default: {shares: {a: 30, b: 30, none: 40}}", "first_round:",
       "  options: [{id: a}, {id: b}, {id: abst}]", "  regions:"]
out += [f'    - {{code: "{i:05d}", name: Commune {i}, registered: 1000, '
        f"votes: {{a: 400, b: 300, abst: 300}}}}" for i in range(n)]
out += ["regional_error:", "  groups:",
        f'    - {{name: north, sd: 0.1, regions: ["00000", "{n - 1:05d}"]}}']
print("\n".join(out))
