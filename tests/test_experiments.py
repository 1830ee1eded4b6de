"""Every experiment runs in quick mode and writes its JSON, then its PNG; same seed, same JSON bytes."""

import json

import numpy as np
import pytest

import experiments


@pytest.mark.parametrize("name", experiments.names())
def test_quick_run_writes_json_and_png(name, tmp_path):
    path = experiments.load(name).main(seed=0, out_dir=tmp_path, quick=True)
    assert path == tmp_path / f"{name}.json"
    data = json.loads(path.read_text())
    assert data["experiment"] == name and data["seed"] == 0 and data["quick"] is True
    assert "cimsim_version" in data and "git_commit" in data
    png = tmp_path / f"{name}.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*tmp"))  # no half-written files left


def test_same_seed_same_json_bytes(tmp_path):
    a = experiments.load("pcm-model").main(seed=3, out_dir=tmp_path / "a", quick=True).read_bytes()
    b = experiments.load("pcm-model").main(seed=3, out_dir=tmp_path / "b", quick=True).read_bytes()
    c = experiments.load("pcm-model").main(seed=4, out_dir=tmp_path / "c", quick=True).read_bytes()
    assert a == b and a != c


def test_pcm_model_monte_carlo_matches_curves(tmp_path):
    data = json.loads(experiments.load("pcm-model").main(seed=0, out_dir=tmp_path, quick=True).read_text())
    mc, pub = data["monte_carlo"], data["published"]
    g = np.array(mc["g_target_uS"])
    hi = g >= 5.0  # away from the clip at 0
    sig = 0.26348 + 1.9650 * g / 25 - 1.1731 * (g / 25) ** 2
    np.testing.assert_allclose(np.array(mc["sigma_prog_uS"])[hi], sig[hi], rtol=0.05)
    assert data["curves"]["sigma_prog_uS"][-1] == pytest.approx(pub["sigma_prog_at_gmax_uS"], abs=1e-3)
    assert data["curves"]["sigma_prog_uS"][0] == pytest.approx(pub["sigma_prog_at_0_uS"], abs=1e-3)


def test_tile_drift_trend(tmp_path):
    """Without GDC the error grows with time; GDC keeps it below the uncompensated error at 1 y."""
    data = json.loads(experiments.load("tile-drift").main(seed=0, out_dir=tmp_path, quick=True).read_text())
    e, labels = data["relative_error"], data["times"]["labels"]
    no, yes = np.array(e["no_gdc"]["mean"]), np.array(e["gdc"]["mean"])
    assert no[-1] > 2 * no[0]
    assert yes[labels.index("1 y")] < 0.6 * no[labels.index("1 y")]


def test_result_files_readable_by_others(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        experiments.load("pcm-model").main(seed=0, out_dir=tmp_path, quick=True)
    finally:
        os.umask(old)
    for f in ("pcm-model.json", "pcm-model.png"):
        assert stat.S_IMODE((tmp_path / f).stat().st_mode) == 0o644
