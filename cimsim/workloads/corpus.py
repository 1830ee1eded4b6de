"""A real English text corpus for the character-level language model: Debian's ``fortunes`` package (the
fortune-cookie database of quotations, jokes, literature and science, written by many people over decades),
or any text file.

``load_corpus(path)`` reads it as text; ``split_corpus`` puts every ``held_out_every``-th record (a fortune,
separated by a line holding "%"; in a plain text file a paragraph) in the held-out set, so no record is in
both; ``Corpus.encode`` maps characters to ids over the vocabulary of the training text (characters outside
printable ASCII become "?"). The corpus's SHA-256 keys the trained weights' cache.

Source: Debian package ``fortunes`` (fortune-mod data), /usr/share/games/fortunes (``apt-get install
fortunes``); docs/references.md s.14.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORTUNES_DIR = Path("/usr/share/games/fortunes")
UNKNOWN = "?"


def _clean(text: str) -> str:
    return "".join(c if (32 <= ord(c) < 127 or c == "\n") else UNKNOWN for c in text.replace("\t", " "))


def load_corpus(path: str | Path | None = None) -> tuple[str, str]:
    """(text, name): every fortunes file of ``path`` (a folder; default the Debian package's) in name order,
    or one text file. ValueError naming the path where there is nothing to read."""
    p = FORTUNES_DIR if path is None else Path(path)
    if p.is_dir():
        files = [f for f in sorted(p.iterdir()) if f.is_file() and "." not in f.name]
        if not files:
            raise ValueError(f"corpus folder {str(p)!r} holds no fortunes files (install Debian's 'fortunes' "
                             "package, or give a text file)")
        text = "\n%\n".join(f.read_text(encoding="utf-8", errors="replace").strip("\n%") for f in files)
        return _clean(text), f"fortunes ({len(files)} files of {p})"
    if p.is_file():
        return _clean(p.read_text(encoding="utf-8", errors="replace")), str(p)
    raise ValueError(f"corpus {str(p)!r} is neither a folder of fortunes nor a text file"
                     + (" (apt-get install fortunes)" if path is None else ""))


def _records(text: str) -> list[str]:
    if "\n%\n" in text:
        recs = text.split("\n%\n")
    else:
        recs = text.split("\n\n")
    return [r.strip("\n") + "\n" for r in recs if r.strip()]


@dataclass(frozen=True)
class Corpus:
    """The training and held-out text, the vocabulary and the corpus's SHA-256."""

    train: str
    held_out: str
    vocab: str
    sha256: str
    name: str

    def encode(self, text: str) -> np.ndarray:
        index = {c: i for i, c in enumerate(self.vocab)}
        unk = index.get(UNKNOWN, 0)
        return np.fromiter((index.get(c, unk) for c in text), dtype=np.int32, count=len(text))

    def decode(self, ids) -> str:
        return "".join(self.vocab[int(i)] for i in ids)


def split_corpus(text: str, name: str = "text", *, held_out_every: int = 10) -> Corpus:
    """Every ``held_out_every``-th record held out; the vocabulary of the training text plus "?"."""
    if isinstance(held_out_every, bool) or not isinstance(held_out_every, int) or held_out_every < 2:
        raise ValueError(f"held_out_every must be an int >= 2, got {held_out_every!r}")
    recs = _records(text)
    if len(recs) < held_out_every:
        raise ValueError(f"corpus {name!r} has {len(recs)} records, fewer than held_out_every={held_out_every}")
    train = "".join(r for i, r in enumerate(recs) if i % held_out_every)
    held = "".join(r for i, r in enumerate(recs) if i % held_out_every == 0)
    vocab = "".join(sorted(set(train) | {UNKNOWN}))
    return Corpus(train, held, vocab, hashlib.sha256(text.encode()).hexdigest(), name)


def windows(ids: np.ndarray, context: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random windows of ``context`` + 1 ids: inputs and next-character targets, drawn from ``rng``."""
    if len(ids) <= context + 1:
        raise ValueError(f"text of {len(ids)} characters is too short for context {context}")
    start = rng.integers(0, len(ids) - context - 1, size=n)
    idx = start[:, None] + np.arange(context + 1)[None, :]
    w = ids[idx]
    return w[:, :-1], w[:, 1:]


def tiled_windows(ids: np.ndarray, context: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` non-overlapping windows (a fixed evaluation set)."""
    n = min(n, (len(ids) - 1) // context)
    if n < 1:
        raise ValueError(f"text of {len(ids)} characters is too short for context {context}")
    x = ids[: n * context].reshape(n, context)
    y = ids[1: n * context + 1].reshape(n, context)
    return x, y
