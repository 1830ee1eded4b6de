"""Ground truth: ngspice's operating point of the same netlist. In CI (CI=true) a missing ngspice fails."""

import os

import numpy as np
import pytest

from cimsim.circuit import _spice, solve_ir_drop

if not _spice.available():
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("ngspice is required in CI (apt-get install ngspice)", pytrace=False)
    pytest.skip("ngspice not installed (apt-get install ngspice)", allow_module_level=True)


@pytest.mark.parametrize("M,N,r_row,r_col,seed", [(8, 8, 0.5, 0.5, 0), (16, 12, 2.5, 1.0, 1), (24, 32, 0.1, 2.0, 2),
                                                  (48, 48, 1.0, 1.0, 3), (33, 17, 5.0, 0.5, 4)])
def test_agrees_with_ngspice(M, N, r_row, r_col, seed):
    rng = np.random.default_rng(seed)
    G = rng.uniform(1e-6, 25e-6, (M, N))
    v = rng.uniform(-0.2, 0.2, M)
    ref = _spice.solve_ngspice(G, v, r_row, r_col)
    I = solve_ir_drop(G, v, r_row, r_col)
    np.testing.assert_allclose(I, ref, rtol=1e-6, atol=1e-6 * np.abs(ref).max())


def test_netlist_is_complete():
    G = np.full((2, 3), 1e-5)
    deck = _spice.netlist(G, np.array([0.1, 0.2]), 1.0, 2.0, "out.txt")
    assert deck.count("\nRg") == 6 and deck.count("\nVsa") == 3 and deck.count("\nVin") == 2
    assert deck.count("\nRr") == 6 and deck.count("\nRc") == 6
