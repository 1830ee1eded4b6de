"""ir-drop-tiling: a 256-point real DFT on one 256 x 256 array vs 128 x 128 and 64 x 64 tiles, at wire
resistances 0.005, 0.01 and 0.05 ohm per segment (the setup of CrossSim's DFT tutorial, here in ohms with
the 25 uS IDEAL device), showing the spectrum error. The periphery is ideal so that only IR drop acts.

W (256 x 256): rows k = 0..128 are cos(2 pi k n / 256), rows 129..255 are -sin(2 pi k n / 256) for
k = 1..127, so W x holds the real and imaginary parts of numpy's rfft(x). Signal: three tones plus noise.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

import cimsim
from cimsim.app.results import finish, provenance, pyplot, save_figure

NAME = "ir-drop-tiling"
N = 256


def dft_matrix(n: int = N) -> np.ndarray:
    """Real DFT matrix (n x n): cos rows for k = 0..n/2, -sin rows for k = 1..n/2-1."""
    t = np.arange(n)
    cos = np.cos(2 * np.pi * np.outer(np.arange(n // 2 + 1), t) / n)
    sin = -np.sin(2 * np.pi * np.outer(np.arange(1, n // 2), t) / n)
    return np.vstack([cos, sin])


def spectrum(y: np.ndarray, n: int = N) -> np.ndarray:
    """|X_k| for k = 0..n/2 from the real DFT output."""
    re = y[..., : n // 2 + 1]
    im = np.zeros_like(re)
    im[..., 1: n // 2] = y[..., n // 2 + 1:]
    return np.hypot(re, im)


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Runs the DFT on three tilings x three resistances; writes the JSON then the PNG."""
    rng = np.random.default_rng(seed)
    t = np.arange(N)
    n_sig = 4 if quick else 16
    x = (np.sin(2 * np.pi * 12 * t / N) + 0.5 * np.sin(2 * np.pi * 40 * t / N + 1.0)
         + 0.25 * np.cos(2 * np.pi * 90 * t / N))[None, :] + 0.1 * rng.standard_normal((n_sig, N))
    W = dft_matrix()
    ref = np.abs(np.fft.rfft(x, axis=1))
    rs = [0.005, 0.01, 0.05]
    tiles = [256, 128, 64]
    err = np.zeros((len(tiles), len(rs)))
    spectra = {}
    with tqdm(total=len(tiles) * len(rs), desc=NAME, leave=False) as bar:
        for a, tile in enumerate(tiles):
            for b, r in enumerate(rs):
                cfg = dataclasses.replace(cimsim.presets.IDEAL, tile_rows=tile, tile_cols=tile, r_row_ohm=r, r_col_ohm=r)
                spec = spectrum(cimsim.program(W, cfg).mvm(x))
                err[a, b] = np.linalg.norm(spec - ref) / np.linalg.norm(ref)
                if r == rs[-1]:
                    spectra[str(tile)] = spec[0]
                bar.update()
    payload = provenance(NAME, seed, quick, {"n": N, "tiles": tiles, "r_ohm": rs, "n_signals": n_sig,
                                             "device": "IDEAL (25 uS)", "periphery": "ideal"})
    payload["spectrum_relative_error"] = err
    payload["example_spectrum"] = {"reference": ref[0], **spectra, "r_ohm": rs[-1]}
    return finish(NAME, Path(out_dir), payload, plot)


def plot(data: dict, png: Path) -> None:
    """Left: spectra at the largest r; right: spectrum error vs r per tiling."""
    plt = pyplot()
    ex = data["example_spectrum"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    axes[0].semilogy(ex["reference"], "k-", lw=2, label="numpy rfft")
    for tile in data["config"]["tiles"]:
        axes[0].semilogy(ex[str(tile)], lw=1, label=f"{tile} x {tile} tiles")
    axes[0].set_xlabel("frequency bin k")
    axes[0].set_ylabel("|X_k|")
    axes[0].set_title(f"256-point DFT on the crossbar, r = {ex['r_ohm']} ohm")
    axes[0].legend(fontsize=8)
    err = np.asarray(data["spectrum_relative_error"]) * 100
    for a, tile in enumerate(data["config"]["tiles"]):
        axes[1].loglog(data["config"]["r_ohm"], err[a], "o-", label=f"{tile} x {tile} tiles")
    axes[1].set_xticks(data["config"]["r_ohm"], [f"{r:g}" for r in data["config"]["r_ohm"]])  # the measured r only
    axes[1].minorticks_off()
    axes[1].set_xlabel("wire resistance per segment (ohm)")
    axes[1].set_ylabel("spectrum relative error (%)")
    axes[1].set_title("smaller tiles, less IR drop")
    axes[1].grid(alpha=0.3, which="both")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, png)
