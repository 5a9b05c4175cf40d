"""Correct solutions of Exercise 4 written differently from the instructor's: each must get full marks.

Each entry replaces whole solution cells ({grade id: source}); `parts` lists the graded parts it covers.
"""

TRAIN_STEP_OPS = '''def train_step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        predictions = model(x, training=True)
        loss = loss_fn(y, predictions)
        if model.losses:
            loss = loss + keras.ops.sum(keras.ops.stack(model.losses))
    variables = model.trainable_variables
    optimizer.apply(tape.gradient(loss, variables), variables)
    return loss
'''

TRAIN_STEP_ADD_N = '''def train_step(model, optimizer, loss_fn, x, y):
    tape = tf.GradientTape()
    with tape:
        data_loss = loss_fn(y_true=y, y_pred=model(x, training=True))
        penalties = tf.add_n(model.losses) if model.losses else 0.0
        total = data_loss + penalties
    grads = tape.gradient(total, model.trainable_weights)
    optimizer.apply_gradients(list(zip(grads, model.trainable_weights)))
    return total
'''

TRAIN_STEP_LOOP = '''def train_step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        y_pred = model(x, training=True)
        loss = loss_fn(y, y_pred)
        for penalty in model.losses:
            loss += penalty
    pairs = []
    for variable, gradient in zip(model.trainable_variables,
                                  tape.gradient(loss, model.trainable_variables)):
        pairs.append((gradient, variable))
    optimizer.apply_gradients(pairs)
    return loss
'''

FIT_FRESH_METRICS = '''def fit_epochs(model, step_fn, loss_fn, train_batches, val_batches, epochs):
    history = {"loss": [], "val_loss": []}
    for _ in range(epochs):
        train_mean = keras.metrics.Mean()  # a fresh metric: starts from zero
        for x, y in train_batches:
            train_mean.update_state(step_fn(x, y), sample_weight=tf.shape(x)[0])
        val_mean = keras.metrics.Mean()
        for x, y in val_batches:
            loss = loss_fn(y, model(x, training=False))
            for penalty in model.losses:
                loss = loss + penalty
            val_mean.update_state(loss, sample_weight=tf.shape(x)[0])
        history["loss"].append(float(train_mean.result().numpy()))
        history["val_loss"].append(float(val_mean.result().numpy()))
    return history
'''

FIT_PYTHON_SUMS = '''def fit_epochs(model, step_fn, loss_fn, train_batches, val_batches, epochs):
    def weighted_mean(pairs):
        total = sum(float(loss) * n for loss, n in pairs)
        return total / sum(n for _, n in pairs)

    losses, val_losses = [], []
    for epoch in range(epochs):
        train = [(step_fn(x, y), int(x.shape[0])) for x, y in train_batches]
        val = []
        for x, y in val_batches:
            y_pred = model(x, training=False)
            loss = loss_fn(y, y_pred) + sum(model.losses)
            val.append((loss, len(x)))
        losses.append(weighted_mean(train))
        val_losses.append(weighted_mean(val))
    return dict(loss=losses, val_loss=val_losses)
'''

FIT_REPEATED_VALUES = '''def fit_epochs(model, step_fn, loss_fn, train_batches, val_batches, epochs):
    train_loss, val_loss = keras.metrics.Mean(), keras.metrics.Mean()
    history = {"loss": [], "val_loss": []}
    epoch = 0
    while epoch < epochs:
        for metric in (train_loss, val_loss):
            metric.reset_state()
        for batch in train_batches:
            x, y = batch
            loss = keras.ops.convert_to_tensor(step_fn(x, y), "float32")
            # one copy of the batch's mean loss per sample
            train_loss.update_state(keras.ops.full((keras.ops.shape(x)[0],), loss))
        for x, y in val_batches:
            regularization = keras.ops.sum([keras.ops.sum(l) for l in model.losses] + [0.0])
            loss = loss_fn(y, model(x, training=False)) + regularization
            val_loss.update_state(keras.ops.full((keras.ops.shape(x)[0],), loss))
        history["loss"].append(float(train_loss.result()))
        history["val_loss"].append(float(val_loss.result()))
        epoch += 1
    return history
'''

CUSTOM_BOOK = '''@keras.saving.register_keras_serializable(package="exercise04")
class CustomModel(keras.Model):
    """The book's form: the compiled metrics by name, logs as a dict comprehension (Keras 3.15)."""

    def train_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred,
                                     sample_weight=sample_weight)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(grads, self.trainable_variables)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss, sample_weight=keras.ops.shape(x)[0])
            elif metric.name == "compile_metrics":
                metric.update_state(y, y_pred, sample_weight=sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred,
                                 sample_weight=sample_weight, training=False)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss, sample_weight=keras.ops.shape(x)[0])
            elif metric.name == "compile_metrics":
                metric.update_state(y, y_pred, sample_weight=sample_weight)
        return {m.name: m.result() for m in self.metrics}
'''

CUSTOM_SHARED_HELPER = '''@keras.saving.register_keras_serializable(package="exercise04")
class CustomModel(keras.Model):
    def _update_metrics(self, x, y, y_pred, sample_weight, loss):
        n = tf.shape(x)[0]
        for metric in self.metrics:
            if metric.name != "loss":
                metric.update_state(y, y_pred, sample_weight)
            else:
                metric.update_state(loss, n)
        return self.get_metrics_result()

    def train_step(self, data):
        if isinstance(data, tuple) and len(data) == 3:
            x, y, sample_weight = data
        else:
            (x, y), sample_weight = data, None
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
        gradients = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        return self._update_metrics(x, y, y_pred, sample_weight, loss)

    def test_step(self, data):
        if isinstance(data, tuple) and len(data) == 3:
            x, y, sample_weight = data
        else:
            (x, y), sample_weight = data, None
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        return self._update_metrics(x, y, y_pred, sample_weight, loss)
'''

CUSTOM_REPEATED = '''@keras.saving.register_keras_serializable(package="exercise04")
class CustomModel(keras.Model):
    def _step(self, data, training):
        x, y, sw = keras.utils.unpack_x_y_sample_weight(data)
        if training:
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sw)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        else:
            y_pred = self(x, training=False)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sw, training=False)
        logs = {}
        for metric in self.metrics:
            if metric.name == "loss":
                # one copy of the batch's loss per sample: weighted by batch size
                metric.update_state(tf.fill(tf.shape(x)[:1], loss))
            else:
                metric.update_state(y, y_pred, sample_weight=sw)
            result = metric.result()
            if isinstance(result, dict):
                logs.update(result)
            else:
                logs[metric.name] = result
        return logs

    def train_step(self, data):
        return self._step(data, training=True)

    def test_step(self, data):
        return self._step(data, training=False)
'''

TRACKED_COMPREHENSION = '''class TrackedModel(keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]

    def _loss(self, y, y_pred):
        loss = tf.reduce_mean(tf.square(y_pred - y))
        if self.losses:
            loss += tf.add_n(self.losses)
        return loss

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self._loss(y, y_pred)
        self.optimizer.apply(tape.gradient(loss, self.trainable_variables),
                             self.trainable_variables)
        self.loss_tracker.update_state(loss, sample_weight=tf.cast(tf.shape(x)[0], "float32"))
        self.mae_metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.loss_tracker.update_state(self._loss(y, y_pred), sample_weight=tf.cast(tf.shape(x)[0], "float32"))
        self.mae_metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}
'''

TRACKED_LOSS_OBJECT = '''class TrackedModel(keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mse = keras.losses.MeanSquaredError()

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.mse(y, y_pred) + keras.ops.sum(keras.ops.stack([0.0, *self.losses]))
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.mae_metric.update_state(y, y_pred)
        self.loss_tracker.update_state(loss, keras.ops.shape(y)[0])
        return self.get_metrics_result()

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss = self.mse(y, y_pred) + keras.ops.sum(keras.ops.stack([0.0, *self.losses]))
        self.mae_metric.update_state(y, y_pred)
        self.loss_tracker.update_state(loss, keras.ops.shape(y)[0])
        return self.get_metrics_result()
'''

TRACKED_REPEATED = '''class TrackedModel(keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean("loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError("mae")

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]

    def _track(self, x, y, y_pred, loss):
        # the batch's loss once per sample: a per-sample mean over the epoch
        self.loss_tracker.update_state(keras.ops.ones_like(y[:, 0]) * loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = keras.ops.mean((y - y_pred) ** 2)
            for penalty in self.losses:
                loss = loss + penalty
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        return self._track(x, y, y_pred, loss)

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss = keras.ops.mean((y - y_pred) ** 2) + sum(self.losses)
        return self._track(x, y, y_pred, loss)
'''

PARTS = ["test_train_step", "test_fit_epochs", "test_custom_model", "test_tracked_model"]
ALTERNATIVES = [
    dict(why="keras.ops and optimizer.apply; fresh metrics each epoch; the book's compile_metrics branch with "
              "{m.name: m.result()}; tf.reduce_mean and tf.add_n",
         parts=PARTS,
         cells={"train_step": TRAIN_STEP_OPS, "fit_epochs": FIT_FRESH_METRICS, "custom_model": CUSTOM_BOOK,
                "tracked_model": TRACKED_COMPREHENSION}),
    dict(why="tf.add_n and keyword arguments; Python weighted sums instead of a metric; a shared metrics helper "
              "with positional arguments and manual unpacking; a MeanSquaredError loss object, metrics in another order",
         parts=PARTS,
         cells={"train_step": TRAIN_STEP_ADD_N, "fit_epochs": FIT_PYTHON_SUMS, "custom_model": CUSTOM_SHARED_HELPER,
                "tracked_model": TRACKED_LOSS_OBJECT}),
    dict(why="a loop over the penalties; the loss repeated once per sample instead of a batch-size weight; one "
              "_step for training and evaluation with logs flattened by hand",
         parts=PARTS,
         cells={"train_step": TRAIN_STEP_LOOP, "fit_epochs": FIT_REPEATED_VALUES, "custom_model": CUSTOM_REPEATED,
                "tracked_model": TRACKED_REPEATED}),
]
