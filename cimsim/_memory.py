"""Resident memory between the sites of a large model: freed arrays handed back to the operating system.

JAX's CPU buffers are allocated with the C library's malloc. glibc serves blocks below its mmap threshold
(which grows up to 32 MiB as large blocks are freed) from its heap and keeps freed heap memory for reuse,
so after programming one site after another the resident memory holds every site's temporaries as free
heap: measured on a quarter-size GPT-2 (31 M weights), 1.7x the programmed state resident after
programming instead of 1.0x. ``release()`` calls glibc's ``malloc_trim(0)``, which returns the free pages
of the heap (Linux glibc >= 2.8); elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to release
        return None


def release() -> None:
    """Hands the C heap's free memory back to the operating system (glibc only; a no-op elsewhere)."""
    trim = _trim()
    if trim is not None:
        trim(0)


def release_arrays(tree) -> None:
    """Outside jit: waits for the JAX arrays of ``tree`` and then ``release()``s (inside jit: nothing)."""
    import jax

    leaves = jax.tree_util.tree_leaves(tree)
    if leaves and not any(isinstance(x, jax.core.Tracer) for x in leaves):
        jax.block_until_ready(leaves)
        release()
