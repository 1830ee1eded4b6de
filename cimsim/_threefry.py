"""Standard normals equal bit for bit to ``jax.random.normal``, drawn as one fused elementwise loop.

JAX draws with Threefry-2x32, 20 rounds (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2,
3", SC'11; docs/references.md), on a counter per element: under ``jax_threefry_partitionable`` (JAX's
default) the counter of element i of a draw of any shape is its flat index i as a 64-bit (hi, lo)
pair, and the 32 random bits are the XOR of the hash's two output words. On CPU, JAX lowers the hash as a
rolled ``fori_loop`` of 5 iterations over whole arrays (jax/_src/random/threefry2x32.py,
``use_rolled_loops=True`` for the CPU), after building the counters from uint64 iotas: every iteration
reads and writes the full arrays, and a draw runs at ~40 M normals/s on 2 cores. The same hash written out
as one expression (the same rotations, key schedule and counters) is one elementwise loop that XLA fuses
with its consumer: ~5x faster (docs/performance.md), the same bits (tests/test_threefry.py holds them equal
to jax.random.normal, and the bench measures both).

Elements are addressed by their flat index, so ``normal(key, shape, start=s)`` is the slice [s, s + n) of
any larger draw with the same key: a block of a draw can be drawn where it is used, without the rest.
Where the fast path does not reproduce JAX (another PRNG implementation, ``jax_threefry_partitionable``
off, a non-default uniform or normal mode, a dtype other than float32, a batch of keys), ``normal`` calls
``jax.random.normal`` itself.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))  # Threefry-2x32's rotation constants (Salmon et al. 2011; JAX's)
_PARITY = 0x1BD11BDA  # the key schedule's parity constant (Skein 1.3; Salmon et al. 2011)
_LO = np.nextafter(np.float32(-1.0), np.float32(0.0))  # jax.random.normal's "low" mode: u in (-1, 1)


def _rotl(x, d: int):
    return (x << np.uint32(d)) | (x >> np.uint32(32 - d))


def threefry2x32(k0, k1, x0, x1):
    """The Threefry-2x32 hash with 20 rounds of the counters (x0, x1) under the key (k0, k1), uint32."""
    ks = (k0, k1, k0 ^ k1 ^ np.uint32(_PARITY))
    x0, x1 = x0 + ks[0], x1 + ks[1]
    for i in range(5):
        for r in _ROTATIONS[i % 2]:
            x0 = x0 + x1
            x1 = x0 ^ _rotl(x1, r)
        x0 = x0 + ks[(i + 1) % 3]
        x1 = x1 + ks[(i + 2) % 3] + np.uint32(i + 1)
    return x0, x1


def _key_words(key):
    """The key's two uint32 words when JAX would draw from it with threefry2x32, else None."""
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        if key.shape != () or str(jax.random.key_impl(key)) != "threefry2x32":
            return None
        key = jax.random.key_data(key)
    elif jax.config.jax_default_prng_impl != "threefry2x32" or key.dtype != jnp.uint32:
        return None
    if key.shape != (2,):
        return None
    return key[0], key[1]


def _fast(key, dtype) -> bool:
    return (jnp.dtype(dtype) == jnp.float32 and jax.config.jax_threefry_partitionable
            and jax.config.jax_legacy_random_uniform and jax.config.jax_random_normal_mode == "low"
            and _key_words(key) is not None)


def bits(key, shape, start: int = 0):
    """uint32 random bits equal to ``jax.random.bits(key, big).ravel()[start:start + n].reshape(shape)``
    for any ``big`` of at least start + n elements (the default threefry configuration)."""
    shape = tuple(int(d) for d in shape)
    n = math.prod(shape)
    if start < 0 or start + n > 2**32:
        raise ValueError(f"start must be in [0, 2**32 - prod(shape)], got start={start} for {n} elements")
    words = _key_words(key)
    if words is None or not jax.config.jax_threefry_partitionable:
        return jax.random.bits(key, shape, jnp.uint32) if start == 0 else \
            jax.random.bits(key, (start + n,), jnp.uint32)[start:].reshape(shape)
    lo = lax.iota(jnp.uint32, n).reshape(shape) + np.uint32(start)  # start + n <= 2**32: hi is 0
    a, b = threefry2x32(words[0], words[1], jnp.zeros(shape, jnp.uint32), lo)
    return a ^ b


def normal(key, shape, dtype=jnp.float32, start: int = 0):
    """Standard normals equal to ``jax.random.normal(key, big, dtype).ravel()[start:start + n]`` reshaped
    to ``shape``, for any ``big`` of at least start + n elements; drawn by one fused loop where JAX's
    configuration is the default (else by jax.random.normal)."""
    shape = tuple(int(d) for d in shape)
    n = math.prod(shape)
    if not _fast(key, dtype):  # JAX's own draw (with start > 0: the slice of a flat draw of start + n)
        return jax.random.normal(key, shape, dtype) if start == 0 else \
            jax.random.normal(key, (start + n,), dtype)[start:].reshape(shape)
    b = bits(key, shape, start)
    # jax.random.uniform(key, shape, float32, lo, 1) with legacy_random_uniform: 23 mantissa bits under
    # the exponent of 1.0, minus 1, scaled to [lo, 1); then sqrt(2) erfinv(u) (jax.random.normal, "low")
    one = np.array(1.0, np.float32).view(np.uint32)
    f = lax.bitcast_convert_type(lax.shift_right_logical(b, np.uint32(9)) | one, jnp.float32) - np.float32(1.0)
    u = lax.max(jnp.float32(_LO), f * (np.float32(1.0) - _LO) + _LO)
    return lax.mul(np.float32(np.sqrt(2)), lax.erf_inv(u))
