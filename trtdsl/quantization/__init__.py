"""Q/DQ placement for TensorRT: :func:`check` reports placements TensorRT rejects, will not fuse, or that
cost speed; :func:`insert_qdq` quantizes the inputs of convolutions and matrix multiplies the
recommended way, with scales from :func:`calibrate` and the weights' values.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("q")
>>> x = net.input("x", td.float32, (1, 1, 4, 4))
>>> net.output("y", td.conv(x, np.ones((2, 1, 3, 3), np.float32)))
>>> td.quantization.check(net).rules()
[]
>>> feeds = [{"x": np.linspace(-1, 1, 16, dtype=np.float32).reshape(1, 1, 4, 4)}]
>>> [n.op.kind for n in td.quantization.insert_qdq(net, feeds)]
['Convolution']
>>> print(td.quantization.check(net))
no Q/DQ placement findings
"""

from trtdsl.quantization.check import Finding, Report, check
from trtdsl.quantization.insert import QuantizationWarning, calibrate, insert_qdq

__all__ = ["Finding", "QuantizationWarning", "Report", "calibrate", "check", "insert_qdq"]
