"""The experiments' models and data: loaders on small files written here in each format (exact round trip),
resizing against jax.image.resize, parameter counts against He et al. 2016, the transformer's attention
digital, IDEAL crossbars equal to the digital models, the resnet-drift check's verdicts."""

import gzip
import json
import struct

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

pytest.importorskip("flax")

import cimsim  # noqa: E402
from cimsim.jx import HWAConfig, analog_model  # noqa: E402
from experiments import _checks, datasets, models, resnet_drift  # noqa: E402

RNG = np.random.default_rng(0)


# --- loaders --------------------------------------------------------------------------------------------

def _cifar_bytes(images, labels):
    """The CIFAR-10 binary record layout, written independently: label, then the R, G, B planes row by row."""
    return b"".join(bytes([int(label)]) + im[:, :, 0].tobytes() + im[:, :, 1].tobytes() + im[:, :, 2].tobytes()
                    for im, label in zip(images, labels))


def _write_cifar(folder, n_train=(3, 2), n_test=4):
    folder.mkdir(parents=True, exist_ok=True)
    parts = []
    for i, n in enumerate(n_train, start=1):
        x, y = RNG.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), RNG.integers(0, 10, n)
        (folder / f"data_batch_{i}.bin").write_bytes(_cifar_bytes(x, y))
        parts.append((x, y))
    x_te, y_te = RNG.integers(0, 256, (n_test, 32, 32, 3), dtype=np.uint8), RNG.integers(0, 10, n_test)
    (folder / "test_batch.bin").write_bytes(_cifar_bytes(x_te, y_te))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), x_te, y_te


def test_cifar10_binary_round_trip(tmp_path):
    x_tr, y_tr, x_te, y_te = _write_cifar(tmp_path / "cifar-10-batches-bin")
    for where in (tmp_path, tmp_path / "cifar-10-batches-bin"):  # the folder or the one above it
        split = datasets.load(where)
        assert split.name == "cifar10" and split.x_train.shape == (5, 32, 32, 3)
        np.testing.assert_array_equal(split.x_train, x_tr)
        np.testing.assert_array_equal(split.y_train, y_tr)
        np.testing.assert_array_equal(split.x_test, x_te)
        np.testing.assert_array_equal(split.y_test, y_te)
    # pixel (row 1, col 2) of the red plane of the first test image sits at byte 1 + 32 + 2 of its record
    raw = (tmp_path / "cifar-10-batches-bin" / "test_batch.bin").read_bytes()
    assert split.x_test[0, 1, 2, 0] == raw[1 + 32 + 2] and split.x_test[0, 1, 2, 2] == raw[1 + 2048 + 32 + 2]
    (tmp_path / "cifar-10-batches-bin" / "test_batch.bin").write_bytes(raw[:-5])
    with pytest.raises(ValueError, match="not a whole number of CIFAR-10 records"):
        datasets.load_cifar10(tmp_path)


def _idx(array: np.ndarray) -> bytes:
    """An IDX file written from the format's definition: 0, 0, type 0x08 (ubyte), ndim, big-endian sizes."""
    return bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}i", *array.shape) + array.tobytes()


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx_round_trip(tmp_path, gz):
    arrays = {"train-images-idx3-ubyte": RNG.integers(0, 256, (5, 28, 28), dtype=np.uint8),
              "train-labels-idx1-ubyte": RNG.integers(0, 10, 5, dtype=np.uint8),
              "t10k-images-idx3-ubyte": RNG.integers(0, 256, (3, 28, 28), dtype=np.uint8),
              "t10k-labels-idx1-ubyte": RNG.integers(0, 10, 3, dtype=np.uint8)}
    for name, a in arrays.items():
        data = _idx(a)
        (tmp_path / (name + (".gz" if gz else ""))).write_bytes(gzip.compress(data) if gz else data)
    split = datasets.load(tmp_path)
    assert split.name == "mnist" and split.x_train.shape == (5, 28, 28, 1) and split.y_test.dtype == np.int32
    np.testing.assert_array_equal(split.x_train[..., 0], arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(split.y_train, arrays["train-labels-idx1-ubyte"])
    np.testing.assert_array_equal(split.x_test[..., 0], arrays["t10k-images-idx3-ubyte"])
    np.testing.assert_array_equal(split.y_test, arrays["t10k-labels-idx1-ubyte"])
    bad = tmp_path / "bad-idx"
    bad.write_bytes(_idx(arrays["t10k-labels-idx1-ubyte"])[:-1])
    with pytest.raises(ValueError, match="needs"):
        datasets.read_idx(bad)


def test_npz_round_trip_and_errors(tmp_path):
    a = {"x_train": RNG.random((6, 8, 8, 3)).astype(np.float32), "y_train": np.arange(6),
         "x_test": RNG.random((2, 8, 8, 3)).astype(np.float32), "y_test": np.array([1, 0])}
    np.savez(tmp_path / "d.npz", **a)
    split = datasets.load(tmp_path / "d.npz")
    for k in a:
        np.testing.assert_array_equal(getattr(split, k), a[k])
    np.savez(tmp_path / "e.npz", x_train=a["x_train"], y_train=a["y_train"])
    with pytest.raises(ValueError, match=r"missing arrays \['x_test', 'y_test'\]"):
        datasets.load(tmp_path / "e.npz")
    with pytest.raises(ValueError, match="not a .npz file, a CIFAR-10 binary folder"):
        datasets.load(tmp_path / "nowhere")


# --- preprocessing --------------------------------------------------------------------------------------

def test_resize_nearest_repeats_and_bilinear_matches_jax():
    x = RNG.random((2, 8, 8, 1)).astype(np.float32)
    up = datasets.resize(x, 32)
    np.testing.assert_array_equal(up, np.repeat(np.repeat(x, 4, axis=1), 4, axis=2))
    bil = datasets.resize(x, 20, "bilinear")
    ref = np.asarray(jax.image.resize(jnp.asarray(x), (2, 20, 20, 1), "bilinear", antialias=False))
    np.testing.assert_allclose(bil, ref, rtol=0, atol=1e-6)


def test_digits_upsampled_to_the_model_input():
    from cimsim.workloads import load_digits_split

    split = datasets.digits(32, 3)
    x_tr, y_tr, x_te, y_te = load_digits_split()
    assert split.x_train.shape == (len(x_tr), 32, 32, 3) and split.x_train.dtype == np.float32
    np.testing.assert_array_equal(split.y_test, y_te)
    img = x_te[7].reshape(8, 8)  # pixel (r, c) of the 8 x 8 image fills the 4 x 4 block (4r.., 4c..), all channels
    np.testing.assert_allclose(split.x_test[7, 4 * 3 + 1, 4 * 5 + 2], np.full(3, img[3, 5]), rtol=1e-7)
    prepared = datasets.prepare(datasets.Split(np.full((1, 4, 4, 1), 255, np.uint8), np.zeros(1, int),
                                               np.zeros((1, 4, 4, 1), np.uint8), np.zeros(1, int), "t"), 8, 3)
    assert prepared.x_train.shape == (1, 8, 8, 3) and prepared.x_train.max() == 1.0


def test_augment_is_a_padded_crop_or_its_mirror():
    x = jnp.asarray(RNG.random((4, 8, 8, 1)), jnp.float32)
    out = np.asarray(resnet_drift._augment(x, jax.random.PRNGKey(3)))
    pad = np.pad(np.asarray(x), ((0, 0), (4, 4), (4, 4), (0, 0)))
    for i in range(4):
        crops = [c for a in range(9) for b in range(9) for c in (pad[i, a:a + 8, b:b + 8], pad[i, a:a + 8, b:b + 8][:, ::-1])]
        assert any(np.array_equal(out[i], c) for c in crops)


# --- models ---------------------------------------------------------------------------------------------

def _count(tree) -> int:
    return int(sum(np.prod(a.shape) for a in jax.tree_util.tree_leaves(tree)))


def _resnet_params(n: int) -> int:
    """Parameters of ResNet-(6n+2) with option-A shortcuts, counted from He et al. 2016 s.4.2's description."""
    convs = 3 * 9 * 16 + (2 * n) * 9 * 16 * 16 + (9 * 16 * 32 + (2 * n - 1) * 9 * 32 * 32) + (
        9 * 32 * 64 + (2 * n - 1) * 9 * 64 * 64)
    batchnorm = 2 * (16 + 2 * n * (16 + 32 + 64))
    return convs + batchnorm + 64 * 10 + 10


@pytest.mark.parametrize("depth,published", [(20, 0.27e6), (32, 0.46e6)])
def test_resnet_parameter_counts(depth, published):
    m = models.resnet(depth)
    shapes = jax.eval_shape(m.init, jax.random.PRNGKey(0), jnp.zeros((1, 32, 32, 3)))  # counts need no values
    n = _count(shapes["params"])
    assert n == _resnet_params((depth - 2) // 6) and abs(n - published) < 0.005e6  # He et al. Table 6: 0.27M, 0.46M
    if depth != 20:
        return  # one depth runs the network (the blocks are the same at any depth)
    v = jax.tree_util.tree_map(lambda a: jnp.full(a.shape, 0.01, a.dtype), shapes)  # shape checks: no init needed
    assert m.apply(v, jnp.zeros((2, 32, 32, 3))).shape == (2, 10)
    logits, stats = m.apply_train(v, jnp.asarray(RNG.random((2, 32, 32, 3)), jnp.float32))
    assert logits.shape == (2, 10) and jax.tree_util.tree_structure(stats) == jax.tree_util.tree_structure(v["batch_stats"])
    with pytest.raises(ValueError, match="depth must be 6n \\+ 2"):
        models.resnet(21)


def test_bench_resnet32_is_the_same_network():
    from cimsim.app.bench_models import _resnet32

    x = jnp.zeros((1, 32, 32, 3))
    zeros = partial(jax.tree_util.tree_map, lambda s: jnp.zeros(s.shape, s.dtype))  # the structure, not the values
    v_bench = zeros(jax.eval_shape(_resnet32().init, jax.random.PRNGKey(0), x))
    v_exp = zeros(jax.eval_shape(models.resnet(32).init, jax.random.PRNGKey(0), x))
    assert _count(v_bench["params"]) == _count(v_exp["params"]) == _resnet_params(5)
    shapes = [[s.shape for s in analog_model(lambda p, x, m=m: m.apply(p, x), v, x, config=cimsim.presets.PCM).report]
              for m, v in ((_resnet32(), v_bench), (models.resnet(32).module, v_exp))]
    assert shapes[0] == shapes[1] and len(shapes[0]) == 32


def test_lenet_and_transformer_shapes_and_attention_digital():
    lenet = models.lenet5()
    v = jax.tree_util.tree_map(lambda s: jnp.full(s.shape, 0.01, s.dtype),  # shapes and counts: no init needed
                               jax.eval_shape(lenet.init, jax.random.PRNGKey(0), jnp.zeros((1, 32, 32, 1))))
    assert lenet.apply(v, jnp.zeros((3, 32, 32, 1))).shape == (3, 10)
    assert _count(v["params"]) == (5 * 5 * 6 + 6) + (5 * 5 * 6 * 16 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10)
    tr = models.transformer(patch=4, dim=32, heads=4, depth=2)
    x = jnp.asarray(RNG.random((2, 16, 16, 3)), jnp.float32)
    v = jax.tree_util.tree_map(lambda s: jnp.full(s.shape, 0.01, s.dtype), jax.eval_shape(tr.init, jax.random.PRNGKey(0), x))
    assert tr.apply(v, x).shape == (2, 10) and tr.apply_train(v, x)[1] == {}
    report = analog_model(tr.apply, v, x, config=cimsim.presets.PCM).report
    digital = [s for s in report if not s.analog]
    assert len(digital) == 4 and all(s.reason == "activation x activation" for s in digital)  # QK^T, scores x V per layer
    analog = [s for s in report if s.analog]
    # patch embedding, per layer q, k, v, output projection and the two MLP layers, classifier
    assert len(analog) == 1 + 2 * 6 + 1 and analog[0].shape == (32, 4 * 4 * 3) and analog[-1].shape == (10, 32)
    with pytest.raises(ValueError, match="dim must be a multiple of heads"):
        models.transformer(dim=30, heads=4)


@pytest.mark.parametrize("name,shape", [pytest.param("resnet20", (2, 8, 8, 3), marks=pytest.mark.slow), pytest.param("lenet5", (2, 32, 32, 1), marks=pytest.mark.slow),
                                        pytest.param("transformer", (2, 8, 8, 3), marks=pytest.mark.slow)])
def test_ideal_crossbars_equal_the_digital_model(name, shape):
    # -m slow: 10 s each; IDEAL == digital through the transform is held by tests/test_transform.py (plain JAX,
    # Flax, Equinox) and tests/test_char_lm.py (a transformer) in the default run
    with jax.enable_x64(True):
        m = models.MODELS[name]()
        x = jnp.asarray(RNG.random(shape))
        v = m.init(jax.random.PRNGKey(0), x)
        if "batch_stats" in v:  # running statistics that are not the identity
            v = {"params": v["params"], "batch_stats": m.apply_train(v, x)[1]}
        ref = np.asarray(m.apply(v, x))
        y = np.asarray(analog_model(m.apply, v, x, config=cimsim.presets.IDEAL).inference(v, x, t_s=0.0,
                                                                                            key=jax.random.PRNGKey(1)))
        np.testing.assert_allclose(y, ref, rtol=0, atol=1e-10 * np.abs(ref).max())


@pytest.mark.slow
def test_training_forward_with_batch_stats_through_the_transform():
    """A function returning (logits, new batch_stats) goes through analog_model: noise-free HWA equals it."""
    quiet = HWAConfig(eta=0.0, dac_bits=None, adc_bits=None, out_noise=0.0, out_bound=1e9, clip_sigma=None)
    with jax.enable_x64(True):
        m = models.resnet(8)
        x = jnp.asarray(RNG.random((3, 8, 8, 3)))
        v = m.init(jax.random.PRNGKey(0), x)
        logits, stats = analog_model(m.apply_train, v, x, config=cimsim.presets.PCM).hwa(v, x, key=jax.random.PRNGKey(2),
                                                                                         hwa=quiet)
        ref_logits, ref_stats = m.apply_train(v, x)
        np.testing.assert_allclose(np.asarray(logits), np.asarray(ref_logits), rtol=0, atol=1e-10)
        for a, b in zip(jax.tree_util.tree_leaves(stats), jax.tree_util.tree_leaves(ref_stats)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=0, atol=1e-10)


# --- the experiment's data choice and its check ---------------------------------------------------------

def test_resnet_drift_picks_resnet32_for_cifar(tmp_path):
    _write_cifar(tmp_path)
    split, s = resnet_drift.load_data(tmp_path, quick=False)
    assert s["depth"] == 32 and s["augment"] and split.x_train.shape == (5, 32, 32, 3)
    np.testing.assert_allclose(split.x_train.mean(axis=(0, 1, 2)), 0, atol=1e-5)  # standardized on the train set
    split, s = resnet_drift.load_data(None, quick=True)
    assert split.name.startswith("digits") and not s["augment"]


def _json(dataset, model, test_images, quick, hwa_1y, fp_1y, fp_1y_no_gdc, hwa_1d=0.936):
    times = ["1 s", "1 h", "1 d", "1 y", "10 y"]
    arm = lambda at_1y, at_1d=0.93: {"mean": [0.94, 0.94, at_1d, float(np.mean(at_1y)), 0.9],  # noqa: E731
                                      "per_seed": [[0.94] * 10, [0.94] * 10, [at_1d] * 10, list(at_1y), [0.9] * 10]}
    return {"quick": quick, "config": {"dataset": dataset, "model": model, "test_images": test_images, "times": times},
            "digital_accuracy": {"FP": 0.935, "HWA": 0.938}, "published": resnet_drift.PUBLISHED,
            "accuracy": {"HWA, GDC": arm(hwa_1y, hwa_1d), "FP, GDC": arm(fp_1y), "FP, no GDC": arm(fp_1y_no_gdc),
                         "HWA, no GDC": arm(fp_1y_no_gdc)}}


def test_resnet_drift_check_only_compares_numbers_on_cifar():
    V = _checks.Verdict
    hwa, fp = 0.925 + 0.002 * RNG.standard_normal(10), 0.90 + 0.002 * RNG.standard_normal(10)
    digits = _checks.run("resnet-drift", _json("digits16", "resnet20", 450, False, hwa, fp, [0.1] * 10))
    assert [v for _, v, _ in digits] == [V.INCONCLUSIVE] * 4 + [V.PASS]
    real = _checks.run("resnet-drift", _json("cifar10", "resnet32", 10000, False, hwa, fp, [0.1] * 10))
    assert [v for _, v, _ in real] == [V.PASS] * 5
    low = _checks.run("resnet-drift", _json("cifar10", "resnet32", 10000, False, hwa - 0.05, fp, [0.1] * 10, 0.90))
    assert [v for _, v, _ in low][1:4] == [V.FAIL, V.FAIL, V.FAIL]  # 90.0 % at 1 d, 87.5 % at 1 y, below FP
    quick = _checks.run("resnet-drift", _json("cifar10", "resnet32", 1000, True, hwa, fp, [0.1] * 10))
    assert [v for _, v, _ in quick][:4] == [V.INCONCLUSIVE] * 4
    json.dumps([(c, str(v), d) for c, v, d in real])  # printable


def test_bench_models_table_reads_its_result():
    from cimsim.app.bench_models import format_models_table

    row = lambda a, d, key: {f"{key}_s": a, "digital_s": d, "ratio": a / d, "rounds": 5,  # noqa: E731
                             "target": {"ratio_max": 3.0, "met": a / d <= 3.0}}
    res = {"available": True, "workload": {"analog_layers": 32, "analog_weights": 461872, "batch": 128, "backend": "cpu"},
           "forward": row(0.5, 0.2, "analog"), "train_step": row(7.0, 1.0, "hwa")}
    text = format_models_table(res)
    assert "500.0 ms vs digital 200.0 ms -> 2.50x (target <= 3: met)" in text
    assert "7000.0 ms vs digital 1000.0 ms -> 7.00x (target <= 3: NOT met)" in text
    assert "not run (flax not installed" in format_models_table({"available": False, "reason": "flax not installed"})
