"""One lock around numba's parallel kernels.

cimsim runs numba's parallel regions on the "workqueue" threading layer (see backends/_numba.py), which
is not thread-safe: two Python threads launching parallel kernels at the same time abort the process
(seen with threaded Dask workers). Every parallel launch in cimsim holds this lock; the kernels are short
and already use every core, so serializing them costs nothing measurable.
"""

import threading

NUMBA_PARALLEL = threading.RLock()
