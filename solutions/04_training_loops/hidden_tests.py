"""Hidden tests of Exercise 4, judged by the grader (autograder/kernel/referee.py); never in a notebook.

Each `test_<part>(student, rng)` draws data, sizes and non-zero weights, has the student's kernel
train or evaluate with them (`student.call(probe, ...)`), and compares what comes back with
references computed here with NumPy: forward passes, losses, hand-written gradients and optimizer
updates of small models (BatchNormalization on the inputs, a tanh hidden layer, a linear output).

Float32 training runs are checked step by step: a callback records the weights before and after
every training batch, and each recorded step is compared with one NumPy step from the weights
recorded before it, so the tolerances need room for one TF32 matrix product on a GPU, not for a
whole run's drift. Probes run in the student's kernel and use only the names the instructions fix.
"""
import numpy as np

from autograder.checks import check_close, check_equal, fail

EPSILON = 1e-3  # BatchNormalization's default epsilon
MOMENTUM = 0.99  # BatchNormalization's default momentum
LOOSE = dict(rtol=3e-3, atol=2e-4)  # float32 values with TF32 matrix products on a GPU


# ---- NumPy references -----------------------------------------------------------------------------

def ref_normalize(x, mean, variance):
    return (x - mean) / np.sqrt(variance + EPSILON)


def ref_forward(params, z):
    """(hidden activations, outputs) of Dense(tanh) -> Dense on the normalized inputs `z`."""
    hidden = np.tanh(z @ params["k1"] + params["b1"])
    return hidden, hidden @ params["k2"] + params["b2"]


def ref_bce(logits, y):
    """Binary cross-entropy of labels `y` (any real values) and `logits`, per element, as Keras computes it."""
    return np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))


def mse_loss_and_gradients(params, z, y, weights, l2, l1_activity=0.0, bce=False):
    """The loss `fit()` minimizes (sample-weighted MSE summed over the batch size + penalties) and its gradients.

    With `bce`, the data loss is BinaryCrossentropy(from_logits=True)(y, outputs) instead of the MSE: a loss
    that is not symmetric in its two arguments, so that loss_fn(y_pred, y) gives other values.
    """
    hidden, out = ref_forward(params, z)
    n, outputs = y.shape
    weights = np.ones(n) if weights is None else weights
    per_sample = np.mean(ref_bce(out, y) if bce else (out - y) ** 2, axis=1)
    loss = (np.sum(weights * per_sample) / n + l2[0] * np.sum(params["k1"] ** 2) + l2[1] * np.sum(params["k2"] ** 2)
            + l1_activity * np.sum(np.abs(hidden)) / n)  # Keras 3 divides activity penalties by the batch size
    d_out = ((1 / (1 + np.exp(-out)) - y) if bce else 2 * (out - y)) / outputs * (weights / n)[:, None]
    d_hidden = d_out @ params["k2"].T + l1_activity * np.sign(hidden) / n
    d_pre = d_hidden * (1 - hidden ** 2)
    gradients = {"k1": z.T @ d_pre + 2 * l2[0] * params["k1"], "b1": d_pre.sum(axis=0),
                 "k2": hidden.T @ d_out + 2 * l2[1] * params["k2"], "b2": d_out.sum(axis=0)}
    return loss, gradients


def draw_params(rng, features, hidden, outputs):
    """Non-zero weights of both signs."""
    def signed(*shape):
        return rng.uniform(0.2, 1.0, shape) * rng.choice([-1, 1], shape)
    return {"k1": signed(features, hidden) / np.sqrt(features), "b1": signed(hidden) * 0.3,
            "k2": signed(hidden, outputs) / np.sqrt(hidden), "b2": signed(outputs) * 0.3}


def batches_of(n, batch):
    return [slice(start, min(start + batch, n)) for start in range(0, n, batch)]


def draw_data(rng, n, features, outputs):
    x = rng.standard_normal((n, features)) * rng.uniform(0.5, 2.0, features) + rng.uniform(-2.0, 2.0, features)
    y = np.tanh(rng.standard_normal((n, outputs))) + 0.3 * rng.standard_normal((n, outputs))
    return x.astype("float32"), y.astype("float32")


def check_fit_steps(got, x, y, weights, lr, l2, batch, epochs, what):
    """Checks the recorded steps of a fit() with SGD(lr), without momentum; returns the NumPy references of the run.

    `got["steps"]` lists, per training batch, {"before": params, "after": params}. Returns per-epoch
    lists of the training logs' references and, per epoch, the moving statistics and weights after it.
    """
    n = len(x)
    slices = batches_of(n, batch)
    steps = got["steps"]
    if len(steps) != epochs * len(slices):
        fail(f"{what}: training steps run by fit()", epochs * len(slices), len(steps))
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    weights = np.ones(n) if weights is None else weights.astype(np.float64)
    moving_mean, moving_variance = np.zeros(x.shape[1]), np.ones(x.shape[1])
    epochs_out = []
    for epoch in range(epochs):
        losses, sizes, abs_errors, squared, sample_weights, bce = [], [], [], [], [], []
        for index, part in enumerate(slices):
            step = steps[epoch * len(slices) + index]
            before = {k: np.asarray(v, dtype=np.float64) for k, v in step["before"].items()}
            batch_x = x64[part]
            mean, variance = batch_x.mean(axis=0), batch_x.var(axis=0)
            z = ref_normalize(batch_x, mean, variance)  # training mode: the batch's own statistics
            loss, gradients = mse_loss_and_gradients(before, z, y64[part], weights[part], l2)
            for name in ("k1", "b1", "k2", "b2"):
                # The change of each weight, -lr * gradient; the tolerance scales with the largest change, so that
                # the rounding of TF32 matrix products on a GPU passes and a wrong gradient does not.
                expected = -lr * gradients[name]
                check_close(np.asarray(step["after"][name], dtype=np.float64) - before[name], expected,
                            f"{what}: change of {name} in training step {index + 1} of epoch {epoch + 1} "
                            f"(-lr * gradient at the weights before it)", rtol=3e-3,
                            atol=3e-3 * np.max(np.abs(expected)) + 1e-6)
            _, out = ref_forward(before, z)
            losses.append(loss)
            sizes.append(len(batch_x))
            abs_errors.append(np.mean(np.abs(out - y64[part]), axis=1))
            squared.append(np.mean((out - y64[part]) ** 2, axis=1))
            bce.append(np.mean(ref_bce(out, y64[part]), axis=1))
            sample_weights.append(weights[part])
            moving_mean = moving_mean * MOMENTUM + mean * (1 - MOMENTUM)
            moving_variance = moving_variance * MOMENTUM + variance * (1 - MOMENTUM)
        abs_errors, squared, sample_weights, bce = map(np.concatenate, (abs_errors, squared, sample_weights, bce))
        last = {k: np.asarray(v, dtype=np.float64) for k, v in steps[(epoch + 1) * len(slices) - 1]["after"].items()}
        epochs_out.append({"loss": np.average(losses, weights=sizes), "mae": abs_errors.mean(), "bce": bce.mean(),
                           "weighted_mse": np.average(squared, weights=sample_weights),
                           "moving_mean": moving_mean.copy(), "moving_variance": moving_variance.copy(),
                           "params": last})
    return epochs_out


def ref_evaluation(params, moving_mean, moving_variance, x, y, weights, l2, batch):
    """What evaluate() reports in inference mode: loss tracker weighted by batch size, mae, sample-weighted mse."""
    n = len(x)
    weights = np.ones(n) if weights is None else weights.astype(np.float64)
    _, out = ref_forward(params, ref_normalize(x.astype(np.float64), moving_mean, moving_variance))
    error = out - y.astype(np.float64)
    per_sample = np.mean(error ** 2, axis=1)
    penalty = l2[0] * np.sum(params["k1"] ** 2) + l2[1] * np.sum(params["k2"] ** 2)
    batch_losses = [np.sum(weights[s] * per_sample[s]) / len(per_sample[s]) + penalty for s in batches_of(n, batch)]
    return {"loss": np.average(batch_losses, weights=[len(per_sample[s]) for s in batches_of(n, batch)]),
            "mae": np.mean(np.abs(error)), "weighted_mse": np.average(per_sample, weights=weights),
            "bce": np.mean(ref_bce(out, y.astype(np.float64)))}


# ---- Part 1: train_step ---------------------------------------------------------------------------

def train_step_probe(x, y, params, l2, l1_activity, lr, adam_batches, adam_params, adam_lr):
    def build(features, hidden, outputs, regularized):
        return keras.Sequential([
            keras.Input(shape=(features,), dtype="float64"),
            keras.layers.BatchNormalization(center=False, scale=False, dtype="float64"),
            keras.layers.Dense(hidden, activation="tanh", dtype="float64",
                               kernel_regularizer=keras.regularizers.L2(l2[0]) if regularized else None,
                               activity_regularizer=keras.regularizers.L1(l1_activity) if regularized else None),
            keras.layers.Dense(outputs, dtype="float64",
                               kernel_regularizer=keras.regularizers.L2(l2[1]) if regularized else None),
        ])

    def weights_of(model):
        _, hidden, out = model.layers
        return {"k1": hidden.kernel.numpy(), "b1": hidden.bias.numpy(), "k2": out.kernel.numpy(), "b2": out.bias.numpy()}

    def set_weights(model, p):
        _, hidden, out = model.layers
        for variable, value in zip((hidden.kernel, hidden.bias, out.kernel, out.bias), (p["k1"], p["b1"], p["k2"], p["b2"])):
            variable.assign(value)

    result = {}
    model = build(x.shape[1], params["k1"].shape[1], y.shape[1], True)
    set_weights(model, params)
    # A loss that is not symmetric in (y, y_pred), then the MSE.
    bce = keras.losses.BinaryCrossentropy(from_logits=True, dtype="float64")
    result["loss"] = train_step(model, keras.optimizers.SGD(learning_rate=lr), bce, x, y)
    result["after"] = weights_of(model)
    result["moving_mean"] = model.layers[0].moving_mean.numpy()
    result["moving_variance"] = model.layers[0].moving_variance.numpy()
    model = build(x.shape[1], adam_params["k1"].shape[1], y.shape[1], False)
    set_weights(model, adam_params)
    optimizer = keras.optimizers.Adam(learning_rate=adam_lr)
    loss_fn = keras.losses.MeanSquaredError(dtype="float64")
    result["adam_losses"], result["adam_after"] = [], []
    for bx, by in adam_batches:
        result["adam_losses"].append(train_step(model, optimizer, loss_fn, bx, by))
        result["adam_after"].append(weights_of(model))
    result["adam_moving_mean"] = model.layers[0].moving_mean.numpy()
    return result


def adam_reference(params, batches, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """(losses, weights after each step) of Keras's Adam on the unregularized model, from `params`."""
    params = {k: v.copy() for k, v in params.items()}
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(w) for k, w in params.items()}
    losses, after = [], []
    for t, (x, y) in enumerate(batches, start=1):
        z = ref_normalize(x, x.mean(axis=0), x.var(axis=0))
        loss, gradients = mse_loss_and_gradients(params, z, y, None, (0.0, 0.0))
        losses.append(loss)
        alpha = lr * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        for k, g in gradients.items():
            m[k] += (g - m[k]) * (1 - beta_1)
            v[k] += (g ** 2 - v[k]) * (1 - beta_2)
            params[k] = params[k] - alpha * m[k] / (np.sqrt(v[k]) + epsilon)
        after.append({k: w.copy() for k, w in params.items()})
    return losses, after


def test_train_step(student, rng):
    n, features = int(rng.integers(6, 13)), int(rng.integers(2, 6))
    hidden, outputs = int(rng.integers(2, 6)), int(rng.integers(1, 4))
    # Multiples of 1/1024, exact in float32: Keras keeps regularization factors and learning rates in float32.
    l2 = tuple(float(v) / 1024 for v in rng.integers(10, 200, 2))
    l1_activity, lr, adam_lr = (float(v) / 1024 for v in rng.integers([5, 50, 5], [50, 300, 40]))
    x = rng.standard_normal((n, features)) * rng.uniform(0.5, 3.0, features) + rng.uniform(-3.0, 3.0, features)
    y = rng.standard_normal((n, outputs))
    params = draw_params(rng, features, hidden, outputs)
    adam_params = draw_params(rng, features, hidden, outputs)
    adam_batches = []
    for size in rng.integers(4, 10, 3):
        adam_batches.append((rng.standard_normal((int(size), features)) * 2 + 1,
                             rng.standard_normal((int(size), outputs))))
    got = student.call(train_step_probe, x=x, y=y, params=params, l2=list(l2), l1_activity=l1_activity, lr=lr,
                       adam_batches=adam_batches, adam_params=adam_params, adam_lr=adam_lr)
    what = ("float64 Dense(tanh) -> Dense model after BatchNormalization, two L2 penalties and an L1 activity penalty, "
            "loss_fn = BinaryCrossentropy(from_logits=True)")
    mean, variance = x.mean(axis=0), x.var(axis=0)
    loss, gradients = mse_loss_and_gradients(params, ref_normalize(x, mean, variance), y, None, l2, l1_activity,
                                             bce=True)
    check_close(got["loss"], loss, f"{what}: returned loss (loss_fn(y, y_pred) in training mode + model.losses, "
                "before the update)", rtol=1e-7, atol=1e-10)
    for name in ("k1", "b1", "k2", "b2"):
        check_close(got["after"][name], params[name] - lr * gradients[name],
                    f"{what}: {name} after one SGD step (w - lr * gradient)", rtol=1e-6, atol=1e-9)
    check_close(got["moving_mean"], (1 - MOMENTUM) * mean, f"{what}: BatchNormalization's moving mean after the step "
                "(it moves only in training mode)", rtol=1e-6, atol=1e-9)
    check_close(got["moving_variance"], MOMENTUM + (1 - MOMENTUM) * variance,
                f"{what}: BatchNormalization's moving variance after the step", rtol=1e-6, atol=1e-9)
    losses, after = adam_reference(adam_params, adam_batches, adam_lr)
    for step, (got_loss, got_after, loss, expected) in enumerate(zip(got["adam_losses"], got["adam_after"], losses,
                                                                        after), start=1):
        where = f"model without regularization (model.losses empty), Adam, step {step}"
        check_close(got_loss, loss, f"{where}: returned loss (before the update)", rtol=1e-5, atol=1e-8)
        for name in ("k1", "b1", "k2", "b2"):
            check_close(got_after[name], expected[name], f"{where}: {name} after the step", rtol=1e-5, atol=1e-6)


# ---- Part 2: fit_epochs ---------------------------------------------------------------------------

def fit_epochs_probe(x_train, y_train, x_val, y_val, batch, val_batch, losses, l2, shrink, kernel, bias,
                     real_x, real_y, real_val_x, real_val_y, real_kernel, real_l2):
    result = {}
    train_ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(batch)
    val_ds = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(val_batch)
    keras.utils.set_random_seed(3)
    model = keras.Sequential([
        keras.Input(shape=(x_train.shape[1],)),
        keras.layers.Dropout(0.5),  # changes the output in training mode only
        keras.layers.Dense(y_train.shape[1], kernel_regularizer=keras.regularizers.L2(l2)),
    ])
    dense = model.layers[-1]
    dense.kernel.assign(kernel)
    dense.bias.assign(bias)
    calls = []

    def scripted_step(x, y):
        calls.append(int(keras.ops.shape(x)[0]))
        dense.kernel.assign(dense.kernel * shrink)
        epoch, index = divmod(len(calls) - 1, len(losses[0]))
        return float(losses[epoch][index])

    history = fit_epochs(model, scripted_step, keras.losses.MeanSquaredError(), train_ds, val_ds, len(losses))
    result["history"] = dict(history) if isinstance(history, dict) else history
    result["types"] = sorted({type(v).__name__ for key in ("loss", "val_loss") for v in history.get(key, [])})
    result["calls"] = calls
    # Real training with a GradientTape step, over Python lists of (x, y) batches.
    model = keras.Sequential([keras.Input(shape=(real_x.shape[1],)),
                              keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L2(real_l2))])
    model.layers[0].kernel.assign(real_kernel)
    loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
    optimizer = keras.optimizers.Adam(0.02)
    record = []

    def tape_step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True)) + sum(model.losses)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        record.append([float(loss), int(tf.shape(x)[0])])
        return loss

    train = [(real_x[i:i + 64], real_y[i:i + 64]) for i in range(0, len(real_x), 64)]
    val = [(real_val_x[i:i + 50], real_val_y[i:i + 50]) for i in range(0, len(real_val_x), 50)]
    history = fit_epochs(model, tape_step, loss_fn, train, val, 3)
    result["real_history"], result["record"] = dict(history), record
    result["real_kernel"], result["real_bias"] = model.layers[0].kernel.numpy(), model.layers[0].bias.numpy()
    return result


def test_fit_epochs(student, rng):
    features, outputs, epochs = int(rng.integers(2, 6)), int(rng.integers(1, 4)), int(rng.integers(2, 5))
    batch, val_batch = int(rng.integers(3, 7)), int(rng.integers(3, 7))
    n_train = batch * int(rng.integers(2, 4)) + int(rng.integers(1, batch))  # a smaller last batch
    n_val = val_batch * int(rng.integers(1, 3)) + int(rng.integers(1, val_batch))
    l2, shrink = float(rng.uniform(0.01, 0.3)), float(rng.uniform(0.5, 0.95))
    x_train, y_train = draw_data(rng, n_train, features, outputs)
    x_val, y_val = draw_data(rng, n_val, features, outputs)
    sizes = [len(range(n_train)[s]) for s in batches_of(n_train, batch)]
    losses = rng.uniform(0.1, 5.0, (epochs, len(sizes)))
    kernel = (rng.uniform(0.3, 1.0, (features, outputs)) * rng.choice([-1, 1], (features, outputs))).astype("float32")
    bias = (rng.uniform(0.2, 1.0, outputs) * rng.choice([-1, 1], outputs)).astype("float32")
    real_n, real_features = 300, int(rng.integers(4, 9))
    true_w = rng.standard_normal((real_features, 1))
    real_x = rng.standard_normal((real_n + 100, real_features)).astype("float32")
    real_y = (real_x @ true_w + 0.3 * rng.standard_normal((real_n + 100, 1)) > 0).astype("float32")
    real_kernel = (0.1 * rng.standard_normal((real_features, 1))).astype("float32")
    real_l2 = float(rng.uniform(1e-3, 1e-2))
    got = student.call(fit_epochs_probe, x_train=x_train, y_train=y_train, x_val=x_val, y_val=y_val, batch=batch,
                       val_batch=val_batch, losses=losses.tolist(), l2=l2, shrink=shrink, kernel=kernel, bias=bias,
                       real_x=real_x[:real_n], real_y=real_y[:real_n], real_val_x=real_x[real_n:],
                       real_val_y=real_y[real_n:], real_kernel=real_kernel, real_l2=real_l2)
    history = got["history"]
    if not isinstance(history, dict):
        fail("fit_epochs returns", "a dict {'loss': [...], 'val_loss': [...]}", type(history).__name__)
    check_equal(sorted(history), ["loss", "val_loss"], "keys of the history")
    check_equal(got["types"], ["float"], "type of the history values (Python floats)")
    check_equal(got["calls"], sizes * epochs,
                "batch sizes given to step_fn: every training batch of a tf.data.Dataset, in order, each epoch")
    check_close(history["loss"], [np.average(row, weights=sizes) for row in losses],
                "per-epoch training loss: that epoch's batch losses only (reset each epoch), weighted by batch size, "
                "with a smaller last batch", rtol=1e-4, atol=1e-6)
    expected_val = []
    for epoch in range(1, epochs + 1):
        k = kernel.astype(np.float64) * shrink ** (len(sizes) * epoch)
        error = x_val.astype(np.float64) @ k + bias - y_val
        val_sizes = [len(range(n_val)[s]) for s in batches_of(n_val, val_batch)]
        batch_losses = [np.mean(error[s] ** 2) + l2 * np.sum(k ** 2) for s in batches_of(n_val, val_batch)]
        expected_val.append(np.average(batch_losses, weights=val_sizes))
    check_close(history["val_loss"], expected_val, "per-epoch validation loss of a model with Dropout: inference "
                "mode, after the epoch's training, MSE + model.losses, weighted by batch size", **LOOSE)
    # Real training: the history follows the losses the step returned, and the last val_loss the trained model.
    real = got["real_history"]
    check_equal(sorted(real), ["loss", "val_loss"], "keys of the history of a real run over lists of batches")
    record = got["record"]
    per_epoch = len(range(0, real_n, 64))
    check_equal(len(record), 3 * per_epoch, "training steps of a real run over 3 epochs")
    expected = [np.average([loss for loss, _ in record[e * per_epoch:(e + 1) * per_epoch]],
                           weights=[size for _, size in record[e * per_epoch:(e + 1) * per_epoch]]) for e in range(3)]
    check_close(real["loss"], expected, "per-epoch training loss of a real run: the epoch's batches, weighted by size",
                rtol=1e-5, atol=1e-6)
    k, b = np.asarray(got["real_kernel"], np.float64), np.asarray(got["real_bias"], np.float64)
    x_val, y_val = real_x[real_n:].astype(np.float64), real_y[real_n:].astype(np.float64)
    logits = x_val @ k + b
    bce = np.maximum(logits, 0) - logits * y_val + np.log1p(np.exp(-np.abs(logits)))
    batch_losses = [np.mean(bce[i:i + 50]) + real_l2 * np.sum(k ** 2) for i in range(0, len(x_val), 50)]
    check_close(real["val_loss"][-1], np.mean(batch_losses),
                "last val_loss of a real run: cross-entropy + L2 penalty of the trained model", **LOOSE)


# ---- Parts 3 and 4: models that keep fit() ---------------------------------------------------------

def model_fit_probe(part, x, y, weights, x_val, y_val, val_weights, params, l2, lr, batch, epochs, eval_batch):
    import os
    import tempfile
    from unittest import mock

    def build(model_class):
        inputs = keras.Input(shape=(x.shape[1],))
        z = keras.layers.BatchNormalization(center=False, scale=False)(inputs)
        hidden = keras.layers.Dense(params["k1"].shape[1], activation="tanh",
                                    kernel_regularizer=keras.regularizers.L2(l2[0]))
        out = keras.layers.Dense(y.shape[1], kernel_regularizer=keras.regularizers.L2(l2[1]))
        model = model_class(inputs, out(hidden(z)))
        norm = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)][0]
        for variable, name in zip((hidden.kernel, hidden.bias, out.kernel, out.bias), ("k1", "b1", "k2", "b2")):
            variable.assign(params[name])
        return model, norm, hidden, out

    def weights_of(hidden, out):
        return {"k1": hidden.kernel.numpy(), "b1": hidden.bias.numpy(), "k2": out.kernel.numpy(), "b2": out.bias.numpy()}

    class Recorder(keras.callbacks.Callback):
        def __init__(self, hidden, out):
            super().__init__()
            self.layers, self.steps = (hidden, out), []

        def on_train_batch_begin(self, batch, logs=None):
            self.steps.append({"before": weights_of(*self.layers)})

        def on_train_batch_end(self, batch, logs=None):
            self.steps[-1]["after"] = weights_of(*self.layers)

    def as_floats(logs):
        return {str(k): float(np.asarray(v)) for k, v in logs.items()}

    def builtin_step_called(self, data):
        raise AssertionError("write the step yourself: keras.Model's train_step/test_step was called")

    result = {}
    model_class = CustomModel if part == 3 else TrackedModel
    model, norm, hidden, out = build(model_class)
    if part == 3:
        model.compile(optimizer=keras.optimizers.SGD(lr), loss="mse",
                      metrics=[keras.metrics.MeanAbsoluteError(name="mae"),
                               keras.metrics.BinaryCrossentropy(name="bce", from_logits=True)],
                      weighted_metrics=[keras.metrics.MeanSquaredError(name="weighted_mse")])
        fit_data = dict(sample_weight=weights, validation_data=(x_val, y_val, val_weights))
        eval_data = dict(sample_weight=val_weights)
    else:
        model.compile(optimizer=keras.optimizers.SGD(lr))
        result["metric_names"] = [m.name for m in model.metrics]
        fit_data = dict(validation_data=(x_val, y_val))
        eval_data = {}
    recorder = Recorder(hidden, out)
    with mock.patch.object(keras.Model, "train_step", builtin_step_called), \
            mock.patch.object(keras.Model, "test_step", builtin_step_called):
        history = model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0, callbacks=[recorder],
                            **fit_data).history
        result["history"] = {str(k): [float(v) for v in values] for k, values in history.items()}
        result["steps"] = recorder.steps
        result["moving_mean"], result["moving_variance"] = norm.moving_mean.numpy(), norm.moving_variance.numpy()
        result["evaluate"] = as_floats(model.evaluate(x_val, y_val, batch_size=eval_batch, verbose=0,
                                                      return_dict=True, **eval_data))
        result["evaluate_again"] = as_floats(model.evaluate(x_val, y_val, batch_size=eval_batch, verbose=0,
                                                            return_dict=True, **eval_data))
        result["moving_mean_after_evaluate"] = norm.moving_mean.numpy()
    if part == 3:  # save, reload, and keep training
        path = os.path.join(tempfile.mkdtemp(), "model.keras")
        model.save(path)
        loaded = keras.models.load_model(path)
        result["loaded_class"] = type(loaded).__name__
        result["predictions"] = model.predict(x_val, verbose=0)
        result["loaded_predictions"] = loaded.predict(x_val, verbose=0)
        more = dict(sample_weight=weights, batch_size=batch, epochs=1, shuffle=False, verbose=0)
        result["more_loss"] = float(model.fit(x, y, **more).history["loss"][-1])
        result["loaded_more_loss"] = float(loaded.fit(x, y, **more).history["loss"][-1])
        result["more_weights"] = [w.numpy() for w in model.trainable_weights]
        result["loaded_more_weights"] = [w.numpy() for w in loaded.trainable_weights]
    return result


def check_model_fit(student, rng, part):
    features, hidden, outputs = int(rng.integers(2, 6)), int(rng.integers(3, 7)), int(rng.integers(1, 3))
    batch, epochs = int(rng.integers(5, 9)), 3
    n = batch * int(rng.integers(2, 4)) + int(rng.integers(1, 3))  # a last batch of 1 or 2
    n_val = batch + int(rng.integers(1, batch // 2 + 1))
    eval_batch = int(rng.integers(3, n_val - 1))
    if n_val % eval_batch == 0:
        eval_batch += 1
    x, y = draw_data(rng, n, features, outputs)
    x_val, y_val = draw_data(rng, n_val, features, outputs)
    weights = rng.uniform(0.1, 3.0, n).astype("float32") if part == 3 else None
    val_weights = rng.uniform(0.1, 3.0, n_val).astype("float32") if part == 3 else None
    params = {k: v.astype("float32") for k, v in draw_params(rng, features, hidden, outputs).items()}
    l2 = [float(v) / 1024 for v in rng.integers(20, 100, 2)]
    lr = float(rng.integers(60, 200)) / 1024
    got = student.call(model_fit_probe, part=part, x=x, y=y, weights=weights, x_val=x_val, y_val=y_val,
                       val_weights=val_weights, params=params, l2=l2, lr=lr, batch=batch, epochs=epochs,
                       eval_batch=eval_batch)
    name = "CustomModel" if part == 3 else "TrackedModel"
    what = (f"{name}.fit on {n} samples in batches of {batch}" + (" with sample_weight" if part == 3 else ""))
    # bce: BinaryCrossentropy(from_logits=True) of (y, y_pred), a compiled metric that is not symmetric in them.
    metrics = ["loss", "mae", "bce", "weighted_mse"] if part == 3 else ["loss", "mae"]
    if part == 4:
        check_equal(got["metric_names"], ["loss", "mae"], "names in model.metrics: your two trackers, nothing else")
    check_equal(sorted(got["history"]), sorted(metrics + [f"val_{m}" for m in metrics]), f"{what}: keys of the History")
    run = check_fit_steps(got, x, y, weights, lr, l2, batch, epochs, what)
    for key in metrics:
        check_close(got["history"][key], [epoch[key] for epoch in run],
                    f"{what}: history['{key}'] per epoch" + (" (loss tracker weighted by batch size)"
                                                             if key == "loss" else ""), **LOOSE)
    for key in metrics:
        expected = [ref_evaluation(e["params"], e["moving_mean"], e["moving_variance"], x_val, y_val, val_weights, l2,
                               batch)[key] for e in run]
        check_close(got["history"][f"val_{key}"], expected,
                    f"{what}: history['val_{key}'] per epoch (inference mode, after the epoch's training)", **LOOSE)
    last = run[-1]
    check_close(got["moving_mean"], last["moving_mean"], f"{what}: BatchNormalization's moving mean after fit "
                "(updated by training steps only)", rtol=1e-3, atol=1e-5)
    check_close(got["moving_variance"], last["moving_variance"], f"{what}: BatchNormalization's moving variance after "
                "fit", rtol=1e-3, atol=1e-5)
    expected = ref_evaluation(last["params"], last["moving_mean"], last["moving_variance"], x_val, y_val, val_weights, l2,
                          eval_batch)
    where = f"{name}.evaluate(batch_size={eval_batch}) on {n_val} samples" + (" with sample_weight" if part == 3 else "")
    check_equal(sorted(got["evaluate"]), sorted(metrics), f"{where}: keys of the result")
    for key in metrics:
        check_close(got["evaluate"][key], expected[key], f"{where}: '{key}'", **LOOSE)
        check_close(got["evaluate_again"][key], expected[key], f"{where}, called again: '{key}' (metrics reset)", **LOOSE)
    check_close(got["moving_mean_after_evaluate"], last["moving_mean"], f"{where}: moving mean unchanged (inference)",
                rtol=1e-6, atol=1e-7)
    if part == 3:
        check_equal(got["loaded_class"], "CustomModel", "class of the model after .keras save and load")
        check_close(got["loaded_predictions"], got["predictions"], "predictions after .keras save and load",
                    rtol=1e-5, atol=1e-6)
        check_close(got["loaded_more_loss"], got["more_loss"], "one more epoch: loss of the reloaded model vs the "
                    "original", rtol=1e-4, atol=1e-6)
        for index, (weight, reference) in enumerate(zip(got["loaded_more_weights"], got["more_weights"])):
            check_close(weight, reference, f"trainable weight {index} after one more epoch, reloaded vs original",
                        rtol=1e-4, atol=1e-6)


def test_custom_model(student, rng):
    check_model_fit(student, rng, 3)


def test_tracked_model(student, rng):
    check_model_fit(student, rng, 4)
