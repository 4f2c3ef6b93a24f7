#!/usr/bin/env python3
"""Generate the default runoff scenario (the 24 April 2022 French run-off).

Usage: python3 scripts/gen_fr2022.py data/fr-2022 > scenarios/fr-2022-runoff.yaml

Every number written comes from the CSV files in the data directory, or is one
of the modelling assumptions declared below (each says why it has that value).
The data are checked on the way in (each département adds up, the départements
add up to the national first round) and the script fails loudly otherwise, so a
broken data file can never produce a plausible-looking scenario.

Output is deterministic: same data, same bytes. Python 3.11 standard library only.
"""

import csv
import json
import os
import re
import sys
import unicodedata

# ---------------------------------------------------------------------------
# Modelling assumptions. None of these is in the data; each is a judgement.
# ---------------------------------------------------------------------------

# The polls are averaged with the engine's defaults (aggregation.method:
# dynamic, docs/model.md §1b): the daily movement and the polls' non-sampling
# spread are estimated from these polls, house and population effects jointly
# with the trend. Rolling (tracking) releases that overlap a later release of
# the same pollster are dropped so no interview counts twice.
POLL_ROLLING_RULE = "latest"

# No polling_error section: the engine's default systematic error applies
# (3 points, normal; derived from past run-offs and the cross-national record
# in docs/model.md §2), the same default the back-test scenarios are scored on.

# National turnout spread in points around the first-round turnout (the mean is
# computed from the data). Run-off turnout in France usually stays within a few
# points of the first round's; 2 points is a guess at that spread.
TURNOUT_SD = 2

# Monte Carlo settings. The seed is the election date, for memorability.
SIM_DRAWS = 1000000
SIM_SEED = 20220424
SIM_BLOCK_SIZE = 10000

# Vote transfers. A Dirichlet concentration of 60 gives a transfer share of
# 35 % a standard deviation of about 6 points: surveys of a sub-electorate
# rest on a few hundred respondents and disagree with one another by that much
# (compare the Mélenchon rows across pollsters).
TRANSFER_CONCENTRATION = 60
# Transfer surveys are weighted by recency with a one-week half-life: slower
# than the polls because each survey's sub-samples are small and noisy.
TRANSFER_HALF_LIFE_DAYS = 7
# The default row (for options nobody surveyed) is itself a guess from other
# electorates, so it gets a much wider Dirichlet than surveyed rows.
DEFAULT_TRANSFER_CONCENTRATION = 20
# Decimal places of the computed default row (survey shares are whole points;
# more digits would be false precision).
DEFAULT_TRANSFER_DECIMALS = 2

# Percent of the "none" column (voters for neither finalist) who turn out and
# cast a blank or null ballot instead of abstaining. An assumption deliberately
# not fitted to the 2022 run-off, which is the back-test target: in the 2017
# Macron–Le Pen run-off, blank and null ballots were roughly a quarter of all
# registered voters who chose neither finalist (about 4.1 M blank/null against
# 12.1 M abstentions). Concentration 30 leaves it wide (sd about 8 points).
NONE_BLANK_NULL_MEAN = 25
NONE_BLANK_NULL_CONCENTRATION = 30

# Regional deviations on the logit scale: 0.08 moves a 55 % share by about
# 2 points, roughly how far département swings between rounds depart from the
# national swing. Overseas territories and the French abroad vote very
# differently from mainland France and move together, so they share a larger
# common shift.
REGIONAL_SD = 0.08
OVERSEAS_GROUP = "overseas"
OVERSEAS_SD = 0.15

BLEND_MODE = "polls"

# Significant output digits for computed percentages (turnout, actual result).
COMPUTED_DECIMALS = 6

# Labels (not figures) for the two non-candidate first-round options.
ABSTENTION_ID, ABSTENTION_NAME = "abstention", "Abstention"
BLANK_NULL_ID, BLANK_NULL_NAME = "blank_null", "Blank or null"

# Display name; {year} is the run-off year from the data.
ELECTION_NAME = "French presidential election {year}, second round"
SHARE_TOLERANCE = 0.5  # a transfer row must add up to 100 within this (docs/scenario.md)

# ---------------------------------------------------------------------------
# Data vocabulary (column names and labels used by the CSV files).
# ---------------------------------------------------------------------------

NATIONAL_TOTAL_LINES = ("registered", "voters", "blank", "null", "valid")
DEPT_FIXED_COLUMNS = ("code", "name", "registered", "abstentions", "voters",
                      "blank", "null", "valid")
POPULATIONS = {"likely_voters": "likely", "registered_voters": "registered",
               "adults": "adults"}
BOOLEANS = {"true": "true", "false": "false"}
SURVEY_ABSTENTION_LABEL = "Abstention"
# Mainland départements: 01–95 plus Corsica (2A, 2B). Everything else in the
# Ministry's coding (Z* for overseas and the French abroad, 97x/98x in other
# files) is outside mainland France.
MAINLAND_CODE = re.compile(r"^(0[1-9]|[1-8][0-9]|9[0-5]|2[AB])$")
SHARE_TEXT = re.compile(r"^[0-9]+(\.[0-9]+)?$")
DATE_TEXT = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
ID_TEXT = re.compile(r"^[a-z0-9_-]{1,63}$")


class DataError(Exception):
    """The data do not satisfy a check; the message says which and where."""


def fold(text):
    """Strip accents so that 'Éric Zemmour' and 'Eric Zemmour' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def candidate_id(name):
    """Id from the ASCII-folded last name: everything after the first name."""
    parts = fold(name).split(" ", 1)
    if len(parts) != 2:
        raise DataError(f"candidate name {name!r} has no last name")
    ident = re.sub(r"[^a-z0-9]+", "_", parts[1].lower()).strip("_")
    if not ID_TEXT.match(ident):
        raise DataError(f"candidate name {name!r} gives invalid id {ident!r}")
    return ident


def read_csv(directory, filename):
    path = os.path.join(directory, filename)
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        return reader.fieldnames, rows, path


def to_int(text, where):
    if not re.match(r"^[0-9]+$", text):
        raise DataError(f"{where}: expected a non-negative integer, got {text!r}")
    return int(text)


def share_text(text, where):
    """A published percentage, written exactly as the CSV gives it."""
    if not SHARE_TEXT.match(text) or float(text) > 100:
        raise DataError(f"{where}: expected a percentage, got {text!r}")
    return text


def date_text(text, where):
    if not DATE_TEXT.match(text):
        raise DataError(f"{where}: expected YYYY-MM-DD, got {text!r}")
    return text


def q(text):
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def pct(numerator, denominator):
    return f"{100.0 * numerator / denominator:.{COMPUTED_DECIMALS}f}"


def flow(pairs):
    """A YAML flow mapping from (key, already-formatted value) pairs."""
    return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"


# ---------------------------------------------------------------------------
# Reading and checking
# ---------------------------------------------------------------------------

def read_national(directory):
    """{round: {"date": str, "totals": {line: votes}, "candidates": [(name, votes)]}}"""
    _, rows, path = read_csv(directory, "results_national.csv")
    rounds = {}
    for i, row in enumerate(rows, start=2):
        where = f"{path}:{i}"
        r = rounds.setdefault(row["round"], {"date": date_text(row["date"], where),
                                             "totals": {}, "candidates": []})
        if r["date"] != row["date"]:
            raise DataError(f"{where}: round {row['round']} has two dates")
        votes = to_int(row["votes"], where)
        if row["line"] in NATIONAL_TOTAL_LINES:
            r["totals"][row["line"]] = votes
        else:
            r["candidates"].append((row["line"], votes))
    for key in ("1", "2"):
        if key not in rounds:
            raise DataError(f"{path}: round {key} missing")
        missing = [t for t in NATIONAL_TOTAL_LINES if t not in rounds[key]["totals"]]
        if missing:
            raise DataError(f"{path}: round {key} lacks {', '.join(missing)}")
        totals = rounds[key]["totals"]
        if sum(v for _, v in rounds[key]["candidates"]) != totals["valid"]:
            raise DataError(f"{path}: round {key} candidate votes do not add up to valid")
        if totals["blank"] + totals["null"] + totals["valid"] != totals["voters"]:
            raise DataError(f"{path}: round {key} blank + null + valid != voters")
    if len(rounds["2"]["candidates"]) != 2:
        raise DataError(f"{path}: round 2 must have exactly two candidates")
    return rounds


def read_departements(directory, national1):
    """Options (first-round candidates in column order) and checked regions."""
    fields, rows, path = read_csv(directory, "first_round_by_departement.csv")
    if tuple(fields[:len(DEPT_FIXED_COLUMNS)]) != DEPT_FIXED_COLUMNS:
        raise DataError(f"{path}: unexpected leading columns {fields[:len(DEPT_FIXED_COLUMNS)]}")
    candidates = fields[len(DEPT_FIXED_COLUMNS):]
    options = [(candidate_id(name), name) for name in candidates]
    ids = [o for o, _ in options] + [ABSTENTION_ID, BLANK_NULL_ID]
    if len(set(ids)) != len(ids):
        raise DataError(f"{path}: option ids are not distinct: {ids}")

    national_names = {name for name, _ in national1["candidates"]}
    if set(candidates) != national_names:
        raise DataError(f"{path}: candidates differ from results_national.csv round 1")

    regions = []
    sums = {c: 0 for c in DEPT_FIXED_COLUMNS[2:] + tuple(candidates)}
    codes = set()
    for i, row in enumerate(rows, start=2):
        where = f"{path}:{i}"
        n = {c: to_int(row[c], f"{where} {c}") for c in sums}
        if row["code"] in codes or not row["code"]:
            raise DataError(f"{where}: duplicate or empty code {row['code']!r}")
        codes.add(row["code"])
        if n["abstentions"] + n["voters"] != n["registered"]:
            raise DataError(f"{where}: abstentions + voters != registered")
        if n["blank"] + n["null"] + n["valid"] != n["voters"]:
            raise DataError(f"{where}: blank + null + valid != voters")
        if sum(n[c] for c in candidates) != n["valid"]:
            raise DataError(f"{where}: candidate votes do not add up to valid")
        votes = [(cid, n[name]) for cid, name in options]
        votes.append((ABSTENTION_ID, n["abstentions"]))
        votes.append((BLANK_NULL_ID, n["blank"] + n["null"]))
        if sum(v for _, v in votes) != n["registered"]:
            raise DataError(f"{where}: votes add up to {sum(v for _, v in votes)}, "
                            f"registered is {n['registered']}")
        for c in sums:
            sums[c] += n[c]
        regions.append((row["code"], row["name"], n["registered"], votes))

    expected = dict(national1["totals"])
    expected["abstentions"] = expected["registered"] - expected["voters"]
    expected.update(national1["candidates"])
    for column, total in sums.items():
        if total != expected[column]:
            raise DataError(f"{path}: column {column!r} sums to {total}, "
                            f"national round 1 is {expected[column]}")
    return options, regions


def read_polls(directory, finalist_ids, election_date):
    fields, rows, path = read_csv(directory, "polls_runoff.csv")
    share_columns = [f"{fid}_pct" for fid in finalist_ids]
    for column in share_columns:
        if column not in fields:
            raise DataError(f"{path}: no column {column!r} for finalist {column[:-4]!r}")
    polls = []
    for i, row in enumerate(rows, start=2):
        where = f"{path}:{i}"
        start = date_text(row["field_start"], where)
        end = date_text(row["field_end"], where)
        if not start <= end <= election_date:
            raise DataError(f"{where}: fieldwork {start}..{end} not before {election_date}")
        if row["population"] not in POPULATIONS or row["rolling"] not in BOOLEANS:
            raise DataError(f"{where}: unknown population or rolling value")
        polls.append([
            ("pollster", q(row["pollster"])),
            ("start", start),
            ("end", end),
            ("sample", str(to_int(row["decided_sample"], where))),
            ("shares", flow([(fid, share_text(row[col], where))
                             for fid, col in zip(finalist_ids, share_columns)])),
            ("population", POPULATIONS[row["population"]]),
            ("rolling", BOOLEANS[row["rolling"]]),
        ])
    return polls


def read_surveys(directory, option_ids_by_name, finalist_ids):
    """Usable survey rows, skipped rows (as text) and the derived default row."""
    _, rows, path = read_csv(directory, "vote_transfers.csv")
    share_columns = [f"{fid}_pct" for fid in finalist_ids] + ["none_pct"]
    surveys, skipped = [], []
    by_option = {}
    for i, row in enumerate(rows, start=2):
        where = f"{path}:{i}"
        label = row["first_round_candidate"]
        if label == SURVEY_ABSTENTION_LABEL:
            option = ABSTENTION_ID
        elif fold(label) in option_ids_by_name:
            option = option_ids_by_name[fold(label)]
        else:
            raise DataError(f"{where}: unknown first-round option {label!r}")
        texts = [share_text(row[c], where) for c in share_columns]
        total = sum(float(t) for t in texts)
        if abs(total - 100) > SHARE_TOLERANCE:
            note = (f"skipping survey row {row['survey_id']} ({row['pollster']}, {label}): "
                    f"adds up to {total:.1f}")
            skipped.append(note)
            continue
        start = date_text(row["field_start"], where)
        end = date_text(row["field_end"], where)
        keys = list(finalist_ids) + ["none"]
        surveys.append([
            ("pollster", q(row["pollster"])),
            ("start", start),
            ("end", end),
            ("option", option),
            ("shares", flow(list(zip(keys, texts)))),
        ])
        by_option.setdefault(option, []).append([float(t) for t in texts])
    return surveys, skipped, by_option


def default_transfer(by_option, candidate_ids, finalist_ids):
    """Mean over non-finalist candidates of each candidate's mean surveyed row.

    Each surveyed electorate counts once, however many surveys asked about it:
    pooling rows instead would weight a candidate by how often pollsters
    happened to report it, which says nothing about unsurveyed electorates.
    First-round abstainers are left out: they are not a candidate electorate.
    """
    means = []
    for cid in candidate_ids:
        if cid in finalist_ids or cid not in by_option:
            continue
        rows = by_option[cid]
        means.append([sum(col) / len(rows) for col in zip(*rows)])
    if not means:
        raise DataError("no non-finalist candidate surveyed: cannot derive a default row")
    shares = [sum(col) / len(means) for col in zip(*means)]
    return shares, len(means)


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

def emit_regional(emit, r1, options, regions, surveys, skipped, unsurveyed, n_default,
                  finalist_ids, default_shares):
    """The first round, transfers, regional error and blend sections."""
    emit(f"# First round, {r1['date']}: {len(regions)} départements, overseas territories")
    emit("# and the French abroad (ZZ). Each region's votes add up to its registered voters.")
    emit("first_round:")
    emit("  options:")
    for cid, name in options:
        emit(f"    - {flow([('id', cid), ('name', q(name)), ('kind', 'candidate')])}")
    emit(f"    - {flow([('id', ABSTENTION_ID), ('name', q(ABSTENTION_NAME)), ('kind', 'abstention')])}")
    emit(f"    - {flow([('id', BLANK_NULL_ID), ('name', q(BLANK_NULL_NAME)), ('kind', 'blank_null')])}")
    emit("  regions:")
    for code, name, registered, votes in regions:
        emit(f"    - {flow([('code', q(code)), ('name', q(name)), ('registered', registered), ('votes', flow(votes))])}")
    emit("")
    emit("transfers:")
    emit(f"  concentration: {TRANSFER_CONCENTRATION}")
    emit(f"  half_life_days: {TRANSFER_HALF_LIFE_DAYS}")
    emit("  # Between-round surveys (NSPPolls). Rows that do not add up to 100 within")
    emit(f"  # {SHARE_TOLERANCE} points are left out:")
    for note in skipped:
        emit(f"  #   {note}")
    emit("  surveys:")
    for survey in surveys:
        emit(f"    - {flow(survey)}")
    emit(f"  # For options nobody surveyed ({', '.join(unsurveyed)}): the mean over the")
    emit(f"  # {n_default} surveyed non-finalist candidates of each candidate's mean row, so each")
    emit("  # electorate counts once however often it was surveyed; first-round abstainers")
    emit("  # are not a candidate electorate and are left out. A wider Dirichlet marks it as a guess.")
    keys = finalist_ids + ["none"]
    shares = [(k, f"{v:.{DEFAULT_TRANSFER_DECIMALS}f}") for k, v in zip(keys, default_shares)]
    emit(f"  default: {flow([('shares', flow(shares)), ('concentration', DEFAULT_TRANSFER_CONCENTRATION)])}")
    emit(f"  none_blank_null: {flow([('mean', NONE_BLANK_NULL_MEAN), ('concentration', NONE_BLANK_NULL_CONCENTRATION)])}")
    emit("")
    overseas = [code for code, _, _, _ in regions if not MAINLAND_CODE.match(code)]
    emit("# Overseas territories and the French abroad: every code outside mainland")
    emit("# France (01-95, 2A, 2B).")
    emit("regional_error:")
    emit(f"  sd: {REGIONAL_SD}")
    emit("  groups:")
    emit(f"    - name: {q(OVERSEAS_GROUP)}")
    emit(f"      sd: {OVERSEAS_SD}")
    emit(f"      regions: [{', '.join(q(c) for c in overseas)}]")
    emit("")
    emit("blend:")
    emit(f"  mode: {BLEND_MODE}")
    emit("")


def generate(directory, polls_only=False):
    out = []
    emit = out.append

    rounds = read_national(directory)
    r1, r2 = rounds["1"], rounds["2"]
    finalists = [(candidate_id(name), name) for name, _ in r2["candidates"]]
    finalist_ids = [fid for fid, _ in finalists]
    options, regions = read_departements(directory, r1)
    option_ids_by_name = {fold(name): cid for cid, name in options}
    for fid, name in finalists:
        if option_ids_by_name.get(fold(name)) != fid:
            raise DataError(f"finalist {name!r} is not a first-round candidate")
    polls = read_polls(directory, finalist_ids, r2["date"])
    surveys, skipped, by_option = read_surveys(directory, option_ids_by_name, finalist_ids)
    candidate_ids = [cid for cid, _ in options]
    default_shares, n_default = default_transfer(by_option, candidate_ids, finalist_ids)
    unsurveyed = [o for o in candidate_ids + [ABSTENTION_ID, BLANK_NULL_ID] if o not in by_option]

    for note in skipped:
        print(note, file=sys.stderr)

    emit("# Generated by scripts/gen_fr2022.py from data/fr-2022 — do not edit by hand.")
    emit("# Sources: polls and vote transfers from the NSPPolls compilation (MIT licence);")
    emit("# first round by département from the Ministry of the Interior open data")
    emit("# (Licence Ouverte / Etalab); national results from the Conseil constitutionnel.")
    emit("# Modelling assumptions are named constants in the script, each with its reason.")
    emit("")
    emit("election:")
    emit(f"  name: {q(ELECTION_NAME.format(year=r2['date'][:4]))}")
    emit(f"  date: {r2['date']}")
    emit(f"  registered: {r2['totals']['registered']}")
    emit("  finalists:")
    for fid, name in finalists:
        emit(f"    - {flow([('id', fid), ('name', q(name))])}")
    emit("")
    emit(f"# {len(polls)} run-off voting-intention polls fielded between the rounds (NSPPolls).")
    emit("polls:")
    for poll in polls:
        emit(f"  - {flow(poll)}")
    emit("")
    emit("aggregation:")
    emit("  method: dynamic")
    emit(f"  rolling: {POLL_ROLLING_RULE}")
    emit("")
    # With regions, this anchors national turnout (docs/model.md §6): the
    # surveys' "none" column overstates how many first-round abstainers
    # will vote (about half say they will), so turnout from the transfers
    # alone comes out near 80 %, far above any recent run-off.
    emit(f"# Mean: first-round turnout (voters / registered, {r1['date']}).")
    emit("turnout:")
    emit(f"  mean: {pct(r1['totals']['voters'], r1['totals']['registered'])}")
    emit(f"  sd: {TURNOUT_SD}")
    emit("")
    emit("simulation:")
    emit(f"  draws: {SIM_DRAWS}")
    emit(f"  seed: {SIM_SEED}")
    emit(f"  block_size: {SIM_BLOCK_SIZE}")
    emit("")
    if not polls_only:
        emit_regional(emit, r1, options, regions, surveys, skipped, unsurveyed, n_default,
                      finalist_ids, default_shares)
    t2 = r2["totals"]
    emit(f"# Official result of {r2['date']} (Conseil constitutionnel): shares of valid votes,")
    emit("# turnout = voters / registered, blank_null = (blank + null) / voters.")
    emit("actual:")
    emit(f"  shares: {flow([(fid, pct(votes, t2['valid'])) for (fid, _), (_, votes) in zip(finalists, r2['candidates'])])}")
    emit(f"  turnout: {pct(t2['voters'], t2['registered'])}")
    emit(f"  blank_null: {pct(t2['blank'] + t2['null'], t2['voters'])}")
    return "\n".join(out) + "\n"


def main(argv):
    polls_only = len(argv) == 3 and argv[1] == "--polls-only"
    if polls_only:
        argv = argv[:1] + argv[2:]
    if len(argv) != 2:
        print("usage: gen_fr2022.py [--polls-only] DATA_DIR > scenario.yaml", file=sys.stderr)
        return 2
    try:
        text = generate(argv[1], polls_only)
    except (DataError, OSError, KeyError) as e:
        print(f"gen_fr2022: {e}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
