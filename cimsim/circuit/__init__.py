"""Circuit solve of a crossbar with wire resistance (IR drop): exact, first-order, and ngspice tools."""

from ._nodal import nodal_system, solve_scipy
from ._solve import IRDropConvergenceError, SolveInfo, ir_drop_first_order, ir_drop_matrix, solve_ir_drop

__all__ = ["IRDropConvergenceError", "SolveInfo", "ir_drop_first_order", "ir_drop_matrix", "nodal_system",
           "solve_ir_drop", "solve_scipy"]
