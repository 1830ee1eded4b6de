"""Brian2's global settings (code-generation target, default clock step, device), changed only inside a block."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def brian2_settings(b2, *, target: str | None = None, dt_s: float | None = None,
                    standalone_directory: str | None = None) -> Iterator[None]:
    """Sets Brian2's global settings for the duration of a block and gives the caller's back on exit.

    Brian2 keeps its code-generation target (``prefs.codegen.target``), the default clock's step
    (``defaultclock.dt``) and the active device in module state; a library call that changed them for good
    would change its caller's later simulations. Entering sets the ones given (``None``: left as they are);
    leaving restores all three, whether the block ends or raises.

    Args:
        b2: the ``brian2`` module.
        target: code-generation target inside the block, e.g. "numpy" or "cython".
        dt_s: default clock step inside the block (s).
        standalone_directory: when given, the block runs on Brian2's cpp_standalone device (built by an
            explicit ``device.build``, not on run) with its project in this folder.
    """
    saved_target = b2.prefs.codegen.target
    saved_dt = b2.defaultclock.dt
    standalone = False
    try:
        if standalone_directory is not None:
            b2.set_device("cpp_standalone", directory=standalone_directory, build_on_run=False)
            standalone = True
        if target is not None:
            b2.prefs.codegen.target = target
        if dt_s is not None:
            b2.defaultclock.dt = dt_s * b2.second
        yield
    finally:
        if standalone:
            b2.device.reinit()  # forget the standalone project, so that a later standalone run starts clean
            # the device active before, with its build options (pops what set_device pushed)
            importlib.import_module("brian2.devices.device").reset_device()
        b2.prefs.codegen.target = saved_target
        b2.defaultclock.dt = saved_dt  # after the device: switching devices copies the clock step over
