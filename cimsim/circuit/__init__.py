"""Circuit solve of a crossbar with wire resistance (IR drop): exact, first-order, and ngspice tools.

The numba kernels behind the exact solver are imported and compiled at the first solve, not here."""

from ._nodal import nodal_system, solve_scipy
from ._solve import (IRDropConvergenceError, IRDropValidityWarning, SolveInfo, ir_drop_first_order, ir_drop_matrix,
                     solve_ir_drop)

__all__ = ["IRDropConvergenceError", "IRDropValidityWarning", "SolveInfo", "ir_drop_first_order", "ir_drop_matrix", "nodal_system",
           "solve_ir_drop", "solve_scipy"]
