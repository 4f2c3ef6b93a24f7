"""The Python binding against the command line: the same scenario, seed
and draws give the same numbers (and the same JSON bytes), from a file, a
dict or YAML text, with or without overrides."""
import csv
import json
import math
import os
import subprocess
import sys
import tempfile

import pytest

import runoff

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("RUNOFF_BIN", os.path.join(ROOT, "build", "runoff"))
FR2022 = os.path.join(ROOT, "scenarios", "fr-2022-runoff.yaml")
NATIONAL = os.path.join(ROOT, "tests", "data", "good", "national.yaml")

# tests/data/good/national.yaml, as a dict.
NATIONAL_DICT = {
    "election": {
        "name": "Synthetic national run-off",
        "date": "2030-06-16",
        "finalists": [{"id": "north", "name": "Candidate North"},
                      {"id": "south", "name": "Candidate South"}],
    },
    "polls": [
        {"pollster": "Alpha", "start": "2030-06-01", "end": "2030-06-03", "sample": 1000,
         "shares": {"north": 54, "south": 46}},
        {"pollster": "Beta", "start": "2030-06-10", "end": "2030-06-12", "sample": 800,
         "shares": {"north": 51.5, "south": 48.5}, "population": "registered",
         "rolling": True},
    ],
}


def cli_json(*args):
    out = subprocess.run([BIN, "run", "-q", "--json", *args], check=True,
                         capture_output=True, text=True).stdout
    return out


def cli_win_probability(doc):
    a = doc["scenario"]["finalists"][0]["id"] if "finalists" in doc["scenario"] else None
    for s in doc["statistics"]:
        if s["statistic"] == "win_probability" and (a is None or s["subject"] == a):
            return s["value"]
    raise AssertionError("no win_probability")


def test_version():
    assert runoff.version() == subprocess.run([BIN, "--version"], capture_output=True,
                                              text=True).stdout.split()[-1]


def test_2022_win_probability_equals_the_cli_json():
    r = runoff.run(FR2022, draws=20000, seed=7)
    text = cli_json(FR2022, "-n", "20000", "-s", "7")
    assert r.win_probability == cli_win_probability(json.loads(text))
    assert r.json_text() == text


def test_import_from_the_build_tree():
    code = ("import runoff; r = runoff.run(%r, draws=5000, seed=3); print(repr(r.win_probability))"
            % FR2022)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env=env, cwd=ROOT).stdout
    doc = json.loads(cli_json(FR2022, "-n", "5000", "-s", "3"))
    assert float(out) == cli_win_probability(doc)


def test_overrides_equal_the_cli_set():
    r = runoff.run(FR2022, set={"polling_error.scale": 3}, draws=5000, seed=1)
    doc = json.loads(cli_json(FR2022, "-n", "5000", "-s", "1", "--set", "polling_error.scale=3"))
    assert r.win_probability == cli_win_probability(doc)
    r2 = runoff.run(FR2022, set=["polling_error.scale=3"], draws=5000, seed=1)
    assert r2.win_probability == r.win_probability


def test_dict_equals_the_file():
    from_file = runoff.run(NATIONAL, draws=20000, seed=5)
    from_dict = runoff.run(NATIONAL_DICT, draws=20000, seed=5)
    assert from_dict.statistics() == from_file.statistics()
    assert from_dict.scenario.finalists == ("north", "south")
    with open(NATIONAL) as f:
        from_text = runoff.Scenario.from_yaml(f.read()).simulate(draws=20000, seed=5)
    assert from_text.statistics() == from_file.statistics()


def test_to_yaml_quotes_only_what_must_be():
    assert runoff.to_yaml({"a": "2030-06-16", "b": "two words", "c": "null", "d": 1.5,
                           "e": [True, None]}) == \
        '{a: 2030-06-16, b: "two words", c: "null", d: 1.5, e: [true, null]}'
    with pytest.raises(ValueError):
        runoff.to_yaml({"x": math.nan})


def test_bad_override_raises_with_its_position():
    with pytest.raises(runoff.Error) as e:
        runoff.run(NATIONAL, set={"polling_error.scale": -1}, draws=10)
    assert e.value.status == 2
    assert e.value.file == "--set"


def test_bad_dict_raises():
    with pytest.raises(runoff.Error) as e:
        runoff.Scenario.from_dict({"election": {"name": "x"}})
    assert e.value.status == 2 and e.value.file == "<dict>"


def test_accessors():
    """Every accessor against what the command line writes for the same
    seed and draws, through its own writers (--csv, --regions-csv): the
    same numbers, to the digits the CSV prints (shortest exact form)."""
    r = runoff.run(FR2022, draws=20000, seed=2)
    with tempfile.TemporaryDirectory() as tmp:
        stats_csv, regions_csv = os.path.join(tmp, "s.csv"), os.path.join(tmp, "r.csv")
        subprocess.run([BIN, "run", "-q", FR2022, "-n", "20000", "-s", "2", "--csv", stats_csv,
                        "--regions-csv", regions_csv], check=True, capture_output=True)
        with open(stats_csv, newline="", encoding="utf-8") as f:
            cli_stats = {(row["statistic"], row["subject"]): float(row["value"])
                         for row in csv.DictReader(f)}
        with open(regions_csv, newline="", encoding="utf-8") as f:
            cli_regions = list(csv.DictReader(f))
    a = r.scenario.finalists[0]
    lo, hi = r.share_interval(0.9)
    assert (lo, hi) == (cli_stats[("share_quantile_0.05", a)], cli_stats[("share_quantile_0.95", a)])
    assert r.share_quantile(0.5) == cli_stats[("share_quantile_0.5", a)]
    assert r.win_probability == cli_stats[("win_probability", a)]
    b = r.scenario.finalists[1]
    assert r.win_probabilities() == {a: cli_stats[("win_probability", a)],
                                     b: cli_stats[("win_probability", b)]}
    regions = r.regions()
    assert [g["code"] for g in regions] == [row["code"] for row in cli_regions]
    for g, row in zip(regions, cli_regions):
        assert g["name"] == row["name"]
        assert g["win_probability_a"] == float(row["win_probability"])
        assert g["median"] == float(row["share_quantile_0.5"])
        assert (g["q05"], g["q95"]) == (float(row["share_quantile_0.05"]),
                                        float(row["share_quantile_0.95"]))
    stats = {(s["statistic"], s["subject"]): s["value"] for s in r.statistics()}
    assert stats == cli_stats


def test_draws_are_the_runs_draws():
    sc = runoff.Scenario.load(NATIONAL)
    cols = sc.draws(200, seed=9)
    assert len(cols["share_a"]) == 200
    wins = sum(1 for w in cols["winner"] if w == 0)
    assert wins / 200 == sc.simulate(draws=200, seed=9).win_probability
