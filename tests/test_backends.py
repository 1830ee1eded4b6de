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
    """Against scipy's normal distribution (KS test, 3- and 4-sigma tail frequencies within 5 binomial
    sigma), and bitwise the same on 1 and 2 threads."""
    from scipy import stats

    from cimsim._normals import BLOCK, standard_normals

    shape = (4, 250, 1000)  # 1e6 values, well above BLOCK: the parallel kernel
    assert np.prod(shape) > BLOCK
    for dtype in (np.float32, np.float64):
        a = standard_normals(np.random.default_rng(3), shape, dtype, n_threads=1)
        b = standard_normals(np.random.default_rng(3), shape, dtype, n_threads=2)
        assert a.dtype == dtype and a.tobytes() == b.tobytes()
        z = a.ravel().astype(np.float64)
        assert stats.kstest(z, "norm").pvalue > 1e-3
        for k in (3.0, 4.0):
            p = 2 * stats.norm.sf(k)
            assert abs(np.mean(np.abs(z) > k) - p) < 5 * np.sqrt(p / z.size)
        halves = z.reshape(2, -1)  # far-apart parts of the sequence are uncorrelated
        assert abs(np.corrcoef(halves)[0, 1]) < 5 / np.sqrt(halves.shape[1])
        lag = np.corrcoef(z[:-1], z[1:])[0, 1]  # neighbours (the two halves of one word, for float32) too
        assert abs(lag) < 5 / np.sqrt(z.size)
    c = standard_normals(np.random.default_rng(4), shape, np.float32)  # another seed, other numbers
    assert abs(np.corrcoef(c.ravel(), a.ravel().astype(np.float32))[0, 1]) < 5 / np.sqrt(a.size)


def test_splitmix64_and_ziggurat_tables_against_their_sources():
    """The bits: SplitMix64 from seed 1234567 gives the published first outputs (Vigna's splitmix64.c test
    sequence), and a plain-Python SplitMix64 agrees. The boxes: every ZIGNOR box has the area V of
    Marsaglia & Tsang's 256-box table, the bottom box V = x0 f(r), the top one closes at x = 0."""
    from cimsim import _normals as N
    from cimsim._zignor import GAMMA, mix

    mask = 2**64 - 1
    published = [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431,
                 16408922859458223821]
    state, python = 1234567, []
    for _ in range(5):
        state = (state + GAMMA) & mask
        z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        python.append(z ^ (z >> 31))
    ours = [int(mix(np.uint64((1234567 + (k + 1) * GAMMA) & mask))) for k in range(5)]
    assert ours == python == published
    x = N.ZIG_X
    f = np.exp(-0.5 * x * x)
    np.testing.assert_allclose(x[1:-2] * (f[2:-1] - f[1:-2]), N.ZIG_V, rtol=1e-9)
    np.testing.assert_allclose([x[0] * f[1], x[-2] * (1 - f[-2])], N.ZIG_V, rtol=1e-8)
    assert x[1] == N.ZIG_R and x[-1] == 0.0


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_same_seed_same_bytes_at_1_and_2_threads(backend, monkeypatch):
    """The whole noisy MVM (normals on a thread pool, numba kernels, BLAS) gives the same bytes whatever
    the thread counts."""
    import numba
    from threadpoolctl import threadpool_limits

    cfg = dataclasses.replace(cimsim.presets.PCM, tile_rows=512, tile_cols=512)
    W = np.random.default_rng(0).standard_normal((512, 512))
    x = np.random.default_rng(1).standard_normal((160, 512))  # 160 x 512 normals: the parallel kernel
    R = cimsim.program(W, cfg, rng=np.random.default_rng(2)).read(3600.0, rng=np.random.default_rng(3))
    out = []
    for n in (1, 2):
        monkeypatch.setenv("CIMSIM_NORMAL_THREADS", str(n))
        with threadpool_limits(limits=n):
            numba.set_num_threads(n)
            out.append(R.mvm(x, rng=np.random.default_rng(4), backend=backend).tobytes())
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    assert out[0] == out[1]
