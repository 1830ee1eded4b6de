"""Fuzzing the public entry points (hypothesis): every input gives a named error or a finite result,
never a crash, a hang or a silent NaN/inf."""

import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import cimsim
from cimsim.circuit import IRDropConvergenceError, solve_ir_drop

FUZZ = settings(max_examples=int(os.environ.get("CIMSIM_FUZZ_EXAMPLES", 60)), deadline=None, derandomize="CIMSIM_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow])
ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True, width=64)
WIDE_FLOAT = st.one_of(st.floats(-1e6, 1e6), st.sampled_from([0.0, 1e-300, -1e-300, 5e-324, 1e300, -1e300]), ANY_FLOAT)


def _arrays(shape, elements=WIDE_FLOAT):
    return hnp.arrays(np.float64, shape, elements=elements)


def _finite_or_named(fn):
    try:
        out = fn()
    except ValueError as exc:
        assert str(exc), "a ValueError must say what was wrong"
        return None
    arr = np.asarray(out)
    assert np.all(np.isfinite(arr)), f"silent non-finite output: {arr}"
    return arr


CONFIGS = [cimsim.presets.IDEAL, cimsim.presets.PCM, cimsim.presets.RERAM]


@FUZZ
@given(W=_arrays(st.tuples(st.integers(1, 6), st.integers(1, 7))), data=st.data(),
       cfg=st.sampled_from(CONFIGS), t_s=st.one_of(st.floats(0, 1e9), ANY_FLOAT), seed=st.integers(0, 3))
def test_program_read_mvm(W, data, cfg, t_s, seed):
    x = data.draw(_arrays(st.tuples(st.integers(1, 3), st.just(W.shape[1]))))
    rng = np.random.default_rng(seed)

    def run():
        return cimsim.program(W, cfg, rng=rng).read(t_s, rng=rng).mvm(x, rng=rng)

    _finite_or_named(run)


@FUZZ
@given(x=st.one_of(_arrays(st.integers(1, 5)), st.lists(st.one_of(st.text(max_size=3), st.booleans(), ANY_FLOAT),
                                                          min_size=1, max_size=5),
                   st.complex_numbers(allow_nan=False), st.none(), st.text(max_size=4)))
def test_mvm_odd_inputs(x):
    A = cimsim.program(np.ones((2, 3)), cimsim.presets.IDEAL)
    _finite_or_named(lambda: A.mvm(x))


@FUZZ
@given(G=_arrays(st.tuples(st.integers(1, 6), st.integers(1, 6)),
                 st.one_of(st.floats(0, 1e-3), st.sampled_from([0.0, 1e3, -1e-6, np.nan]))),
       data=st.data(), r=st.tuples(st.sampled_from([0.0, 1e-3, 1.0, 1e3, 1e9, -1.0, np.inf, np.nan]),
                                   st.sampled_from([0.0, 1e-3, 1.0, 1e3, 1e9, -1.0, np.inf, np.nan])))
def test_solve_ir_drop(G, data, r):
    v = data.draw(_arrays(st.just(G.shape[0]), st.one_of(st.floats(-1, 1), st.sampled_from([np.nan, 1e300]))))
    try:
        _finite_or_named(lambda: solve_ir_drop(G, v, r[0], r[1]))
    except IRDropConvergenceError as exc:  # a named error too: the solve says it did not converge
        assert "converge" in str(exc)


JSON_VALUES = st.recursive(st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False), st.integers(), st.text(max_size=5)),
                           lambda children: st.one_of(st.lists(children, max_size=3),
                                                      st.dictionaries(st.text(max_size=8), children, max_size=4)),
                           max_leaves=12)
ENTRY = st.fixed_dictionaries({"source": st.one_of(st.text(max_size=5), JSON_VALUES),
                               "label": st.sampled_from(["measured", "simulated", "estimated", "vibes", None])},
                              optional={"energy_J": st.one_of(st.floats(), st.booleans(), st.text(max_size=3)),
                                        "scope": st.sampled_from(["per-operation", "all-in", "board"]),
                                        "energy_j": st.floats()})


@FUZZ
@given(table=st.one_of(JSON_VALUES, st.fixed_dictionaries({"entries": st.dictionaries(st.text(max_size=6), ENTRY,
                                                                                       max_size=3)})),
       raw=st.sampled_from(["", "{", "NaN", '{"entries": {"a": {"energy_J": Infinity, "source": "s", "label": "measured"}}}']))
def test_energy_table_loader(tmp_path_factory, table, raw):
    from cimsim.energy import load_table

    path = tmp_path_factory.mktemp("t") / "table.json"
    for text in (json.dumps(table), raw):
        path.write_text(text)
        try:
            loaded = load_table(path)
        except ValueError as exc:
            assert str(exc)
            continue
        for e in loaded["entries"].values():  # what loads is clean
            for k in ("energy_J", "value"):
                if k in e:
                    assert isinstance(e[k], (int, float)) and not isinstance(e[k], bool) and np.isfinite(e[k]) and e[k] >= 0


@FUZZ
@given(x=_arrays(st.tuples(st.integers(1, 3), st.just(4))), t_s=st.one_of(st.floats(0, 1e9), ANY_FLOAT),
       seed=st.integers(0, 3))
def test_jax_forward(x, t_s, seed):
    jax = pytest.importorskip("jax")
    from cimsim.jx import array as ja

    cfg = cimsim.presets.PCM
    W = np.random.default_rng(seed).standard_normal((3, 4))

    def run():
        R = ja.program(W, cfg, key=jax.random.PRNGKey(seed)).read(t_s, key=jax.random.PRNGKey(seed + 1))
        return R.mvm(x, key=jax.random.PRNGKey(seed + 2))

    _finite_or_named(run)
