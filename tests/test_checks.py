"""The --check verdicts: paired differences decide PASS / FAIL only when resolved, else INCONCLUSIVE."""

import math

import numpy as np
import pytest

from experiments import _checks
from experiments._checks import Verdict, paired, paired_verdict, t_critical

# per-seed accuracies of two arms evaluated with the same 10 noise seeds (constructed, not simulated):
# the seed-to-seed spread (0.90 .. 0.99) is far larger than the effect, but the per-seed differences are not
BASE = np.array([0.90, 0.97, 0.93, 0.99, 0.91, 0.95, 0.92, 0.98, 0.94, 0.96])
EFFECT = np.array([0.010, 0.012, 0.009, 0.011, 0.010, 0.013, 0.008, 0.011, 0.010, 0.012])  # mean 0.0106, sd 0.0015
NOISE = np.array([0.004, -0.006, 0.003, -0.002, 0.005, -0.004, 0.001, -0.003, 0.002, -0.001])  # mean -0.0001


def test_t_critical_matches_tables():
    assert t_critical(10, 0.001) == pytest.approx(4.297, abs=1e-3)  # Student t, 9 degrees of freedom
    assert t_critical(3, 0.001) == pytest.approx(22.327, abs=1e-3)
    assert t_critical(1) == math.inf


def test_clear_effect_passes():
    assert paired_verdict(EFFECT)[0] is Verdict.PASS
    name, v, detail = paired("B beats A", BASE + EFFECT, BASE)
    assert v is Verdict.PASS and "paired improvement +0.0106" in detail and "10 seeds" in detail


def test_clear_opposite_effect_fails():
    assert paired_verdict(-EFFECT)[0] is Verdict.FAIL
    assert paired("B beats A", BASE - EFFECT, BASE)[1] is Verdict.FAIL


def test_noise_is_inconclusive():
    v, s = paired_verdict(NOISE)
    assert v is Verdict.INCONCLUSIVE and abs(s["t"]) < 1
    name, v, detail = paired("B beats A", BASE + NOISE, BASE)
    assert v is Verdict.INCONCLUSIVE and "not resolved" in detail


def test_quick_size_failure_is_now_inconclusive():
    """The old failure: means 0.9415 vs 0.9444 of 3 seeds, spread larger than the difference."""
    gdc, no_gdc = np.array([0.9361, 0.9528, 0.9356]), np.array([0.9444, 0.9472, 0.9416])
    assert gdc.mean() < no_gdc.mean()  # the old check compared these two means and failed
    name, v, detail = paired("GDC helps", gdc, no_gdc, labels=("GDC", "no GDC"), resolution=1 / 360)
    assert v is Verdict.INCONCLUSIVE and "not resolved" in detail and "0.9415 (GDC) vs 0.9444 (no GDC)" in detail


def test_lower_is_better():
    err = np.array([0.51, 0.52, 0.50, 0.53])
    assert paired("GDC lowers the error", err - 0.3, err, higher=False)[1] is Verdict.PASS
    assert paired("GDC lowers the error", err + 0.3, err, higher=False)[1] is Verdict.FAIL


def test_small_clear_effect_with_few_seeds_is_inconclusive():
    """Three seeds of a consistent +1 % effect: t = 10.6 < 22.3 (2 degrees of freedom): not resolved."""
    d = np.array([0.010, 0.012, 0.009])
    assert paired_verdict(d)[0] is Verdict.INCONCLUSIVE
    assert paired_verdict(np.tile(d, 4))[0] is Verdict.PASS  # twelve seeds resolve it


def test_identical_differences_are_floored_by_the_resolution():
    one_image = 1 / 360
    d = np.full(3, one_image)  # every seed one test image better: sd 0
    assert paired_verdict(d)[0] is Verdict.PASS  # continuous values: an exact repeat is decisive
    assert paired_verdict(d, resolution=one_image)[0] is Verdict.INCONCLUSIVE  # t = 6 < 22.3
    assert paired_verdict(np.full(20, one_image), resolution=one_image)[0] is Verdict.PASS  # t = 15.5 > 3.58
    assert paired_verdict(np.zeros(20), resolution=one_image)[0] is Verdict.INCONCLUSIVE


def test_degenerate_inputs_are_inconclusive():
    assert paired_verdict([0.5])[0] is Verdict.INCONCLUSIVE
    assert paired_verdict([])[0] is Verdict.INCONCLUSIVE
    assert paired_verdict([0.1, np.nan, 0.2])[0] is Verdict.INCONCLUSIVE
    assert paired("x", None, [1.0])[1] is Verdict.INCONCLUSIVE
    assert paired("x", [1.0, 2.0], [1.0])[1] is Verdict.INCONCLUSIVE


def test_margin_turns_a_tie_into_non_inferiority():
    assert paired("x", BASE + NOISE, BASE, margin=0.01)[1] is Verdict.PASS  # within 1 point of the other arm


def test_verdict_truthiness_keeps_old_callers_right():
    """`failed += not ok` counts only FAIL; the exit status ignores INCONCLUSIVE."""
    assert Verdict.PASS and Verdict.INCONCLUSIVE and not Verdict.FAIL
    assert str(Verdict.INCONCLUSIVE) == "INCONCLUSIVE" and f"[{Verdict.FAIL}]" == "[FAIL]"
    lines = [("a", Verdict.PASS, ""), ("b", Verdict.INCONCLUSIVE, "")]
    assert _checks.exit_status(lines) == 0
    assert _checks.exit_status(lines + [("c", Verdict.FAIL, "")]) == 1


def _hwa_drift_json(fp_gdc, fp_no, hwa_gdc):
    per = {"FP, GDC": fp_gdc, "FP, no GDC": fp_no, "HWA, GDC": hwa_gdc, "HWA, no GDC": hwa_gdc}
    return {"config": {"times": ["1 s", "1 y"], "test_images": 360},
            "accuracy": {k: {"mean": [0.97, float(np.mean(v))], "per_seed": [list(BASE), list(v)]}
                         for k, v in per.items()}}


def test_hwa_drift_check_on_constructed_json():
    # HWA clearly above FP (same seeds); GDC's effect on FP pure noise
    d = _hwa_drift_json(fp_gdc=BASE + NOISE, fp_no=BASE, hwa_gdc=BASE + 3 * EFFECT)
    (n1, v1, _), (n2, v2, _) = _checks.run("hwa-drift", d)
    assert "HWA above FP" in n1 and v1 is Verdict.PASS
    assert "GDC helps" in n2 and v2 is Verdict.INCONCLUSIVE
    d = _hwa_drift_json(fp_gdc=BASE - 3 * EFFECT, fp_no=BASE, hwa_gdc=BASE - 6 * EFFECT)
    assert [v for _, v, _ in _checks.run("hwa-drift", d)] == [Verdict.FAIL, Verdict.FAIL]


def test_json_without_per_seed_values_is_inconclusive():
    d = _hwa_drift_json(BASE, BASE, BASE)
    for arm in d["accuracy"].values():
        del arm["per_seed"]
    assert {v for _, v, _ in _checks.run("hwa-drift", d)} == {Verdict.INCONCLUSIVE}
    assert _checks.run("hwa-noise-grid", {"config": {}, "per_seed": [None, None]})[0][1] is Verdict.INCONCLUSIVE


def test_tile_drift_check_pairs_by_seed():
    no = np.array([[0.13, 0.51], [0.14, 0.52], [0.12, 0.50]])
    d = {"times": {"labels": ["1 s", "1 y"]},
         "relative_error": {"no_gdc": {"per_seed": no.tolist()}, "gdc": {"per_seed": (no - [0.0, 0.32]).tolist()}}}
    d["relative_error"]["gdc"]["per_seed"][1][1] += 0.001  # not exactly constant
    assert _checks.run("tile-drift", d)[0][1] is Verdict.PASS


def test_reproduce_exit_status_ignores_inconclusive(tmp_path, monkeypatch, capsys):
    from cimsim.app.cli import main

    def undecided(d):
        return [("an effect too small for quick size", Verdict.INCONCLUSIVE, "not resolved at this size")]

    monkeypatch.setitem(_checks.CHECKS, "pcm-model", undecided)
    assert main(["reproduce", "pcm-model", "--quick", "--out", str(tmp_path), "--check"]) == 0
    out = capsys.readouterr().out
    assert "an effect too small for quick size" in out and "[INCONCLUSIVE]" in out and "1 check(s) inconclusive" in out
    monkeypatch.setitem(_checks.CHECKS, "pcm-model", lambda d: [("wrong", Verdict.FAIL, "")])
    assert main(["reproduce", "pcm-model", "--quick", "--out", str(tmp_path), "--check"]) == 1


def _lm_json(hwa_pcm_ppl, hwa_acc, fp_acc):
    hour, year = str(3600.0), str(365.25 * 86400)
    arm = lambda ppl, acc: {"digital": {"perplexity": 8.0}, "analog": {  # noqa: E731
        hour: {"perplexity_mean": ppl}, year: {"accuracy_per_seed": acc, "perplexity_per_seed": [1 / a for a in acc]}}}
    return {"config": {"eval_tokens": 16384}, "results": {"HWA": arm(hwa_pcm_ppl, hwa_acc), "FP": arm(9.0, fp_acc)}}


def test_lm_drift_check_on_constructed_json():
    ok = _checks.lm_drift(_lm_json(8.5, [0.40, 0.41, 0.40, 0.42, 0.41], [0.30, 0.31, 0.29, 0.30, 0.32]))
    assert [v for _, v, _ in ok] == [Verdict.PASS, Verdict.PASS, Verdict.PASS]
    bad = _checks.lm_drift(_lm_json(9.2, [0.30, 0.31, 0.29, 0.30, 0.32], [0.40, 0.41, 0.40, 0.42, 0.41]))
    assert [v for _, v, _ in bad] == [Verdict.FAIL, Verdict.FAIL, Verdict.FAIL]  # 15 % above digital; HWA worse


def _gca_json(scale, nl, dig, direct):
    study = {"phi_qk": 1.12e-9, "phi_sv": 0.70e-9, "digital": 4.0e-9, "dac": 0.33e-9}  # Leroux et al. 2025
    arm = lambda v: {"nll_per_window": v}  # noqa: E731
    return {"energy": {"study_entries_J": study, "entries_J": {k: scale * v for k, v in study.items()},
                       "per_token_J": {"ours": scale * 73.8e-9, "study": 73.8e-9}},
            "results": {"nonlinear": arm(nl), "digital, fine-tuned as long": arm(dig), "nonlinear direct": arm(direct)}}


def test_gain_cell_attention_check_on_constructed_json():
    base = [2.0, 2.1, 1.9, 2.05, 1.95, 2.0]
    ok = _checks.gain_cell_attention(_gca_json(1.05, [b + 0.05 for b in base], base, [b + 0.2 for b in base]))
    assert [v for _, v, _ in ok] == [Verdict.PASS] * 7
    bad = _checks.gain_cell_attention(_gca_json(1.15, [b + 0.3 for b in base], base, [b + 0.1 for b in base]))
    assert [v for _, v, _ in bad] == [Verdict.FAIL] * 7  # 15 % off; 0.3 nats worse; direct better
