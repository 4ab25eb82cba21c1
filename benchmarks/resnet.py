"""ResNet-50 v1's layers, shared by the benchmarks that build it."""

from __future__ import annotations

from collections.abc import Callable

import trtdsl as td

Conv = Callable[..., td.Tensor]


def resnet50_features(x: td.Tensor, conv: Conv, narrow: int = 1) -> td.Tensor:
    """ResNet-50 v1 from the image ``x`` to its pooled features ``[1, 2048 // narrow]``, with ``1 / narrow``
    of its channels. ``conv(h, k, size, stride=1, relu=True)`` makes each convolution (with its weights and
    the bias holding the folded batch norm), followed by a ReLU unless ``relu`` is false."""
    h = conv(x, 64 // narrow, 7, 2)
    h = td.max_pool(h, 3, stride=2, padding=1)
    for stage, (blocks, width) in enumerate([(3, 64), (4, 128), (6, 256), (3, 512)]):
        width //= narrow
        for block in range(blocks):
            stride = 2 if stage > 0 and block == 0 else 1
            shortcut = h if block > 0 else conv(h, 4 * width, 1, stride, relu=False)
            y = conv(h, width, 1)
            y = conv(y, width, 3, stride)
            y = conv(y, 4 * width, 1, relu=False)
            h = td.relu(y + shortcut)
    return td.reshape(td.mean(h, axis=(2, 3)), (1, 2048 // narrow))
