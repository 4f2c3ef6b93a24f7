#!/usr/bin/env python3
"""Generate the non-French back-test scenarios from data/<country>-<year>/.

Usage: python3 scripts/gen_countries.py DATA_DIR OUT_DIR
       (make scenarios runs: python3 scripts/gen_countries.py data scenarios/backtest)

Today one election: Colombia 2022 (Gustavo Petro - Rodolfo Hernandez, run-off
2022-06-19), written as co-2022-eve.yaml: aggregation.as_of = the day before
the run-off, every between-round poll, national only, the official result
under `actual`. Like scripts/gen_backtest.py it scores the engine's defaults:
no polling_error, turnout or method section.

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


def read_polls(directory, spec):
    path = os.path.join(directory, "polls-encuestas.csv")
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    if tuple(rows[0]) != POLL_COLUMNS:
        raise DataError(f"{path}: unexpected columns {rows[0]}")
    first = datetime.date.fromisoformat(spec["first_round"])
    runoff = datetime.date.fromisoformat(spec["date"])
    polls = []
    for line, row in enumerate(rows[1:], start=2):
        where = f"{path}:{line}"
        if len(row) != len(POLL_COLUMNS):
            raise DataError(f"{where}: {len(row)} fields, expected {len(POLL_COLUMNS)}")
        r = dict(zip(POLL_COLUMNS, row))
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
    w("")
    w("aggregation:")
    w(f"  as_of: {as_of}")
    w("")
    w("simulation:")
    w(f"  draws: {SIM_DRAWS}")
    w(f"  seed: {SIM_SEED}")
    w("")
    w(f"# Official result: {res['votes'][0]} and {res['votes'][1]} votes, as a two-way share;")
    w("# turnout = total_votos / censo. No blank_null: the source's round-2 totals do not add up.")
    w("actual:")
    w(f"  shares: {{{ida}: {res['shares'][0]}, {idb}: {res['shares'][1]}}}")
    w(f"  turnout: {res['turnout']}")
    with open(os.path.join(out_dir, spec["out"]), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(out) + "\n")


def main(argv):
    if len(argv) != 3:
        print("usage: gen_countries.py DATA_DIR OUT_DIR", file=sys.stderr)
        return 2
    try:
        write_co2022(argv[1], argv[2], CO2022)
    except (DataError, OSError, KeyError) as e:
        print(f"gen_countries: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
