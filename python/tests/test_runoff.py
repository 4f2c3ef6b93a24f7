"""The Python binding against the command line: the same scenario, seed
and draws give the same numbers (and the same JSON bytes), from a file, a
dict or YAML text, with or without overrides."""
import json
import math
import os
import subprocess
import sys

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
    r = runoff.run(FR2022, draws=20000, seed=2)
    lo, hi = r.share_interval(0.9)
    assert lo < r.share_quantile(0.5) < hi
    assert sum(r.win_probabilities().values()) + r.tie_probability == pytest.approx(1.0)
    regions = r.regions()
    assert len(regions) == 107
    assert all(0 <= g["win_probability_a"] <= 1 for g in regions)
    stats = {(s["statistic"], s["subject"]): s["value"] for s in r.statistics()}
    a = r.scenario.finalists[0]
    assert stats[("win_probability", a)] == r.win_probability
    assert stats[("share_quantile_0.05", a)] == lo


def test_draws_are_the_runs_draws():
    sc = runoff.Scenario.load(NATIONAL)
    cols = sc.draws(200, seed=9)
    assert len(cols["share_a"]) == 200
    wins = sum(1 for w in cols["winner"] if w == 0)
    assert wins / 200 == sc.simulate(draws=200, seed=9).win_probability
