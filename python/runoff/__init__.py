"""runoff — the run-off Monte Carlo engine (librunoff) from Python.

A thin ctypes binding over include/runoff.h: no compiled extension, only
the standard library (NumPy is used when present, for draws).

    import runoff
    r = runoff.run("scenarios/fr-2022-runoff.yaml", set={"polling_error.scale": 3},
                   draws=100000, seed=1)
    r.win_probability          # A's, a float
    r.share_interval(0.9)      # (lo, hi), fractions
    r.statistics()             # every statistic of the CSV, as dicts
    r.regions()                # one dict per region
    r.json()                   # the JSON report, parsed

A scenario is a file path, YAML text (runoff.Scenario.from_yaml) or a dict
(runoff.Scenario.from_dict, which writes it as YAML for the same loader the
command line uses). Overrides are --set's KEY=VALUE assignments, given as a
dict or a list of "KEY=VALUE" strings.

The library is found through $RUNOFF_LIB, then build/librunoff.so of the
source tree this package sits in, then the system's (ctypes.util).
"""
import ctypes
import ctypes.util
import json as _json
import math
import os
import re

__all__ = ["Error", "Scenario", "Result", "run", "simulate", "to_yaml", "version"]


class Error(Exception):
    """A library error: status 1 runtime, 2 bad input, 3 out of memory."""

    def __init__(self, status, file, line, column, message):
        self.status, self.file, self.line, self.column = status, file, line, column
        self.message = message
        where = file
        if line:
            where += ":%d:%d" % (line, column)
        super().__init__("%s: %s" % (where, message) if where else message)


class _Error(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("file", ctypes.c_char * 512),
                ("line", ctypes.c_int), ("column", ctypes.c_int),
                ("message", ctypes.c_char * 1024)]

    def raise_(self):
        raise Error(self.status, self.file.decode("utf-8", "replace"), self.line,
                    self.column, self.message.decode("utf-8", "replace"))


class _Draw(ctypes.Structure):
    _fields_ = [("index", ctypes.c_uint64), ("share_a", ctypes.c_double),
                ("turnout", ctypes.c_double), ("blank_null", ctypes.c_double),
                ("votes_a", ctypes.c_double), ("votes_b", ctypes.c_double),
                ("winner", ctypes.c_int), ("regions_a", ctypes.c_double),
                ("n_regions", ctypes.c_size_t),
                ("region_share_a", ctypes.POINTER(ctypes.c_double))]


_PROGRESS = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64)
_ON_DRAW = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(_Draw))
_STAT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                         ctypes.c_double, ctypes.c_char_p)


class _SimOptions(ctypes.Structure):
    _fields_ = [("threads", ctypes.c_uint), ("draws", ctypes.c_uint64),
                ("has_seed", ctypes.c_int), ("seed", ctypes.c_uint64),
                ("progress", _PROGRESS), ("progress_ctx", ctypes.c_void_p),
                ("on_draw", _ON_DRAW), ("on_draw_ctx", ctypes.c_void_p),
                ("shard_index", ctypes.c_uint64), ("shard_count", ctypes.c_uint64)]


class _RegionStats(ctypes.Structure):
    _fields_ = [("code", ctypes.c_char_p), ("name", ctypes.c_char_p),
                ("registered", ctypes.c_double), ("win_probability_a", ctypes.c_double),
                ("win_probability_se", ctypes.c_double), ("median", ctypes.c_double),
                ("q05", ctypes.c_double), ("q25", ctypes.c_double), ("q75", ctypes.c_double),
                ("q95", ctypes.c_double), ("actual", ctypes.c_double), ("pit", ctypes.c_double)]


def _find_library():
    env = os.environ.get("RUNOFF_LIB")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    built = os.path.join(here, "..", "..", "build", "librunoff.so")
    if os.path.exists(built):
        return os.path.normpath(built)
    found = ctypes.util.find_library("runoff")
    if found:
        return found
    raise OSError("librunoff.so not found: build it (make) or set RUNOFF_LIB")


def _load():
    lib = ctypes.CDLL(_find_library())
    P, D, U64, SZ = ctypes.c_void_p, ctypes.c_double, ctypes.c_uint64, ctypes.c_size_t
    E = ctypes.POINTER(_Error)
    sigs = {
        "runoff_version": (ctypes.c_char_p, []),
        "runoff_scenario_load": (P, [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), SZ, E]),
        "runoff_scenario_load_buffer": (P, [ctypes.c_char_p, ctypes.c_char_p, SZ,
                                            ctypes.POINTER(ctypes.c_char_p), SZ, E]),
        "runoff_scenario_free": (None, [P]),
        "runoff_scenario_name": (ctypes.c_char_p, [P]),
        "runoff_scenario_finalist_id": (ctypes.c_char_p, [P, ctypes.c_int]),
        "runoff_simulate": (P, [P, ctypes.POINTER(_SimOptions), E]),
        "runoff_result_free": (None, [P]),
        "runoff_result_draws": (U64, [P]),
        "runoff_result_seed": (U64, [P]),
        "runoff_result_win_probability": (D, [P, ctypes.c_int]),
        "runoff_result_win_probability_se": (D, [P, ctypes.c_int]),
        "runoff_result_tie_probability": (D, [P]),
        "runoff_result_share_quantile": (D, [P, D]),
        "runoff_result_share_mean": (D, [P]),
        "runoff_result_share_sd": (D, [P]),
        "runoff_result_turnout_quantile": (D, [P, D]),
        "runoff_result_turnout_mean": (D, [P]),
        "runoff_result_n_regions": (SZ, [P]),
        "runoff_result_region": (ctypes.c_int, [P, P, SZ, ctypes.POINTER(_RegionStats)]),
        "runoff_result_statistics": (None, [P, P, _STAT, P]),
        "runoff_json_string": (P, [P, P, ctypes.POINTER(SZ)]),
        "runoff_string_free": (None, [P]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


_lib = _load()


def version():
    """The library's version, e.g. "0.1.0"."""
    return _lib.runoff_version().decode()


# ------------------------------------------------------------------ YAML

_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+/-]*$")
_NULLISH = {"null", "Null", "NULL", "~", "true", "True", "TRUE", "false", "False", "FALSE"}


def _scalar(v):
    if v is None:
        return "null"
    if v is True or v is False:
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError("%r cannot be written to a scenario" % v)
        return repr(v)
    if hasattr(v, "isoformat"):  # datetime.date
        return v.isoformat()
    s = str(v)
    if _PLAIN.match(s) and s not in _NULLISH:
        return s
    # A JSON string is a YAML double-quoted scalar (UTF-8 kept as is).
    return _json.dumps(s, ensure_ascii=False)


def to_yaml(obj):
    """obj (dicts, lists, numbers, strings, dates) as YAML flow text that
    the scenario loader reads as a file written by hand: strings that can
    be plain (ids, dates, enum names such as dynamic) are written plain,
    since the loader refuses quoted numbers and names."""
    if isinstance(obj, dict):
        return "{" + ", ".join("%s: %s" % (_scalar(k), to_yaml(v)) for k, v in obj.items()) + "}"
    if isinstance(obj, (list, tuple)):
        return "[" + ", ".join(to_yaml(v) for v in obj) + "]"
    return _scalar(obj)


def _sets(overrides):
    if overrides is None:
        return []
    if isinstance(overrides, dict):
        return ["%s=%s" % (k, _scalar(v) if not isinstance(v, str) else v)
                for k, v in overrides.items()]
    return list(overrides)


def _c_strings(items):
    enc = [s.encode() for s in items]
    arr = (ctypes.c_char_p * max(1, len(enc)))(*enc)
    return arr, len(enc)


# -------------------------------------------------------------- scenario

class Scenario:
    """A validated scenario (immutable). Build it with load(), from_yaml()
    or from_dict(); `set` takes --set overrides."""

    def __init__(self, handle):
        self._h = handle

    @classmethod
    def load(cls, path, set=None):
        arr, n = _c_strings(_sets(set))
        err = _Error()
        h = _lib.runoff_scenario_load(os.fsencode(path), arr, n, ctypes.byref(err))
        if not h:
            err.raise_()
        return cls(h)

    @classmethod
    def from_yaml(cls, text, set=None, name="<python>"):
        data = text.encode() if isinstance(text, str) else bytes(text)
        arr, n = _c_strings(_sets(set))
        err = _Error()
        h = _lib.runoff_scenario_load_buffer(name.encode(), data, len(data), arr, n,
                                             ctypes.byref(err))
        if not h:
            err.raise_()
        return cls(h)

    @classmethod
    def from_dict(cls, d, set=None, name="<dict>"):
        return cls.from_yaml(to_yaml(d), set=set, name=name)

    @property
    def name(self):
        return _lib.runoff_scenario_name(self._h).decode()

    @property
    def finalists(self):
        return tuple(_lib.runoff_scenario_finalist_id(self._h, f).decode() for f in (0, 1))

    def simulate(self, draws=None, seed=None, threads=0, on_draw=None):
        """Run the simulation; returns a Result. on_draw(dict), if given, is
        called for every draw in order (the run is then single-threaded)."""
        opt = _SimOptions(threads=threads, draws=draws or 0,
                          has_seed=0 if seed is None else 1, seed=seed or 0)
        keep = None
        if on_draw is not None:
            def cb(_ctx, p):
                d = p.contents
                on_draw({"index": d.index, "share_a": d.share_a, "turnout": d.turnout,
                         "blank_null": d.blank_null, "votes_a": d.votes_a,
                         "votes_b": d.votes_b, "winner": d.winner, "regions_a": d.regions_a,
                         "region_share_a": [d.region_share_a[i] for i in range(d.n_regions)]})
                return 0
            keep = _ON_DRAW(cb)
            opt.on_draw = keep
        err = _Error()
        h = _lib.runoff_simulate(self._h, ctypes.byref(opt), ctypes.byref(err))
        del keep
        if not h:
            err.raise_()
        return Result(self, h)

    def draws(self, n, seed=None):
        """n draws as columns: a dict of lists, or of NumPy arrays when NumPy
        is installed (share_a, turnout, blank_null, votes_a, votes_b, winner,
        regions_a)."""
        cols = {k: [] for k in ("share_a", "turnout", "blank_null", "votes_a", "votes_b",
                                "winner", "regions_a")}

        def add(d):
            for k in cols:
                cols[k].append(d[k])
        self.simulate(draws=n, seed=seed, threads=1, on_draw=add)
        try:
            import numpy
        except ImportError:
            return cols
        return {k: numpy.asarray(v) for k, v in cols.items()}

    def __del__(self):
        if getattr(self, "_h", None):
            _lib.runoff_scenario_free(self._h)
            self._h = None


# ---------------------------------------------------------------- result

class Result:
    """What a simulation produced; numbers are A's (the first finalist's)
    unless said otherwise, shares as fractions. Keeps its scenario alive."""

    def __init__(self, scenario, handle):
        self.scenario, self._h = scenario, handle

    @staticmethod
    def _num(x):
        return None if math.isnan(x) else x

    @property
    def draws(self):
        return _lib.runoff_result_draws(self._h)

    @property
    def seed(self):
        return _lib.runoff_result_seed(self._h)

    @property
    def win_probability(self):
        return _lib.runoff_result_win_probability(self._h, 0)

    def win_probabilities(self):
        """{finalist id: probability}"""
        return {fid: _lib.runoff_result_win_probability(self._h, f)
                for f, fid in enumerate(self.scenario.finalists)}

    @property
    def win_probability_se(self):
        return _lib.runoff_result_win_probability_se(self._h, 0)

    @property
    def tie_probability(self):
        return _lib.runoff_result_tie_probability(self._h)

    @property
    def share_mean(self):
        return _lib.runoff_result_share_mean(self._h)

    @property
    def share_sd(self):
        return _lib.runoff_result_share_sd(self._h)

    def share_quantile(self, q):
        return self._num(_lib.runoff_result_share_quantile(self._h, q))

    def share_interval(self, level=0.9):
        return (self.share_quantile((1 - level) / 2), self.share_quantile((1 + level) / 2))

    def turnout_quantile(self, q):
        return self._num(_lib.runoff_result_turnout_quantile(self._h, q))

    def regions(self):
        out = []
        st = _RegionStats()
        for i in range(_lib.runoff_result_n_regions(self._h)):
            if _lib.runoff_result_region(self.scenario._h, self._h, i, ctypes.byref(st)) != 0:
                raise Error(2, "", 0, 0, "region %d out of range" % i)
            out.append({"code": st.code.decode(), "name": st.name.decode(),
                        **{k: self._num(getattr(st, k)) for k, _ in _RegionStats._fields_[2:]}})
        return out

    def statistics(self):
        """The tidy statistics, as the CSV lists them: dicts with statistic,
        subject, value and unit."""
        rows = []

        def cb(_ctx, name, subject, value, unit):
            rows.append({"statistic": name.decode(), "subject": subject.decode(),
                         "value": value, "unit": unit.decode()})
        _lib.runoff_result_statistics(self.scenario._h, self._h, _STAT(cb), None)
        return rows

    def json_text(self):
        """The JSON report, the bytes `runoff run --json` prints."""
        n = ctypes.c_size_t()
        p = _lib.runoff_json_string(self.scenario._h, self._h, ctypes.byref(n))
        if not p:
            raise MemoryError("runoff_json_string failed")
        try:
            return ctypes.string_at(p, n.value).decode()
        finally:
            _lib.runoff_string_free(p)

    def json(self):
        return _json.loads(self.json_text())

    def __del__(self):
        if getattr(self, "_h", None):
            _lib.runoff_result_free(self._h)
            self._h = None


def simulate(scenario, set=None, draws=None, seed=None, threads=0):
    """Run a scenario given as a path, a dict or a Scenario; returns a Result."""
    if isinstance(scenario, Scenario):
        if set:
            raise ValueError("overrides apply when loading: pass a path or a dict")
        sc = scenario
    elif isinstance(scenario, dict):
        sc = Scenario.from_dict(scenario, set=set)
    else:
        sc = Scenario.load(scenario, set=set)
    return sc.simulate(draws=draws, seed=seed, threads=threads)


run = simulate
