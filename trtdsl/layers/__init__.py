"""Layer families: one module per TensorRT layer family, holding each op's parameters, validation,
shape/dtype rule and NumPy reference together."""
