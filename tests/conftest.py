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
