// Row-wise and element-wise ops: softmax, layernorm, GELU, tanh, add; peak probes. (owned by the ops work)
