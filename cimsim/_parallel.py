"""Numba's parallel kernels: one lock around their launches, and the threading layer chosen at first launch.

cimsim runs numba's parallel regions on the "workqueue" threading layer, which is not thread-safe: two
Python threads launching parallel kernels at the same time abort the process (seen with threaded Dask
workers). Every parallel launch in cimsim holds NUMBA_PARALLEL; the kernels are short and already use
every core, so serializing them costs nothing measurable.

Why workqueue: the kernels run between BLAS calls, and numba's default OpenMP layer lets its threads
spin after a parallel region, which starves OpenBLAS's threads on a small machine (measured on 2 cores:
the 512 x 512 batch-256 forward took 12.4 ms with the omp layer, 4.1 ms with workqueue;
docs/performance.md). The choice is made by ensure_threading_layer(), called just before cimsim's first
kernel launch (not at import), and only when the user has made none: NUMBA_THREADING_LAYER in the
environment, or numba.config.THREADING_LAYER set to anything but its default, or a parallel region
already started, each leaves numba's setting untouched.
"""

import os
import threading

NUMBA_PARALLEL = threading.RLock()
_CHOSEN = False


def ensure_threading_layer() -> None:
    """Selects numba's "workqueue" threading layer once, unless the user or a running layer decided."""
    global _CHOSEN
    if _CHOSEN:
        return
    with NUMBA_PARALLEL:
        if _CHOSEN:
            return
        import numba
        from numba.np.ufunc import parallel

        user_chose = "NUMBA_THREADING_LAYER" in os.environ or numba.config.THREADING_LAYER != "default"
        if not user_chose and not parallel._is_initialized:
            numba.config.THREADING_LAYER = "workqueue"
        _CHOSEN = True
