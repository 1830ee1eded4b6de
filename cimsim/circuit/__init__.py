"""Circuit solve of a crossbar with wire resistance (IR drop): exact, first-order, nonlinear cells, and ngspice
tools.

The numba kernels behind the exact solvers are imported and compiled at the first solve, not here."""

from ._iv import LinearIV, PolyIV, SinhIV
from ._nodal import nodal_system, solve_scipy
from ._nonlinear import NewtonInfo, solve_ir_drop_nonlinear
from ._solve import (IRDropConvergenceError, IRDropValidityWarning, SolveInfo, ir_drop_first_order, ir_drop_matrix,
                     solve_ir_drop)

__all__ = ["IRDropConvergenceError", "IRDropValidityWarning", "LinearIV", "NewtonInfo", "PolyIV", "SinhIV", "SolveInfo",
           "ir_drop_first_order", "ir_drop_matrix", "nodal_system", "solve_ir_drop", "solve_ir_drop_nonlinear",
           "solve_scipy"]
