"""Image data sets for the experiments: the shipped digits, and loaders for the standard files a user has.

Every loader returns a ``Split`` of numpy arrays: images (n, H, W, C) uint8 or float32, labels (n,) int32.

    load(path)                 a .npz file, a CIFAR-10 binary folder or an MNIST IDX folder (detected)
    load_cifar10(folder)       data_batch_1.bin .. data_batch_5.bin, test_batch.bin (one label byte and
                               3072 pixel bytes per record: 1024 red, 1024 green, 1024 blue, rows of 32)
    load_mnist(folder)         train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
                               t10k-labels-idx1-ubyte (each optionally .gz; "images.idx3" spellings too)
    load_npz(file)             arrays x_train, y_train, x_test, y_test
    digits(size, channels)     sklearn's 8 x 8 digits (cimsim.workloads.load_digits_split), upsampled
    prepare(split, size, channels)   float32 in [0, 1], resized (nearest or bilinear) and channels repeated

References: Krizhevsky 2009 (CIFAR-10 binary version, https://www.cs.toronto.edu/~kriz/cifar.html);
LeCun et al. (MNIST IDX format, http://yann.lecun.com/exdb/mnist/).
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import NamedTuple

import numpy as np

CIFAR_TRAIN = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
CIFAR_TEST = "test_batch.bin"
_CIFAR_RECORD = 1 + 3 * 32 * 32
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


class Split(NamedTuple):
    """A train/test split: images (n, H, W, C), labels (n,) int32; ``name`` says where it came from."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    name: str


def _labels(y, what: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer) or (y.size and y.min() < 0):
        raise ValueError(f"{what} must be non-negative integer labels of shape (n,), got {y.dtype} {y.shape}")
    return y.astype(np.int32)


def _images(x, what: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 3:  # (n, H, W): one channel
        x = x[..., None]
    if x.ndim != 4 or not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
        raise ValueError(f"{what} must be real images of shape (n, H, W) or (n, H, W, C), got {x.dtype} {x.shape}")
    return x


def _split(x_tr, y_tr, x_te, y_te, name: str) -> Split:
    x_tr, x_te = _images(x_tr, "x_train"), _images(x_te, "x_test")
    y_tr, y_te = _labels(y_tr, "y_train"), _labels(y_te, "y_test")
    for x, y, what in ((x_tr, y_tr, "train"), (x_te, y_te, "test")):
        if len(x) != len(y):
            raise ValueError(f"{what} images and labels differ in number: {len(x)} images, {len(y)} labels")
    if x_tr.shape[1:] != x_te.shape[1:]:
        raise ValueError(f"train and test images differ in shape: {x_tr.shape[1:]} vs {x_te.shape[1:]}")
    return Split(x_tr, y_tr, x_te, y_te, name)


# --- CIFAR-10 binary -----------------------------------------------------------------------------------

def read_cifar_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 binary batch: images (n, 32, 32, 3) uint8 (HWC) and labels (n,) int32."""
    raw = np.fromfile(Path(path), dtype=np.uint8)
    if raw.size % _CIFAR_RECORD:
        raise ValueError(f"{path}: {raw.size} bytes is not a whole number of CIFAR-10 records of {_CIFAR_RECORD} bytes")
    rec = raw.reshape(-1, _CIFAR_RECORD)
    return rec[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy(), rec[:, 0].astype(np.int32)


def _cifar_dir(folder: Path) -> Path | None:
    for d in (folder, folder / "cifar-10-batches-bin"):
        if (d / CIFAR_TEST).is_file():
            return d
    return None


def load_cifar10(folder: str | Path) -> Split:
    """CIFAR-10 from its binary version (the folder, or the folder holding cifar-10-batches-bin/).

    The train set is every data_batch_k.bin present (all five for the real set); test_batch.bin is needed.
    """
    d = _cifar_dir(Path(folder))
    if d is None:
        raise ValueError(f"no CIFAR-10 binary batches in {folder}: expected {CIFAR_TEST} and data_batch_1..5.bin "
                         "(the 'binary version' from https://www.cs.toronto.edu/~kriz/cifar.html)")
    train = [read_cifar_batch(d / f) for f in CIFAR_TRAIN if (d / f).is_file()]
    if not train:
        raise ValueError(f"{d}: {CIFAR_TEST} found but no data_batch_k.bin")
    x_te, y_te = read_cifar_batch(d / CIFAR_TEST)
    return _split(np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train]), x_te, y_te,
                  "cifar10")


# --- MNIST IDX -----------------------------------------------------------------------------------------

def read_idx(path: str | Path) -> np.ndarray:
    """An IDX file (optionally gzipped): magic 0 0 dtype ndim, ndim big-endian int32 sizes, the data."""
    path = Path(path)
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path}: not an IDX file (magic bytes {raw[:4].hex() or 'missing'})")
    ndim = raw[3]
    dims = np.frombuffer(raw, dtype=">i4", count=ndim, offset=4).astype(int)
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    need = 4 + 4 * ndim + int(np.prod(dims)) * dtype.itemsize
    if len(raw) != need:
        raise ValueError(f"{path}: {len(raw)} bytes, but its header {tuple(dims)} of {dtype} needs {need}")
    return np.frombuffer(raw, dtype=dtype, offset=4 + 4 * ndim).reshape(dims).astype(dtype.newbyteorder("="))


def _find_idx(folder: Path, prefix: str, kind: str) -> Path | None:
    """folder/PREFIX-KIND-ubyte[.gz], KIND e.g. "images-idx3"; the "PREFIX-images.idx3-ubyte" spelling too."""
    dotted = kind.replace("-idx", ".idx")
    for name in (f"{prefix}-{kind}-ubyte", f"{prefix}-{dotted}-ubyte"):
        for suffix in ("", ".gz"):
            if (folder / (name + suffix)).is_file():
                return folder / (name + suffix)
    return None


def load_mnist(folder: str | Path) -> Split:
    """MNIST (or Fashion-MNIST, same files) from its four IDX files, gzipped or not."""
    folder = Path(folder)
    arrays = []
    for prefix in ("train", "t10k"):
        for kind in ("images-idx3", "labels-idx1"):
            f = _find_idx(folder, prefix, kind)
            if f is None:
                raise ValueError(f"no MNIST file {prefix}-{kind}-ubyte[.gz] in {folder}")
            arrays.append(read_idx(f))
    return _split(*arrays, "mnist")


# --- .npz and dispatch ---------------------------------------------------------------------------------

def load_npz(path: str | Path) -> Split:
    """A .npz holding x_train, y_train, x_test, y_test (images (n, H, W[, C]), integer labels)."""
    with np.load(Path(path), allow_pickle=False) as z:
        missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in z]
        if missing:
            raise ValueError(f"{path}: missing arrays {missing}; a .npz needs x_train, y_train, x_test, y_test")
        return _split(z["x_train"], z["y_train"], z["x_test"], z["y_test"], f"npz:{Path(path).name}")


def load(path: str | Path) -> Split:
    """The data set at ``path``: a .npz file, a CIFAR-10 binary folder, or an MNIST IDX folder."""
    p = Path(path)
    if p.is_file() and p.suffix == ".npz":
        return load_npz(p)
    if p.is_dir():
        if _cifar_dir(p) is not None:
            return load_cifar10(p)
        if _find_idx(p, "t10k", "images-idx3"):
            return load_mnist(p)
    raise ValueError(f"{path}: not a .npz file, a CIFAR-10 binary folder (test_batch.bin, data_batch_k.bin) or "
                     "an MNIST folder (t10k-images-idx3-ubyte[.gz], ...)")


# --- preprocessing -------------------------------------------------------------------------------------

def resize(x: np.ndarray, size: int, method: str = "nearest") -> np.ndarray:
    """Images (n, H, W, C) to (n, size, size, C): "nearest" (integer factors repeat pixels) or "bilinear"
    (half-pixel centres, edges clamped, as jax.image.resize with antialias off)."""
    n, h, w, c = x.shape
    if (h, w) == (size, size):
        return x
    if method == "nearest":
        rows = np.minimum((np.arange(size) + 0.5) * h / size, h - 1).astype(int)
        cols = np.minimum((np.arange(size) + 0.5) * w / size, w - 1).astype(int)
        return x[:, rows][:, :, cols]
    if method != "bilinear":
        raise ValueError(f"method must be 'nearest' or 'bilinear', got {method!r}")
    out = x.astype(np.float32)
    for axis, n_in in ((1, h), (2, w)):
        pos = np.clip((np.arange(size) + 0.5) * n_in / size - 0.5, 0, n_in - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        f = (pos - lo).astype(np.float32).reshape((1,) * axis + (size,) + (1,) * (3 - axis))
        out = np.take(out, lo, axis=axis) * (1 - f) + np.take(out, hi, axis=axis) * f
    return out


def prepare(split: Split, size: int | None = None, channels: int | None = None, method: str = "nearest") -> Split:
    """float32 images in [0, 1] (uint8 divided by 255), resized to size x size, channels repeated to match."""

    def one(x):
        x = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
        if size is not None:
            x = resize(x, size, method)
        if channels is not None and x.shape[-1] != channels:
            if x.shape[-1] != 1:
                raise ValueError(f"cannot make {channels} channels from {x.shape[-1]}: only 1 -> C repeats")
            x = np.repeat(x, channels, axis=-1)
        return np.ascontiguousarray(x)

    return Split(one(split.x_train), split.y_train, one(split.x_test), split.y_test, split.name)


def digits(size: int = 32, channels: int = 3, method: str = "nearest") -> Split:
    """sklearn's digits (1347 train / 450 test, 8 x 8, values 0..16 as [0, 1]) upsampled to size x size x C."""
    from cimsim.workloads import load_digits_split

    x_tr, y_tr, x_te, y_te = load_digits_split()
    base = Split(x_tr.reshape(-1, 8, 8, 1).astype(np.float32), y_tr.astype(np.int32),
                 x_te.reshape(-1, 8, 8, 1).astype(np.float32), y_te.astype(np.int32), f"digits{size}")
    return prepare(base, size, channels, method)


def standardize(split: Split) -> Split:
    """Per-channel standardization with the train set's mean and std (float32)."""
    mean = split.x_train.mean(axis=(0, 1, 2), dtype=np.float64)
    std = split.x_train.std(axis=(0, 1, 2), dtype=np.float64) + 1e-8
    f = lambda x: ((x - mean) / std).astype(np.float32)  # noqa: E731
    return Split(f(split.x_train), split.y_train, f(split.x_test), split.y_test, split.name)
