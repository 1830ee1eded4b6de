"""The matrix view of a weight x activation product: how cimsim.jx.transform reads a ``dot_general`` or a
``conv_general_dilated`` as W (out, in) times X (m, in), and puts the product back in the equation's layout.

A dot_general's weight side is (free dims, contracted dims) -> (out, in); its activation side is (m, in).
A convolution's kernel is (c_out, c_in * kh * kw), c_in slowest, and its activations are the patches
(``lax.conv_general_dilated_patches``: one row of c_in * kh * kw inputs per output pixel).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import lax


def dot_plan(eqn, w_side: int, shapes) -> dict | None:
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    if lb or rb:
        return None
    c_w, c_x = (lc, rc) if w_side == 0 else (rc, lc)
    w_shape, x_shape = shapes[w_side], shapes[1 - w_side]
    f_w = [d for d in range(len(w_shape)) if d not in c_w]
    f_x = [d for d in range(len(x_shape)) if d not in c_x]
    n_in = int(np.prod([w_shape[d] for d in c_w], dtype=np.int64))
    n_out = int(np.prod([w_shape[d] for d in f_w], dtype=np.int64))
    m = int(np.prod([x_shape[d] for d in f_x], dtype=np.int64))
    return dict(c_w=tuple(c_w), c_x=tuple(c_x), f_w=tuple(f_w), f_x=tuple(f_x), n_in=n_in, n_out=n_out, m=m,
                fw_shape=tuple(w_shape[d] for d in f_w), fx_shape=tuple(x_shape[d] for d in f_x), w_side=w_side)


def dot_matrices(plan, w, x):
    W = jnp.transpose(w, plan["f_w"] + plan["c_w"]).reshape(plan["n_out"], plan["n_in"])
    X = jnp.transpose(x, plan["f_x"] + plan["c_x"]).reshape(plan["m"], plan["n_in"])
    return W, X


def dot_output(plan, Y):
    y = Y.reshape(plan["fx_shape"] + plan["fw_shape"])
    if plan["w_side"] == 1:  # dot_general's output: lhs free dims, then rhs free dims
        return y
    nx, nw = len(plan["fx_shape"]), len(plan["fw_shape"])
    return jnp.transpose(y, tuple(range(nx, nx + nw)) + tuple(range(nx)))


def conv_plan(eqn, shapes) -> dict | None:
    p = eqn.params
    if p["feature_group_count"] != 1 or p["batch_group_count"] != 1:
        return None
    dn = p["dimension_numbers"]
    k_shape = shapes[1]
    spatial = tuple(k_shape[d] for d in dn.rhs_spec[2:])
    n_out, c_in = k_shape[dn.rhs_spec[0]], k_shape[dn.rhs_spec[1]]
    return dict(dn=dn, spatial=spatial, n_out=int(n_out), n_in=int(c_in * np.prod(spatial, dtype=np.int64)))


def conv_matrices(plan, eqn, x, k):
    p, dn = eqn.params, plan["dn"]
    K = jnp.transpose(k, dn.rhs_spec).reshape(plan["n_out"], plan["n_in"])  # (O, I * kh * kw), I slowest
    patches = lax.conv_general_dilated_patches(
        x, plan["spatial"], p["window_strides"], p["padding"], lhs_dilation=p["lhs_dilation"],
        rhs_dilation=p["rhs_dilation"], dimension_numbers=dn)
    out_spec = dn.out_spec  # (batch, feature, spatial...) positions in the patches' layout
    order = (out_spec[0],) + tuple(out_spec[2:]) + (out_spec[1],)
    P = jnp.transpose(patches, order)
    lead = P.shape[:-1]
    return K, P.reshape(-1, plan["n_in"]), lead


def from_channels_last(y, out_spec):
    """(batch, spatial..., features) back to a convolution's output layout ``out_spec``."""
    inv = np.argsort((out_spec[0],) + tuple(out_spec[2:]) + (out_spec[1],))
    return jnp.transpose(y, tuple(int(i) for i in inv))


def conv_output(plan, Y, lead):
    return from_channels_last(Y.reshape(lead + (plan["n_out"],)), plan["dn"].out_spec)  # from (batch, spatial..., O)
