"""The Vogels-Abbott CUBA benchmark (Vogels & Abbott, J. Neurosci. 2005; Brian2's examples/CUBA.py).

4000 leaky integrate-and-fire neurons (3200 excitatory, 800 inhibitory), all-to-all with probability 0.02,
current-based exponential synapses, dt = 0.1 ms, 1 s. Brian2's example draws its connectivity and initial
voltages with Brian2's own random generator; here they are drawn from the caller's numpy generator and
passed as explicit indices and values, so the same seed gives the same network.
Reported: spikes, synaptic events (spikes x out-degree, from the spike monitor), events per second of wall
time, and the cost of counting (the run with the spike monitor vs without).
REFERENCES.md s.8: ~21.5 k spikes, ~1.73 M synaptic events for the example's 1 s.
"""

from __future__ import annotations

import tempfile
import time

import numpy as np

from cimsim import _validate as v

N, N_EXC, P_CONN = 4000, 3200, 0.02
EQS = """
dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
nev : 1
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


def _build(b2, arrays, count_on_pre: bool, monitor: bool, we_model_variable: bool = False):
    ms, mV = b2.ms, b2.mV
    ns = {"taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms, "Vt": -50 * mV, "Vr": -60 * mV, "El": -49 * mV,
          "wi": (-20 * 4.5 / 10) * mV}
    eqs = EQS + ("we : volt (shared, constant)\n" if we_model_variable else "")
    if not we_model_variable:
        ns["we"] = (60 * 0.27 / 10) * mV
    n = len(arrays["v0_mV"])
    P = b2.NeuronGroup(n, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms, method="exact", namespace=ns,
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
        count_on_pre: bool = False, measure_overhead: bool = True) -> dict:
    """Runs CUBA once (runtime targets "numpy" or "cython") and returns counts and speeds (plain floats)."""
    import brian2 as b2

    v.generator("rng", rng, required=True)
    v.positive("duration_s", duration_s)
    v.integer_at_least("n", n, 10)
    v.one_of("target", target, ("numpy", "cython"))
    arrays = network_arrays(rng, n)
    b2.prefs.codegen.target = target
    b2.defaultclock.dt = 0.1 * b2.ms
    wall_plain = None
    if measure_overhead:
        _, _, net0 = _build(b2, arrays, False, False)
        net0.run(duration_s * b2.second, namespace={})  # warm-up of the code objects
        _, _, net0 = _build(b2, arrays, False, False)
        t0 = time.perf_counter()
        net0.run(duration_s * b2.second, namespace={})
        wall_plain = time.perf_counter() - t0
    P, mon, net = _build(b2, arrays, count_on_pre, True)
    t0 = time.perf_counter()
    net.run(duration_s * b2.second, namespace={})
    wall = time.perf_counter() - t0
    spikes_per_neuron = np.bincount(np.asarray(mon.i[:]), minlength=n)
    events = int(np.sum(spikes_per_neuron * arrays["out_degree"]))
    out = {"neurons": n, "synapses": int(arrays["out_degree"].sum()), "duration_s": duration_s, "dt_s": 1e-4,
           "spikes": int(mon.num_spikes), "synaptic_events": events, "wall_s": wall,
           "events_per_s": events / wall, "target": target, "wall_without_monitor_s": wall_plain,
           "counting_overhead": (wall / wall_plain - 1.0) if wall_plain else None,
           "neuron_updates": int(n * round(duration_s / 1e-4))}
    if count_on_pre:
        out["on_pre_events"] = int(np.sum(np.asarray(P.nev[:])))
    return out


def sweep_standalone(we_mV: list[float], *, rng: np.random.Generator, duration_s: float = 1.0, n: int = N) -> dict:
    """cpp_standalone: compiles CUBA once with the excitatory weight as a model variable, then re-runs it for
    each value with device.run(run_args=...). Returns spikes and events per value, compile and run times."""
    import brian2 as b2

    v.generator("rng", rng, required=True)
    arrays = network_arrays(rng, n)
    directory = tempfile.mkdtemp(prefix="cimsim-cuba-")
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    try:
        b2.defaultclock.dt = 0.1 * b2.ms
        P, mon, net = _build(b2, arrays, False, True, we_model_variable=True)
        net.run(duration_s * b2.second, namespace={})
        t0 = time.perf_counter()
        try:
            b2.device.build(run=False)
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
    finally:
        b2.device.reinit()
        b2.device.activate()
        b2.set_device("runtime")
    return {"compile_s": compile_s, "runs": results, "target": "cpp_standalone"}
