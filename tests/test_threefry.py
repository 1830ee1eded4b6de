"""cimsim._threefry against JAX's own draws: the fused Threefry-2x32 gives jax.random's bits exactly."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cimsim import _threefry as T

SHAPES = [(), (0,), (1,), (7,), (3, 5), (2, 3, 17), (4, 1, 1000)]


@pytest.mark.parametrize("shape", SHAPES)
def test_bits_and_normals_equal_jax_random(shape):
    for key in (jax.random.PRNGKey(0), jax.random.PRNGKey(2**31 + 12345), jax.random.fold_in(jax.random.PRNGKey(7), 3)):
        np.testing.assert_array_equal(np.asarray(T.bits(key, shape)), np.asarray(jax.random.bits(key, shape)))
        np.testing.assert_array_equal(np.asarray(T.normal(key, shape)), np.asarray(jax.random.normal(key, shape)))
    np.testing.assert_array_equal(np.asarray(jax.jit(T.normal, static_argnums=1)(jax.random.PRNGKey(5), shape)),
                                  np.asarray(jax.random.normal(jax.random.PRNGKey(5), shape)))
    typed = jax.random.key(11)  # a new-style typed threefry key
    np.testing.assert_array_equal(np.asarray(T.normal(typed, shape)), np.asarray(jax.random.normal(typed, shape)))


def test_start_is_the_slice_of_any_larger_draw():
    key = jax.random.PRNGKey(3)
    for big in ((4, 50), (200,), (2, 2, 50)):
        z = np.asarray(jax.random.normal(key, big)).ravel()
        np.testing.assert_array_equal(np.asarray(T.normal(key, (5, 7), start=13)), z[13:48].reshape(5, 7))
        np.testing.assert_array_equal(np.asarray(T.normal(key, (3, 50), start=50)), z[50:].reshape(3, 50))
    with pytest.raises(ValueError, match="start must be in"):
        T.bits(key, (4,), start=2**32 - 3)
    with pytest.raises(ValueError, match="start must be in"):
        T.bits(key, (4,), start=-1)


def test_a_million_normals_have_the_moments_of_n01():
    z = np.asarray(T.normal(jax.random.PRNGKey(1), (1_000_000,)), np.float64)
    n = z.size  # standard errors of the mean, variance, skewness and excess kurtosis of N(0, 1)
    assert abs(z.mean()) < 5 / np.sqrt(n) and abs(z.var() - 1) < 5 * np.sqrt(2 / n)
    assert abs(np.mean(z**3)) < 5 * np.sqrt(15 / n) and abs(np.mean(z**4) - 3) < 5 * np.sqrt(96 / n)


def test_other_configurations_fall_back_to_jax_random():
    """Where the fused loop would not reproduce JAX, normal is jax.random.normal itself."""
    key = jax.random.PRNGKey(4)
    # bfloat16 (16 random bits); not float16: XLA's CPU backend held to SSE4.2 lacks its conversions
    np.testing.assert_array_equal(np.asarray(T.normal(key, (3, 9), jnp.bfloat16), np.float32),
                                  np.asarray(jax.random.normal(key, (3, 9), jnp.bfloat16), np.float32))
    rbg = jax.random.key(4, impl="rbg")
    assert not T._fast(rbg, jnp.float32)
    np.testing.assert_array_equal(np.asarray(T.normal(rbg, (3, 9))), np.asarray(jax.random.normal(rbg, (3, 9))))
    np.testing.assert_array_equal(np.asarray(T.normal(rbg, (2, 9), start=9)),
                                  np.asarray(jax.random.normal(rbg, (27,)))[9:].reshape(2, 9))
    prev = jax.config.jax_threefry_partitionable
    try:
        jax.config.update("jax_threefry_partitionable", False)
        assert not T._fast(key, jnp.float32)
        np.testing.assert_array_equal(np.asarray(T.normal(key, (3, 9))), np.asarray(jax.random.normal(key, (3, 9))))
        np.testing.assert_array_equal(np.asarray(T.bits(key, (3, 9))), np.asarray(jax.random.bits(key, (3, 9))))
    finally:
        jax.config.update("jax_threefry_partitionable", prev)
    assert T._fast(key, jnp.float32)
