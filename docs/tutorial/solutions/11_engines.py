"""Lesson 11's exercise: the LeNet lowered into both TensorRT stand-ins and raised back."""

import numpy as np

import trtdsl as td
from trtdsl.backends.tensorrt import lower, raise_network, standin

rng = np.random.default_rng(11)
net = td.Network("lenet")
image = net.input("image", td.float32, ("batch", 1, 28, 28))
h = td.max_pool(td.conv(image, rng.normal(size=(20, 1, 5, 5)).astype(np.float32)), 2)
h = td.max_pool(td.conv(h, rng.normal(size=(50, 20, 5, 5)).astype(np.float32)), 2)
h = td.relu(h.reshape(h.shape[0], 800) @ rng.normal(size=(800, 500)).astype(np.float32))
net.output("prob", td.softmax(h @ rng.normal(size=(500, 10)).astype(np.float32), axis=1))

for version in ("10.16", "11.4"):
    trt = standin.module(version)
    definition = lower(net, trt).network
    assert definition.num_layers == len(net.nodes), (definition.num_layers, len(net.nodes))
    assert raise_network(definition, trt).format(locations=False) == net.format(locations=False)
    print(f"TensorRT {version} stand-in: {definition.num_layers} layers, raised back the same")
