"""Plausible student bugs for Exercise 1. Each must cost the points of `part` and no others.

`cell` is the solution cell edited, `old` the exact text of the instructor's solution replaced by `new`.
"""
BUGS = [
    dict(part="test_my_dense", cell="my_dense", why="weights created in __init__ for a fixed input size",
         old='''        self.activation = keras.activations.get(activation)
''',
         new='''        self.activation = keras.activations.get(activation)
        self.kernel = self.add_weight(name="kernel", shape=(3, units), initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(units,), initializer="zeros")
'''),
    dict(part="test_my_dense", cell="my_dense", why="bias never added",
         old="outputs = keras.ops.matmul(inputs, self.kernel) + self.bias",
         new="outputs = keras.ops.matmul(inputs, self.kernel)"),
    # Issue 15: with the layer's fresh zero bias, these two earned full marks.
    dict(part="test_my_dense", cell="my_dense", why="bias added after the activation",
         old='''        outputs = keras.ops.matmul(inputs, self.kernel) + self.bias
        return self.activation(outputs)''',
         new='''        return self.activation(keras.ops.matmul(inputs, self.kernel)) + self.bias'''),
    dict(part="test_my_dense", cell="my_dense", why="bias subtracted instead of added",
         old="outputs = keras.ops.matmul(inputs, self.kernel) + self.bias",
         new="outputs = keras.ops.matmul(inputs, self.kernel) - self.bias"),
    # Its values lie inside glorot_uniform's range, only 18% narrower in spread.
    dict(part="test_my_dense", cell="my_dense", why="kernel initialized with lecun_uniform",
         old='initializer="glorot_uniform",', new='initializer="lecun_uniform",'),
    dict(part="test_my_dense", cell="my_dense", why="get_config forgets the activation",
         old='''            "activation": keras.activations.serialize(self.activation),
''',
         new=""),
    dict(part="test_running_sum", cell="running_sum", why="running state created trainable",
         old='''            name="total", shape=(input_shape[-1],), initializer="zeros",
            trainable=False,''',
         new='''            name="total", shape=(input_shape[-1],), initializer="zeros",'''),
    dict(part="test_running_sum", cell="running_sum", why="count counts calls, not samples",
         old="self.count.assign_add(keras.ops.cast(batch, self.count.dtype))",
         new="self.count.assign_add(1.0)"),
    dict(part="test_gaussian_noise", cell="gaussian_noise", why="noise also added at inference",
         old="        if training:\n            noise", new="        if True:\n            noise"),
    dict(part="test_gaussian_noise", cell="gaussian_noise", why="noise scaled by the variance, not the stddev",
         old="stddev=self.stddev,", new="stddev=self.stddev ** 2,"),
    dict(part="test_batch_norm", cell="batch_norm", why="divides by the variance (the post's bug)",
         old="scale = keras.ops.sqrt(variance + self.epsilon)", new="scale = variance"),
    dict(part="test_batch_norm", cell="batch_norm", why="moving mean trainable (the post's bug)",
         old='''            name="moving_mean", shape=shape, initializer="zeros",
            trainable=False)''',
         new='''            name="moving_mean", shape=shape, initializer="zeros")'''),
]
