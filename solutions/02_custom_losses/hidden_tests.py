"""Hidden tests of Exercise 2, judged by the grader (autograder/kernel/referee.py); never in a notebook.

Each `test_<part>(student, rng)` draws inputs and weights, has the student's kernel run a probe
on them (`student.call`), and compares the results with references computed here, from the
inputs and weights alone. Probes run in the student's kernel, where the notebook defined the
functions and classes; they use only the names and behaviour the instructions fix (the
constructor arguments, `threshold` of HuberLoss, `hidden`, `reconstruct` and `out` of the
regressor, get_config() entries), and set the weights of Keras's own Dense layers.
"""
import numpy as np

from autograder.checks import check_close, check_equal, fail

F32 = dict(rtol=1e-3, atol=1e-3)  # float32 computations, TF32 matmuls on a GPU included
F32_DEEP = dict(rtol=3e-3, atol=3e-3)  # the regressor: three float32 (TF32) matmuls in a chain


def huber_reference(y_true, y_pred, threshold):
    error = np.abs(np.asarray(y_pred, np.float64) - np.asarray(y_true, np.float64))
    return np.mean(np.where(error <= threshold, 0.5 * error ** 2, threshold * (error - 0.5 * threshold)), axis=-1)


def huber_gradient(y_true, y_pred, threshold, probe):
    """d/dy_pred of sum(probe * huber_reference(y_true, y_pred)); d/dy_true is its negative."""
    error = np.asarray(y_pred, np.float64) - np.asarray(y_true, np.float64)
    slope = np.clip(error, -threshold, threshold)  # e inside the threshold, +-threshold outside
    return slope * probe[..., None] / error.shape[-1]


def check_gradient_present(got, name, what):
    if got.get(name) is None:
        fail(f"{what}: gradient with respect to {name}", "a tensor", "None (the tape saw no path from it)")


def huber_errors(rng, threshold, shape):
    """(y_true, y_pred) with zero errors, errors at the threshold, very large and random errors."""
    y_true = rng.standard_normal(shape)
    y_pred = y_true + 2 * threshold * rng.standard_normal(shape)
    y_pred[0] = y_true[0]                          # zero error
    y_pred[1, 0] = y_true[1, 0] - 1e3 * threshold  # a very large error
    y_pred[2, 0] = y_true[2, 0] + threshold        # at the threshold
    return y_true, y_pred


def dense_weights(rng, n_in, n_out, scale=1.0):
    """A non-zero random kernel and bias (both signs) for a Dense layer."""
    kernel = rng.standard_normal((n_in, n_out)) * scale / np.sqrt(n_in)
    bias = rng.uniform(0.1, 0.5, n_out) * rng.choice([-1, 1], n_out)
    return kernel, bias


# ---- Part 1: make_huber_loss -------------------------------------------------------------------

def huber_closure_probe(threshold, y_true, y_pred, a, b, probe, x, y, weights, kernel, bias):
    loss = make_huber_loss(threshold)
    other = make_huber_loss(3 * threshold)
    result = {"float64": loss(y_true, y_pred), "rank3": loss(a, b), "other": other(y_true, y_pred),
              "again": loss(y_true, y_pred)}
    result["float32"] = loss(y_true.astype("float32"), y_pred.astype("float32"))
    tensors = [tf.constant(y_true), tf.constant(y_pred)]
    with tf.GradientTape() as tape:
        for tensor in tensors:
            tape.watch(tensor)
        objective = tf.reduce_sum(tf.cast(loss(*tensors), tf.float64) * probe)
    gradients = tape.gradient(objective, tensors)
    result["gradients"] = {name: g for name, g in zip(("y_true", "y_pred"), gradients) if g is not None}
    model = keras.Sequential([keras.Input(shape=x.shape[1:]), keras.layers.Dense(y.shape[1])])
    model.layers[0].set_weights([kernel, bias])
    model.compile(loss=make_huber_loss(threshold))
    result["evaluate"] = model.evaluate(x, y, sample_weight=weights, batch_size=len(x), verbose=0)
    return result


def test_huber_closure(student, rng):
    threshold = float(rng.uniform(0.3, 3.0))
    batch, outputs = int(rng.integers(4, 9)), int(rng.integers(2, 6))
    y_true, y_pred = huber_errors(rng, threshold, (batch, outputs))
    a = rng.standard_normal((3, 4, outputs))
    b = a + 2 * threshold * rng.standard_normal(a.shape)
    probe = rng.standard_normal(batch)
    features = int(rng.integers(2, 6))
    x = rng.standard_normal((batch, features)).astype("float32")
    y = (3 * threshold * rng.standard_normal((batch, outputs))).astype("float32")
    weights = rng.uniform(0.0, 2.0, batch).astype("float32")
    kernel, bias = dense_weights(rng, features, outputs, scale=2 * threshold)
    what = f"make_huber_loss({threshold:.3f})"
    got = student.call(huber_closure_probe, threshold=threshold, y_true=y_true, y_pred=y_pred, a=a, b=b,
                       probe=probe, x=x, y=y, weights=weights, kernel=kernel.astype("float32"),
                       bias=bias.astype("float32"))
    expected = huber_reference(y_true, y_pred, threshold)
    check_close(got["float64"], expected, f"{what} on float64 inputs with zero, threshold and large errors")
    check_close(got["float32"], huber_reference(y_true.astype("float32"), y_pred.astype("float32"), threshold),
                f"{what} on float32 inputs", **F32)
    check_close(got["rank3"], huber_reference(a, b, threshold),
                f"{what} on inputs of shape (3, 4, {outputs}): mean over the last axis only, shape (3, 4)")
    check_close(got["other"], huber_reference(y_true, y_pred, 3 * threshold),
                f"a second closure, make_huber_loss({3 * threshold:.3f})")
    check_close(got["again"], expected, f"{what} once a second closure exists (its own threshold)")
    gradient = huber_gradient(y_true, y_pred, threshold, probe)
    for name, reference in (("y_pred", gradient), ("y_true", -gradient)):
        check_gradient_present(got["gradients"], name, what)
        check_close(got["gradients"][name], reference, f"{what}: gradient with respect to {name}")
    prediction = x.astype(np.float64) @ kernel + bias
    check_close(got["evaluate"], np.sum(weights * huber_reference(y, prediction, threshold)) / batch,
                f"model compiled with {what}: evaluate with sample_weight (sum of weight * loss / batch size)",
                **F32)


# ---- Part 2: HuberLoss -------------------------------------------------------------------------

REDUCTIONS = (None, "sum", "sum_over_batch_size", "mean_with_sample_weight")


def huber_class_probe(threshold, y_true, y_pred, weights, probe, small, x, y, sample_weight, kernel, bias):
    import os
    import tempfile

    result = {"reduced": {}}
    for reduction in (None, "sum", "sum_over_batch_size", "mean_with_sample_weight"):
        loss = HuberLoss(threshold, reduction=reduction, dtype="float64")
        result["reduced"][str(reduction)] = [loss(y_true, y_pred), loss(y_true, y_pred, sample_weight=weights)]
    result["default_reduction"] = HuberLoss(threshold, dtype="float64")(y_true, y_pred, sample_weight=weights)
    result["default_threshold"] = HuberLoss(reduction=None, dtype="float64")(y_true, y_pred)
    result["float32"] = HuberLoss(threshold)(y_true.astype("float32"), y_pred.astype("float32"),
                                             sample_weight=weights.astype("float32"))
    tensors = [tf.constant(y_true), tf.constant(y_pred)]
    with tf.GradientTape() as tape:
        for tensor in tensors:
            tape.watch(tensor)
        values = HuberLoss(threshold, reduction=None, dtype="float64")(*tensors)
        objective = tf.reduce_sum(tf.cast(values, tf.float64) * probe)
    gradients = tape.gradient(objective, tensors)
    result["gradients"] = {name: g for name, g in zip(("y_true", "y_pred"), gradients) if g is not None}
    config = HuberLoss(threshold, name="huber_h", reduction="mean_with_sample_weight").get_config()
    result["config"] = {key: config.get(key) for key in ("name", "reduction", "threshold")}
    rebuilt = HuberLoss.from_config(config)
    result["rebuilt_config"] = {key: rebuilt.get_config().get(key) for key in ("name", "reduction", "threshold")}
    result["rebuilt_values"] = rebuilt(y_true, y_pred, sample_weight=weights)
    model = keras.Sequential([keras.Input(shape=x.shape[1:]), keras.layers.Dense(y.shape[1])])
    model.layers[0].set_weights([kernel, bias])
    model.compile(optimizer="sgd", loss=HuberLoss(threshold=small, name="robust"))
    result["evaluate"] = model.evaluate(x, y, sample_weight=sample_weight, batch_size=len(x), verbose=0)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    result["kernel_after_fit"], result["bias_after_fit"] = [w.numpy() for w in model.layers[0].weights]
    path = os.path.join(tempfile.mkdtemp(), "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    result["loaded_loss_type"] = type(loaded.loss).__name__
    loaded_config = loaded.loss.get_config()
    result["loaded_config"] = {key: loaded_config.get(key) for key in ("name", "threshold")}
    result["loaded_threshold"] = loaded.loss.threshold
    result["loaded_evaluate"] = loaded.evaluate(x, y, sample_weight=sample_weight, batch_size=len(x), verbose=0)
    return result


def test_huber_class(student, rng):
    threshold = float(rng.uniform(0.3, 3.0))
    batch, outputs = int(rng.integers(4, 9)), int(rng.integers(2, 6))
    y_true, y_pred = huber_errors(rng, threshold, (batch, outputs))
    weights = rng.uniform(0.1, 2.0, batch)
    weights[0] = 0.0
    probe = rng.standard_normal(batch)
    small = float(rng.uniform(0.2, 0.6))
    features = int(rng.integers(2, 6))
    x = rng.standard_normal((24, features)).astype("float32")
    y = (4 * rng.standard_normal((24, 2))).astype("float32")
    sample_weight = rng.uniform(0.0, 2.0, 24).astype("float32")
    kernel, bias = dense_weights(rng, features, 2, scale=2.0)
    what = f"HuberLoss({threshold:.3f})"
    got = student.call(huber_class_probe, threshold=threshold, y_true=y_true, y_pred=y_pred, weights=weights,
                       probe=probe, small=small, x=x, y=y, sample_weight=sample_weight,
                       kernel=kernel.astype("float32"), bias=bias.astype("float32"))
    values = huber_reference(y_true, y_pred, threshold)
    reduce = {"None": lambda v, w: v, "sum": lambda v, w: np.sum(v), "sum_over_batch_size": lambda v, w: np.mean(v),
              "mean_with_sample_weight": lambda v, w: np.sum(v) / np.sum(w)}
    for reduction in REDUCTIONS:
        name = "None" if reduction is None else reduction
        unweighted, weighted = got["reduced"][name]
        check_close(unweighted, reduce[name](values, np.ones(batch)),
                    f"{what}, reduction={reduction!r}, float64, without sample_weight")
        check_close(weighted, reduce[name](weights * values, weights),
                    f"{what}, reduction={reduction!r}, float64, with sample_weight")
    check_close(got["default_reduction"], np.sum(weights * values) / batch,
                f"{what}, default reduction, with sample_weight (sum of weight * loss / batch size)")
    check_close(got["default_threshold"], huber_reference(y_true, y_pred, 1.0),
                "HuberLoss() without a threshold (the default, 1.0), reduction=None")
    y_true32, y_pred32 = y_true.astype("float32"), y_pred.astype("float32")
    check_close(got["float32"], np.sum(weights.astype("float32") * huber_reference(y_true32, y_pred32, threshold))
                / batch, f"{what} on float32 inputs, default reduction, with sample_weight", **F32)
    gradient = huber_gradient(y_true, y_pred, threshold, probe)
    for name, reference in (("y_pred", gradient), ("y_true", -gradient)):
        check_gradient_present(got["gradients"], name, what)
        check_close(got["gradients"][name], reference, f"{what}, reduction=None: gradient with respect to {name}")
    expected = {"name": "huber_h", "reduction": "mean_with_sample_weight", "threshold": threshold}
    check_equal(got["config"], expected, "get_config() entries name, reduction and threshold")
    check_equal(got["rebuilt_config"], expected, "get_config() of HuberLoss.from_config(config)")
    check_close(got["rebuilt_values"], np.sum(weights * values) / np.sum(weights),
                "the loss rebuilt by HuberLoss.from_config(config), with sample_weight")

    prediction = x.astype(np.float64) @ kernel + bias
    check_close(got["evaluate"], np.sum(sample_weight * huber_reference(y, prediction, small)) / len(x),
                f"model compiled with HuberLoss({small:.3f}): evaluate with sample_weight", **F32)
    check_equal(got["loaded_loss_type"], "HuberLoss", "type of the loss of the model reloaded from .keras")
    check_equal(got["loaded_config"], {"name": "robust", "threshold": small},
                "get_config() entries name and threshold of the reloaded loss")
    check_close(got["loaded_threshold"], small, "threshold of the reloaded loss")
    prediction = x.astype(np.float64) @ got["kernel_after_fit"] + got["bias_after_fit"]
    check_close(got["loaded_evaluate"], np.sum(sample_weight * huber_reference(y, prediction, small)) / len(x),
                "evaluate with sample_weight after fit and a .keras save and load", **F32)


# ---- Part 3: negative_sampling_loss ------------------------------------------------------------

def reference_softplus(z):  # -log(sigmoid(s)) = softplus(-s), computed stably
    return np.logaddexp(0.0, z)


def reference_sigmoid(z):
    return np.exp(-reference_softplus(-z))


def negative_sampling_reference(packed, scores):
    ids = np.asarray(packed).astype(int)
    scores = np.asarray(scores, np.float64)
    s_pos = np.take_along_axis(scores, ids[:, :1], axis=1)[:, 0]
    s_neg = np.take_along_axis(scores, np.maximum(ids[:, 1:], 0), axis=1)
    return reference_softplus(-s_pos) + np.sum(np.where(ids[:, 1:] >= 0, reference_softplus(s_neg), 0.0), axis=1)


def negative_sampling_gradient(packed, scores, probe):
    """d/dscores of sum(probe * negative_sampling_reference(packed, scores))."""
    ids = np.asarray(packed).astype(int)
    gradient = np.zeros_like(scores, dtype=np.float64)
    for row, (positive, *negatives) in enumerate(ids):
        gradient[row, positive] -= probe[row] * reference_sigmoid(-scores[row, positive])
        for item in negatives:
            if item >= 0:
                gradient[row, item] += probe[row] * reference_sigmoid(scores[row, item])
    return gradient


def negative_sampling_probe(packed, scores, probe, features, train_packed, weights, kernel, bias):
    result = {"float64": negative_sampling_loss(packed.astype("float64"), scores),
              "float32": negative_sampling_loss(packed, scores.astype("float32"))}
    tensor = tf.constant(scores)
    with tf.GradientTape() as tape:
        tape.watch(tensor)
        values = negative_sampling_loss(tf.constant(packed.astype("float64")), tensor)
        objective = tf.reduce_sum(tf.cast(values, tf.float64) * probe)
    result["gradient"] = tape.gradient(objective, tensor)
    scorer = keras.Sequential([keras.Input(shape=features.shape[1:]), keras.layers.Dense(scores.shape[1])])
    scorer.layers[0].set_weights([kernel, bias])
    scorer.compile(optimizer=keras.optimizers.Adam(0.01), loss=negative_sampling_loss)
    result["evaluate"] = scorer.evaluate(features, train_packed, sample_weight=weights,
                                         batch_size=len(features), verbose=0)
    scorer.fit(features, train_packed, epochs=1, batch_size=16, verbose=0)
    result["kernel_after_fit"], result["bias_after_fit"] = [w.numpy() for w in scorer.layers[0].weights]
    result["evaluate_after_fit"] = scorer.evaluate(features, train_packed, sample_weight=weights,
                                                   batch_size=len(features), verbose=0)
    return result


def test_negative_sampling(student, rng):
    n_items, k, batch = int(rng.integers(5, 30)), int(rng.integers(2, 7)), int(rng.integers(6, 13))
    ids = np.stack([rng.choice(n_items, size=1 + k, replace=False) for _ in range(batch)])
    ids[:, 1:][rng.random((batch, k)) < 0.35] = -1
    ids[0, 1:] = -1                      # a user without negatives
    ids[1, 1:] = ids[1, 1:][::-1]        # the order of the slots does not matter
    ids[5, -1] = -1                      # a -1 slot, whatever the draw
    packed = ids.astype("float32")
    scores = 3 * rng.standard_normal((batch, n_items))
    scores[:, -1] = 5 + rng.uniform(0, 3, batch)  # the item that take_along_axis reads for -1: far from 0
    scores[2, ids[2, 0]] = -150.0        # a very wrong positive score
    scores[3, ids[3, 0]] = 200.0         # a very right one
    if ids[3, 1] >= 0:
        scores[3, ids[3, 1]] = 120.0     # a very wrong negative score
    probe = rng.standard_normal(batch)
    features = rng.standard_normal((64, 5)).astype("float32")
    train_packed = np.concatenate([packed] * (64 // batch + 1))[:64]
    weights = rng.uniform(0.0, 2.0, 64).astype("float32")
    kernel, bias = dense_weights(rng, 5, n_items, scale=3.0)
    what = f"negative_sampling_loss ({batch} users, {n_items} items, {k} negative slots)"
    got = student.call(negative_sampling_probe, packed=packed, scores=scores, probe=probe, features=features,
                       train_packed=train_packed, weights=weights, kernel=kernel.astype("float32"),
                       bias=bias.astype("float32"))
    expected = negative_sampling_reference(packed, scores)
    check_close(got["float64"], expected, f"{what}, float64")
    check_close(got["float32"], negative_sampling_reference(packed, scores.astype("float32")),
                f"{what}, float32 (scores up to +-200 stay finite)", **F32)
    if got["gradient"] is None:
        fail(f"{what}: gradient with respect to y_pred", "a tensor", "None (the tape saw no path from it)")
    check_close(got["gradient"], negative_sampling_gradient(packed, scores, probe),
                f"{what}: gradient with respect to y_pred", rtol=1e-6, atol=1e-9)
    predictions = features.astype(np.float64) @ kernel + bias
    check_close(got["evaluate"], np.sum(weights * negative_sampling_reference(train_packed, predictions)) / 64,
                "model compiled with negative_sampling_loss: evaluate with sample_weight", **F32)
    predictions = features.astype(np.float64) @ got["kernel_after_fit"] + got["bias_after_fit"]
    check_close(got["evaluate_after_fit"],
                np.sum(weights * negative_sampling_reference(train_packed, predictions)) / 64,
                "evaluate with sample_weight after one epoch of fit", **F32)


# ---- Part 4: ActivityL2 ------------------------------------------------------------------------

def activity_probe(rate, batches, x, kernel, bias, x_model, y_model, kernels, biases):
    result = {"outputs": [], "losses": []}
    layer = ActivityL2(rate, dtype="float64")
    result["losses_before_call"] = len(layer.losses)
    for batch in batches:
        result["outputs"].append(layer(batch))
        result["losses"].append([loss for loss in layer.losses])
    default = ActivityL2(dtype="float64")
    default(batches[0])
    result["default_rate"] = [loss for loss in default.losses]
    tensor = tf.constant(batches[1])
    with tf.GradientTape() as tape:
        tape.watch(tensor)
        fresh = ActivityL2(rate, dtype="float64")
        fresh(tensor)
        penalty = fresh.losses[0]
    result["input_gradient"] = tape.gradient(penalty, tensor)
    config = ActivityL2(rate, name="sparse").get_config()
    result["config"] = {key: config.get(key) for key in ("rate", "name")}
    clone = ActivityL2.from_config(config)
    result["rebuilt_config"] = {key: clone.get_config().get(key) for key in ("rate", "name")}
    clone(batches[0])
    result["rebuilt_losses"] = [loss for loss in clone.losses]

    class Outer(keras.layers.Layer):  # the chapter's outer layer: inner terms are reset at each outer call
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = keras.layers.Dense(kernel.shape[1], dtype="float64")
            self.regularize = ActivityL2(rate, dtype="float64")

        def call(self, inputs):
            return self.regularize(self.dense(inputs))

    outer = Outer(dtype="float64")
    outer(x)
    outer.dense.kernel.assign(kernel)
    outer.dense.bias.assign(bias)
    for _ in range(3):
        outer(x)
    result["outer_losses"] = [loss for loss in outer.losses]
    with tf.GradientTape() as tape:
        outer(x)
        penalty = outer.losses[0]
    result["kernel_gradient"] = tape.gradient(penalty, outer.dense.kernel)

    model = keras.Sequential([keras.Input(shape=x_model.shape[1:]), keras.layers.Dense(kernels[0].shape[1]),
                              ActivityL2(rate), keras.layers.Dense(kernels[1].shape[1])])
    model.layers[0].set_weights([kernels[0], biases[0]])
    model.layers[2].set_weights([kernels[1], biases[1]])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    result["evaluate"] = model.evaluate(x_model, y_model, batch_size=len(x_model), verbose=0)
    model.fit(x_model, y_model, epochs=2, batch_size=8, verbose=0)
    result["weights_after_fit"] = [w.numpy() for w in model.layers[0].weights + model.layers[2].weights]
    result["evaluate_after_fit"] = model.evaluate(x_model, y_model, batch_size=len(x_model), verbose=0)
    return result


def test_activity_l2(student, rng):
    rate = float(rng.uniform(0.01, 0.5))
    features = int(rng.integers(2, 6))
    batches = [rng.standard_normal((int(rng.integers(1, 6)), 3, features)) for _ in range(3)]
    x = rng.standard_normal((6, 3))
    kernel, bias = dense_weights(rng, 3, 4)
    hidden, outputs = int(rng.integers(3, 7)), int(rng.integers(1, 3))
    kernels, biases = zip(dense_weights(rng, 3, hidden), dense_weights(rng, hidden, outputs))
    x_model = rng.standard_normal((32, 3)).astype("float32")
    y_model = rng.standard_normal((32, outputs)).astype("float32")
    what = f"ActivityL2({rate:.3f})"
    got = student.call(activity_probe, rate=rate, batches=batches, x=x, kernel=kernel, bias=bias, x_model=x_model,
                       y_model=y_model, kernels=[k.astype("float32") for k in kernels],
                       biases=[b.astype("float32") for b in biases])
    check_equal(got["losses_before_call"], 0, f"{what}: number of losses before the first call")
    for number, (output, losses, batch) in enumerate(zip(got["outputs"], got["losses"], batches), start=1):
        check_close(output, batch, f"{what} returns its rank-3 inputs unchanged (call {number})")
        check_equal(len(losses), 1, f"{what}: number of losses after call {number}")
        check_close(losses[0], rate * np.sum(batch ** 2), f"{what}: penalty after call {number}, from that call only")
    check_equal(len(got["default_rate"]), 1, "ActivityL2(): number of losses after one call")
    check_close(got["default_rate"][0], 0.01 * np.sum(batches[0] ** 2), "ActivityL2() penalty (default rate 0.01)")
    if got["input_gradient"] is None:
        fail(f"{what}: gradient of the penalty with respect to the inputs", "a tensor", "None")
    check_close(got["input_gradient"], 2 * rate * batches[1], f"{what}: gradient of the penalty (2 * rate * x)")
    check_equal(got["config"], {"rate": rate, "name": "sparse"}, f"{what}: get_config() entries rate and name")
    check_equal(got["rebuilt_config"], {"rate": rate, "name": "sparse"}, "get_config() of ActivityL2.from_config")
    check_equal(len(got["rebuilt_losses"]), 1, "number of losses of the layer rebuilt by from_config")
    check_close(got["rebuilt_losses"][0], rate * np.sum(batches[0] ** 2),
                "penalty of the layer rebuilt by from_config", **F32)

    h = x @ kernel + bias
    check_equal(len(got["outer_losses"]), 1, "losses of a layer holding Dense and ActivityL2 after three calls")
    check_close(got["outer_losses"][0], rate * np.sum(h ** 2), "the outer layer's penalty (from the Dense output)")
    if got["kernel_gradient"] is None:
        fail("gradient of the penalty with respect to the kernel of the Dense layer before it", "a tensor", "None")
    check_close(got["kernel_gradient"], 2 * rate * x.T @ h, "gradient of the penalty with respect to that kernel")

    x64 = x_model.astype(np.float64)
    h = x64 @ kernels[0] + biases[0]
    prediction = h @ kernels[1] + biases[1]
    check_close(got["evaluate"], np.mean((prediction - y_model) ** 2) + rate * np.sum(h ** 2),
                f"Sequential with Dense, {what}, Dense: evaluate = MSE + penalty", **F32)
    k1, b1, k2, b2 = got["weights_after_fit"]
    h = x64 @ k1 + b1
    prediction = h @ k2 + b2
    check_close(got["evaluate_after_fit"], np.mean((prediction - y_model) ** 2) + rate * np.sum(h ** 2),
                "evaluate = MSE + penalty after fit", **F32)


# ---- Part 5: ReconstructingRegressor -----------------------------------------------------------

def regressor_reference(x, weights, aux_weight, y=None):
    """(prediction, auxiliary loss, gradients) of the regressor from its weights alone.

    `weights`: [hidden kernel, bias, hidden kernel, bias, reconstruct kernel, bias, out kernel, bias].
    Given `y`, the gradients of mean((prediction - y) ** 2) + auxiliary loss with respect to the
    reconstruct kernel and the first hidden kernel.
    """
    k1, b1, k2, b2, kr, br, ko, bo = [np.asarray(w, np.float64) for w in weights]
    x = np.asarray(x, np.float64)
    a1 = x @ k1 + b1
    z1 = np.maximum(a1, 0)
    a2 = z1 @ k2 + b2
    z2 = np.maximum(a2, 0)
    prediction, reconstruction = z2 @ ko + bo, z2 @ kr + br
    aux = aux_weight * np.mean((reconstruction - x) ** 2)
    if y is None:
        return prediction, aux, None
    d_prediction = 2 * (prediction - y) / prediction.size
    d_reconstruction = aux_weight * 2 * (reconstruction - x) / x.size
    d_a2 = (d_prediction @ ko.T + d_reconstruction @ kr.T) * (a2 > 0)
    d_a1 = (d_a2 @ k2.T) * (a1 > 0)
    return prediction, aux, {"reconstruct": z2.T @ d_reconstruction, "hidden": x.T @ d_a1}


def regressor_weights(rng, features, units, outputs):
    return [*dense_weights(rng, features, units, 2.0), *dense_weights(rng, units, units, 2.0),
            *dense_weights(rng, units, features), *dense_weights(rng, units, outputs)]


def regressor_probe(outputs, units, aux_weight, x, y, weights, x_fit, y_fit):
    import os
    import tempfile

    def layers_of(model):  # the sub-layers the instructions name, in the order of `weights`
        return [*model.hidden, model.reconstruct, model.out]

    def set_weights(model, values):
        for layer, kernel, bias in zip(layers_of(model), values[::2], values[1::2]):
            layer.kernel.assign(kernel)
            layer.bias.assign(bias)

    def weights_of(model):
        return [w.numpy() for layer in layers_of(model) for w in (layer.kernel, layer.bias)]

    features = x.shape[1]
    result = {}
    keras.utils.set_random_seed(5)
    model = ReconstructingRegressor(outputs, hidden_units=units, aux_weight=aux_weight)
    model.build((None, features))
    result["weights_after_build"] = len(model.weights)
    result["shapes"] = sorted(list(w.shape) for w in model.trainable_weights)
    shapes = [[features, units], [units], [units, units], [units], [units, features], [features],
              [units, outputs], [outputs]]
    if result["shapes"] != sorted(shapes):  # the test reports it; the weights cannot be set
        return result
    set_weights(model, weights)
    result["prediction"] = model(x)
    model(x)
    model(x)
    result["losses"] = [loss for loss in model.losses]
    with tf.GradientTape() as tape:
        total = keras.ops.mean(keras.ops.square(model(x) - y)) + keras.ops.sum(model.losses)
    gradients = tape.gradient(total, [model.reconstruct.kernel, model.hidden[0].kernel])
    result["gradients"] = {name: g for name, g in zip(("reconstruct", "hidden"), gradients) if g is not None}

    config = ReconstructingRegressor(outputs, hidden_units=units, aux_weight=aux_weight, name="regressor").get_config()
    result["config"] = {key: config.get(key) for key in ("output_dim", "hidden_units", "aux_weight", "name")}
    clone = ReconstructingRegressor.from_config(config)
    clone.build((None, features))
    set_weights(clone, weights)
    result["clone_prediction"] = clone(x)
    result["clone_losses"] = [loss for loss in clone.losses]
    default = ReconstructingRegressor(outputs)
    config = default.get_config()
    result["default_config"] = {key: config.get(key) for key in ("output_dim", "hidden_units", "aux_weight")}
    default.build((None, features))
    result["default_shapes"] = sorted(list(w.shape) for w in default.trainable_weights)

    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model.fit(x_fit, y_fit, epochs=2, batch_size=16, verbose=0)
    result["weights_after_fit"] = weights_of(model)
    result["evaluate"] = model.evaluate(x_fit, y_fit, batch_size=len(x_fit), verbose=0)
    path = os.path.join(tempfile.mkdtemp(), "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    result["loaded_class"] = type(loaded).__name__
    result["loaded_weights"] = weights_of(loaded)
    config = loaded.get_config()
    result["loaded_config"] = {key: config.get(key) for key in ("output_dim", "hidden_units", "aux_weight")}
    result["loaded_evaluate"] = loaded.evaluate(x_fit, y_fit, batch_size=len(x_fit), verbose=0)
    return result


def test_reconstructing_regressor(student, rng):
    features, units, outputs = int(rng.integers(3, 9)), int(rng.integers(4, 12)), int(rng.integers(1, 4))
    aux_weight = float(rng.uniform(0.2, 1.0))
    weights = regressor_weights(rng, features, units, outputs)
    x = rng.standard_normal((7, features))
    y = rng.standard_normal((7, outputs))
    x_fit = rng.standard_normal((48, features)).astype("float32")
    y_fit = (x_fit[:, :1] * 2 - 1 + 0.1 * rng.standard_normal((48, outputs))).astype("float32")
    what = f"ReconstructingRegressor({outputs}, hidden_units={units}, aux_weight={aux_weight:.3f})"
    got = student.call(regressor_probe, outputs=outputs, units=units, aux_weight=aux_weight,
                       x=x.astype("float32"), y=y.astype("float32"), weights=[w.astype("float32") for w in weights],
                       x_fit=x_fit, y_fit=y_fit)
    check_equal(got["weights_after_build"], 8, f"{what}: number of weights after model.build((None, {features}))")
    shapes = [[features, units], [units], [units, units], [units], [units, features], [features],
              [units, outputs], [outputs]]
    check_equal(got["shapes"], sorted(shapes), f"{what}: shapes of the trainable weights after build")
    prediction, aux, gradients = regressor_reference(x, weights, aux_weight, y)
    check_close(got["prediction"], prediction, f"{what}: predictions with the weights set", **F32_DEEP)
    check_equal(len(got["losses"]), 1, f"{what}: number of model.losses after three calls")
    check_close(got["losses"][0], aux, f"{what}: auxiliary loss, aux_weight * mean((reconstruct(Z) - x) ** 2)",
                **F32_DEEP)
    for name, label in (("reconstruct", "model.reconstruct.kernel"), ("hidden", "model.hidden[0].kernel")):
        check_gradient_present(got["gradients"], name, what)
        scale = np.max(np.abs(gradients[name]))
        check_close(got["gradients"][name], gradients[name],
                    f"{what}: gradient of MSE + model.losses with respect to {label}", rtol=3e-3, atol=3e-3 * scale)

    check_equal(got["config"], {"output_dim": outputs, "hidden_units": units, "aux_weight": aux_weight,
                                "name": "regressor"}, f"{what}: get_config() entries")
    check_close(got["clone_prediction"], prediction,
                "predictions of ReconstructingRegressor.from_config(config), weights set", **F32_DEEP)
    check_equal(len(got["clone_losses"]), 1, "number of losses of the model rebuilt by from_config")
    check_close(got["clone_losses"][0], aux, "auxiliary loss of the model rebuilt by from_config (its aux_weight)",
                **F32_DEEP)
    check_equal(got["default_config"], {"output_dim": outputs, "hidden_units": 32, "aux_weight": 0.05},
                f"ReconstructingRegressor({outputs}): get_config() entries (the defaults)")
    check_equal(got["default_shapes"], sorted([[features, 32], [32], [32, 32], [32], [32, features], [features],
                                               [32, outputs], [outputs]]),
                f"ReconstructingRegressor({outputs}): shapes of the weights (default hidden_units)")

    prediction, aux, _ = regressor_reference(x_fit, got["weights_after_fit"], aux_weight)
    result = np.mean((prediction - y_fit) ** 2) + aux
    check_close(got["evaluate"], result, "evaluate after fit = MSE + aux_weight * reconstruction MSE", **F32_DEEP)
    check_equal(got["loaded_class"], "ReconstructingRegressor", "class of the model reloaded from .keras")
    for index, (saved, loaded) in enumerate(zip(got["weights_after_fit"], got["loaded_weights"])):
        check_close(loaded, saved, f"weight {index} of hidden, reconstruct, out after a .keras save and load",
                    rtol=0, atol=0)
    check_equal(got["loaded_config"], {"output_dim": outputs, "hidden_units": units, "aux_weight": aux_weight},
                "get_config() entries of the reloaded model")
    check_close(got["loaded_evaluate"], result, "evaluate after a .keras save and load (MSE + auxiliary loss)",
                **F32_DEEP)
