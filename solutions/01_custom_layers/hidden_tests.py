"""Hidden tests of Exercise 1, judged by the grader (autograder/kernel/referee.py); never in a notebook.

Each `test_<part>(student, rng)` draws inputs and weights, has the student's kernel run a probe
on them (`student.call`), and compares the results with references computed here, from the
inputs and weights alone. Probes run in the student's kernel, where the notebook defined the
classes; they use only the names and behaviour the instructions fix.
"""
import numpy as np

from autograder.checks import check_close, check_equal, fail
from autograder.kernel.referee import clear_of_kinks, numeric_gradient

ACTIVATIONS = {
    None: lambda z: z,
    "linear": lambda z: z,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
}


def check_shape(got, expected, what):
    check_equal([int(n) if n is not None else None for n in got], list(expected), what)


def check_gradients_match(got, reference, inputs, probe, what):
    """`got` {name: tape gradient} against finite differences of the reference objective sum(reference * probe)."""
    for name, value in inputs.items():
        if got.get(name) is None:
            fail(f"{what}: gradient with respect to {name}", "a tensor", "None (the tape saw no path from it)")

        def objective(shifted, name=name):
            return float(np.sum(reference(**{**inputs, name: shifted}) * probe))
        check_close(got[name], numeric_gradient(objective, value), f"{what}: gradient with respect to {name}",
                    rtol=1e-4, atol=1e-6)


# ---- Part 1: MyDense ----------------------------------------------------------------------------

# The initializer is judged on a layer this wide: a few values, as in a layer of 2 units on 2
# features, can all fall near zero by chance (for 4 values, std < limit/10 in 0.8% of draws).
WIDE_FEATURES, WIDE_UNITS = 96, 32


def check_glorot_uniform(kernel, what):
    """Values drawn by glorot_uniform: uniform in [-limit, limit], limit = sqrt(6 / (fan_in + fan_out)).

    With 3072 values their standard deviation is limit / sqrt(3) within 0.8% (one standard error),
    so 10% is 12 standard errors; and some value exceeds 0.95 limit but in 0.95^3072 of draws. That
    tells glorot_uniform from glorot_normal and he_uniform (values past the limit), lecun_uniform
    (a standard deviation 18% smaller here) and the small fixed-scale initializers.
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    limit = np.sqrt(6 / (WIDE_FEATURES + WIDE_UNITS))
    largest = np.abs(kernel).max()
    if not (largest <= limit + 1e-9 and largest > 0.95 * limit and abs(kernel.std() * np.sqrt(3) / limit - 1) < 0.1):
        fail(f"{what}: kernel initialization", f"glorot_uniform values, uniform in [-{limit:.3f}, {limit:.3f}]",
             f"|values| up to {largest:.3f}, standard deviation {kernel.std():.3f} (uniform: {limit / np.sqrt(3):.3f})")


def dense_probe(units, activation, x, kernel, bias, probe, wide_features, wide_units):
    import os
    import tempfile

    layer = MyDense(units, activation=activation, dtype="float64")
    result = {"weights_before_call": len(layer.weights), "built_before_call": bool(layer.built)}
    layer(x)
    result["trainable"] = {w.name: list(w.shape) for w in layer.trainable_weights}
    result["non_trainable"] = {w.name: list(w.shape) for w in layer.non_trainable_weights}
    result["initial_bias"] = layer.bias.numpy()
    wide = MyDense(wide_units, dtype="float64")  # enough values that their spread is known to 1%
    wide(keras.ops.zeros((1, wide_features), dtype="float64"))
    result["wide_kernel"] = wide.kernel.numpy()
    layer.kernel.assign(kernel)
    layer.bias.assign(bias)
    result["output"] = layer(x)
    by_function = MyDense(units, activation=lambda z: keras.ops.tanh(z), dtype="float64")
    by_function(x)
    by_function.kernel.assign(kernel)
    by_function.bias.assign(bias)
    result["function_output"] = by_function(x)
    inputs = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        objective = tf.reduce_sum(layer(inputs) * probe)
    gradients = tape.gradient(objective, [inputs, layer.kernel, layer.bias])
    result["gradients"] = {name: g for name, g in zip(("x", "kernel", "bias"), gradients) if g is not None}
    result["symbolic_shape"] = list(MyDense(units)(keras.Input(shape=x.shape[1:])).shape)
    result["computed_shape"] = list(MyDense(units).compute_output_shape((None, *x.shape[1:])))
    named = MyDense(units, activation=activation, name="hidden")
    config = named.get_config()
    result["config"] = {key: config[key] for key in ("units", "activation", "name", "trainable") if key in config}
    result["rebuilt_config"] = {key: value for key, value in MyDense.from_config(config).get_config().items()
                                if key in ("units", "activation", "name")}
    inputs = keras.Input(shape=x.shape[1:])
    model = keras.Model(inputs, MyDense(units, activation=activation)(inputs))
    path = os.path.join(tempfile.mkdtemp(), "model.keras")
    model.save(path)
    x32 = x.astype("float32")
    result["predictions"] = model.predict(x32, verbose=0)
    result["reloaded_predictions"] = keras.models.load_model(path).predict(x32, verbose=0)
    return result


def draw_dense(rng, units, features, steps):
    """Inputs (rank 3), a kernel and a bias (non-zero, both signs) for MyDense."""
    x = rng.standard_normal((int(rng.integers(2, 6)), steps, features))
    kernel = rng.standard_normal((features, units))
    return x, kernel, rng.uniform(0.5, 2.0, units) * rng.choice([-1, 1], units)


def test_my_dense(student, rng):
    for activation in ("sigmoid", None, "relu"):
        units, features, steps = int(rng.integers(2, 7)), int(rng.integers(2, 7)), int(rng.integers(2, 4))
        x, kernel, bias = draw_dense(rng, units, features, steps)
        while activation == "relu" and not clear_of_kinks(x @ kernel + bias):
            x, kernel, bias = draw_dense(rng, units, features, steps)
        probe = rng.standard_normal((len(x), steps, units))
        what = f"MyDense({units}, activation={activation!r})"
        got = student.call(dense_probe, units=units, activation=activation, x=x, kernel=kernel, bias=bias, probe=probe,
                           wide_features=WIDE_FEATURES, wide_units=WIDE_UNITS)
        check_equal([got["weights_before_call"], got["built_before_call"]], [0, False],
                    f"{what}: weights and built flag before the first call")
        check_equal(got["trainable"], {"kernel": [features, units], "bias": [units]},
                    f"{what}: trainable weights (name: shape)")
        check_equal(got["non_trainable"], {}, f"{what}: non-trainable weights")
        check_close(got["initial_bias"], np.zeros(units), f"{what}: bias initialized to zeros")
        check_glorot_uniform(got["wide_kernel"], f"MyDense({WIDE_UNITS}) on {WIDE_FEATURES} features")
        reference = lambda x, kernel, bias: ACTIVATIONS[activation](x @ kernel + bias)  # noqa: E731
        check_close(got["output"], reference(x, kernel, bias), f"{what} on a rank-3 input with weights set")
        check_close(got["function_output"], np.tanh(x @ kernel + bias),
                    f"MyDense({units}) with a function as activation (z -> keras.ops.tanh(z)), weights set")
        check_gradients_match(got["gradients"], reference, {"x": x, "kernel": kernel, "bias": bias}, probe, what)
        check_shape(got["symbolic_shape"], (None, steps, units), f"{what}: output shape for keras.Input")
        check_shape(got["computed_shape"], (None, steps, units), f"{what}: compute_output_shape")
        serialized = "linear" if activation is None else activation
        expected = {"units": units, "activation": serialized, "name": "hidden"}
        check_equal({k: got["config"].get(k) for k in expected}, expected, f"{what}: get_config() entries")
        check_equal(got["rebuilt_config"], expected, f"{what}: get_config() of MyDense.from_config(config)")
        check_close(got["reloaded_predictions"], got["predictions"], f"{what}: predictions after .keras save and load")


# ---- Part 2: RunningSum ---------------------------------------------------------------------------

def running_sum_probe(batches, x, y):
    import os
    import tempfile

    layer = RunningSum()  # the default dtype, float32: the instructions ask for no other
    result = {"weights_before_call": len(layer.weights), "outputs": [layer(batch) for batch in batches]}
    result["trainable"] = {w.name: list(w.shape) for w in layer.trainable_weights}
    result["non_trainable"] = {w.name: list(w.shape) for w in layer.non_trainable_weights}
    result["total"], result["count"] = layer.total.numpy(), layer.count.numpy()
    inputs = tf.constant(batches[0])
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        objective = tf.reduce_sum(RunningSum()(inputs) * inputs)
    result["input_gradient"] = tape.gradient(objective, inputs)
    keras.utils.set_random_seed(0)
    model_inputs = keras.Input(shape=x.shape[1:])
    running = RunningSum()
    model = keras.Model(model_inputs, keras.layers.Dense(1)(running(model_inputs)))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    result["total_after_fit"], result["count_after_fit"] = running.total.numpy(), running.count.numpy()
    path = os.path.join(tempfile.mkdtemp(), "model.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    result["reloaded_state"] = sorted(float(np.sum(w.numpy())) for w in reloaded.non_trainable_weights)
    result["saved_state"] = sorted(float(np.sum(w.numpy())) for w in model.non_trainable_weights)
    return result


def test_running_sum(student, rng):
    features = int(rng.integers(2, 9))
    batches = [(rng.standard_normal((int(rng.integers(1, 9)), features)) + 1.5).astype("float32") for _ in range(4)]
    x = rng.standard_normal((32, features)).astype("float32")
    got = student.call(running_sum_probe, batches=batches, x=x, y=rng.standard_normal((32, 1)).astype("float32"))
    check_equal(got["weights_before_call"], 0, "RunningSum weights before the first call")
    for index, (output, batch) in enumerate(zip(got["outputs"], batches)):
        check_close(output, batch, f"RunningSum returns its inputs unchanged (batch {index + 1})")
    check_equal(got["trainable"], {}, "RunningSum trainable weights")
    check_equal(got["non_trainable"], {"total": [features], "count": []}, "RunningSum non-trainable weights (name: shape)")
    check_close(got["total"], np.sum(np.concatenate(batches).astype("float64"), axis=0), "total after four batches")
    check_close(got["count"], float(sum(len(b) for b in batches)), "count after four batches (samples, not calls)")
    check_close(got["input_gradient"], 2 * batches[0], "gradient through RunningSum (it returns its inputs)")
    check_close(got["total_after_fit"], 2 * x.sum(axis=0), "total after fit over 2 epochs (updated by the layer only)",
                rtol=1e-4, atol=1e-4)
    check_close(got["count_after_fit"], 64.0, "count after fit over 2 epochs")
    check_close(got["reloaded_state"], got["saved_state"], "total and count after .keras save and load")


# ---- Part 3: MyGaussianNoise ---------------------------------------------------------------------

def noise_probe(stddev, x, base):
    import os
    import tempfile

    layer = MyGaussianNoise(stddev)
    result = {"inference": layer(x), "inference_false": layer(x, training=False)}
    result["noisy"], result["noisy_again"] = layer(base, training=True), layer(base, training=True)
    result["seeded"] = [MyGaussianNoise(stddev, seed=7)(x, training=True) for _ in range(2)]
    config = MyGaussianNoise(stddev, seed=3, name="noisy").get_config()
    result["config"] = {key: config.get(key) for key in ("stddev", "seed", "name")}
    inputs = keras.Input(shape=x.shape[1:])
    model = keras.Model(inputs, MyGaussianNoise(stddev)(inputs))
    result["predict"], result["model_training"] = model.predict(x, verbose=0), model(x, training=True)
    path = os.path.join(tempfile.mkdtemp(), "model.keras")
    model.save(path)
    reloaded = keras.models.load_model(path).layers[-1].get_config()
    result["reloaded_config"] = {key: reloaded.get(key) for key in ("stddev", "seed")}
    return result


def test_gaussian_noise(student, rng):
    stddev = float(rng.uniform(0.2, 3.0))
    x = rng.standard_normal((int(rng.integers(2, 9)), int(rng.integers(2, 9)))).astype("float32")
    what = f"MyGaussianNoise({stddev:.3f})"
    base = rng.uniform(-5, 5, (4000, 25)).astype("float32")  # non-zero: the output must still hold the input
    got = student.call(noise_probe, stddev=stddev, x=x, base=base)
    check_close(got["inference"], x, f"{what}: inference output (training not given) equals the input")
    check_close(got["inference_false"], x, f"{what}: inference output (training=False) equals the input")
    noise = np.asarray(got["noisy"], dtype=np.float64) - base  # what training added to the input
    check_close(noise.std(), stddev, f"{what}: standard deviation of training output minus input", rtol=0.05)
    check_close(noise.mean(), 0.0, f"{what}: mean of training output minus input", atol=0.03 * stddev)
    if np.allclose(got["noisy"], got["noisy_again"]):
        fail(f"{what}: two training calls", "different noise", "the same noise twice")
    check_close(got["seeded"][0], got["seeded"][1], "two layers built with the same seed draw the same noise")
    check_equal(got["config"], {"stddev": stddev, "seed": 3, "name": "noisy"}, f"{what}: get_config() entries")
    check_close(got["predict"], x, f"{what}: model.predict output equals the input")
    if np.allclose(got["model_training"], x):
        fail(f"{what}: model called with training=True", "noise added", "the input unchanged")
    check_equal(got["reloaded_config"], {"stddev": stddev, "seed": None}, "config after .keras save and load")


# ---- Part 4: SimpleBatchNorm -----------------------------------------------------------------------

def batch_norm_reference(batches, momentum, epsilon, gamma, beta):
    """(training outputs, moving mean, moving variance) of batch normalization over `batches`."""
    moving_mean, moving_variance = np.zeros(len(gamma)), np.ones(len(gamma))
    outputs = []
    for batch in batches:
        axes = tuple(range(batch.ndim - 1))
        mean, variance = batch.mean(axis=axes), batch.var(axis=axes)
        outputs.append(gamma * (batch - mean) / np.sqrt(variance + epsilon) + beta)
        moving_mean = moving_mean * momentum + mean * (1 - momentum)
        moving_variance = moving_variance * momentum + variance * (1 - momentum)
    return outputs, moving_mean, moving_variance


def batch_norm_probe(momentum, epsilon, batches, gamma, beta, test_batch, probe):
    import os
    import tempfile

    layer = SimpleBatchNorm(momentum=momentum, epsilon=epsilon, dtype="float64")
    result = {"weights_before_call": len(layer.weights)}
    layer.build(batches[0].shape)
    result["initial"] = {w.name: w.numpy() for w in layer.weights}
    result["trainable"] = {w.name: list(w.shape) for w in layer.trainable_weights}
    result["non_trainable"] = {w.name: list(w.shape) for w in layer.non_trainable_weights}
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    result["training"] = [layer(batch, training=True) for batch in batches]
    result["moving_mean"], result["moving_variance"] = layer.moving_mean.numpy(), layer.moving_variance.numpy()
    result["inference"] = layer(test_batch, training=False)
    result["default_call"] = layer(test_batch)
    result["moving_mean_after_inference"] = layer.moving_mean.numpy()
    inputs = tf.constant(batches[0])
    fresh = SimpleBatchNorm(momentum=momentum, epsilon=epsilon, dtype="float64")
    fresh.build(batches[0].shape)
    fresh.gamma.assign(gamma)
    fresh.beta.assign(beta)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        objective = tf.reduce_sum(fresh(inputs, training=True) * probe)
    gradients = tape.gradient(objective, [inputs, fresh.gamma, fresh.beta])
    result["gradients"] = {name: g for name, g in zip(("batch", "gamma", "beta"), gradients) if g is not None}
    config = SimpleBatchNorm(momentum=momentum, epsilon=epsilon).get_config()
    result["config"] = {key: config.get(key) for key in ("momentum", "epsilon")}
    model_inputs = keras.Input(shape=batches[0].shape[1:])
    model = keras.Model(model_inputs, SimpleBatchNorm(momentum=momentum, epsilon=epsilon)(model_inputs))
    model(batches[0].astype("float32"), training=True)
    path = os.path.join(tempfile.mkdtemp(), "model.keras")
    model.save(path)
    result["predictions"] = model.predict(test_batch.astype("float32"), verbose=0)
    result["reloaded_predictions"] = keras.models.load_model(path).predict(test_batch.astype("float32"), verbose=0)
    return result


def test_batch_norm(student, rng):
    features = int(rng.integers(2, 7))
    momentum, epsilon = float(rng.uniform(0.5, 0.95)), float(rng.uniform(1e-3, 1e-1))
    batches = [rng.standard_normal((16, 3, features)) * rng.uniform(0.5, 3.0, features) + rng.uniform(-3, 3, features)
               for _ in range(4)]
    batches[-1][:, :, 0] = 3.0  # a constant feature must normalize to beta, not NaN
    gamma, beta = rng.uniform(0.5, 2.0, features), rng.standard_normal(features)
    test_batch = rng.standard_normal((5, 3, features)) * 2 + 1
    probe = rng.standard_normal(batches[0].shape)
    what = f"SimpleBatchNorm(momentum={momentum:.3f}, epsilon={epsilon:.4f})"
    got = student.call(batch_norm_probe, momentum=momentum, epsilon=epsilon, batches=batches, gamma=gamma, beta=beta,
                       test_batch=test_batch, probe=probe)
    check_equal(got["weights_before_call"], 0, f"{what}: weights before build")
    check_equal(got["trainable"], {"gamma": [features], "beta": [features]}, f"{what}: trainable weights (name: shape)")
    check_equal(got["non_trainable"], {"moving_mean": [features], "moving_variance": [features]},
                f"{what}: non-trainable weights (name: shape)")
    initial = {"gamma": 1.0, "beta": 0.0, "moving_mean": 0.0, "moving_variance": 1.0}
    for name, value in initial.items():
        check_close(got["initial"].get(name), np.full(features, value), f"{what}: {name} initialized to {value:g}")
    outputs, moving_mean, moving_variance = batch_norm_reference(batches, momentum, epsilon, gamma, beta)
    for step, (output, expected) in enumerate(zip(got["training"], outputs)):
        check_close(output, expected, f"{what}: training output, step {step + 1}")
    check_close(got["moving_mean"], moving_mean, f"{what}: moving_mean after {len(batches)} training steps")
    check_close(got["moving_variance"], moving_variance, f"{what}: moving_variance after {len(batches)} training steps")
    inference = gamma * (test_batch - moving_mean) / np.sqrt(moving_variance + epsilon) + beta
    check_close(got["inference"], inference, f"{what}: inference output (training=False) uses the moving statistics")
    check_close(got["default_call"], inference, f"{what}: a call without training uses the moving statistics")
    check_close(got["moving_mean_after_inference"], moving_mean, f"{what}: moving_mean unchanged by inference calls")

    def training_output(batch, gamma, beta):
        return batch_norm_reference([batch], momentum, epsilon, gamma, beta)[0][0]

    check_gradients_match(got["gradients"], training_output, {"batch": batches[0], "gamma": gamma, "beta": beta},
                          probe, f"{what} in training")
    check_equal(got["config"], {"momentum": momentum, "epsilon": epsilon}, f"{what}: get_config() entries")
    check_close(got["reloaded_predictions"], got["predictions"], f"{what}: predictions after .keras save and load")
