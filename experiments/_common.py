"""Plotting helpers that only the experiments use.

Result writing shared with the rest of the application (provenance, atomic JSON, figure saving, JSON then
figure) lives in ``cimsim.app.results``.
"""

from __future__ import annotations


def time_axis(ax, t_s, labels, ylabel: str) -> None:
    """Log time axis labelled with the times' names (1 s, 1 h, ..., 10 y), grid, y label."""
    ax.set_xscale("log")
    ax.set_xticks(t_s, labels)
    ax.minorticks_off()
    ax.set_xlabel("time after programming")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
