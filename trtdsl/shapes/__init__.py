"""Shape values, dynamic shapes and TensorRT's shape-tensor rules."""
