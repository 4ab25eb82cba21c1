"""4-bit values (INT4, FP4) two per byte, the first element in the low nibble: how TensorRT stores 4-bit
weights and ONNX stores 4-bit tensors. ml_dtypes holds one value per byte, in the byte's low nibble.

>>> import ml_dtypes, numpy as np
>>> values = np.array([1, -2, 3], ml_dtypes.int4)
>>> packed = pack(values)
>>> packed
array([225,   3], dtype=uint8)
>>> unpack(packed, 3).view(ml_dtypes.int4).tolist()
[1, -2, 3]
"""

from __future__ import annotations

import numpy as np


def pack(array: np.ndarray) -> np.ndarray:
    """The values of a 4-bit ``array`` (any shape, read in C order) as bytes of two values each:
    ``packed[i] = low4(flat[2 * i]) | low4(flat[2 * i + 1]) << 4``, the last byte's high nibble 0 for an odd
    count."""
    nibbles = np.ascontiguousarray(array).reshape(-1).view(np.uint8) & 0x0F
    if nibbles.size % 2:
        nibbles = np.append(nibbles, np.uint8(0))
    return (nibbles[0::2] | (nibbles[1::2] << 4)).astype(np.uint8)


def unpack(raw: np.ndarray, count: int) -> np.ndarray:
    """The first ``count`` 4-bit values of packed bytes ``raw``, one per uint8 (``.view`` them as the
    ml_dtypes type): ``out[2 * i] = raw[i] & 0xF``, ``out[2 * i + 1] = raw[i] >> 4``."""
    nibbles = np.empty(raw.size * 2, np.uint8)
    nibbles[0::2] = raw & 0x0F
    nibbles[1::2] = raw >> 4
    return nibbles[:count]
