"""Workloads shared by compare, the experiments and the SNN: the sklearn digits MLP."""

from .digits import MLP, crossbar_accuracy, digital_accuracy, load_digits_split, train_mlp
from .mlp import dense, mlp_apply

__all__ = ["MLP", "crossbar_accuracy", "dense", "digital_accuracy", "load_digits_split", "mlp_apply", "train_mlp"]
