#!/usr/bin/env python3
"""Generate the back-test scenarios: five French run-offs, two horizons each.

Usage: python3 scripts/gen_backtest.py DATA_DIR OUT_DIR
       (make scenarios runs: python3 scripts/gen_backtest.py data scenarios/backtest)

For each run-off (2002, 2007, 2012, 2017 from DATA_DIR/history, 2022 from
DATA_DIR/fr-2022) it writes fr-YYYY-eve.yaml (aggregation.as_of = the day
before the run-off) and fr-YYYY-7d.yaml (as_of = seven days before): every
between-round poll, national only, and the official result under `actual`.

The point is to score the engine's DEFAULTS: the only aggregation key is
as_of, and there is no polling_error, turnout or method section. Polls that
end after as_of are written all the same; the engine leaves them out itself.
A horizon at which no poll has ended would be refused by the engine; it is
reported on stderr and its file is not written (no current data does this).

Rules where the data are silent (each written in the files it affects):
- Sample size. The 2002 and 2007 files give no sample size, 2012 gives two,
  and the engine needs one to weight a poll. Dropping such polls would leave
  2002 with nothing and 2007 with nothing either, so each gets a typical
  size: the median of the samples of every poll that has one, across all the
  history files and 2022 (2022's decided_sample; a history file's
  sample_size as written, its README not saying whether that counts everyone
  interviewed or only the decided). The median, not the mean, so that a few
  very large polls (Cevipof 13,742; Ipsos 8,693) do not set the size of an
  ordinary one; treated as ordinary polls, the unsized ones are neither up-
  nor down-weighted against the sized ones. It is computed here, never typed.
- Fieldwork start. A poll with no field_start (2012's Ifop-Fiducial rolling
  poll) starts on its field_end, the single-day convention the history files
  use for most of their polls.
- Population and rolling. The history files give neither, so those polls
  take the engine's defaults (likely voters, not rolling); 2022 polls keep
  the file's values, mapped as in scripts/gen_fr2022.py.
- Finalists. A is the first round-2 candidate of the result file (the
  history files' share_a belongs to the winner, which is checked). Ids come
  from names by gen_fr2022.py's rule: the ASCII-folded last name (everything
  after the first word), lower case, runs of other characters as "_"
  ("Jean-Marie Le Pen" -> le_pen, "Ségolène Royal" -> royal).

Election dates: 2022's is the round-2 date in results_national.csv. The
history result files carry no dates, so HISTORY_DATES below states them
(public facts) and the script checks each against the table in
data/history/README.md, which names every date with its finalists.

The data are checked on the way in (votes add up, computed percentages agree
with the files' own, polls fall before the run-off) and the script fails
loudly otherwise. Output is deterministic: same data, same bytes. Python 3.11
standard library only; the helpers shared with gen_fr2022.py are imported
from it, so both generators read 2022 the same way.
"""

import datetime
import os
import statistics
import sys

sys.dont_write_bytecode = True  # importing gen_fr2022 must not leave scripts/__pycache__
import gen_fr2022 as fr  # noqa: E402
from gen_fr2022 import DataError, flow, pct, q  # noqa: E402

# ---------------------------------------------------------------------------
# What is generated
# ---------------------------------------------------------------------------

# Run-off dates of the history files (Sundays of the second round), as public
# record and as data/history/README.md's table gives them.
HISTORY_DATES = {
    "2002": "2002-05-05",
    "2007": "2007-05-06",
    "2012": "2012-05-06",
    "2017": "2017-05-07",
}
FR2022_YEAR = "2022"

# (file suffix, days before the run-off for as_of, words for the header)
HORIZONS = (
    ("eve", 1, "the eve of the run-off"),
    ("7d", 7, "seven days before the run-off"),
)

# Engine settings that are not modelling choices (the defaults, written so the
# files say how they are run).
SIM_DRAWS = 100000
SIM_SEED = 1

# Tolerance when a percentage computed from votes is compared with the one the
# file prints to two decimals.
PRINTED_PCT_TOLERANCE = 0.005 + 1e-9

# ---------------------------------------------------------------------------
# Data vocabulary of data/history (see its README).
# ---------------------------------------------------------------------------

HISTORY_POLL_COLUMNS = ("pollster", "field_start", "field_end", "sample_size",
                        "share_a", "share_b")
HISTORY_RESULT_COLUMNS = ("round", "candidate", "votes", "share_valid_pct")
HISTORY_META_LINES = ("VALID", "BLANK", "NULL", "BLANK_AND_NULL", "VOTERS", "REGISTERED",
                      "TURNOUT_PCT_OF_REGISTERED", "BLANK_PCT_OF_VOTERS",
                      "NULL_PCT_OF_VOTERS", "BLANK_NULL_PCT_OF_VOTERS")
README_ROW = "| {date} | {a} – {b} |"


def days_before(date, days):
    return (datetime.date.fromisoformat(date) - datetime.timedelta(days=days)).isoformat()


def sample_text(value):
    """A sample size as YAML: an integer when whole (a median may end in .5)."""
    return str(int(value)) if value == int(value) else repr(float(value))


def counted(n, noun):
    return f"{n} {noun}" + ("" if n == 1 else "s")


def check_printed(computed, printed, where):
    """A percentage computed from votes must round to the one the file prints."""
    if printed and abs(computed - float(printed)) > PRINTED_PCT_TOLERANCE:
        raise DataError(f"{where}: computed {computed:.4f}, the file says {printed}")


# ---------------------------------------------------------------------------
# Reading and checking
# ---------------------------------------------------------------------------

def read_history_result(directory, year):
    """Round 2 of frYYYY-result.csv: finalists, registered, actual result."""
    fields, rows, path = fr.read_csv(directory, f"fr{year}-result.csv")
    if tuple(fields) != HISTORY_RESULT_COLUMNS:
        raise DataError(f"{path}: unexpected columns {fields}")
    candidates, meta = [], {}
    for i, row in enumerate(rows, start=2):
        if row["round"] != "2":
            continue
        where = f"{path}:{i}"
        votes = fr.to_int(row["votes"], where) if row["votes"] else None
        share = row["share_valid_pct"]
        if row["candidate"] in HISTORY_META_LINES:
            meta[row["candidate"]] = (votes, share)
        else:
            if share:
                fr.share_text(share, where)
            candidates.append((row["candidate"], votes, share))
    if len(candidates) != 2:
        raise DataError(f"{path}: round 2 must have exactly two candidates")

    def known(line):
        return meta.get(line, (None, ""))[0]

    valid, voters, registered = known("VALID"), known("VOTERS"), known("REGISTERED")
    if known("BLANK_AND_NULL") is not None:
        blank_null = known("BLANK_AND_NULL")
    elif known("BLANK") is not None and known("NULL") is not None:
        blank_null = known("BLANK") + known("NULL")
    else:
        blank_null = None

    votes = [v for _, v, _ in candidates]
    if None not in votes:
        if valid is not None and sum(votes) != valid:
            raise DataError(f"{path}: round 2 candidate votes do not add up to VALID")
        base = sum(votes) if valid is None else valid
        shares = []
        for name, v, printed in candidates:
            shares.append(pct(v, base))
            check_printed(100.0 * v / base, printed, f"{path}: round 2 share of {name}")
    elif all(s for _, _, s in candidates):
        shares = [s for _, _, s in candidates]
    else:
        raise DataError(f"{path}: round 2 has neither votes nor shares for both candidates")
    if None not in (valid, blank_null, voters) and valid + blank_null != voters:
        raise DataError(f"{path}: round 2 VALID + blank and null != VOTERS")
    if float(shares[0]) <= float(shares[1]):
        raise DataError(f"{path}: the first round-2 candidate is not the winner, "
                        "but the polls' share_a is the winner's")

    actual = [("shares", None)]  # finalist ids are filled in by the caller
    if voters is not None and registered is not None:
        turnout = 100.0 * voters / registered
        check_printed(turnout, meta.get("TURNOUT_PCT_OF_REGISTERED", (None, ""))[1],
                      f"{path}: round 2 turnout")
        actual.append(("turnout", pct(voters, registered)))
    if blank_null is not None and voters is not None:
        rate = 100.0 * blank_null / voters
        check_printed(rate, meta.get("BLANK_NULL_PCT_OF_VOTERS", (None, ""))[1],
                      f"{path}: round 2 blank and null")
        actual.append(("blank_null", pct(blank_null, voters)))
    return {
        "names": [name for name, _, _ in candidates],
        "registered": registered,
        "shares": shares,
        "actual": actual,
    }


def check_readme_date(directory, year, names):
    """HISTORY_DATES[year] must be the date data/history/README.md gives."""
    path = os.path.join(directory, "README.md")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    row = README_ROW.format(date=HISTORY_DATES[year], a=names[0], b=names[1])
    if row not in text:
        raise DataError(f"{path}: no table row {row!r}: is HISTORY_DATES[{year!r}] right?")


def read_history_polls(directory, year, finalist_ids, election_date):
    """Polls of frYYYY-polls.csv; a missing sample is None, filled in later."""
    fields, rows, path = fr.read_csv(directory, f"fr{year}-polls.csv")
    if tuple(fields) != HISTORY_POLL_COLUMNS:
        raise DataError(f"{path}: unexpected columns {fields}")
    polls = []
    for i, row in enumerate(rows, start=2):
        where = f"{path}:{i}"
        end = fr.date_text(row["field_end"], where)
        start = fr.date_text(row["field_start"], where) if row["field_start"] else None
        if not (start or end) <= end <= election_date:
            raise DataError(f"{where}: fieldwork {start}..{end} not before {election_date}")
        sample = fr.to_int(row["sample_size"], where) if row["sample_size"] else None
        if sample == 0:
            raise DataError(f"{where}: sample size 0")
        shares = [fr.share_text(row[c], where) for c in ("share_a", "share_b")]
        polls.append({
            "pollster": row["pollster"],
            "start": start,
            "end": end,
            "sample": sample,
            "shares": list(zip(finalist_ids, shares)),
        })
    if not polls:
        raise DataError(f"{path}: no poll")
    return polls


def read_history(directory, year):
    result = read_history_result(directory, year)
    check_readme_date(directory, year, result["names"])
    finalists = [(fr.candidate_id(name), name) for name in result["names"]]
    ids = [fid for fid, _ in finalists]
    if ids[0] == ids[1]:
        raise DataError(f"fr{year}: finalists share the id {ids[0]!r}")
    date = HISTORY_DATES[year]
    result["actual"][0] = ("shares", flow(list(zip(ids, result["shares"]))))
    return {
        "year": year,
        "date": date,
        "registered": result["registered"],
        "finalists": finalists,
        "polls": read_history_polls(directory, year, ids, date),
        "actual": result["actual"],
        "data_files": [f"data/history/fr{year}-polls.csv", f"data/history/fr{year}-result.csv"],
        "sources": ["Sources (data/history/SOURCES.md): polls from datapolitics/sondages-presidentielles,",
                    "scraped from French Wikipedia, and news reports; results as cited in",
                    "data/history/README.md. The README states no licence."],
    }


def read_2022(directory):
    """The 2022 run-off, read by gen_fr2022.py's own readers."""
    r2 = fr.read_national(directory)["2"]
    finalists = [(fr.candidate_id(name), name) for name, _ in r2["candidates"]]
    ids = [fid for fid, _ in finalists]
    polls = []
    for pairs in fr.read_polls(directory, ids, r2["date"]):
        poll = dict(pairs)
        # "pairs": the poll as gen_fr2022.py writes it, complete and formatted.
        polls.append({"pairs": pairs, "end": poll["end"], "sample": int(poll["sample"])})
    t2 = r2["totals"]
    shares = [(fid, pct(votes, t2["valid"]))
              for (fid, _), (_, votes) in zip(finalists, r2["candidates"])]
    return {
        "year": r2["date"][:4],
        "date": r2["date"],
        "registered": t2["registered"],
        "finalists": finalists,
        "polls": polls,
        "actual": [("shares", flow(shares)),
                   ("turnout", pct(t2["voters"], t2["registered"])),
                   ("blank_null", pct(t2["blank"] + t2["null"], t2["voters"]))],
        "data_files": ["data/fr-2022/polls_runoff.csv", "data/fr-2022/results_national.csv"],
        "sources": ["Sources (data/fr-2022/README.md): polls from the NSPPolls compilation",
                    "(MIT licence); national results from the Conseil constitutionnel."],
    }


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

def poll_line(poll, default_sample):
    """One poll as a flow mapping, with a comment naming any default used."""
    if "pairs" in poll:
        return f"  - {flow(poll['pairs'])}"
    defaults = []
    start = poll["start"]
    if start is None:
        start = poll["end"]
        defaults.append("start = end")
    sample = poll["sample"]
    if sample is None:
        sample = default_sample
        defaults.append("default sample")
    pairs = [("pollster", q(poll["pollster"])), ("start", start), ("end", poll["end"]),
             ("sample", sample_text(sample)), ("shares", flow(poll["shares"]))]
    line = f"  - {flow(pairs)}"
    return line + (f"  # {', '.join(defaults)}" if defaults else "")


def emit_election(emit, run):
    """The election section: name, date, registered (when known), finalists (A first)."""
    emit("election:")
    emit(f"  name: {q(fr.ELECTION_NAME.format(year=run['year']))}")
    emit(f"  date: {run['date']}")
    if run["registered"] is not None:
        emit(f"  registered: {run['registered']}")
    emit("  finalists:")
    for fid, name in run["finalists"]:
        emit(f"    - {flow([('id', fid), ('name', q(name))])}")


def emit_polls(emit, run, as_of, default_sample):
    """Every between-round poll of run, with comments naming the defaults used."""
    polls = run["polls"]
    known = sum(1 for p in polls if p["end"] <= as_of)
    unsized = sum(1 for p in polls if p["sample"] is None)
    unstarted = sum(1 for p in polls if p.get("start", "") is None)
    emit(f"# {counted(len(polls), 'between-round poll')}, {known} of them ended by {as_of}")
    emit("# (the engine leaves out any other).")
    if unsized:
        emit(f"# {counted(unsized, 'poll')} without a sample size: sample {sample_text(default_sample)} "
             "(default sample).")
    if unstarted:
        emit(f"# {counted(unstarted, 'poll')} without a fieldwork start: start = end.")
    emit("polls:")
    for poll in polls:
        emit(poll_line(poll, default_sample))


def scenario(run, horizon, default_sample, n_sized):
    """The text of one scenario, or None when no poll has ended by as_of."""
    suffix, days, words = horizon
    as_of = days_before(run["date"], days)
    if not any(p["end"] <= as_of for p in run["polls"]):
        return None
    out = []
    emit = out.append
    files = run["data_files"]
    emit(f"# Generated by scripts/gen_backtest.py from {files[0]}")
    emit(f"# and {files[1]} — do not edit by hand (make scenarios).")
    for line in run["sources"]:
        emit(f"# {line}")
    emit(f"# Back-test of the national poll model at the engine's defaults, {words}:")
    emit("# aggregation sets only as_of; no polling_error, turnout or method is given.")
    emit(f"# Default sample for polls without one: {sample_text(default_sample)}, the median sample of the")
    emit(f"# {n_sized} polls that give one across data/history and data/fr-2022 (2022: decided_sample).")
    emit("")
    emit_election(emit, run)
    emit("")
    emit_polls(emit, run, as_of, default_sample)
    emit("")
    emit("aggregation:")
    emit(f"  as_of: {as_of}")
    emit("")
    emit("simulation:")
    emit(f"  draws: {SIM_DRAWS}")
    emit(f"  seed: {SIM_SEED}")
    emit("")
    emit("# Official result: shares of valid votes, turnout = voters / registered,")
    emit("# blank_null = blank and null ballots / voters.")
    emit("actual:")
    for key, value in run["actual"]:
        emit(f"  {key}: {value}")
    return f"fr-{run['year']}-{suffix}.yaml", "\n".join(out) + "\n"


def read_runs(data_dir):
    """Every run-off, 2002 to 2022 in order, and the default sample: (runs,
    median of every given sample, how many polls give one)."""
    history = os.path.join(data_dir, "history")
    runs = [read_history(history, year) for year in sorted(HISTORY_DATES)]
    runs.append(read_2022(os.path.join(data_dir, "fr-2022")))
    if runs[-1]["year"] != FR2022_YEAR:
        raise DataError(f"data/fr-2022: run-off year {runs[-1]['year']}, expected {FR2022_YEAR}")
    sizes = [p["sample"] for run in runs for p in run["polls"] if p["sample"] is not None]
    if not sizes:
        raise DataError("no poll gives a sample size: no default sample")
    return runs, statistics.median(sizes), len(sizes)


def generate(data_dir):
    """[(file name, text)] for every run-off and horizon, in a fixed order."""
    runs, default_sample, n_sized = read_runs(data_dir)
    files = []
    for run in runs:
        for horizon in HORIZONS:
            made = scenario(run, horizon, default_sample, n_sized)
            if made is None:
                print(f"gen_backtest: skipping fr-{run['year']}-{horizon[0]}: no poll ended by "
                      f"{days_before(run['date'], horizon[1])}", file=sys.stderr)
                continue
            files.append(made)
    return files


def main(argv):
    if len(argv) != 3:
        print("usage: gen_backtest.py DATA_DIR OUT_DIR", file=sys.stderr)
        return 2
    data_dir, out_dir = argv[1], argv[2]
    try:
        files = generate(data_dir)
        os.makedirs(out_dir, exist_ok=True)
        # Everything is generated before anything is written, and each file is
        # replaced whole, so a data error never leaves a half-written set.
        for name, text in files:
            path = os.path.join(out_dir, name)
            with open(path + ".tmp", "wb") as f:
                f.write(text.encode("utf-8"))
            os.replace(path + ".tmp", path)
    except (DataError, OSError, KeyError, ValueError) as e:
        print(f"gen_backtest: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
