#!/usr/bin/python3
"""national_numpy.py — a vectorised NumPy peer of runoff's national model,
timed per core against runoff in the same run.

usage: /usr/bin/python3 bench/national_numpy.py RUNOFF SCENARIO [DRAWS [ROUNDS]]

The model is runoff's national-only one (docs/model.md §2, §3): per draw
p = B(mean + sd Z1 + scale Z2) with the bounded share map B, a turnout
tau ~ Beta(a, b) with the scenario's mean and sd, votes and margin; and what
the driver accumulates: wins and ties, and histograms with the moments of
share (20 000 bins on [0, 1]), turnout (same) and margin (20 000 bins on
[-1, 1]). Draws are made in chunks of CHUNK (memory stays flat), with
NumPy's default generator (PCG64), its ziggurat normals and its Beta
sampler; the arrays are reused (out=) to keep temporaries few. mean and sd
come from runoff itself (`runoff run --json`, polling_average), the rest from
the scenario file (PyYAML), so both compute the same model.

Each round times, one after the other: runoff on one thread (CPU time of the
child, getrusage, minus a 1 000-draw run of the same round for loading and
the poll average), then NumPy (process CPU time). Output (CSV):
  numpy_version,NUMPY,PYTHON
  numpy_round,K,RUNOFF_NS_PER_DRAW,NUMPY_NS_PER_DRAW,RATIO
  numpy_ratio,MEDIAN,MIN,MAX          NumPy ns per draw / runoff ns per draw
"""
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import yaml

CHUNK = 1 << 20
SHARE_BINS = 20000
MARGIN_BINS = 20000
SHARE_LO = 0.02
DEFAULT_SCALE = 0.03


def child_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_runoff(runoff, scenario, draws, json_path=None):
    """CPU seconds of `runoff run` on one thread."""
    cmd = [runoff, "run", scenario, "-q", "--threads", "1", "--draws", str(draws)]
    if json_path:
        cmd.append("--json=" + json_path)
    t0 = child_cpu()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return child_cpu() - t0


def parameters(runoff, scenario):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "avg.json")
        run_runoff(runoff, scenario, 1, path)
        with open(path) as f:
            avg = json.load(f)["polling_average"]
    with open(scenario) as f:
        doc = yaml.safe_load(f)
    pe = doc.get("polling_error") or {}
    if pe.get("distribution", "normal") != "normal":
        sys.exit("national_numpy: only polling_error.distribution normal is implemented")
    scale = pe.get("scale", DEFAULT_SCALE * 100) / 100
    t = doc["turnout"]
    m, s = t["mean"] / 100, t["sd"] / 100
    kappa = m * (1 - m) / (s * s) - 1
    return {
        "mean": avg["mean"], "sd": avg["sd"], "scale": scale,
        "a": m * kappa, "b": (1 - m) * kappa,
        "registered": doc["election"]["registered"],
    }


class Hist:
    """Counts, under/overflow, min, max and the sums of x and x^2."""

    def __init__(self, lo, hi, nbins):
        self.lo, self.hi, self.nbins = lo, hi, nbins
        self.scale = nbins / (hi - lo)
        self.counts = np.zeros(nbins, dtype=np.int64)
        self.under = self.over = 0
        self.n = 0
        self.s1 = self.s2 = 0.0
        self.min, self.max = math.inf, -math.inf
        self.idx = np.empty(CHUNK, dtype=np.int64)
        self.tmp = np.empty(CHUNK)

    def add(self, x):
        k = len(x)
        tmp, idx = self.tmp[:k], self.idx[:k]
        np.subtract(x, self.lo, out=tmp)
        np.multiply(tmp, self.scale, out=tmp)
        self.under += int(np.count_nonzero(x < self.lo))
        self.over += int(np.count_nonzero(x > self.hi))
        np.clip(tmp, 0, self.nbins - 1, out=tmp)
        idx[:] = tmp
        self.counts += np.bincount(idx, minlength=self.nbins)
        self.n += k
        self.s1 += float(np.sum(x))
        self.s2 += float(np.dot(x, x))
        self.min = min(self.min, float(x.min()))
        self.max = max(self.max, float(x.max()))


def numpy_model(par, draws, seed):
    rng = np.random.default_rng(seed)
    share = Hist(0.0, 1.0, SHARE_BINS)
    turnout = Hist(0.0, 1.0, SHARE_BINS)
    margin = Hist(-1.0, 1.0, MARGIN_BINS)
    y = np.empty(CHUNK)
    z = np.empty(CHUNK)
    tail = np.empty(CHUNK)
    wins = ties = 0
    done = 0
    while done < draws:
        k = min(CHUNK, draws - done)
        yk, zk, tk = y[:k], z[:k], tail[:k]
        rng.standard_normal(out=yk)
        np.multiply(yk, par["sd"], out=yk)
        yk += par["mean"]
        rng.standard_normal(out=zk)
        np.multiply(zk, par["scale"], out=zk)
        yk += zk
        # the bounded share map B: identity on [SHARE_LO, 1 - SHARE_LO]
        low, high = yk < SHARE_LO, yk > 1 - SHARE_LO
        if low.any():
            yk[low] = SHARE_LO * np.exp((yk[low] - SHARE_LO) / SHARE_LO)
        if high.any():
            yk[high] = 1 - SHARE_LO * np.exp((1 - SHARE_LO - yk[high]) / SHARE_LO)
        p = yk
        wins += int(np.count_nonzero(p > 0.5))
        ties += int(np.count_nonzero(p == 0.5))
        tau = rng.beta(par["a"], par["b"], size=k)
        share.add(p)
        turnout.add(tau)
        # margin = (votes_a - votes_b) / registered = tau (2 p - 1)
        np.multiply(p, 2, out=tk)
        tk -= 1
        tk *= tau
        margin.add(tk)
        done += k
    return wins / draws, share.s1 / draws


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: national_numpy.py RUNOFF SCENARIO [DRAWS [ROUNDS]]")
    runoff, scenario = sys.argv[1], sys.argv[2]
    draws = int(sys.argv[3]) if len(sys.argv) > 3 else 20_000_000
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    par = parameters(runoff, scenario)
    print(f"numpy_version,{np.__version__},{platform.python_version()}")
    numpy_model(par, CHUNK, 1)  # warm-up
    ratios = []
    for k in range(rounds):
        t_r = run_runoff(runoff, scenario, draws) - run_runoff(runoff, scenario, 1000)
        t0 = time.process_time()
        p_win, mean = numpy_model(par, draws, k + 1)
        t_n = time.process_time() - t0
        r_ns, n_ns = t_r / draws * 1e9, t_n / draws * 1e9
        ratios.append(n_ns / r_ns)
        print(f"numpy_round,{k},{r_ns:.2f},{n_ns:.2f},{n_ns / r_ns:.2f}"
              f"  # numpy P(A wins) {p_win:.4f}, mean share {mean:.4f}")
    print(f"numpy_ratio,{statistics.median(ratios):.2f},{min(ratios):.2f},{max(ratios):.2f}")


if __name__ == "__main__":
    main()
