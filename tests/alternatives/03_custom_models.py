"""Correct solutions of Exercise 3 written differently from the instructor's: each must get full marks.

Each alternative replaces every solution cell ({grade id: full source of the cell}); `parts` lists
the parts it rewrites. They vary what the instructions leave open: tf.* or keras.ops, loops or
nested calls, positional or keyword arguments, activations inside the Dense layers or applied in
call, other attribute names for what the tests do not name, extra harmless config keys.
"""
DECORATOR = '@keras.saving.register_keras_serializable(package="exercise03")\n'

TF_OPS = {
    "residual_block": DECORATOR + '''class ResidualBlock(keras.layers.Layer):
    def __init__(self, n_layers, n_neurons, **kwargs):
        super().__init__(**kwargs)
        self.n_layers, self.n_neurons = n_layers, n_neurons
        self.hidden = []
        for _ in range(n_layers):
            self.hidden.append(keras.layers.Dense(
                units=n_neurons, activation=keras.activations.elu,
                kernel_initializer=keras.initializers.HeNormal()))

    def build(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.hidden:
            layer.build(shape)
            shape = shape[:-1] + (self.n_neurons,)

    def call(self, inputs):
        import functools
        stack = functools.reduce(lambda z, layer: layer(z), self.hidden, inputs)
        return tf.add(inputs, stack)

    def get_config(self):
        return {**super().get_config(), "n_layers": self.n_layers, "n_neurons": self.n_neurons}
''',
    "residual_regressor": DECORATOR + '''class ResidualRegressor(keras.Model):
    def __init__(self, output_dim, **kwargs):
        super().__init__(**kwargs)
        self.output_dim = output_dim
        self.hidden1 = keras.layers.Dense(30, activation="elu", kernel_initializer="he_normal")
        self.block1, self.block2 = ResidualBlock(2, 30), ResidualBlock(n_layers=2, n_neurons=30)
        self.out = keras.layers.Dense(output_dim, activation="linear")

    def call(self, inputs):
        Z = self.block1(self.block1(self.block1(self.block1(self.hidden1(inputs)))))
        return self.out(self.block2(Z))

    def get_config(self):
        return {**super().get_config(), "output_dim": self.output_dim}
''',
    "sampling": DECORATOR + '''class Sampling(keras.layers.Layer):
    def __init__(self, kl_weight=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.kl_weight = kl_weight
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed=seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        std = tf.exp(z_log_var / 2)
        epsilon = keras.random.normal(keras.ops.shape(z_mean), dtype=z_mean.dtype, seed=self.seed_generator)
        kl = 0.5 * tf.reduce_sum(tf.exp(z_log_var) + tf.square(z_mean) - 1.0 - z_log_var, axis=1)
        self.add_loss(tf.reduce_mean(kl) * self.kl_weight)
        return z_mean + std * epsilon

    def get_config(self):
        return {**super().get_config(), "kl_weight": self.kl_weight, "seed": self.seed}
''',
    "vae": DECORATOR + '''class VAE(keras.Model):
    def __init__(self, original_dim, latent_dim=2, intermediate_dim=32,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.original_dim, self.latent_dim = original_dim, latent_dim
        self.intermediate_dim, self.seed = intermediate_dim, seed
        layers = keras.layers
        self.encoder_hidden = layers.Dense(intermediate_dim, activation="relu")
        self.dense_mean = layers.Dense(latent_dim)
        self.dense_log_var = layers.Dense(latent_dim)
        self.sampling = Sampling(1.0 / original_dim, seed)
        self.decoder_hidden = layers.Dense(intermediate_dim, "relu")
        self.decoder_output = layers.Dense(original_dim, activation=keras.activations.sigmoid)

    def encode(self, inputs):
        h = self.encoder_hidden(inputs)
        return (self.dense_mean(h), self.dense_log_var(h))

    def decode(self, z):
        h = self.decoder_hidden(z)
        return self.decoder_output(h)

    def call(self, inputs, training=False):
        z_mean, z_log_var = self.encode(inputs)
        z = self.sampling([z_mean, z_log_var])
        if training:
            return self.decode(z)
        return self.decode(z_mean)

    def get_config(self):
        return {**super().get_config(), "original_dim": self.original_dim, "latent_dim": self.latent_dim,
                "intermediate_dim": self.intermediate_dim, "seed": self.seed}
''',
}

KERAS_OPS_LOOPS = {
    "residual_block": DECORATOR + '''class ResidualBlock(keras.layers.Layer):
    def __init__(self, n_layers, n_neurons, activation="elu", **kwargs):
        super().__init__(**kwargs)
        self.n_layers = int(n_layers)
        self.n_neurons = int(n_neurons)
        self.activation = activation
        self.hidden = list(map(lambda _: keras.layers.Dense(n_neurons, activation,
                                                            kernel_initializer="he_normal"),
                               range(n_layers)))

    def build(self, input_shape):
        for i in range(len(self.hidden)):
            self.hidden[i].build(input_shape)
        super().build(input_shape)

    def call(self, inputs):
        outputs, i = inputs, 0
        while i < self.n_layers:
            outputs = self.hidden[i](outputs)
            i += 1
        return keras.ops.add(outputs, inputs)

    def get_config(self):
        config = super().get_config()
        config["n_layers"] = self.n_layers
        config["n_neurons"] = self.n_neurons
        config["activation"] = self.activation  # an extra key that __init__ accepts
        return config
''',
    "residual_regressor": DECORATOR + '''class ResidualRegressor(keras.Model):
    def __init__(self, output_dim=1, **kwargs):
        super().__init__(**kwargs)
        self.output_dim = output_dim
        self.hidden1 = keras.layers.Dense(30, activation="elu",
                                          kernel_initializer=keras.initializers.HeNormal(seed=None))
        self.block1 = ResidualBlock(n_layers=2, n_neurons=30)
        self.block2 = ResidualBlock(n_layers=2, n_neurons=30)
        self.out = keras.layers.Dense(units=output_dim)
        self.repeats = 4

    def call(self, inputs):
        hidden = self.hidden1(inputs)
        for _ in range(self.repeats):
            hidden = self.block1(hidden)
        hidden = self.block2(hidden)
        return self.out(hidden)

    def get_config(self):
        config = super().get_config()
        config.update(output_dim=self.output_dim)
        return config
''',
    "sampling": DECORATOR + '''class Sampling(keras.layers.Layer):
    def __init__(self, kl_weight=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.kl_weight, self.seed = kl_weight, seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        noise = keras.random.normal(keras.ops.shape(z_log_var), mean=0.0, stddev=1.0, dtype=z_mean.dtype,
                                    seed=self.seed_generator)
        z = z_mean + keras.ops.sqrt(keras.ops.exp(z_log_var)) * noise
        per_sample = keras.ops.sum(keras.ops.exp(z_log_var) + z_mean**2 - 1 - z_log_var, axis=-1) / 2
        self.add_loss(self.kl_weight * keras.ops.mean(per_sample))
        return z

    def get_config(self):
        config = super().get_config()
        config.update(kl_weight=self.kl_weight, seed=self.seed)
        return config
''',
    "vae": DECORATOR + '''class VAE(keras.Model):
    def __init__(self, original_dim, latent_dim=2, intermediate_dim=32,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.original_dim = original_dim
        self.latent_dim = latent_dim
        self.intermediate_dim = intermediate_dim
        self.seed = seed
        self.encoder_hidden = keras.layers.Dense(units=intermediate_dim, activation=keras.activations.relu)
        self.dense_mean = keras.layers.Dense(units=latent_dim)
        self.dense_log_var = keras.layers.Dense(units=latent_dim)
        self.sampling = Sampling(kl_weight=1.0 / self.original_dim, seed=self.seed)
        self.decoder_hidden = keras.layers.Dense(units=intermediate_dim, activation="relu")
        self.decoder_output = keras.layers.Dense(units=original_dim, activation="sigmoid")

    def encode(self, inputs):
        features = self.encoder_hidden(inputs)
        return [self.dense_mean(features), self.dense_log_var(features)]

    def decode(self, z):
        return self.decoder_output(self.decoder_hidden(z))

    def call(self, inputs, training=None):
        z_mean, z_log_var = self.encode(inputs)
        sampled = self.sampling((z_mean, z_log_var))
        return self.decode(sampled if training else z_mean)

    def get_config(self):
        return dict(super().get_config(), original_dim=self.original_dim, latent_dim=self.latent_dim,
                    intermediate_dim=self.intermediate_dim, seed=self.seed)
''',
}

ACTIVATIONS_IN_CALL = {
    "residual_block": DECORATOR + '''class ResidualBlock(keras.layers.Layer):
    """The ELU is applied in call, after Dense layers without an activation."""

    def __init__(self, n_layers, n_neurons, **kwargs):
        super().__init__(**kwargs)
        self.n_layers = n_layers
        self.n_neurons = n_neurons
        self.hidden = [keras.layers.Dense(n_neurons, kernel_initializer="he_normal") for _ in range(n_layers)]

    def build(self, input_shape):
        for layer in self.hidden:
            layer.build(input_shape)
        self.built = True

    def call(self, inputs):
        Z = inputs
        for layer in self.hidden:
            Z = keras.activations.elu(layer(Z))
        return Z + inputs

    def get_config(self):
        config = super().get_config()
        config.update({"n_layers": self.n_layers, "n_neurons": self.n_neurons})
        return config
''',
    "residual_regressor": DECORATOR + '''class ResidualRegressor(keras.Model):
    def __init__(self, output_dim, repeats=4, **kwargs):
        super().__init__(**kwargs)
        self.output_dim = output_dim
        self.repeats = repeats
        self.hidden1 = keras.layers.Dense(30, kernel_initializer="he_normal")  # ELU in call
        self.block1 = ResidualBlock(2, 30)
        self.block2 = ResidualBlock(2, 30)
        self.out = keras.layers.Dense(output_dim)

    def call(self, inputs):
        Z = keras.activations.elu(self.hidden1(inputs))
        for block in [self.block1] * self.repeats + [self.block2]:
            Z = block(Z)
        return self.out(Z)

    def get_config(self):
        config = super().get_config()
        config["output_dim"] = self.output_dim
        config["repeats"] = self.repeats  # an extra key that __init__ accepts
        return config
''',
    "sampling": DECORATOR + '''class Sampling(keras.layers.Layer):
    def __init__(self, kl_weight=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.kl_weight = kl_weight
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs[0], inputs[1]
        epsilon = keras.random.normal(shape=keras.ops.shape(z_mean), seed=self.seed_generator,
                                      dtype=z_mean.dtype)
        variance = keras.ops.exp(z_log_var)
        per_sample = 0.0
        for j in range(z_mean.shape[-1]):  # one latent dimension at a time
            per_sample = per_sample + 0.5 * (variance[:, j] + keras.ops.square(z_mean[:, j]) - 1.0
                                             - z_log_var[:, j])
        self.add_loss(keras.ops.mean(per_sample) * self.kl_weight)
        return keras.ops.add(z_mean, keras.ops.multiply(keras.ops.exp(z_log_var * 0.5), epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "kl_weight": self.kl_weight})
        return config
''',
    "vae": DECORATOR + '''class VAE(keras.Model):
    def __init__(self, original_dim, latent_dim=2, intermediate_dim=32,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.original_dim = original_dim
        self.latent_dim = latent_dim
        self.intermediate_dim = intermediate_dim
        self.seed = seed
        self.encoder_hidden = keras.layers.Dense(intermediate_dim, activation="relu")
        self.dense_mean = keras.layers.Dense(latent_dim)
        self.dense_log_var = keras.layers.Dense(latent_dim)
        self.sampling = Sampling(seed=seed, kl_weight=1 / original_dim)
        self.decoder_hidden = keras.layers.Dense(intermediate_dim, activation="relu")
        self.decoder_output = keras.layers.Dense(original_dim, activation="sigmoid")

    def encode(self, inputs):
        hidden = self.encoder_hidden(inputs)
        z_mean = self.dense_mean(hidden)
        z_log_var = self.dense_log_var(hidden)
        return z_mean, z_log_var

    def decode(self, z):
        return self.decoder_output(self.decoder_hidden(z))

    def call(self, inputs, training=None):
        z_mean, z_log_var = self.encode(inputs)
        z = self.sampling((z_mean, z_log_var))
        if not training:
            z = z_mean
        return self.decode(z)

    def get_config(self):
        config = super().get_config()
        for key in ("original_dim", "latent_dim", "intermediate_dim", "seed"):
            config[key] = getattr(self, key)
        return config
''',
}

ALL_PARTS = ["test_residual_block", "test_residual_regressor", "test_sampling", "test_vae"]
ALTERNATIVES = [
    dict(why="tf.* ops, functools.reduce, nested calls, positional Sampling arguments, call(training=False)",
         parts=ALL_PARTS, cells=TF_OPS),
    dict(why="keras.ops, while and for loops, keyword arguments, an extra config key, a default output_dim",
         parts=ALL_PARTS, cells=KERAS_OPS_LOOPS),
    dict(why="activations applied in call, blocks iterated from a list, the KL term summed one dimension at a time",
         parts=ALL_PARTS, cells=ACTIVATIONS_IN_CALL),
]
