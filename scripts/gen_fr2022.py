#!/usr/bin/env python3
"""Generate the default runoff scenario (the 24 April 2022 French run-off).

Usage: python3 scripts/gen_fr2022.py data/fr-2022 > scenarios/fr-2022-runoff.yaml
       python3 scripts/gen_fr2022.py --polls-only data/fr-2022 (no first round)
       python3 scripts/gen_fr2022.py --regional-error FILE data/fr-2022
           (the regional_error section is FILE's text, a fragment written by
           runoff calibrate, instead of REGIONAL_SD and OVERSEAS_GROUP below)
       python3 scripts/gen_fr2022.py --geographic-groups data/fr-2022
           (regional_error: REGION_GROUPS with every sd 0, the calibrator's input)

Every number written comes from the CSV files in the data directory, or is one
of the modelling assumptions declared below (each says why it has that value).
The data are checked on the way in (each département adds up, the départements
add up to the national first round) and the script fails loudly otherwise, so a
broken data file can never produce a plausible-looking scenario.

Output is deterministic: same data, same bytes. Python 3.11 standard library only.
"""

import argparse
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
# common shift. Used only when neither --regional-error nor
# --geographic-groups is given (today's default scenario).
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

# Blank and null ballots: counted apart since a 2014 law (2017, 2022), together
# before it (2012's "blank_and_null"). A file uses one layout or the other.
BLANK_NULL_LAYOUTS = (("blank", "null"), ("blank_and_null",))
NATIONAL_BASE_LINES = ("registered", "voters", "valid")
DEPT_LEADING_COLUMNS = ("code", "name", "registered", "abstentions", "voters")
POPULATIONS = {"likely_voters": "likely", "registered_voters": "registered",
               "adults": "adults"}
BOOLEANS = {"true": "true", "false": "false"}
SURVEY_ABSTENTION_LABEL = "Abstention"
# Mainland départements: 01–95 plus Corsica (2A, 2B). Everything else in the
# Ministry's coding (Z* for overseas and the French abroad, 97x/98x in other
# files) is outside mainland France.
MAINLAND_CODE = re.compile(r"^(0[1-9]|[1-8][0-9]|9[0-5]|2[AB])$")

# Geographic groups of regions that move together (regional_error.groups),
# shared with gen_regional.py. Declared here, in the data scripts, never in the
# engine; this is membership only: each group's sd is fitted (runoff
# calibrate writes it in its fragment, with these groups) or 0 in a
# calibration input. Every code outside the numbered mainland départements
# (UNGROUPED_CODE) must be in exactly one group, so a new code fails loudly.
# (name, codes, why these move together)
REGION_GROUPS = (
    ("corsica", ("2A", "2B"),
     "Corsica (Corse-du-Sud, Haute-Corse): an island with its own parties and swings"),
    ("antilles", ("ZA", "ZB", "ZX"),
     "the French Antilles: Guadeloupe, Martinique, Saint-Martin/Saint-Barthélemy"),
    ("guyane", ("ZC",), "French Guiana, on the South American mainland"),
    ("indian_ocean", ("ZD", "ZM"), "the Indian Ocean: La Réunion, Mayotte"),
    ("pacific", ("ZN", "ZP", "ZW"),
     "the Pacific: Nouvelle-Calédonie, Polynésie française, Wallis et Futuna"),
    ("saint_pierre", ("ZS",), "Saint-Pierre-et-Miquelon, off Newfoundland"),
    ("abroad", ("ZZ",), "the French abroad: one worldwide electorate"),
)
# The numbered départements of mainland France (01–95), in no group.
UNGROUPED_CODE = re.compile(r"^(0[1-9]|[1-8][0-9]|9[0-5])$")
# The one top-level key of a --regional-error fragment.
REGIONAL_ERROR_KEY = re.compile(r"^regional_error:(\s|$)")
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

def blank_null_layout(names, where):
    """The layout of BLANK_NULL_LAYOUTS whose columns (or lines) names holds: exactly one, whole."""
    used = tuple(c for layout in BLANK_NULL_LAYOUTS for c in layout if c in names)
    if used not in BLANK_NULL_LAYOUTS:
        raise DataError(f"{where}: blank and null counts {list(used)}, expected one of "
                        f"{[list(layout) for layout in BLANK_NULL_LAYOUTS]}")
    return used


def read_national(directory):
    """{round: {"date": str, "totals": {line: votes}, "blank_null": votes,
    "candidates": [(name, votes)]}}: totals holds registered, voters, valid and
    the blank/null lines of the file's layout, blank_null their sum."""
    _, rows, path = read_csv(directory, "results_national.csv")
    total_lines = NATIONAL_BASE_LINES + tuple(c for layout in BLANK_NULL_LAYOUTS for c in layout)
    rounds = {}
    for i, row in enumerate(rows, start=2):
        where = f"{path}:{i}"
        r = rounds.setdefault(row["round"], {"date": date_text(row["date"], where),
                                             "totals": {}, "candidates": []})
        if r["date"] != row["date"]:
            raise DataError(f"{where}: round {row['round']} has two dates")
        votes = to_int(row["votes"], where)
        if row["line"] in total_lines:
            r["totals"][row["line"]] = votes
        else:
            r["candidates"].append((row["line"], votes))
    for key in ("1", "2"):
        if key not in rounds:
            raise DataError(f"{path}: round {key} missing")
        totals = rounds[key]["totals"]
        missing = [t for t in NATIONAL_BASE_LINES if t not in totals]
        if missing:
            raise DataError(f"{path}: round {key} lacks {', '.join(missing)}")
        layout = blank_null_layout(totals, f"{path}: round {key}")
        rounds[key]["blank_null"] = sum(totals[c] for c in layout)
        if sum(v for _, v in rounds[key]["candidates"]) != totals["valid"]:
            raise DataError(f"{path}: round {key} candidate votes do not add up to valid")
        if rounds[key]["blank_null"] + totals["valid"] != totals["voters"]:
            raise DataError(f"{path}: round {key} {' + '.join(layout)} + valid != voters")
    if len(rounds["2"]["candidates"]) != 2:
        raise DataError(f"{path}: round 2 must have exactly two candidates")
    return rounds


def read_counts(directory, filename, national_round, line_of=None):
    """Checked rows of a by-département count file.

    The file starts with DEPT_LEADING_COLUMNS, the blank/null columns of one of
    BLANK_NULL_LAYOUTS and valid; every later column is a candidate's votes.
    line_of maps each candidate column to its line in results_national.csv (by
    default the column is the line). Every row must add up, codes must be
    distinct, and every column must sum to national_round's figure.
    Returns (path, candidate columns, [(code, name, {column: votes, "blank_null": votes})]).
    """
    fields, rows, path = read_csv(directory, filename)
    head = DEPT_LEADING_COLUMNS + blank_null_layout(fields, path) + ("valid",)
    if tuple(fields[:len(head)]) != head:
        raise DataError(f"{path}: unexpected leading columns {fields[:len(head)]}")
    candidates = fields[len(head):]
    line_of = line_of or {c: c for c in candidates}
    national_names = {name for name, _ in national_round["candidates"]}
    if set(candidates) != set(line_of) or {line_of[c] for c in candidates} != national_names:
        raise DataError(f"{path}: candidates differ from results_national.csv")

    table = []
    sums = {c: 0 for c in head[2:] + tuple(candidates)}
    codes = set()
    for i, row in enumerate(rows, start=2):
        where = f"{path}:{i}"
        n = {c: to_int(row[c], f"{where} {c}") for c in sums}
        if row["code"] in codes or not row["code"]:
            raise DataError(f"{where}: duplicate or empty code {row['code']!r}")
        codes.add(row["code"])
        if n["abstentions"] + n["voters"] != n["registered"]:
            raise DataError(f"{where}: abstentions + voters != registered")
        n["blank_null"] = sum(n[c] for c in head[len(DEPT_LEADING_COLUMNS):-1])
        if n["blank_null"] + n["valid"] != n["voters"]:
            raise DataError(f"{where}: blank and null + valid != voters")
        if sum(n[c] for c in candidates) != n["valid"]:
            raise DataError(f"{where}: candidate votes do not add up to valid")
        for c in sums:
            sums[c] += n[c]
        table.append((row["code"], row["name"], n))

    expected = dict(national_round["totals"])
    expected["abstentions"] = expected["registered"] - expected["voters"]
    votes_of = dict(national_round["candidates"])
    expected.update((c, votes_of[line_of[c]]) for c in candidates)
    for column, total in sums.items():
        if column not in expected:
            raise DataError(f"{path}: column {column!r} has no line in results_national.csv")
        if total != expected[column]:
            raise DataError(f"{path}: column {column!r} sums to {total}, "
                            f"the national figure is {expected[column]}")
    return path, candidates, table


def read_departements(directory, national1):
    """Options (first-round candidates in column order) and checked regions."""
    path, candidates, table = read_counts(directory, "first_round_by_departement.csv", national1)
    options = [(candidate_id(name), name) for name in candidates]
    ids = [o for o, _ in options] + [ABSTENTION_ID, BLANK_NULL_ID]
    if len(set(ids)) != len(ids):
        raise DataError(f"{path}: option ids are not distinct: {ids}")
    regions = []
    for code, name, n in table:
        votes = [(cid, n[column]) for (cid, _), column in zip(options, candidates)]
        votes.append((ABSTENTION_ID, n["abstentions"]))
        votes.append((BLANK_NULL_ID, n["blank_null"]))
        if sum(v for _, v in votes) != n["registered"]:
            raise DataError(f"{path}: {code}: votes add up to {sum(v for _, v in votes)}, "
                            f"registered is {n['registered']}")
        regions.append((code, name, n["registered"], votes))
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


def check_groups(codes, where):
    """Every code outside UNGROUPED_CODE in exactly one of REGION_GROUPS, none inside it."""
    member = {}
    for name, group_codes, _ in REGION_GROUPS:
        for code in group_codes:
            if code in member or UNGROUPED_CODE.match(code):
                raise DataError(f"REGION_GROUPS: {code!r} in group {name!r} is ungrouped "
                                "or in two groups")
            member[code] = name
    loose = [c for c in codes if not UNGROUPED_CODE.match(c) and c not in member]
    if loose:
        raise DataError(f"{where}: regions {', '.join(loose)} are in no group of REGION_GROUPS "
                        "(a new code: give it a group)")
    absent = [c for c in member if c not in codes]
    if absent:
        raise DataError(f"{where}: REGION_GROUPS names {', '.join(absent)}, which are not regions")


def read_regional_error(path):
    """The text of a regional_error fragment (from runoff calibrate), checked.

    It must open with a comment or the regional_error: line, and hold nothing
    at the top level but comments and that one mapping; the engine checks the
    rest when it loads the scenario. Returned as written, ending in a newline.
    """
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.splitlines()
    filled = [(i, line) for i, line in enumerate(lines, start=1) if line.strip()]
    if not filled:
        raise DataError(f"{path}: empty regional_error fragment")
    top = [(i, line) for i, line in filled if not line[0].isspace() and not line.startswith("#")]
    if len(top) != 1 or not REGIONAL_ERROR_KEY.match(top[0][1]):
        found = "; ".join(f"line {i}: {line!r}" for i, line in top) or "none"
        raise DataError(f"{path}: expected comments and one top-level 'regional_error:' "
                        f"mapping, top-level lines: {found}")
    first_line, first = filled[0]
    if not (first.startswith("#") or first_line == top[0][0]):
        raise DataError(f"{path}:{first_line}: a fragment starts with a comment or "
                        "'regional_error:'")
    return text.rstrip("\n") + "\n"


def group_section(codes, where):
    """Lines of a regional_error section with REGION_GROUPS and every sd 0: the
    calibrator's input, in which only the membership matters."""
    check_groups(codes, where)
    lines = ["# Regional error: the calibration input. Every sd is 0; runoff calibrate",
             "# fits them and writes the whole section (with these groups) as a fragment",
             "# for --regional-error. Groups by geography (REGION_GROUPS in",
             "# scripts/gen_fr2022.py); the numbered mainland départements are in none.",
             "regional_error:",
             "  sd: 0",
             "  groups:"]
    for name, group_codes, why in REGION_GROUPS:
        lines.append(f"    # {why}")
        lines.append(f"    - name: {q(name)}")
        lines.append("      sd: 0")
        lines.append(f"      regions: [{', '.join(q(c) for c in group_codes)}]")
    return "\n".join(lines) + "\n"


def overseas_section(regions):
    """Lines of today's default regional_error section (REGIONAL_SD, OVERSEAS_GROUP)."""
    overseas = [code for code, _, _, _ in regions if not MAINLAND_CODE.match(code)]
    lines = ["# Overseas territories and the French abroad: every code outside mainland",
             "# France (01-95, 2A, 2B).",
             "regional_error:",
             f"  sd: {REGIONAL_SD}",
             "  groups:",
             f"    - name: {q(OVERSEAS_GROUP)}",
             f"      sd: {OVERSEAS_SD}",
             f"      regions: [{', '.join(q(c) for c in overseas)}]"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

# The report page's map (runoff run --html): the outlines, relative to the
# scenario's directory, and the join. The Ministry numbers the overseas
# départements ZA..ZM, the outlines carry INSEE codes (data/geo/README.md); an
# explicit table, never names. The collectivities (ZN, ZP, ZS, ZW, ZX) and the
# French abroad (ZZ) have no outline: the page draws them as boxes.
MAP_FILE = "../data/geo/fr-departements.geojson"
MAP_ATTRIBUTION = "IGN, INSEE; france-geojson by Grégoire David (Licence Ouverte / Etalab)"
GEO_CODES = {"ZA": "971", "ZB": "972", "ZC": "973", "ZD": "974", "ZM": "976"}


def emit_first_round(emit, r1, options, regions, geo_codes=None):
    """The first_round section: the options, then every region's votes;
    geo_codes: region code -> the map's code, for regions whose codes differ."""
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
        geo = [('geo_code', q(geo_codes[code]))] if geo_codes and code in geo_codes else []
        emit(f"    - {flow([('code', q(code)), ('name', q(name))] + geo + [('registered', registered), ('votes', flow(votes))])}")


def emit_turnout(emit, r1):
    """The turnout section: mean = first-round turnout, sd TURNOUT_SD.

    With regions, this anchors national turnout (docs/model.md §6): the
    surveys' "none" column overstates how many first-round abstainers will
    vote (about half say they will), so turnout from the transfers alone
    comes out near 80 %, far above any recent run-off.
    """
    emit(f"# Mean: first-round turnout (voters / registered, {r1['date']}).")
    emit("turnout:")
    emit(f"  mean: {pct(r1['totals']['voters'], r1['totals']['registered'])}")
    emit(f"  sd: {TURNOUT_SD}")


def actual_lines(r2, finalists):
    """The national result of round 2 as (key, value) pairs of the actual
    section: shares of valid votes, turnout, blank and null / voters."""
    t2, votes_of = r2["totals"], dict(r2["candidates"])
    return [("shares", flow([(fid, pct(votes_of[name], t2["valid"])) for fid, name in finalists])),
            ("turnout", pct(t2["voters"], t2["registered"])),
            ("blank_null", pct(r2["blank_null"], t2["voters"]))]


def emit_regional(emit, r1, options, regions, surveys, skipped, unsurveyed, n_default,
                  finalist_ids, default_shares, regional_error):
    """The first round, transfers, regional error (regional_error: the section's
    text) and blend sections."""
    emit_first_round(emit, r1, options, regions, GEO_CODES)
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
    emit(regional_error.rstrip("\n"))
    emit("")
    emit("blend:")
    emit(f"  mode: {BLEND_MODE}")
    emit("")
    emit("# Outlines for the report page's map (runoff run --html; data/geo/README.md).")
    emit("map:")
    emit(f"  file: {q(MAP_FILE)}")
    emit("  code_property: code")
    emit(f"  attribution: {q(MAP_ATTRIBUTION)}")
    emit("")


def generate(directory, polls_only=False, regional_error=None, geographic_groups=False):
    """The scenario text. regional_error: a fragment's text for that section,
    else REGION_GROUPS at sd 0 (geographic_groups), else today's constants."""
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
    emit_turnout(emit, r1)
    emit("")
    emit("simulation:")
    emit(f"  draws: {SIM_DRAWS}")
    emit(f"  seed: {SIM_SEED}")
    emit(f"  block_size: {SIM_BLOCK_SIZE}")
    emit("")
    if not polls_only:
        if regional_error is None:
            codes = [code for code, _, _, _ in regions]
            regional_error = (group_section(codes, directory) if geographic_groups
                              else overseas_section(regions))
        emit_regional(emit, r1, options, regions, surveys, skipped, unsurveyed, n_default,
                      finalist_ids, default_shares, regional_error)
    emit(f"# Official result of {r2['date']} (Conseil constitutionnel): shares of valid votes,")
    emit("# turnout = voters / registered, blank_null = (blank + null) / voters.")
    emit("actual:")
    for key, value in actual_lines(r2, finalists):
        emit(f"  {key}: {value}")
    return "\n".join(out) + "\n"


def write_scenario(prog, make):
    """Write the text make() returns to stdout; 0, or 1 after printing
    "prog: reason" when the data fail a check or a read or the write fails."""
    try:
        text = make()
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()
    except (DataError, OSError, KeyError, ValueError) as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return 1
    return 0


def main(argv):
    parser = argparse.ArgumentParser(prog="gen_fr2022.py",
                                     description="Write the 2022 run-off scenario to stdout.")
    variant = parser.add_mutually_exclusive_group()
    variant.add_argument("--polls-only", action="store_true",
                         help="no first round, transfers or regional sections")
    variant.add_argument("--regional-error", metavar="FILE",
                         help="the regional_error section is FILE's text (from runoff calibrate)")
    variant.add_argument("--geographic-groups", action="store_true",
                         help="regional_error: the geographic groups, every sd 0")
    parser.add_argument("data_dir", metavar="DATA_DIR")
    args = parser.parse_args(argv[1:])

    def make():
        fragment = read_regional_error(args.regional_error) if args.regional_error else None
        return generate(args.data_dir, args.polls_only, fragment, args.geographic_groups)
    return write_scenario("gen_fr2022", make)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
