"""Correct solutions of Exercise 2 written differently from the instructor's: each must get full marks.

Each entry replaces the solution cells named in `cells` ({grade id: full source of the cell}) and
lists the graded parts (`parts`) whose contract it exercises in another way.
"""
ALL_PARTS = ["test_huber_closure", "test_huber_class", "test_negative_sampling", "test_activity_l2",
             "test_reconstructing_regressor"]

ALTERNATIVES = [
    dict(
        why="tf.* ops throughout: tf.where with the linear branch expanded, the Huber class as 0.5 q^2 + "
            "threshold (|e| - q) with q = min(|e|, threshold), tf.gather with batch_dims and tf.where masking, "
            "tf.reduce_sum penalty, dict-merge get_config; the regressor stores its arguments under other "
            "names (_out_dim, _units, _aux: issue 15) and builds with explicit shapes",
        parts=ALL_PARTS,
        cells={
            "huber_closure": '''def make_huber_loss(threshold):
    delta = float(threshold)

    def loss(y_true, y_pred):
        err = tf.abs(tf.convert_to_tensor(y_pred) - tf.convert_to_tensor(y_true))
        per_entry = tf.where(err > delta, delta * err - 0.5 * delta ** 2, 0.5 * tf.square(err))
        return tf.reduce_mean(per_entry, axis=-1)

    return loss
''',
            "huber_class": '''@keras.saving.register_keras_serializable(package="exercise02")
class HuberLoss(keras.losses.Loss):
    def __init__(self, threshold=1.0, **kwargs):
        super().__init__(**kwargs)
        self.threshold = threshold

    def call(self, y_true, y_pred):
        magnitude = tf.abs(y_true - y_pred)
        clipped = tf.minimum(magnitude, self.threshold)
        return tf.reduce_mean(0.5 * clipped ** 2 + self.threshold * (magnitude - clipped), axis=-1)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}
''',
            "negative_sampling": '''@keras.saving.register_keras_serializable(package="exercise02")
def negative_sampling_loss(y_true, y_pred):
    ids = tf.cast(y_true, tf.int64)
    s_pos = tf.gather(y_pred, ids[:, 0], axis=1, batch_dims=1)
    negatives = ids[:, 1:]
    s_neg = tf.gather(y_pred, tf.maximum(negatives, 0), axis=1, batch_dims=1)
    per_negative = tf.where(negatives >= 0, -tf.math.log_sigmoid(-s_neg), tf.zeros_like(s_neg))
    return -tf.math.log_sigmoid(s_pos) + tf.reduce_sum(per_negative, axis=1)
''',
            "activity_l2": '''@keras.saving.register_keras_serializable(package="exercise02")
class ActivityL2(keras.layers.Layer):
    def __init__(self, rate=0.01, **kwargs):
        super().__init__(**kwargs)
        self.rate = float(rate)

    def call(self, inputs):
        penalty = tf.reduce_sum(tf.square(inputs))
        self.add_loss(tf.multiply(tf.cast(self.rate, penalty.dtype), penalty))
        return inputs

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}
''',
            "reconstructing_regressor": '''@keras.saving.register_keras_serializable(package="exercise02")
class ReconstructingRegressor(keras.Model):
    def __init__(self, output_dim, hidden_units=32, aux_weight=0.05, **kwargs):
        super().__init__(**kwargs)
        self._out_dim, self._units, self._aux = output_dim, hidden_units, aux_weight
        self.hidden = [keras.layers.Dense(self._units, activation="relu"),
                       keras.layers.Dense(self._units, activation="relu")]
        self.out = keras.layers.Dense(self._out_dim)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        features = input_shape[-1]
        self.reconstruct = keras.layers.Dense(features)
        hidden_shape = input_shape[:-1] + (self._units,)
        self.hidden[0].build(input_shape)
        self.hidden[1].build(hidden_shape)
        self.reconstruct.build(hidden_shape)
        self.out.build(hidden_shape)

    def call(self, inputs):
        codes = self.hidden[1](self.hidden[0](inputs))
        error = tf.math.squared_difference(self.reconstruct(codes), inputs)
        self.add_loss(tf.reduce_mean(error) * self._aux)
        return self.out(codes)

    def get_config(self):
        return {**super().get_config(), "output_dim": self._out_dim, "hidden_units": self._units,
                "aux_weight": self._aux}
''',
        },
    ),
    dict(
        why="keras.ops with other formulas: the closure as min-clipped Huber, the class as "
            "threshold |e| - threshold^2 / 2 beyond the threshold with a sum divided by the last dimension, "
            "one-hot masks for the packed ids (a -1 id one-hot encodes to zeros), x * x penalty with the rate "
            "under another name, a regressor whose settings live in a dict attribute and whose layers run "
            "in a Python loop over all of them",
        parts=ALL_PARTS,
        cells={
            "huber_closure": '''def make_huber_loss(threshold):
    def huber(y_true, y_pred):
        size = keras.ops.abs(keras.ops.subtract(y_pred, y_true))
        small = keras.ops.minimum(size, threshold)
        return keras.ops.mean(0.5 * small * small + threshold * (size - small), axis=-1)
    return huber
''',
            "huber_class": '''@keras.saving.register_keras_serializable(package="exercise02")
class HuberLoss(keras.losses.Loss):
    def __init__(self, threshold=1.0, **kwargs):
        super().__init__(**kwargs)
        self.threshold = threshold

    def call(self, y_true, y_pred):
        y_pred = keras.ops.convert_to_tensor(y_pred)
        y_true = keras.ops.cast(y_true, y_pred.dtype)
        e = keras.ops.abs(y_true - y_pred)
        t = self.threshold
        values = keras.ops.where(e < t, keras.ops.square(e) / 2, t * e - t * t / 2)
        return keras.ops.sum(values, axis=-1) / keras.ops.cast(keras.ops.shape(values)[-1], values.dtype)

    def get_config(self):
        config = dict(super().get_config())
        config["threshold"] = self.threshold
        return config
''',
            "negative_sampling": '''@keras.saving.register_keras_serializable(package="exercise02")
def negative_sampling_loss(y_true, y_pred):
    n_items = keras.ops.shape(y_pred)[-1]
    ids = keras.ops.cast(y_true, "int32")
    positive = keras.ops.one_hot(ids[:, 0], n_items, dtype=y_pred.dtype)
    # one row of counts per user: a -1 id one-hot encodes to zeros
    negatives = keras.ops.sum(keras.ops.one_hot(ids[:, 1:], n_items, dtype=y_pred.dtype), axis=1)
    positive_term = keras.ops.sum(positive * keras.ops.log_sigmoid(y_pred), axis=-1)
    negative_term = keras.ops.sum(negatives * keras.ops.log_sigmoid(-y_pred), axis=-1)
    return -(positive_term + negative_term)
''',
            "activity_l2": '''@keras.saving.register_keras_serializable(package="exercise02")
class ActivityL2(keras.layers.Layer):
    def __init__(self, rate=0.01, **kwargs):
        super().__init__(**kwargs)
        self.strength = rate

    def call(self, inputs):
        self.add_loss(keras.ops.multiply(self.strength, keras.ops.sum(inputs * inputs)))
        return inputs

    def get_config(self):
        config = super().get_config()
        config["rate"] = self.strength
        return config
''',
            "reconstructing_regressor": '''@keras.saving.register_keras_serializable(package="exercise02")
class ReconstructingRegressor(keras.Model):
    def __init__(self, output_dim, hidden_units=32, aux_weight=0.05, **kwargs):
        super().__init__(**kwargs)
        self.settings = {"output_dim": output_dim, "hidden_units": hidden_units, "aux_weight": aux_weight}
        self.hidden = []
        for _ in range(2):
            self.hidden.append(keras.layers.Dense(hidden_units, activation="relu"))
        self.out = keras.layers.Dense(output_dim)

    def build(self, input_shape):
        self.reconstruct = keras.layers.Dense(input_shape[-1])
        for layer in self.hidden:
            layer.build(input_shape)
            input_shape = layer.compute_output_shape(input_shape)
        for layer in (self.out, self.reconstruct):
            layer.build(input_shape)

    def call(self, inputs):
        hidden = inputs
        for layer in self.hidden:
            hidden = layer(hidden)
        difference = self.reconstruct(hidden) - inputs
        self.add_loss(keras.ops.multiply(self.settings["aux_weight"], keras.ops.mean(difference * difference)))
        return self.out(hidden)

    def get_config(self):
        return {**super().get_config(), **self.settings}
''',
        },
    ),
    dict(
        why="a lambda closure over a module-level helper, the class computing in its compute dtype through "
            "a private method, softplus instead of log_sigmoid with a mask multiply, a penalty from the "
            "flattened inputs' dot product, a regressor whose arguments live in a _settings dict "
            "and the reconstruction loss as the mean of per-example means",
        parts=ALL_PARTS,
        cells={
            "huber_closure": '''def _huber_values(y_true, y_pred, threshold):
    error = keras.ops.abs(y_pred - y_true)
    inside = keras.ops.cast(error <= threshold, error.dtype)
    return inside * 0.5 * error ** 2 + (1 - inside) * threshold * (error - threshold / 2)


def make_huber_loss(threshold):
    return lambda y_true, y_pred: keras.ops.mean(_huber_values(y_true, y_pred, threshold), axis=-1)
''',
            "huber_class": '''@keras.saving.register_keras_serializable(package="exercise02")
class HuberLoss(keras.losses.Loss):
    def __init__(self, threshold=1.0, **kwargs):
        super().__init__(**kwargs)
        self.threshold = threshold

    def _entries(self, error):
        absolute = keras.ops.abs(error)
        return keras.ops.where(absolute > self.threshold,
                               self.threshold * absolute - 0.5 * self.threshold ** 2,
                               0.5 * absolute ** 2)

    def call(self, y_true, y_pred):
        return keras.ops.mean(self._entries(keras.ops.subtract(y_pred, y_true)), axis=-1)

    def get_config(self):
        base = super().get_config()
        base.update(threshold=self.threshold)
        return base
''',
            "negative_sampling": '''@keras.saving.register_keras_serializable(package="exercise02")
def negative_sampling_loss(y_true, y_pred):
    ids = keras.ops.cast(keras.ops.round(y_true), "int64")
    safe = keras.ops.where(ids < 0, keras.ops.zeros_like(ids), ids)
    picked = keras.ops.take_along_axis(y_pred, safe, axis=1)
    used = keras.ops.cast(keras.ops.greater_equal(ids[:, 1:], 0), picked.dtype)
    positive_loss = keras.ops.softplus(-picked[:, 0])
    negative_loss = keras.ops.sum(keras.ops.softplus(picked[:, 1:]) * used, axis=-1)
    return positive_loss + negative_loss
''',
            "activity_l2": '''@keras.saving.register_keras_serializable(package="exercise02")
class ActivityL2(keras.layers.Layer):
    def __init__(self, rate=0.01, **kwargs):
        super().__init__(**kwargs)
        self._rate = rate

    def call(self, inputs):
        flat = keras.ops.reshape(inputs, (-1,))
        self.add_loss(self._rate * keras.ops.vdot(flat, flat))
        return inputs

    def get_config(self):
        config = super().get_config()
        config.update(rate=self._rate)
        return config
''',
            "reconstructing_regressor": '''@keras.saving.register_keras_serializable(package="exercise02")
class ReconstructingRegressor(keras.Model):
    def __init__(self, output_dim, hidden_units=32, aux_weight=0.05, **kwargs):
        super().__init__(**kwargs)
        self._settings = dict(output_dim=output_dim, hidden_units=hidden_units, aux_weight=aux_weight)
        self.hidden = [keras.layers.Dense(units=hidden_units, activation=keras.activations.relu),
                       keras.layers.Dense(units=hidden_units, activation="relu")]
        self.out = keras.layers.Dense(units=output_dim)

    def build(self, input_shape):
        shape = list(input_shape)
        self.reconstruct = keras.layers.Dense(shape[-1])
        for layer in self.hidden:
            layer.build(shape)
            shape = list(layer.compute_output_shape(shape))
        self.out.build(shape)
        self.reconstruct.build(shape)

    def call(self, inputs):
        z = self.hidden[1](self.hidden[0](inputs))
        per_example = keras.ops.mean(keras.ops.square(inputs - self.reconstruct(z)), axis=-1)
        self.add_loss(self._settings["aux_weight"] * keras.ops.mean(per_example))
        return self.out(z)

    def get_config(self):
        config = super().get_config()
        config.update(self._settings)
        return config
''',
        },
    ),
]
