"""``td.nn``: modules with named parameters, PyTorch-compatible checkpoints, and refit. See
docs/modules.md.

A module adds its layers to the network of the tensors it is called on, with one Constant layer per
parameter named after the parameter's path (``encoder.layers.0.attn.q_proj.weight``): the textual IR,
the ONNX initializers and the TensorRT weights carry the checkpoint's names.

>>> import numpy as np, trtdsl as td
>>> model = td.nn.Sequential(td.nn.Linear(3, 4), td.nn.LayerNorm(4))
>>> net = td.Network("model")
>>> net.output("y", model(net.input("x", td.float32, ("batch", 3))))
>>> [node.name for node in net.nodes if node.op.kind == "Constant"]
['0.weight', '0.bias', '1.weight', '1.bias']
"""

from trtdsl.nn.layers import (
    BatchNorm2d, Conv2d, ConvTranspose2d, Embedding, GroupNorm, LayerNorm, Linear, ModuleList, RMSNorm,
    Sequential,
)
from trtdsl.nn.module import IncompatibleKeys, Module, Parameter, load, save
from trtdsl.nn.stateless import (
    GELU, AvgPool2d, Dropout, Flatten, Identity, MaxPool2d, ReLU, Sigmoid, SiLU, Tanh, Upsample,
)
from trtdsl.nn.transformer import (
    MLP, MultiHeadAttention, SwiGLU, TransformerBlock, scaled_dot_product_attention,
)

__all__ = [
    "AvgPool2d", "BatchNorm2d", "Conv2d", "ConvTranspose2d", "Dropout", "Embedding", "Flatten", "GELU",
    "GroupNorm", "Identity", "IncompatibleKeys", "LayerNorm", "Linear", "MLP", "MaxPool2d", "Module",
    "ModuleList", "MultiHeadAttention", "Parameter", "RMSNorm", "ReLU", "Sequential", "SiLU", "Sigmoid",
    "SwiGLU", "Tanh", "TransformerBlock", "Upsample", "load", "save", "scaled_dot_product_attention",
]
