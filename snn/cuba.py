"""The Vogels-Abbott CUBA benchmark (Vogels & Abbott, J. Neurosci. 2005; Brian2's examples/CUBA.py).

4000 leaky integrate-and-fire neurons (3200 excitatory, 800 inhibitory), all-to-all with probability 0.02,
current-based exponential synapses, dt = 0.1 ms, 1 s. Brian2's example draws its connectivity and initial
voltages with Brian2's own random generator; here they are drawn from the caller's numpy generator and
passed as explicit indices and values, so the same seed gives the same network.
Reported: spikes, synaptic events (spikes x out-degree, counted per neuron in the reset), events per second
of wall time; counting_overhead() measures what counting costs (a reset counter vs a spike monitor).
docs/references.md s.8: ~21.5 k spikes, ~1.73 M synaptic events for the example's 1 s.
"""

from __future__ import annotations

import tempfile
import time

import numpy as np

from cimsim import _validate as v

from ._brian_state import brian2_settings

N, N_EXC, P_CONN = 4000, 3200, 0.02
DT_S = 1e-4  # the example's clock step (s)
EQS = """
dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
nev : 1
nspk : 1
"""


def network_arrays(rng: np.random.Generator, n: int = N) -> dict[str, np.ndarray]:
    """Connectivity (pre, post per synapse type) and initial voltages (mV) of one CUBA network."""
    n_exc = n * N_EXC // N
    conn = rng.random((n, n), dtype=np.float32) < P_CONN
    pre, post = np.nonzero(conn)
    exc = pre < n_exc
    v0_mV = -60.0 + rng.random(n) * 10.0  # Vr + rand() (Vt - Vr)
    return {"pre_e": pre[exc], "post_e": post[exc], "pre_i": pre[~exc], "post_i": post[~exc], "v0_mV": v0_mV,
            "out_degree": np.bincount(pre, minlength=n)}


def _build(b2, arrays, count_on_pre: bool, monitor: bool, we_model_variable: bool = False, counter: bool = True):
    ms, mV = b2.ms, b2.mV
    ns = {"taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms, "Vt": -50 * mV, "Vr": -60 * mV, "El": -49 * mV,
          "wi": (-20 * 4.5 / 10) * mV}
    eqs = EQS + ("we : volt (shared, constant)\n" if we_model_variable else "")
    if not we_model_variable:
        ns["we"] = (60 * 0.27 / 10) * mV
    n = len(arrays["v0_mV"])
    reset = "v = Vr\nnspk += 1" if counter else "v = Vr"  # counting in the reset costs no extra code object
    P = b2.NeuronGroup(n, eqs, threshold="v>Vt", reset=reset, refractory=5 * ms, method="exact", namespace=ns,
                       name="cuba")
    P.v = arrays["v0_mV"] * mV
    if we_model_variable:
        P.we = (60 * 0.27 / 10) * mV
    count = "\nnev_post += 1" if count_on_pre else ""
    Ce = b2.Synapses(P, P, on_pre=("ge += we" if not we_model_variable else "ge += we_post") + count, namespace=ns, name="ce")
    Ci = b2.Synapses(P, P, on_pre="gi += wi" + count, namespace=ns, name="ci")
    Ce.connect(i=arrays["pre_e"], j=arrays["post_e"])
    Ci.connect(i=arrays["pre_i"], j=arrays["post_i"])
    objs = [P, Ce, Ci]
    mon = None
    if monitor:
        mon = b2.SpikeMonitor(P, name="cuba_spikes")
        objs.append(mon)
    return P, mon, b2.Network(*objs)


def run(*, rng: np.random.Generator, duration_s: float = 1.0, n: int = N, target: str = "numpy",
        count_on_pre: bool = False) -> dict:
    """Runs CUBA once (runtime targets "numpy" or "cython") and returns counts and speed (plain floats).

    Spikes are counted per neuron in the reset (nspk += 1); synaptic events = sum of spikes x out-degree.
    With count_on_pre, Brian2's own on_pre counter and a spike monitor run too, as independent checks.
    Brian2's code-generation target and default clock are set for this run only."""
    import brian2 as b2

    v.generator("rng", rng, required=True)
    v.positive("duration_s", duration_s)
    v.integer_at_least("n", n, 10)
    v.one_of("target", target, ("numpy", "cython"))
    arrays = network_arrays(rng, n)
    with brian2_settings(b2, target=target, dt_s=DT_S):
        P, mon, net = _build(b2, arrays, count_on_pre, monitor=count_on_pre)
        t0 = time.perf_counter()
        net.run(duration_s * b2.second, namespace={})
        wall = time.perf_counter() - t0
        spikes_per_neuron = np.rint(np.asarray(P.nspk[:])).astype(np.int64)
        checks = {}
        if count_on_pre:  # independent checks: Brian2's on_pre counter and a spike monitor
            checks = {"on_pre_events": int(np.sum(np.asarray(P.nev[:]))), "monitor_spikes": int(mon.num_spikes)}
    events = int(np.sum(spikes_per_neuron * arrays["out_degree"]))
    return {"neurons": n, "synapses": int(arrays["out_degree"].sum()), "duration_s": duration_s, "dt_s": DT_S,
            "spikes": int(spikes_per_neuron.sum()), "synaptic_events": events, "wall_s": wall,
            "events_per_s": events / wall, "target": target, "neuron_updates": int(n * round(duration_s / DT_S)),
            **checks}


def sweep_standalone(we_mV: list[float], *, rng: np.random.Generator, duration_s: float = 1.0, n: int = N) -> dict:
    """cpp_standalone: compiles CUBA once with the excitatory weight as a model variable, then re-runs it for
    each value with device.run(run_args=...). Returns spikes and events per value, compile and run times.
    The device and the default clock are switched for this call only: the caller's runtime device is back on
    return, errors included."""
    import brian2 as b2

    v.generator("rng", rng, required=True)
    arrays = network_arrays(rng, n)
    directory = tempfile.mkdtemp(prefix="cimsim-cuba-")
    with brian2_settings(b2, dt_s=DT_S, standalone_directory=directory):
        P, mon, net = _build(b2, arrays, False, True, we_model_variable=True)
        net.run(duration_s * b2.second, namespace={})
        t0 = time.perf_counter()
        try:
            b2.device.build(directory=directory, run=False)
        except Exception as exc:
            raise RuntimeError(f"Brian2 could not compile for target 'cpp_standalone': {exc}; "
                               "the 'numpy' target needs no compiler") from exc
        compile_s = time.perf_counter() - t0
        results = []
        for we in we_mV:
            t0 = time.perf_counter()
            b2.device.run(run_args={P.we: we * b2.mV})
            wall = time.perf_counter() - t0
            spikes = np.bincount(np.asarray(mon.i[:]), minlength=n)
            events = int(np.sum(spikes * arrays["out_degree"]))
            results.append({"we_mV": we, "spikes": int(spikes.sum()), "synaptic_events": events, "wall_s": wall,
                            "events_per_s": events / wall})
    return {"compile_s": compile_s, "runs": results, "target": "cpp_standalone"}


def counting_overhead(*, rng: np.random.Generator, duration_s: float = 0.5, rounds: int = 5) -> dict:
    """Cost of counting (the reset counter) as the median over interleaved rounds of (counted / plain - 1);
    the same network each round, only net.run timed (numpy target). A spike monitor is timed too.
    Brian2's code-generation target and default clock are set for this call only."""
    import brian2 as b2

    v.generator("rng", rng, required=True)
    v.integer_at_least("rounds", rounds, 1)
    arrays = network_arrays(rng)
    times: dict[str, list[float]] = {"plain": [], "counter": [], "monitor": []}
    with brian2_settings(b2, target="numpy", dt_s=DT_S):
        _build(b2, arrays, False, False, counter=False)[2].run(0.01 * b2.second, namespace={})  # warm-up
        for _ in range(rounds):
            for key, (counter, monitor) in (("plain", (False, False)), ("counter", (True, False)),
                                            ("monitor", (False, True))):
                net = _build(b2, arrays, False, monitor, counter=counter)[2]
                t0 = time.perf_counter()
                net.run(duration_s * b2.second, namespace={})
                times[key].append(time.perf_counter() - t0)
    plain = np.asarray(times["plain"])
    return {"median_overhead": float(np.median(np.asarray(times["counter"]) / plain) - 1.0),
            "median_overhead_spike_monitor": float(np.median(np.asarray(times["monitor"]) / plain) - 1.0),
            "times_s": times, "duration_s": duration_s, "rounds": rounds}
