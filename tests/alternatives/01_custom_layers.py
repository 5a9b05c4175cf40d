"""Correct solutions of Exercise 1 written differently from the instructor's: each must get full marks.

Each entry replaces the solution cells named in `cells` ({grade id: full source of the cell}) and
lists the graded parts (`parts`) whose contract it exercises in another way.
"""
ALL_PARTS = ["test_my_dense", "test_running_sum", "test_gaussian_noise", "test_batch_norm"]

ALTERNATIVES = [
    dict(
        why="tf.* ops: tensordot and bias_add, initializer objects, super().build(), a dict-merge get_config, "
            "assign instead of assign_add, noise scaled after drawing, a manual biased variance, rsqrt, "
            "assign_sub for the moving statistics, training=False by default",
        parts=ALL_PARTS,
        cells={
            "my_dense": '''@keras.saving.register_keras_serializable(package="exercise01")
class MyDense(keras.layers.Layer):
    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        features = input_shape[-1]
        self.kernel = self.add_weight(shape=[features, self.units], name="kernel",
                                      initializer=keras.initializers.GlorotUniform(), trainable=True)
        self.bias = self.add_weight(shape=[self.units], name="bias", initializer=keras.initializers.Zeros())
        super().build(input_shape)

    def call(self, inputs):
        z = tf.tensordot(inputs, self.kernel, axes=1)
        return self.activation(tf.nn.bias_add(z, self.bias))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": keras.activations.serialize(self.activation)}
''',
            "running_sum": '''@keras.saving.register_keras_serializable(package="exercise01")
class RunningSum(keras.layers.Layer):
    def build(self, input_shape):
        self.total = self.add_weight(shape=(input_shape[-1],), initializer="zeros", trainable=False,
                                     name="total")
        self.count = self.add_weight(shape=(), initializer="zeros", trainable=False, name="count",
                                     dtype="float32")
        super().build(input_shape)

    def call(self, inputs):
        self.total.assign(self.total + tf.reduce_sum(inputs, axis=0))
        self.count.assign(self.count + tf.cast(tf.shape(inputs)[0], tf.float32))
        return inputs
''',
            "gaussian_noise": '''@keras.saving.register_keras_serializable(package="exercise01")
class MyGaussianNoise(keras.layers.Layer):
    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev, self.seed = stddev, seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        return inputs + self.stddev * keras.random.normal(tf.shape(inputs), seed=self.seed_generator)

    def get_config(self):
        config = super().get_config()
        config["stddev"] = self.stddev
        config["seed"] = self.seed
        return config
''',
            "batch_norm": '''@keras.saving.register_keras_serializable(package="exercise01")
class SimpleBatchNorm(keras.layers.Layer):
    def __init__(self, momentum=0.99, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.epsilon = epsilon

    def build(self, input_shape):
        n = input_shape[-1]
        self.gamma = self.add_weight(shape=(n,), initializer=keras.initializers.Ones(), name="gamma")
        self.beta = self.add_weight(shape=(n,), initializer="zeros", name="beta")
        self.moving_mean = self.add_weight(shape=(n,), initializer="zeros", name="moving_mean",
                                           trainable=False)
        self.moving_variance = self.add_weight(shape=(n,), initializer="ones", name="moving_variance",
                                               trainable=False)

    def call(self, inputs, training=False):
        if training:
            axes = list(range(len(inputs.shape) - 1))
            mean = tf.reduce_mean(inputs, axis=axes)
            variance = tf.reduce_mean(tf.square(inputs - mean), axis=axes)
            self.moving_mean.assign_sub((self.moving_mean - mean) * (1 - self.momentum))
            self.moving_variance.assign_sub((self.moving_variance - variance) * (1 - self.momentum))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        return (inputs - mean) * tf.math.rsqrt(variance + self.epsilon) * self.gamma + self.beta

    def get_config(self):
        config = super().get_config()
        config.update(momentum=self.momentum, epsilon=self.epsilon)
        return config
''',
        },
    ),
    dict(
        why="keras.ops only: einsum and ops.add, positional add_weight arguments, a list-built output shape, "
            "item-by-item get_config, keras.ops.sum and a float32 cast (count updated first), noise with mean= and the layer's "
            "compute dtype, keras.ops.mean/var, the moving update written the other way round",
        parts=ALL_PARTS,
        cells={
            "my_dense": '''@keras.saving.register_keras_serializable(package="exercise01")
class MyDense(keras.layers.Layer):
    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        self.kernel = self.add_weight((int(input_shape[-1]), self.units), "glorot_uniform", name="kernel")
        self.bias = self.add_weight((self.units,), "zeros", name="bias")

    def call(self, inputs):
        outputs = keras.ops.einsum("...i,ij->...j", inputs, self.kernel)
        return self.activation(keras.ops.add(outputs, self.bias))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[-1] = self.units
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        config["activation"] = keras.activations.serialize(self.activation)
        return config
''',
            "running_sum": '''@keras.saving.register_keras_serializable(package="exercise01")
class RunningSum(keras.layers.Layer):
    def build(self, input_shape):
        self.total = self.add_weight((input_shape[-1],), "zeros", trainable=False, name="total")
        self.count = self.add_weight((), "zeros", trainable=False, name="count")

    def call(self, inputs):
        batch_size = keras.ops.cast(keras.ops.shape(inputs)[0], "float32")
        self.count.assign_add(batch_size)
        self.total.assign_add(keras.ops.sum(inputs, axis=0))
        return inputs
''',
            "gaussian_noise": '''@keras.saving.register_keras_serializable(package="exercise01")
class MyGaussianNoise(keras.layers.Layer):
    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = float(stddev)
        self.seed = seed
        self.generator = keras.random.SeedGenerator(seed=seed)

    def call(self, inputs, training=None):
        if training:
            return keras.ops.add(inputs, keras.random.normal(
                shape=keras.ops.shape(inputs), mean=0.0, stddev=self.stddev,
                dtype=self.compute_dtype, seed=self.generator))
        return inputs

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "stddev": self.stddev})
        return config
''',
            "batch_norm": '''@keras.saving.register_keras_serializable(package="exercise01")
class SimpleBatchNorm(keras.layers.Layer):
    def __init__(self, momentum=0.99, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.epsilon = epsilon

    def build(self, input_shape):
        shape = (input_shape[-1],)
        self.gamma = self.add_weight(shape, "ones", name="gamma")
        self.beta = self.add_weight(shape, "zeros", name="beta")
        self.moving_mean = self.add_weight(shape, "zeros", trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape, "ones", trainable=False, name="moving_variance")

    def call(self, inputs, training=None):
        if not training:
            normalized = (inputs - self.moving_mean) / keras.ops.sqrt(self.moving_variance + self.epsilon)
            return normalized * self.gamma + self.beta
        axes = tuple(range(len(inputs.shape) - 1))
        mean = keras.ops.mean(inputs, axis=axes)
        variance = keras.ops.var(inputs, axis=axes)
        m = self.momentum
        self.moving_mean.assign((1 - m) * mean + m * self.moving_mean)
        self.moving_variance.assign((1 - m) * variance + m * self.moving_variance)
        normalized = keras.ops.divide(inputs - mean, keras.ops.sqrt(variance + self.epsilon))
        return normalized * self.gamma + self.beta

    def get_config(self):
        return dict(super().get_config(), momentum=self.momentum, epsilon=self.epsilon)
''',
        },
    ),
    dict(
        why="flatten to 2-D, multiply, reshape back; an extra harmless config key (use_bias) that __init__ "
            "accepts; the activation applied through a helper; batch sums by a loop-free matmul with ones; "
            "noise drawn in a helper method; statistics from E[x^2] - E[x]^2 in float64 layers, keyword "
            "arguments throughout",
        parts=ALL_PARTS,
        cells={
            "my_dense": '''@keras.saving.register_keras_serializable(package="exercise01")
class MyDense(keras.layers.Layer):
    def __init__(self, units, activation=None, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.use_bias = use_bias
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        self.built = True

    def _affine(self, inputs):
        shape = keras.ops.shape(inputs)
        flat = keras.ops.reshape(inputs, (-1, self.kernel.shape[0]))
        outputs = keras.ops.matmul(flat, self.kernel) + self.bias
        return keras.ops.reshape(outputs, (*shape[:-1], self.units))

    def call(self, inputs):
        return self.activation(self._affine(inputs))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, use_bias=self.use_bias,
                      activation=keras.activations.serialize(self.activation))
        return config
''',
            "running_sum": '''@keras.saving.register_keras_serializable(package="exercise01")
class RunningSum(keras.layers.Layer):
    def build(self, input_shape):
        features = input_shape[-1]
        self.total = self.add_weight(name="total", shape=(features,), initializer=keras.initializers.Zeros(),
                                     trainable=False)
        self.count = self.add_weight(name="count", shape=(), initializer=keras.initializers.Zeros(),
                                     trainable=False)

    def call(self, inputs):
        ones = keras.ops.ones_like(inputs[:, :1])
        self.total.assign_add(keras.ops.matmul(keras.ops.transpose(ones), inputs)[0])
        self.count.assign_add(keras.ops.sum(ones))
        return inputs
''',
            "gaussian_noise": '''@keras.saving.register_keras_serializable(package="exercise01")
class MyGaussianNoise(keras.layers.Layer):
    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = stddev
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _noise_like(self, inputs):
        return keras.random.normal(keras.ops.shape(inputs), stddev=self.stddev, dtype=inputs.dtype,
                                   seed=self.seed_generator)

    def call(self, inputs, training=None):
        return inputs + self._noise_like(inputs) if training else inputs

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
''',
            "batch_norm": '''@keras.saving.register_keras_serializable(package="exercise01")
class SimpleBatchNorm(keras.layers.Layer):
    def __init__(self, momentum=0.99, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.epsilon = epsilon

    def build(self, input_shape):
        def weight(name, initializer, trainable):
            return self.add_weight(name=name, shape=(input_shape[-1],), initializer=initializer,
                                   trainable=trainable)
        self.gamma = weight("gamma", "ones", True)
        self.beta = weight("beta", "zeros", True)
        self.moving_mean = weight("moving_mean", "zeros", False)
        self.moving_variance = weight("moving_variance", "ones", False)

    def _update(self, variable, value):
        variable.assign(variable * self.momentum + value * (1.0 - self.momentum))

    def call(self, inputs, training=None):
        if training:
            axes = list(range(keras.ops.ndim(inputs) - 1))
            mean = keras.ops.mean(inputs, axis=axes)
            variance = keras.ops.maximum(
                keras.ops.mean(keras.ops.square(inputs), axis=axes) - keras.ops.square(mean), 0.0)
            self._update(self.moving_mean, mean)
            self._update(self.moving_variance, variance)
        else:
            mean = keras.ops.convert_to_tensor(self.moving_mean)
            variance = keras.ops.convert_to_tensor(self.moving_variance)
        inverse = self.gamma / keras.ops.sqrt(variance + self.epsilon)
        return inputs * inverse + (self.beta - mean * inverse)

    def get_config(self):
        config = super().get_config()
        config["epsilon"] = self.epsilon
        config["momentum"] = self.momentum
        return config
''',
        },
    ),
]
