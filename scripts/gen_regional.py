#!/usr/bin/env python3
"""Generate the regional back-test scenarios of the 2012 and 2017 run-offs.

Usage: python3 scripts/gen_regional.py DATA_DIR YEAR [--regional-error FILE] > OUT
       (make scenarios: python3 scripts/gen_regional.py data 2017
        > scenarios/backtest/fr-2017-regions.yaml)

For YEAR in REGION_YEARS it writes a full regional scenario of that run-off:
- election and polls exactly as gen_backtest.py writes the eve scenario
  (A = the winner, the same default sample, aggregation.as_of = the day before
  the run-off, no polling_error: the engine's default applies);
- first_round by département from DATA_DIR/fr-YYYY (read and checked by
  gen_fr2022.py's own reader: every region adds up to its registered voters,
  every column to the national first round);
- transfers from DATA_DIR/history/frYYYY-transfers.csv (rules below);
- turnout as gen_fr2022.py writes it (mean = first-round turnout);
- regional_error: the geographic groups of gen_fr2022.REGION_GROUPS with every
  sd 0 (the input of runoff calibrate: only membership matters), or, with
  --regional-error FILE, that fragment's text verbatim (it carries the groups);
- blend mode polls;
- actual: the national result (results_national.csv, checked against the
  history result file) and every département's two-way result.

Transfer rules (each also written in the scenario):
- Only rows that give all three shares are used. The file gives no fieldwork
  dates (only the source text names days), so each surveyed electorate gets
  one explicit row, the mean of its complete survey rows, rather than surveys
  with invented dates: with one invented date for all, the engine's recency
  weights would be equal and its survey mean would be this mean anyway; the
  rows say exactly that without a made-up clock. Rows take transfers'
  concentration, as survey means do.
- Rows whose source marks them as measured on the run-off day (AFTER_RUNOFF_MARK)
  are left out: they report how people voted, which the eve scenario (as_of =
  the day before) must not know.
- The default row, for unsurveyed options, follows gen_fr2022.py's rule (mean
  over surveyed non-finalist candidates of each one's mean row).
- Unsurveyed finalists and first-round abstainers get the named assumptions
  FINALIST_OWN_ROW and ABSTAINER_ROW below.

Output is deterministic: same data, same bytes. Python 3.11 standard library
only; helpers are imported from gen_fr2022.py and gen_backtest.py so all three
generators read the data the same way.
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True  # importing the other generators must not leave scripts/__pycache__
import gen_backtest as bt  # noqa: E402
import gen_fr2022 as fr  # noqa: E402
from gen_fr2022 import DataError, flow, pct, q  # noqa: E402

# ---------------------------------------------------------------------------
# Modelling assumptions. None of these is in the data; each is a judgement.
# ---------------------------------------------------------------------------

# A finalist's own first-round electorate, when no survey asked about it:
# percent to that finalist, to the other finalist, to neither. Between-round
# surveys find that finalists keep almost all their first-round voters (the
# 2022 surveys put Macron's and Le Pen's own electorates above 90 % loyal).
# Not fitted to any result. A guess, so it gets the default row's wide
# Dirichlet (gen_fr2022.DEFAULT_TRANSFER_CONCENTRATION).
FINALIST_OWN_ROW = (95, 2, 3)
FINALIST_OWN_CONCENTRATION = fr.DEFAULT_TRANSFER_CONCENTRATION

# First-round abstainers, whom no survey of these years asked about: percent
# to A, to B, to neither. Most first-round abstainers abstain again; the rest
# is split equally because nothing says otherwise. A wide Dirichlet
# (concentration 10: the 80 % has a standard deviation of about 12 points)
# marks it as a guess; national turnout is anchored by the turnout section.
ABSTAINER_ROW = (10, 10, 80)
ABSTAINER_CONCENTRATION = 10

# Text of a transfers.csv source cell that marks a survey of the run-off day
# itself (how people voted): not known on the eve, so left out.
AFTER_RUNOFF_MARK = "election-day survey"

# gen_fr2022.NONE_BLANK_NULL_MEAN (used here unchanged) was read off this
# run-off's blank/null and abstention counts (its comment says so), so a
# scenario of this year says that its blank_null score is not out of sample.
NONE_BLANK_NULL_READ_FROM = "2017"

# The horizon of gen_backtest.py these scenarios share: the eve of the run-off.
HORIZON = bt.HORIZONS[0]

# ---------------------------------------------------------------------------
# What is generated, and the data vocabulary
# ---------------------------------------------------------------------------

REGION_YEARS = ("2012", "2017")
TRANSFER_COLUMNS = ("first_round_candidate", "to_a_pct", "to_b_pct", "to_none_pct", "source")
TRANSFER_SHARE_COLUMNS = TRANSFER_COLUMNS[1:4]
SECOND_ROUND_FILE = "second_round_by_departement.csv"


# ---------------------------------------------------------------------------
# Reading and checking
# ---------------------------------------------------------------------------

def read_transfers(directory, year, option_ids_by_name):
    """Complete rows by option ({option: [(line, [a, b, none])]}) and notes on
    the rows left out."""
    fields, rows, path = fr.read_csv(directory, f"fr{year}-transfers.csv")
    if tuple(fields) != TRANSFER_COLUMNS:
        raise DataError(f"{path}: unexpected columns {fields}")
    by_option, left_out = {}, []
    for i, row in enumerate(rows, start=2):
        where = f"{path}:{i}"
        label = row["first_round_candidate"]
        if label == fr.SURVEY_ABSTENTION_LABEL:
            option = fr.ABSTENTION_ID
        elif fr.fold(label) in option_ids_by_name:
            option = option_ids_by_name[fr.fold(label)]
        else:
            raise DataError(f"{where}: unknown first-round option {label!r}")
        given = [c for c in TRANSFER_SHARE_COLUMNS if row[c]]
        texts = [fr.share_text(row[c], where) for c in given]
        if AFTER_RUNOFF_MARK in row["source"]:
            left_out.append(f"line {i} ({label}): surveyed on the run-off day, after as_of")
            continue
        if len(given) != len(TRANSFER_SHARE_COLUMNS):
            left_out.append(f"line {i} ({label}): gives only {', '.join(given)}")
            continue
        total = sum(float(t) for t in texts)
        if abs(total - 100) > fr.SHARE_TOLERANCE:
            left_out.append(f"line {i} ({label}): adds up to {total:.1f}")
            continue
        by_option.setdefault(option, []).append((i, [float(t) for t in texts]))
    return by_option, left_out, path


def read_second_round(directory, r2, finalists, first_codes):
    """[(code, [(finalist id, share of valid votes)])] from the second round by
    département, checked like the first round and against its codes."""
    line_of = dict(finalists)
    path, _, table = fr.read_counts(directory, SECOND_ROUND_FILE, r2, line_of)
    codes = [code for code, _, _ in table]
    if codes != first_codes:
        raise DataError(f"{path}: codes differ from the first round's (or their order)")
    return [(code, [(fid, pct(n[fid], n["valid"])) for fid, _ in finalists])
            for code, _, n in table]


def read_year(data_dir, year):
    """Everything a regional scenario of year needs, checked."""
    if year not in REGION_YEARS:
        raise DataError(f"no regional scenario for {year}; years: {', '.join(REGION_YEARS)}")
    runs, default_sample, n_sized = bt.read_runs(data_dir)
    run = next(r for r in runs if r["year"] == year)
    directory = os.path.join(data_dir, f"fr-{year}")
    national = fr.read_national(directory)
    r1, r2 = national["1"], national["2"]
    finalists = run["finalists"]
    if r2["date"] != run["date"]:
        raise DataError(f"{directory}: run-off on {r2['date']}, data/history says {run['date']}")
    if r2["totals"]["registered"] != run["registered"]:
        raise DataError(f"{directory}: round 2 registered differ from data/history")
    if sorted(name for name, _ in r2["candidates"]) != sorted(name for _, name in finalists):
        raise DataError(f"{directory}: round 2 candidates differ from data/history")
    actual = fr.actual_lines(r2, finalists)
    if actual != run["actual"]:
        raise DataError(f"{directory}: the national result {actual} differs from "
                        f"data/history's {run['actual']}")

    options, regions = fr.read_departements(directory, r1)
    option_ids_by_name = {fr.fold(name): cid for cid, name in options}
    for fid, name in finalists:
        if option_ids_by_name.get(fr.fold(name)) != fid:
            raise DataError(f"finalist {name!r} is not a first-round candidate of {directory}")
    codes = [code for code, _, _, _ in regions]
    fr.check_groups(codes, directory)
    by_option, left_out, transfers_path = read_transfers(
        os.path.join(data_dir, "history"), year, option_ids_by_name)
    return {
        "run": run, "default_sample": default_sample, "n_sized": n_sized,
        "r1": r1, "r2": r2, "options": options, "regions": regions, "codes": codes,
        "by_option": by_option, "left_out": left_out, "transfers_path": transfers_path,
        "actual": actual,
        "actual_regions": read_second_round(directory, r2, finalists, codes),
    }


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

def share_pairs(keys, values):
    return flow([(k, f"{v:.{fr.DEFAULT_TRANSFER_DECIMALS}f}") for k, v in zip(keys, values)])


def emit_transfers(emit, d):
    """The transfers section: mean rows of the surveyed electorates, the named
    assumptions for unsurveyed finalists and abstainers, the default row."""
    finalist_ids = [fid for fid, _ in d["run"]["finalists"]]
    keys = finalist_ids + ["none"]
    candidate_ids = [cid for cid, _ in d["options"]]
    means = {o: [sum(col) / len(rows) for col in zip(*(s for _, s in rows))]
             for o, rows in d["by_option"].items()}
    default_shares, n_default = fr.default_transfer(
        {o: [s for _, s in rows] for o, rows in d["by_option"].items()}, candidate_ids, finalist_ids)
    emit("transfers:")
    emit(f"  concentration: {fr.TRANSFER_CONCENTRATION}")
    emit(f"  half_life_days: {fr.TRANSFER_HALF_LIFE_DAYS}  # for surveys; there are none here")
    emit(f"  # From data/history/fr{d['run']['year']}-transfers.csv, which gives no fieldwork")
    emit("  # dates: each surveyed electorate gets one row, the mean of its survey rows")
    emit("  # that give all three shares (with one invented date for all, the engine's")
    emit("  # survey mean would be that same mean).")
    emit("  # Rows left out:")
    for note in d["left_out"]:
        emit(f"  #   {note}")
    emit("  rows:")
    for option in candidate_ids + [fr.ABSTENTION_ID, fr.BLANK_NULL_ID]:
        if option in means:
            lines = ", ".join(str(i) for i, _ in d["by_option"][option])
            emit(f"    # mean of lines {lines}")
            emit(f"    - {flow([('option', option), ('shares', share_pairs(keys, means[option]))])}")
        elif option in finalist_ids:
            own, other, none = FINALIST_OWN_ROW
            shares = [own, other] if option == finalist_ids[0] else [other, own]
            emit("    # unsurveyed finalist: FINALIST_OWN_ROW (finalists keep almost all their voters)")
            emit(f"    - {flow([('option', option), ('shares', flow(zip(keys, shares + [none]))), ('concentration', FINALIST_OWN_CONCENTRATION)])}")
        elif option == fr.ABSTENTION_ID:
            emit("    # unsurveyed first-round abstainers: ABSTAINER_ROW (most abstain again)")
            emit(f"    - {flow([('option', option), ('shares', flow(zip(keys, ABSTAINER_ROW))), ('concentration', ABSTAINER_CONCENTRATION)])}")
    unsurveyed = [o for o in candidate_ids + [fr.BLANK_NULL_ID]
                  if o not in means and o not in finalist_ids]
    emit("  # For the other options: the mean over the surveyed non-finalist candidates")
    emit(f"  # ({n_default}) of each candidate's mean row, so each electorate counts once however")
    emit("  # often it was surveyed; a wider Dirichlet marks it as a guess. Options:")
    emit(f"  # {', '.join(unsurveyed)}.")
    emit(f"  default: {flow([('shares', share_pairs(keys, default_shares)), ('concentration', fr.DEFAULT_TRANSFER_CONCENTRATION)])}")
    if d["run"]["year"] == NONE_BLANK_NULL_READ_FROM:
        emit(f"  # As gen_fr2022.py, whose mean was read off the {NONE_BLANK_NULL_READ_FROM} run-off's counts:")
        emit("  # actual.blank_null is not out of sample here.")
    emit(f"  none_blank_null: {flow([('mean', fr.NONE_BLANK_NULL_MEAN), ('concentration', fr.NONE_BLANK_NULL_CONCENTRATION)])}")


def generate(data_dir, year, regional_error=None):
    """The scenario text; regional_error: a fragment's text for that section."""
    d = read_year(data_dir, year)
    run = d["run"]
    suffix, days, words = HORIZON
    as_of = bt.days_before(run["date"], days)
    out = []
    emit = out.append
    emit("# Generated by scripts/gen_regional.py — do not edit by hand (make scenarios).")
    emit(f"# Data: data/fr-{year} (results by département, Ministry of the Interior, Licence")
    emit(f"# Ouverte / Etalab), data/history/fr{year}-polls.csv, -result.csv and -transfers.csv")
    emit("# (sources in data/history/SOURCES.md; the README states no licence).")
    emit(f"# Regional back-test, {words}: polls as in fr-{year}-{suffix}.yaml, plus the first")
    emit("# round by département, transfers and the geographic regional-error groups.")
    emit("# Modelling assumptions are named constants in the scripts, each with its reason.")
    emit(f"# Default sample for polls without one: {bt.sample_text(d['default_sample'])}, the median sample of the")
    emit(f"# {d['n_sized']} polls that give one across data/history and data/fr-2022 (2022: decided_sample).")
    emit("")
    bt.emit_election(emit, run)
    emit("")
    bt.emit_polls(emit, run, as_of, d["default_sample"])
    emit("")
    emit("aggregation:")
    emit(f"  as_of: {as_of}")
    emit("")
    fr.emit_turnout(emit, d["r1"])
    emit("")
    emit("simulation:")
    emit(f"  draws: {bt.SIM_DRAWS}")
    emit(f"  seed: {bt.SIM_SEED}")
    emit("")
    fr.emit_first_round(emit, d["r1"], d["options"], d["regions"])
    emit("")
    emit_transfers(emit, d)
    emit("")
    if regional_error is None:
        regional_error = fr.group_section(d["codes"], f"data/fr-{year}")
    emit(regional_error.rstrip("\n"))
    emit("")
    emit("blend:")
    emit(f"  mode: {fr.BLEND_MODE}")
    emit("")
    emit(f"# Official result of {run['date']}: shares of valid votes, turnout = voters /")
    emit("# registered, blank_null = blank and null ballots / voters (results_national.csv,")
    emit(f"# equal to data/history/fr{year}-result.csv); regions: each département's shares")
    emit(f"# of valid votes ({SECOND_ROUND_FILE}).")
    emit("actual:")
    for key, value in d["actual"]:
        emit(f"  {key}: {value}")
    emit("  regions:")
    for code, shares in d["actual_regions"]:
        emit(f"    - {flow([('code', q(code)), ('shares', flow(shares))])}")
    return "\n".join(out) + "\n"


def main(argv):
    parser = argparse.ArgumentParser(prog="gen_regional.py",
                                     description="Write a regional back-test scenario to stdout.")
    parser.add_argument("data_dir", metavar="DATA_DIR", help="the data folder (data)")
    parser.add_argument("year", metavar="YEAR", choices=REGION_YEARS)
    parser.add_argument("--regional-error", metavar="FILE",
                        help="the regional_error section is FILE's text (from runoff calibrate)")
    args = parser.parse_args(argv[1:])

    def make():
        fragment = fr.read_regional_error(args.regional_error) if args.regional_error else None
        return generate(args.data_dir, args.year, fragment)
    return fr.write_scenario("gen_regional", make)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
