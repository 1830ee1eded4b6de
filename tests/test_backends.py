"""numba agrees with the numpy reference given the same draws; the same seed gives the same bits."""

import dataclasses

import numpy as np
import pytest

import cimsim
from cimsim import ADC, DAC

CONFIGS = {
    "pcm": cimsim.presets.PCM,
    "reram": cimsim.presets.RERAM,
    "pcm-tile-scaling-const-noise": dataclasses.replace(cimsim.presets.PCM, weight_scaling="tile",
                                                        w_noise_type="constant", tile_rows=17, tile_cols=9),
    "fixed-dac-1bit-adc-4bit": dataclasses.replace(
        cimsim.presets.PCM, dac=DAC(bits=1, input_scaling="fixed", x_range=0.5),
        adc=ADC(bits=4, out_bound=3.0, out_noise=0.1)),
    "clip-only-adc": dataclasses.replace(cimsim.presets.IDEAL, adc=ADC(bits=None, out_bound=0.5, out_noise=0.02)),
    "out-noise-only": dataclasses.replace(cimsim.presets.PCM, w_noise=0.0),
    "sliced-bit-serial": dataclasses.replace(cimsim.presets.PCM, tile_rows=30, slicing=cimsim.Slicing(
        weight_slices=3, bits_per_cell=2, input_bits_per_cycle=2)),
    "sliced-offset-1bit-adc": dataclasses.replace(cimsim.presets.RERAM, adc=ADC(bits=1, out_bound=2.0, out_noise=0.05),
                                                  slicing=cimsim.Slicing(weight_slices=2, bits_per_cell=1,
                                                                         signed="offset", input_bits_per_cycle=3)),
}


@pytest.mark.parametrize("backend", [b for b in cimsim.available_backends() if b != "numpy"])
@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("batch", [0, 1, 7])
def test_backend_matches_numpy_reference(name, batch, backend):
    rng = np.random.default_rng(0)
    W = rng.standard_normal((40, 70))
    x = rng.standard_normal(70) if batch == 0 else rng.standard_normal((batch, 70))
    A = cimsim.program(W, CONFIGS[name], rng=rng, bias=rng.standard_normal(40))
    R = A.read(3600.0, rng=rng)
    y_np = R.mvm(x, rng=np.random.default_rng(5), backend="numpy")
    y_nb = R.mvm(x, rng=np.random.default_rng(5), backend=backend)
    scale = np.abs(y_np).max()
    np.testing.assert_allclose(y_nb, y_np, rtol=0, atol=1e-12 * scale)


@pytest.mark.parametrize("preset", ["PCM", "RERAM"])
def test_same_seed_same_bits(preset):
    W = np.random.default_rng(1).standard_normal((30, 50))
    x = np.random.default_rng(2).standard_normal((4, 50))

    def run(seed):
        rng = np.random.default_rng(seed)
        return cimsim.program(W, cimsim.presets.ALL[preset], rng=rng).mvm(x, t_s=86400.0, rng=rng)

    a, b, c = run(7), run(7), run(8)
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()


def test_mvm_shorthand_equals_read_then_mvm():
    W = np.random.default_rng(1).standard_normal((8, 9))
    x = np.ones(9)
    A = cimsim.program(W, cimsim.presets.PCM, rng=np.random.default_rng(0))
    r1 = np.random.default_rng(3)
    y1 = A.mvm(x, t_s=10.0, rng=r1)
    r2 = np.random.default_rng(3)
    y2 = A.read(10.0, rng=r2).mvm(x, rng=r2)
    assert y1.tobytes() == y2.tobytes()


def test_per_mvm_noise_redrawn_slow_noise_frozen():
    W = np.random.default_rng(1).standard_normal((16, 16))
    A = cimsim.program(W, cimsim.presets.PCM, rng=np.random.default_rng(0))
    rng = np.random.default_rng(4)
    R = A.read(3600.0, rng=rng)
    x = np.ones(16)
    assert not np.array_equal(R.mvm(x, rng=rng), R.mvm(x, rng=rng))
    g_before = R.g_S.copy()
    R.mvm(x, rng=rng)
    np.testing.assert_array_equal(R.g_S, g_before)


def test_concurrent_threads_do_not_crash_and_match_serial():
    """numba's workqueue layer aborts on concurrent parallel launches: cimsim serializes them (threaded Dask)."""
    from concurrent.futures import ThreadPoolExecutor

    from cimsim import solve_ir_drop

    rng = np.random.default_rng(0)
    W, x = rng.standard_normal((64, 128)), rng.standard_normal((32, 128))
    R = cimsim.program(W, cimsim.presets.PCM, rng=rng).read(60.0, rng=rng)
    G, V = rng.uniform(1e-6, 25e-6, (64, 64)), rng.uniform(0, 0.2, (3, 64))

    def work(i):
        return R.mvm(x, rng=np.random.default_rng(i)), solve_ir_drop(G, V, 1.0, 1.0)

    serial = [work(i) for i in range(8)]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(work, range(8)))
    for (a, b), (c, d) in zip(serial, threaded):
        assert a.tobytes() == c.tobytes() and b.tobytes() == d.tobytes()


def test_parallel_normals_are_standard_and_independent_of_threads():
    from scipy import stats

    from cimsim._normals import BLOCK, standard_normals

    shape = (3, 100, BLOCK // 50)  # several blocks
    for dtype in (np.float32, np.float64):
        a = standard_normals(np.random.default_rng(3), shape, dtype, n_threads=1)
        b = standard_normals(np.random.default_rng(3), shape, dtype, n_threads=2)
        assert a.dtype == dtype and a.tobytes() == b.tobytes()
        assert stats.kstest(a.ravel().astype(np.float64), "norm").pvalue > 1e-3
        blocks = a.reshape(-1)[: 4 * BLOCK].reshape(4, BLOCK)  # neighbouring streams are uncorrelated
        assert abs(np.corrcoef(blocks)[np.triu_indices(4, 1)]).max() < 5 / np.sqrt(BLOCK)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_same_seed_same_bytes_at_1_and_2_threads(backend, monkeypatch):
    """The whole noisy MVM (normals on a thread pool, numba kernels, BLAS) gives the same bytes whatever
    the thread counts."""
    import numba
    from threadpoolctl import threadpool_limits

    cfg = dataclasses.replace(cimsim.presets.PCM, tile_rows=512, tile_cols=512)
    W = np.random.default_rng(0).standard_normal((512, 512))
    x = np.random.default_rng(1).standard_normal((160, 512))  # 160 x 512 normals: several blocks
    R = cimsim.program(W, cfg, rng=np.random.default_rng(2)).read(3600.0, rng=np.random.default_rng(3))
    out = []
    for n in (1, 2):
        monkeypatch.setenv("CIMSIM_NORMAL_THREADS", str(n))
        with threadpool_limits(limits=n):
            numba.set_num_threads(n)
            out.append(R.mvm(x, rng=np.random.default_rng(4), backend=backend).tobytes())
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    assert out[0] == out[1]
