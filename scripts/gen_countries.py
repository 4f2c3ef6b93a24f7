#!/usr/bin/env python3
"""Generate the non-French back-test scenarios from data/<country>-<year>/.

Usage: python3 scripts/gen_countries.py DATA_DIR OUT_DIR
       (make scenarios runs: python3 scripts/gen_countries.py data scenarios/backtest)

Two elections, each written as <cc>-<year>-eve.yaml with aggregation.as_of =
the day before the run-off and the official result under `actual`. Like
scripts/gen_backtest.py they score the engine's defaults: no polling_error,
turnout, method or blend section (Slovakia's regional_error: below).

- Colombia 2022 (Gustavo Petro - Rodolfo Hernandez, run-off 2022-06-19),
  co-2022-eve.yaml: every between-round poll, national only.
- Slovakia 2024 (Peter Pellegrini - Ivan Korcok, run-off 2024-04-06),
  sk-2024-eve.yaml: the between-round polls, the official first round by
  district (okres, 79) as first_round.regions, transfer surveys, and the
  official run-off result nationally and by district (actual.regions),
  and the regional error fitted on France (BORROWED_REGIONAL_ERROR).
  Rules and sources: write_sk2024 below and data/sk-2024/README.md.

Sources (data/co-2022/README.md):
- polls-encuestas.csv: a verbatim copy of PoliticaConDato/Elecciones-2022,
  data_2nda/Encuestas.csv at commit cab4e36392c94c7a59cae437628a70561f3dacd9
  (its columns: Fecha Inicio, Fecha Fin (M/D/YY), Fecha, Encuestadora,
  Rating, Metodologia, Muestra, Petro, Rodolfo, Blanco, NS.NR, Error; shares
  as fractions of all respondents).
- results-excerpt.py.txt: the national 2022 blocks of
  fredericksalazar/fredericksalazar.github.io,
  pipeline/elecciones/from_wikipedia.py at commit
  581611dabb774843a260abf16fd09cef34f3b00a, copied verbatim (Python dict
  literals; read here with ast.literal_eval, never executed).

Rules where the data are silent (each written in the file it affects):
- Between-round polls: those whose fieldwork starts after the first round
  (2022-05-29). The file also holds hypothetical Petro-Hernandez match-ups
  polled before the first round; they are left out.
- Shares: Petro and Rodolfo as published (fraction x 100); the engine uses the
  two-way share a / (a + b), so Blanco and NS.NR (blank vote, don't know)
  do not enter. Their sum is written as `undecided` when the file gives
  either (checked by the engine, never used).
- Sample: Muestra as written (the number interviewed, not the decided base),
  as gen_backtest.py does for the French history files.
- Rolling: a poll whose fieldwork overlaps the previous poll (by end date)
  of the same pollster and method (Metodologia) is marked rolling: GAD3 published cumulative waves of one
  fieldwork that started on 2022-05-30.
- Result: actual.shares are the two finalists' vote counts as a two-way
  share; turnout = total_votos / censo (checked against the file's
  participacion). blank_null is not written: the file's round-2 totals do
  not add up (validos + nulos + no_marcados != total_votos), so there is no
  sound figure for it.

Dates of the two rounds (2022-05-29, 2022-06-19) are public record; they
are also stated in torresposso/luciotorres.online,
src/content/articulos/2022/05/petro-ganara-la-meta-volante-quien-sera-el-segundo/index.md
("el 29 de mayo", "las elecciones definitivas del 19 de junio").

The data are checked on the way in (exact columns, dates, shares in range,
counts consistent with the printed fractions, polls before the run-off) and
the script fails loudly otherwise. Output is deterministic. Python 3.11
standard library only.
"""

import ast
import csv
import datetime
import os
import re
import sys
import unicodedata

SIM_DRAWS = 100000
SIM_SEED = 1
DECIMALS = 6


class DataError(Exception):
    """The data do not satisfy a check; the message says which and where."""


CO2022 = {
    "dir": "co-2022",
    "out": "co-2022-eve.yaml",
    "name": "Colombian presidential election 2022, second round",
    "first_round": "2022-05-29",
    "date": "2022-06-19",
    "finalists": (("petro", "Gustavo Petro", "Petro", "gustavo_petro"),
                  ("hernandez", "Rodolfo Hernández", "Rodolfo", "rodolfo_hernandez")),
}

POLL_COLUMNS = ("Fecha Inicio", "Fecha Fin", "Fecha", "Encuestadora", "Rating",
                "Metodologia", "Muestra", "Petro", "Rodolfo", "Blanco", "NS.NR", "Error")
RESULT_BLOCKS = ("NACIONAL_2022_1V", "NACIONAL_2022_2V", "RANK_2022_1V", "RANK_2022_2V")
# The file prints each finalist's fraction to four decimals (of the
# candidates' and blank votes); rounding or truncation are both accepted.
PRINTED_FRACTION_TOLERANCE = 0.0001 + 1e-12


def q(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def number(text, where):
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        raise DataError(f"{where}: expected a number, got {text!r}")
    return float(text)


def percent(fraction_text, where):
    """A fraction as written (0.410) -> its percent as text (41), exactly."""
    value = number(fraction_text, where)
    if not 0 <= value <= 1:
        raise DataError(f"{where}: a share must be a fraction in 0..1, got {fraction_text}")
    whole, _, frac = fraction_text.partition(".")
    frac = (frac + "00")
    digits = (whole + frac[:2]).lstrip("0") or "0"
    rest = frac[2:].rstrip("0")
    return digits + ("." + rest if rest else "")


def mdy(text, where):
    m = re.fullmatch(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{2})", text)
    if not m:
        raise DataError(f"{where}: expected a date M/D/YY, got {text!r}")
    try:
        return datetime.date(2000 + int(m.group(3)), int(m.group(1)), int(m.group(2)))
    except ValueError as e:
        raise DataError(f"{where}: {e}") from None


def read_rows(path, columns, delimiter=",", encoding="utf-8"):
    """A table with exactly these columns -> [(path:line, {column: cell})]."""
    with open(path, newline="", encoding=encoding) as f:
        rows = list(csv.reader(f, delimiter=delimiter))
    if not rows or tuple(rows[0]) != tuple(columns):
        raise DataError(f"{path}: unexpected columns {rows[0] if rows else None}")
    out = []
    for line, row in enumerate(rows[1:], start=2):
        where = f"{path}:{line}"
        if len(row) != len(columns):
            raise DataError(f"{where}: {len(row)} fields, expected {len(columns)}")
        out.append((where, dict(zip(columns, row))))
    return out, path


def read_polls(directory, spec):
    rows, path = read_rows(os.path.join(directory, "polls-encuestas.csv"), POLL_COLUMNS,
                           encoding="utf-8-sig")
    first = datetime.date.fromisoformat(spec["first_round"])
    runoff = datetime.date.fromisoformat(spec["date"])
    polls = []
    for where, r in rows:
        start, end = mdy(r["Fecha Inicio"], where), mdy(r["Fecha Fin"], where)
        if start > end:
            raise DataError(f"{where}: fieldwork starts after it ends")
        if end >= runoff:
            raise DataError(f"{where}: fieldwork ends on or after the run-off")
        if not r["Encuestadora"].strip():
            raise DataError(f"{where}: no pollster")
        sample = number(r["Muestra"], where)
        if sample != int(sample) or sample < 1:
            raise DataError(f"{where}: sample {r['Muestra']} is not a positive integer")
        a, b = percent(r["Petro"], where), percent(r["Rodolfo"], where)
        other = [number(r[c], where) for c in ("Blanco", "NS.NR") if r[c]]
        total = float(r["Petro"]) + float(r["Rodolfo"]) + sum(other)
        if abs(total - 1) > 0.011:
            raise DataError(f"{where}: shares add up to {total:.3f}, not 1")
        if start <= first:
            continue  # a hypothetical match-up polled before the first round
        undecided = None
        if other:
            undecided = f"{100 * sum(other):.1f}".rstrip("0").rstrip(".")
        polls.append({"pollster": r["Encuestadora"].strip(), "method": r["Metodologia"],
                      "start": start, "end": end,
                      "sample": int(sample), "a": a, "b": b, "undecided": undecided})
    if not polls:
        raise DataError(f"{path}: no between-round poll")
    # Rolling: overlaps the same pollster's previous poll by the same method.
    order = sorted(range(len(polls)), key=lambda i: (polls[i]["end"], polls[i]["start"], i))
    last_end = {}
    for i in order:
        p = polls[i]
        key = (p["pollster"], p["method"])
        prev = last_end.get(key)
        p["rolling"] = prev is not None and p["start"] <= prev
        last_end[key] = p["end"]
    polls.sort(key=lambda p: (p["end"], p["start"]), reverse=True)
    return polls, path


def read_results(directory):
    path = os.path.join(directory, "results-excerpt.py.txt")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    blocks = {}
    for m in re.finditer(r"^([A-Z0-9_]+) = (\{.*?^\})", text, re.M | re.S):
        try:
            blocks[m.group(1)] = ast.literal_eval(m.group(2))
        except (ValueError, SyntaxError) as e:
            raise DataError(f"{path}: block {m.group(1)}: {e}") from None
    if tuple(sorted(blocks)) != tuple(sorted(RESULT_BLOCKS)):
        raise DataError(f"{path}: expected blocks {RESULT_BLOCKS}, found {sorted(blocks)}")
    return blocks, path


def result_co2022(directory, spec):
    blocks, path = read_results(directory)
    nat, rank = blocks["NACIONAL_2022_2V"], blocks["RANK_2022_2V"]
    keys = [f[3] for f in spec["finalists"]]
    if sorted(rank) != sorted(keys):
        raise DataError(f"{path}: RANK_2022_2V must hold exactly {keys}")
    votes = []
    base = sum(rank[k][0] for k in keys) + nat["blanco"]
    for k in keys:
        count, printed = rank[k]
        if not isinstance(count, int) or count <= 0:
            raise DataError(f"{path}: RANK_2022_2V {k}: bad vote count {count!r}")
        if abs(count / base - printed) > PRINTED_FRACTION_TOLERANCE:
            raise DataError(f"{path}: RANK_2022_2V {k}: {count} / {base} is "
                            f"{count / base:.5f}, the file says {printed}")
        votes.append(count)
    if votes[0] <= votes[1]:
        raise DataError(f"{path}: finalist A must be the winner")
    turnout = nat["total_votos"] / nat["censo"]
    if abs(turnout - nat["participacion"]) > 0.00005 + 1e-12:
        raise DataError(f"{path}: total_votos / censo = {turnout:.5f}, "
                        f"participacion says {nat['participacion']}")
    for k in keys:
        if rank[k][0] > nat["total_votos"]:
            raise DataError(f"{path}: {k} has more votes than total_votos")
    pair = votes[0] + votes[1]
    return {
        "registered": nat["censo"],
        "votes": votes,
        "shares": [f"{100.0 * v / pair:.{DECIMALS}f}" for v in votes],
        "turnout": f"{100.0 * turnout:.{DECIMALS}f}",
    }


def settings_lines(as_of):
    """The aggregation and simulation sections every scenario here shares."""
    return ["", "aggregation:", f"  as_of: {as_of}", "", "simulation:",
            f"  draws: {SIM_DRAWS}", f"  seed: {SIM_SEED}", ""]


def write_co2022(data_dir, out_dir, spec):
    directory = os.path.join(data_dir, spec["dir"])
    polls, poll_path = read_polls(directory, spec)
    res = result_co2022(directory, spec)
    as_of = (datetime.date.fromisoformat(spec["date"]) - datetime.timedelta(days=1)).isoformat()
    (ida, namea, _, _), (idb, nameb, _, _) = spec["finalists"]
    kept = sum(1 for p in polls if p["end"].isoformat() <= as_of)
    out = []
    w = out.append
    w(f"# Generated by scripts/gen_countries.py from data/{spec['dir']}/polls-encuestas.csv")
    w(f"# and data/{spec['dir']}/results-excerpt.py.txt — do not edit by hand (make scenarios).")
    w(f"# Sources (data/{spec['dir']}/README.md): polls from PoliticaConDato/Elecciones-2022")
    w("# (data_2nda/Encuestas.csv); results from fredericksalazar/fredericksalazar.github.io")
    w("# (pipeline/elecciones/from_wikipedia.py: Registraduría totals as reproduced on Wikipedia).")
    w("# Neither repository states a licence.")
    w("# Back-test of the national poll model at the engine's defaults, the eve of the run-off:")
    w("# aggregation sets only as_of; no polling_error, turnout or method is given.")
    w("# Polls: those started after the first round (" + spec["first_round"] + "); shares as published")
    w("# (Petro, Rodolfo), undecided = blank vote + don't know; sample = respondents (Muestra);")
    w("# rolling = overlaps the same pollster's previous poll by the same method (GAD3's waves).")
    w("")
    w("election:")
    w(f"  name: {q(spec['name'])}")
    w(f"  date: {spec['date']}")
    w(f"  registered: {res['registered']}")
    w("  finalists:")
    w(f"    - {{id: {ida}, name: {q(namea)}}}")
    w(f"    - {{id: {idb}, name: {q(nameb)}}}")
    w("")
    w(f"# {len(polls)} between-round polls, {kept} of them ended by {as_of}")
    w("# (the engine leaves out any other).")
    w("polls:")
    for p in polls:
        fields = [f"pollster: {q(p['pollster'])}", f"start: {p['start'].isoformat()}",
                  f"end: {p['end'].isoformat()}", f"sample: {p['sample']}",
                  f"shares: {{{ida}: {p['a']}, {idb}: {p['b']}}}"]
        if p["undecided"] is not None:
            fields.append(f"undecided: {p['undecided']}")
        if p["rolling"]:
            fields.append("rolling: true")
        w("  - {" + ", ".join(fields) + "}")
    out.extend(settings_lines(as_of))
    w(f"# Official result: {res['votes'][0]} and {res['votes'][1]} votes, as a two-way share;")
    w("# turnout = total_votos / censo. No blank_null: the source's round-2 totals do not add up.")
    w("actual:")
    w(f"  shares: {{{ida}: {res['shares'][0]}, {idb}: {res['shares'][1]}}}")
    w(f"  turnout: {res['turnout']}")
    with open(os.path.join(out_dir, spec["out"]), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(out) + "\n")


# ---------------------------------------------------------------------------
# Slovakia 2024
#
# Sources (data/sk-2024/README.md):
# - round1-/round2-prez2024_med_sv_okr.csv, round1-/round2-prez2024_med_kan_okr.csv,
#   prez2024_med_okresy.csv, round1-/round2-candidates.csv: verbatim copies of
#   michalskop/real-time-predictions-sk-2024 at commit
#   c45133c938ae8b4b052df320737e493299a157f8: the Slovak Statistical Office's
#   results by district (okres) as downloaded on election night once every
#   precinct was counted (P_OKRSOK = P_ALL_OKRSOK, checked here). Pipe-separated.
#   sv_okr: OKRES, P_OKRSOK precincts counted, P_ZAP registered, P_ZUC voters
#   (participants), P_OO envelopes cast, P_HL valid votes. kan_okr: OKRES, PC_HL
#   candidate number on the ballot, P_HL_K its votes.
# - pages-excerpts.txt: verbatim excerpts of stored web pages (news reports of
#   the polls and of the AKO transfer surveys); polls.csv and transfers.csv
#   transcribe them, one row per poll or survey row, each with the source URL
#   and the quote it comes from. This script checks that every quote is in the
#   excerpt of its URL and that every figure of the row is written in its
#   quote (as digits, or as one of the number words of NUMBER_WORDS).
#
# Rules (each also written in the scenario):
# - Finalists: A = Pellegrini (the winner), B = Korcok.
# - Polls: shares as published (two-way, decided voters); sample = respondents
#   as published; Ipsos gives none and takes the engine's default.
# - First round: one region per district; options = the 11 candidates, blank
#   or null (P_ZUC - P_HL: voters whose envelope held no valid vote, or who cast
#   no envelope) and abstention (P_ZAP - P_ZUC).
# - Transfer rows: a row whose published figures (with its undecided share)
#   add up to 100 +- 1 is complete: a column it does not mention is 0 and the
#   undecided are spread over the three columns in proportion to the decided
#   answers (the row is the decided answers divided by their sum). A row whose
#   figures add up to less is partial: its decided columns are written as
#   published and the engine's partial-row rule places the rest
#   (docs/scenario.md, "Partial rows"). Sample: not published per row (each
#   survey interviewed 1000 in all), so none is given.
# - Options no survey covers (Svec, who withdrew and endorsed Harabin; blank or
#   null) take transfers.default {none: 100}: assumed to vote for neither
#   finalist (0.08 % and 0.5 % of first-round voters).
# - actual: the two finalists' votes as a two-way share, nationally and by
#   district; turnout = P_ZUC / P_ZAP; blank_null = (P_ZUC - P_HL) / P_ZUC.

SK2024 = {
    "dir": "sk-2024",
    "out": "sk-2024-eve.yaml",
    "name": "Slovak presidential election 2024, second round",
    "first_round": "2024-03-23",
    "date": "2024-04-06",
    # (id, name as the sources write it, round-2 ballot surname)
    "finalists": (("pellegrini", "Peter Pellegrini", "Pellegrini"),
                  ("korcok", "Ivan Korčok", "Korčok")),
}

# The Slovak districts' regional error. No earlier Slovak run-off by district
# is in data/, so nothing can be fitted for Slovakia itself; the only fit
# there is (runoff calibrate on the French run-offs of 2012 and 2017 by
# departement, docs/model.md §5) is borrowed for the parts of it that are
# not about French geography: sd, transfer_sd, local_lean and local_lean_sd
# (how a region's electorates split differently from the national rows, and
# lean to the finalist who is locally stronger, with the lean's uncertainty). Its groups (Corsica, overseas,
# abroad) have no Slovak counterpart and are left out. This is an
# assumption, written in the scenario; the values are read from the fragment,
# never retyped, and were not chosen by their Slovak score.
BORROWED_REGIONAL_ERROR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                       "scenarios", "calibration", "fr-2012-2017.yaml")
BORROWED_KEYS = ("sd", "transfer_sd", "local_lean", "local_lean_sd")


def read_borrowed(path):
    """{key: value text} of the fragment's regional_error BORROWED_KEYS."""
    values = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = re.match(r"^  (" + "|".join(BORROWED_KEYS) + r"): (-?[0-9]+\.[0-9]+)$",
                         line.rstrip("\n"))
            if m:
                if m.group(1) in values:
                    raise DataError(f"{path}:{n}: {m.group(1)} twice")
                values[m.group(1)] = m.group(2)
    missing = [k for k in BORROWED_KEYS if k not in values]
    if missing:
        raise DataError(f"{path}: no regional_error {', '.join(missing)}")
    return values


SV_COLUMNS = ("OKRES", "P_OKRSOK", "P_ZAP", "P_ZUC", "P_OO", "P_HL", "DAT_AKT")
KAN_COLUMNS = ("OKRES", "PC_HL", "P_HL_K", "DAT_AKT")
OKRESY_COLUMNS = ("KRAJ", "NKRAJ", "OBVOD", "NOBVOD", "OKRES", "NOKRES", "P_ALL_OKRSOK")
SK_POLL_COLUMNS = ("id", "pollster", "start", "end", "sample", "pellegrini", "korcok",
                   "source", "quote")
SK_TRANSFER_COLUMNS = ("pollster", "start", "end", "option", "pellegrini", "korcok", "none",
                       "undecided", "source", "quote")
# Number words the quotes use for figures (Slovak).
NUMBER_WORDS = {"tri": 3, "šesť": 6, "sedem": 7, "desať": 10, "desatina": 10, "všetci": 100}
COMPLETE_TOLERANCE = 1.0 + 1e-9


def option_id(name):
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ident = re.sub(r"[^a-z0-9]+", "_", folded.lower()).strip("_")
    if not ident:
        raise DataError(f"cannot make an id of {name!r}")
    return ident


def read_pipe(path, columns):
    return read_rows(path, columns, delimiter="|")[0]


def count(text, where):
    if not re.fullmatch(r"[0-9]+", text):
        raise DataError(f"{where}: expected a count, got {text!r}")
    return int(text)


def read_pages(path):
    """pages-excerpts.txt -> {url: excerpt text}."""
    blocks, url = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("== "):
                url = line[3:].strip()
                if url in blocks:
                    raise DataError(f"{path}: {url} twice")
                blocks[url] = []
            elif url is not None and not line.startswith("date:"):
                blocks[url].append(line)
    return {u: "\n".join(lines) for u, lines in blocks.items()}


def figures(quote):
    """The numbers a quote writes: '1 015' -> 1015, '50,8' -> 50.8, number words."""
    text = re.sub(r"(?<=[0-9]) (?=[0-9]{3}\b)", "", quote)
    found = {float(m.replace(",", ".")) for m in re.findall(r"[0-9]+(?:,[0-9]+)?", text)}
    for word in re.findall(r"\w+", quote.lower()):
        if word in NUMBER_WORDS:
            found.add(float(NUMBER_WORDS[word]))
    return found


def check_quote(pages, row, values, where):
    excerpt = pages.get(row["source"])
    if excerpt is None:
        raise DataError(f"{where}: source {row['source']} is not in pages-excerpts.txt")
    quote = row["quote"]
    for part in quote.split(" | "):
        if part not in excerpt:
            raise DataError(f"{where}: quote not found in the excerpt of {row['source']}: {part!r}")
    found = figures(quote)
    for v in values:
        if v not in found:
            raise DataError(f"{where}: {v:g} is not written in its quote")


def pct(text, where):
    value = number(text, where)
    if not 0 <= value <= 100:
        raise DataError(f"{where}: a percentage must be in 0..100, got {text}")
    return value


def read_sk_polls(directory, spec, pages):
    rows, _ = read_rows(os.path.join(directory, "polls.csv"), SK_POLL_COLUMNS)
    first = datetime.date.fromisoformat(spec["first_round"])
    runoff = datetime.date.fromisoformat(spec["date"])
    polls = []
    for where, r in rows:
        start = datetime.date.fromisoformat(r["start"])
        end = datetime.date.fromisoformat(r["end"])
        if not first < start <= end < runoff:
            raise DataError(f"{where}: fieldwork must lie between the two rounds")
        a, b = pct(r["pellegrini"], where), pct(r["korcok"], where)
        if abs(a + b - 100) > 0.05 + 1e-9:
            raise DataError(f"{where}: the two shares add up to {a + b:g}, not 100")
        sample = None
        values = [a, b]
        if r["sample"]:
            sample = count(r["sample"], where)
            values.append(float(sample))
        check_quote(pages, r, values, where)
        polls.append({"id": r["id"], "pollster": r["pollster"], "start": start, "end": end,
                      "sample": sample, "a": r["pellegrini"], "b": r["korcok"]})
    polls.sort(key=lambda p: (p["end"], p["start"], p["id"]), reverse=True)
    return polls


def read_sk_transfers(directory, spec, pages, option_ids):
    rows, _ = read_rows(os.path.join(directory, "transfers.csv"), SK_TRANSFER_COLUMNS)
    runoff = datetime.date.fromisoformat(spec["date"])
    (ida, _, _), (idb, _, _) = spec["finalists"]
    surveys = []
    for where, r in rows:
        start = datetime.date.fromisoformat(r["start"])
        end = datetime.date.fromisoformat(r["end"])
        if not start <= end < runoff:
            raise DataError(f"{where}: fieldwork must end before the run-off")
        if r["option"] not in option_ids:
            raise DataError(f"{where}: {r['option']!r} is not a first-round option")
        given = {k: pct(r[k], where) for k in (ida, idb, "none") if r[k]}
        undecided = pct(r["undecided"], where) if r["undecided"] else 0.0
        if not given:
            raise DataError(f"{where}: no column given")
        check_quote(pages, r, list(given.values()) + ([undecided] if r["undecided"] else []), where)
        total = sum(given.values()) + undecided
        if abs(total - 100) <= COMPLETE_TOLERANCE:
            decided = sum(given.values())
            shares = {k: 100.0 * given.get(k, 0.0) / decided for k in (ida, idb, "none")}
            rule = "complete"
        elif total < 100:
            shares = dict(given)
            rule = "partial"
        else:
            raise DataError(f"{where}: the figures add up to {total:g}, more than 100")
        surveys.append({"pollster": r["pollster"], "start": start, "end": end,
                        "option": r["option"], "shares": shares, "rule": rule,
                        "published": {**given, **({"undecided": undecided} if r["undecided"] else {})}})
    return surveys


def read_sk_round(directory, rnd, okres_codes):
    sv = read_pipe(os.path.join(directory, f"round{rnd}-prez2024_med_sv_okr.csv"), SV_COLUMNS)
    kan = read_pipe(os.path.join(directory, f"round{rnd}-prez2024_med_kan_okr.csv"), KAN_COLUMNS)
    crows, cpath = read_rows(os.path.join(directory, f"round{rnd}-candidates.csv"), ("id", "name"))
    candidates = {}
    for where, r in crows:
        candidates[count(r["id"], where)] = r["name"]
    if sorted(candidates) != list(range(1, len(candidates) + 1)):
        raise DataError(f"{cpath}: candidate numbers must be 1..n")
    totals = {}
    for where, r in sv:
        code = r["OKRES"]
        if code in totals:
            raise DataError(f"{where}: district {code} twice")
        if code not in okres_codes:
            raise DataError(f"{where}: district {code} is not in prez2024_med_okresy.csv")
        precincts, reg, voters, env, valid = (count(r[k], where) for k in SV_COLUMNS[1:6])
        if precincts != okres_codes[code]:
            raise DataError(f"{where}: {precincts} of {okres_codes[code]} precincts counted")
        if not valid <= env <= voters <= reg:
            raise DataError(f"{where}: expected P_HL <= P_OO <= P_ZUC <= P_ZAP")
        totals[code] = {"registered": reg, "voters": voters, "valid": valid, "votes": {}}
    if set(totals) != set(okres_codes):
        raise DataError(f"round {rnd}: districts differ from prez2024_med_okresy.csv")
    for where, r in kan:
        code, cand = r["OKRES"], count(r["PC_HL"], where)
        if code not in totals or cand not in candidates:
            raise DataError(f"{where}: unknown district or candidate")
        if cand in totals[code]["votes"]:
            raise DataError(f"{where}: candidate {cand} twice in district {code}")
        totals[code]["votes"][cand] = count(r["P_HL_K"], where)
    for code, t in totals.items():
        if sorted(t["votes"]) != sorted(candidates):
            raise DataError(f"round {rnd}, district {code}: not every candidate has a count")
        if sum(t["votes"].values()) != t["valid"]:
            raise DataError(f"round {rnd}, district {code}: candidate votes do not add up to P_HL")
    return candidates, totals


def write_sk2024(data_dir, out_dir, spec):
    directory = os.path.join(data_dir, spec["dir"])
    okresy = read_pipe(os.path.join(directory, "prez2024_med_okresy.csv"), OKRESY_COLUMNS)
    okres_codes, okres_names = {}, {}
    for where, r in okresy:
        if r["OKRES"] in okres_codes:
            raise DataError(f"{where}: district {r['OKRES']} twice")
        okres_codes[r["OKRES"]] = count(r["P_ALL_OKRSOK"], where)
        okres_names[r["OKRES"]] = r["NOKRES"]
    cand1, r1 = read_sk_round(directory, 1, okres_codes)
    cand2, r2 = read_sk_round(directory, 2, okres_codes)
    (ida, namea, surnamea), (idb, nameb, surnameb) = spec["finalists"]
    num2 = {name: k for k, name in cand2.items()}
    if sorted(num2) != sorted((surnamea, surnameb)):
        raise DataError(f"round-2 candidates {sorted(num2)} are not the finalists")
    ids1 = {k: option_id(name) for k, name in cand1.items()}
    if len(set(ids1.values())) != len(ids1) or not {ida, idb} <= set(ids1.values()):
        raise DataError("round-1 candidate ids must be unique and include both finalists")
    option_ids = set(ids1.values()) | {"abstention", "blank_null"}

    pages = read_pages(os.path.join(directory, "pages-excerpts.txt"))
    polls = read_sk_polls(directory, spec, pages)
    surveys = read_sk_transfers(directory, spec, pages, option_ids)
    covered = {s["option"] for s in surveys}
    uncovered = sorted(option_ids - covered)

    va = sum(t["votes"][num2[surnamea]] for t in r2.values())
    vb = sum(t["votes"][num2[surnameb]] for t in r2.values())
    if va <= vb:
        raise DataError("finalist A must be the winner")
    reg2 = sum(t["registered"] for t in r2.values())
    voters2 = sum(t["voters"] for t in r2.values())
    valid2 = sum(t["valid"] for t in r2.values())
    reg1 = sum(t["registered"] for t in r1.values())

    def f6(x):
        return f"{x:.{DECIMALS}f}"

    as_of = (datetime.date.fromisoformat(spec["date"]) - datetime.timedelta(days=1)).isoformat()
    kept = sum(1 for p in polls if p["end"].isoformat() <= as_of)
    out = []
    w = out.append
    d = spec["dir"]
    w(f"# Generated by scripts/gen_countries.py from data/{d}/ — do not edit by hand (make scenarios).")
    w(f"# Sources and licences: data/{d}/README.md. Results: the Slovak Statistical Office's district")
    w("# results as copied in michalskop/real-time-predictions-sk-2024 (no licence stated). Polls and")
    w("# transfer surveys: news reports (stored web pages) quoted in pages-excerpts.txt.")
    w("# Back-test at the engine's defaults, the eve of the run-off: aggregation sets only as_of;")
    w("# no polling_error, turnout, method or blend is given; regional_error is borrowed (below).")
    w("# Polls: two-way shares of decided voters as published; sample = respondents as published")
    w("# (Ipsos gives none: the engine's default).")
    w("")
    w("election:")
    w(f"  name: {q(spec['name'])}")
    w(f"  date: {spec['date']}")
    w(f"  registered: {reg2}")
    w("  finalists:")
    w(f"    - {{id: {ida}, name: {q(namea)}}}")
    w(f"    - {{id: {idb}, name: {q(nameb)}}}")
    w("")
    w(f"# {len(polls)} between-round polls, {kept} of them ended by {as_of}.")
    w("polls:")
    for p in polls:
        fields = [f"id: {p['id']}", f"pollster: {q(p['pollster'])}", f"start: {p['start'].isoformat()}",
                  f"end: {p['end'].isoformat()}"]
        if p["sample"] is not None:
            fields.append(f"sample: {p['sample']}")
        fields.append(f"shares: {{{ida}: {p['a']}, {idb}: {p['b']}}}")
        w("  - {" + ", ".join(fields) + "}")
    out.extend(settings_lines(as_of))
    w(f"# First round ({spec['first_round']}), by district: registered {reg1}. blank_null = voters")
    w("# without a valid vote (P_ZUC - P_HL); abstention = registered - voters.")
    w("first_round:")
    w("  options:")
    for k in sorted(cand1):
        w(f"    - {{id: {ids1[k]}, name: {q(cand1[k])}}}")
    w("    - {id: abstention, name: \"Abstention\", kind: abstention}")
    w("    - {id: blank_null, name: \"Blank, null or no envelope\", kind: blank_null}")
    w("  regions:")
    for code in sorted(r1):
        t = r1[code]
        votes = [f"{ids1[k]}: {t['votes'][k]}" for k in sorted(cand1)]
        votes.append(f"abstention: {t['registered'] - t['voters']}")
        votes.append(f"blank_null: {t['voters'] - t['valid']}")
        w(f"    - {{code: {q(code)}, name: {q(okres_names[code])}, registered: {t['registered']}, "
          f"votes: {{{', '.join(votes)}}}}}")
    w("")
    w("# Transfer surveys (AKO for TV JOJ): 23 March 2024 (first-round day), and 5-12 February 2024")
    w("# (hypothetical Pellegrini-Korcok run-off) for three candidates the March survey does not report.")
    w("# complete = the published figures with the undecided add up to 100 +- 1: the undecided are")
    w("# spread in proportion to the decided answers; partial = they add up to less: the decided")
    w("# columns as published, the engine places the rest (docs/scenario.md, Partial rows).")
    w(f"# No survey for {', '.join(uncovered)}: transfers.default (assumed to vote for neither finalist).")
    w("transfers:")
    w("  surveys:")
    for s in surveys:
        pub = ", ".join(f"{k} {v:g}" for k, v in s["published"].items())
        w(f"    # {s['option']}: published {pub} -> {s['rule']}")
        shares = ", ".join(f"{k}: {f6(v) if s['rule'] == 'complete' else format(v, 'g')}"
                           for k, v in s["shares"].items())
        w(f"    - {{pollster: {q(s['pollster'])}, start: {s['start'].isoformat()}, "
          f"end: {s['end'].isoformat()}, option: {s['option']}, shares: {{{shares}}}}}")
    w("  default: {shares: {none: 100}}")
    w("")
    borrowed = read_borrowed(BORROWED_REGIONAL_ERROR)
    w("# Regional error borrowed from France: runoff calibrate on the 2012 and 2017 run-offs by")
    w("# departement (scenarios/calibration/fr-2012-2017.yaml; docs/model.md §5), without its French")
    w("# groups. No earlier Slovak run-off by district is in data/ to fit it on (assumption; see")
    w("# scripts/gen_countries.py, BORROWED_REGIONAL_ERROR).")
    w("regional_error:")
    for k in BORROWED_KEYS:
        w(f"  {k}: {borrowed[k]}")
    w("")
    w(f"# Official result: {va} and {vb} votes, as a two-way share; turnout = voters / registered")
    w(f"# ({voters2} / {reg2}); blank_null = voters without a valid vote / voters.")
    w("actual:")
    w(f"  shares: {{{ida}: {f6(100.0 * va / (va + vb))}, {idb}: {f6(100.0 * vb / (va + vb))}}}")
    w(f"  turnout: {f6(100.0 * voters2 / reg2)}")
    w(f"  blank_null: {f6(100.0 * (voters2 - valid2) / voters2)}")
    w("  regions:")
    for code in sorted(r2):
        t = r2[code]
        a, b = t["votes"][num2[surnamea]], t["votes"][num2[surnameb]]
        w(f"    - {{code: {q(code)}, shares: {{{ida}: {f6(100.0 * a / (a + b))}, "
          f"{idb}: {f6(100.0 * b / (a + b))}}}}}")
    with open(os.path.join(out_dir, spec["out"]), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(out) + "\n")


def main(argv):
    if len(argv) != 3:
        print("usage: gen_countries.py DATA_DIR OUT_DIR", file=sys.stderr)
        return 2
    try:
        write_co2022(argv[1], argv[2], CO2022)
        write_sk2024(argv[1], argv[2], SK2024)
    except (DataError, OSError, KeyError) as e:
        print(f"gen_countries: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
