#!/usr/bin/env python3
"""Write a synthetic national scenario with N polls (default 10000) over 90
days from 30 pollsters, for timing the dynamic poll model (make bench).
Deterministic: a fixed seed. Usage: gen_polls.py [N] > FILE.yaml"""
import datetime
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
rng = random.Random(1)
out = ["election:", "  name: synthetic campaign", "  date: 2030-06-30", "  finalists:",
       "    - {id: a, name: A}", "    - {id: b, name: B}", "polls:"]
for i in range(n):
    end = datetime.date(2030, 4, 1) + datetime.timedelta(days=1 + i * 90 // n)
    start = end - datetime.timedelta(days=rng.randint(0, 3))
    share = 50 + rng.gauss(0, 2)
    out.append(f"  - {{pollster: P{rng.randint(1, 30)}, start: {start}, end: {end}, "
               f"sample: {rng.randint(500, 3000)}, shares: {{a: {share:.1f}, b: {100 - share:.1f}}}}}")
print("\n".join(out))
