import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def user_table(tmp_path):
    """Writes an energy table of the given entries to a file and loads it, as a user's table would be."""
    import json

    from cimsim.energy import load_table

    def make(entries: dict):
        path = tmp_path / "mine.json"
        path.write_text(json.dumps({"name": "mine", "entries": entries}))
        return load_table(path)
    return make


def pytest_configure(config):
    """One JAX compilation cache for this run, shared by the xdist workers and the docs examples' fresh
    interpreters (they compile the same programs); every compile is kept (the defaults keep only those
    over 1 s). Cold on every run, so the suite's time is a fresh machine's; a JAX_COMPILATION_CACHE_DIR
    of the user's own is left alone."""
    import os
    import tempfile

    if "JAX_COMPILATION_CACHE_DIR" not in os.environ and not hasattr(config, "workerinput"):
        config._cimsim_jax_cache = tempfile.TemporaryDirectory(prefix="cimsim-jax-cache-")
        os.environ["JAX_COMPILATION_CACHE_DIR"] = config._cimsim_jax_cache.name
        os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
        os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")


def pytest_unconfigure(config):
    cache = getattr(config, "_cimsim_jax_cache", None)
    if cache is not None:
        import os

        os.environ.pop("JAX_COMPILATION_CACHE_DIR", None)
        cache.cleanup()
