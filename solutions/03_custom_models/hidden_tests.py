"""Hidden tests of Exercise 3, judged by the grader (autograder/kernel/referee.py); never in a notebook.

Each `test_<part>(student, rng)` draws inputs and weights, has the student's kernel run a probe
on them (`student.call`), and compares the results with references computed here, from the
inputs and weights alone, in NumPy. Probes run in the student's kernel, where the notebook defined
the classes; they use only the names and behaviour the instructions fix.

Parts 2 and 4 build models from the classes of parts 1 and 3. So that a mistake inside a block or
inside `Sampling` costs only its own part (as the notebook promises), their probes run the
student's model with a correct block or sampling layer in place of the student's: while the probe
runs, the name `ResidualBlock` (or `Sampling`) that the model's `__init__` looks up names a
reference class written in the probe. What is graded there is the model itself: its own layers
(activations included), its wiring, its reuse of one block, its config and its `.keras` round trip.
"""
import numpy as np

from autograder.checks import check_close, check_equal, fail
from autograder.kernel.referee import clear_of_kinks, numeric_gradient


def np_elu(z):
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


def np_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def np_relu(z):
    return np.maximum(z, 0)


def residual_stack_reference(x, layers):
    """inputs + the stack of ELU dense layers [(kernel, bias), ...] applied to them."""
    z = x
    for kernel, bias in layers:
        z = np_elu(z @ kernel + bias)
    return x + z


def check_gradient_against(got, function, value, probe, what):
    """`got`, a tape gradient of sum(f(value) * probe), against finite differences of the reference f."""
    if got is None:
        fail(what, "a tensor", "None (the tape saw no path from it)")
    check_close(got, numeric_gradient(lambda shifted: float(np.sum(function(shifted) * probe)), value), what,
                rtol=1e-4, atol=1e-6)


def check_he_normal(kernel, fan_in, what):
    """Values drawn by he_normal: a normal truncated at 2 standard deviations, scaled to variance 2 / fan_in."""
    kernel = np.asarray(kernel, dtype=np.float64)
    std, bound = np.sqrt(2 / fan_in), 2 * np.sqrt(2 / fan_in) / 0.87962566103423978
    if not (abs(kernel.std() / std - 1) < 0.1 and np.abs(kernel).max() <= bound + 1e-6
            and np.abs(kernel).max() > 1.1 * np.sqrt(6 / fan_in)):
        fail(f"{what}: kernel initialization", f"he_normal values (standard deviation {std:.3f}, |values| up to "
             f"{bound:.3f})", f"standard deviation {kernel.std():.3f}, |values| up to {np.abs(kernel).max():.3f}")


def check_reloaded(got, reference, what):
    """Predictions of a model after .keras save and load (or the error load_model raised, as a string)."""
    if isinstance(got, str):
        fail(f"{what}: keras.models.load_model", "the model, reloaded", got,
             "get_config() must return every __init__ argument; the class must be registered")
    check_close(got, reference, f"{what}: predictions after .keras save and load", rtol=1e-4, atol=1e-6)


def random_dense(rng, fan_in, units, scale=1.0):
    """A kernel and a non-zero bias of both signs, variance about scale^2 / fan_in."""
    kernel = rng.standard_normal((fan_in, units)) * scale / np.sqrt(fan_in)
    bias = rng.uniform(0.1, 0.5, units) * rng.choice([-1, 1], units) * scale
    return kernel, bias


# ---- Part 1: ResidualBlock -----------------------------------------------------------------------

def residual_block_probe(n_layers, n_neurons, x, kernels, biases, probe, wide):
    import os
    import tempfile

    keras.config.set_dtype_policy("float64")  # every layer created here computes in float64
    try:
        block = ResidualBlock(n_layers, n_neurons)
        result = {"before_build": [len(block.weights), bool(block.built)],
                  "attributes": [block.n_layers, block.n_neurons], "hidden": len(block.hidden),
                  "distinct": len({id(layer) for layer in block.hidden})}
        block.build((None, *x.shape[1:]))
        result["shapes_after_build"] = [list(w.shape) for w in block.trainable_weights]
        if result["shapes_after_build"] != [[n_neurons, n_neurons], [n_neurons]] * n_layers:
            return result
        result["initial_biases"] = [layer.bias.numpy() for layer in block.hidden]
        for layer, kernel, bias in zip(block.hidden, kernels, biases):
            layer.kernel.assign(kernel)
            layer.bias.assign(bias)
        result["output"], result["output_again"] = block(x), block(x)
        result["weights_after_calls"] = len(block.weights)
        inputs = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            objective = tf.reduce_sum(block(inputs) * probe)
        variables = [inputs] + [layer.kernel for layer in block.hidden]
        result["gradients"] = tape.gradient(objective, variables)
        last = block.hidden[-1]
        last.kernel.assign(np.zeros(last.kernel.shape))
        last.bias.assign(np.zeros(last.bias.shape))
        result["zeroed_last"] = block(x)
        symbolic = ResidualBlock(n_layers, n_neurons)(keras.Input(shape=x.shape[1:]))
        result["symbolic_shape"] = [None if n is None else int(n) for n in symbolic.shape]
        big = ResidualBlock(1, wide)
        big.build((None, wide))
        result["wide_kernel"] = big.hidden[0].kernel.numpy()
    finally:
        keras.config.set_dtype_policy("float32")
    config = ResidualBlock(n_layers, n_neurons, name="res").get_config()
    result["config"] = {key: config.get(key) for key in ("n_layers", "n_neurons", "name")}
    try:
        rebuilt = ResidualBlock.from_config(config).get_config()
        result["rebuilt_config"] = {key: rebuilt.get(key) for key in ("n_layers", "n_neurons", "name")}
    except Exception as error:
        result["rebuilt_config"] = f"ResidualBlock.from_config raised {type(error).__name__}: {error}"[:400]
    keras.config.set_dtype_policy("float64")  # float64 again: no TF32 rounding on a GPU
    try:
        inputs = keras.Input(shape=(n_neurons,))
        block = ResidualBlock(n_layers, n_neurons)
        model = keras.Model(inputs, block(inputs))
        for layer, kernel, bias in zip(block.hidden, kernels, biases):
            layer.kernel.assign(kernel)
            layer.bias.assign(bias)
        path = os.path.join(tempfile.mkdtemp(), "model.keras")
        model.save(path)
        try:
            loaded = keras.models.load_model(path, custom_objects={"ResidualBlock": ResidualBlock})
        except Exception as error:
            result["reloaded_predictions"] = f"load_model raised {type(error).__name__}: {error}"[:400]
            return result
        result["reloaded_predictions"] = loaded.predict(x.reshape(-1, n_neurons), verbose=0)
    finally:
        keras.config.set_dtype_policy("float32")
    return result


def test_residual_block(student, rng):
    n_layers, n_neurons = int(rng.integers(1, 5)), int(rng.integers(2, 8))
    x = rng.standard_normal((int(rng.integers(2, 6)), int(rng.integers(2, 4)), n_neurons))
    layers = [random_dense(rng, n_neurons, n_neurons) for _ in range(n_layers)]
    kernels, biases = [k for k, _ in layers], [b for _, b in layers]
    probe = rng.standard_normal(x.shape)
    what = f"ResidualBlock({n_layers}, {n_neurons})"
    got = student.call(residual_block_probe, n_layers=n_layers, n_neurons=n_neurons, x=x, kernels=kernels,
                       biases=biases, probe=probe, wide=40)
    check_equal(got["before_build"], [0, False], f"{what}: number of weights and built flag before build")
    check_equal(got["attributes"], [n_layers, n_neurons], f"{what}: attributes n_layers and n_neurons")
    check_equal(got["hidden"], n_layers, f"{what}: number of layers in block.hidden")
    check_equal(got["distinct"], n_layers, f"{what}: distinct layer objects in block.hidden")
    check_equal(got["shapes_after_build"], [[n_neurons, n_neurons], [n_neurons]] * n_layers,
                f"{what}: trainable weight shapes after build((None, {', '.join(map(str, x.shape[1:]))})), "
                "before any call")
    for index, bias in enumerate(got["initial_biases"]):
        check_close(bias, np.zeros(n_neurons), f"{what}: initial bias of block.hidden[{index}] (zeros)")
    reference = residual_stack_reference(x, layers)
    check_close(got["output"], reference, f"{what} with weights set, on a rank-3 input: inputs + stack(inputs)")
    check_close(got["output_again"], reference, f"{what}: a second call gives the same output")
    check_equal(got["weights_after_calls"], 2 * n_layers, f"{what}: number of weights after three calls")
    check_gradient_against(got["gradients"][0], lambda v: residual_stack_reference(v, layers), x, probe,
                           f"{what}: gradient with respect to the inputs")
    for index in range(n_layers):
        def with_kernel(kernel, index=index):
            return residual_stack_reference(x, [(kernel, b) if i == index else (k, b)
                                                for i, (k, b) in enumerate(layers)])
        check_gradient_against(got["gradients"][1 + index], with_kernel, kernels[index], probe,
                               f"{what}: gradient with respect to the kernel of block.hidden[{index}]")
    check_close(got["zeroed_last"], x, f"{what} with the last kernel and bias zeroed: the identity")
    check_equal(got["symbolic_shape"], [None, *x.shape[1:]], f"{what}: output shape for keras.Input")
    check_he_normal(got["wide_kernel"], 40, "ResidualBlock(1, 40) built for 40 features")
    expected = {"n_layers": n_layers, "n_neurons": n_neurons, "name": "res"}
    check_equal(got["config"], expected, f"{what}: get_config() entries")
    check_equal(got["rebuilt_config"], expected, f"{what}: get_config() of ResidualBlock.from_config(config)")
    check_reloaded(got["reloaded_predictions"], residual_stack_reference(x.reshape(-1, n_neurons), layers),
                   f"{what} in a functional model, weights set")


# ---- Part 2: ResidualRegressor -------------------------------------------------------------------

def regressor_probe(output_dim, x, weights, probe, wide):
    import os
    import tempfile

    class ReferenceBlock(keras.layers.Layer):  # a correct block: part 1 is graded on its own
        def __init__(self, n_layers, n_neurons, **kwargs):
            super().__init__(**kwargs)
            self.n_layers, self.n_neurons = n_layers, n_neurons
            self.hidden = [keras.layers.Dense(n_neurons, activation="elu", kernel_initializer="he_normal")
                           for _ in range(n_layers)]

        def build(self, input_shape):
            for layer in self.hidden:
                layer.build(input_shape)

        def call(self, inputs):
            z = inputs
            for layer in self.hidden:
                z = layer(z)
            return inputs + z

        def get_config(self):
            return {**super().get_config(), "n_layers": self.n_layers, "n_neurons": self.n_neurons}

    scope = ResidualRegressor.__init__.__globals__
    missing = object()
    original = scope.get("ResidualBlock", missing)
    scope["ResidualBlock"] = ReferenceBlock
    keras.config.set_dtype_policy("float64")  # every layer created here computes in float64
    try:
        model = ResidualRegressor(output_dim, name="regressor")
        result = {}
        model(x)
        parts = (model.hidden1, model.block1, model.block2, model.out)
        result["built"] = [bool(layer.built) for layer in parts]
        if not all(result["built"]):
            return result
        blocks = (model.block1, model.block2)
        result["blocks"] = [[isinstance(b, ReferenceBlock), getattr(b, "n_layers", None),
                             getattr(b, "n_neurons", None)] for b in blocks]
        result["same_block"] = model.block1 is model.block2
        result["kernel_shapes"] = [list(model.hidden1.kernel.shape), list(model.out.kernel.shape)]
        result["weights"] = [len(model.trainable_weights), len(model.non_trainable_weights)]
        expected_shapes = [[x.shape[1], 30], [30, output_dim]]
        if result["blocks"] != [[True, 2, 30]] * 2 or result["kernel_shapes"] != expected_shapes:
            return result
        model.hidden1.kernel.assign(weights["hidden1"][0])
        model.hidden1.bias.assign(weights["hidden1"][1])
        for name in ("block1", "block2"):
            for layer, (kernel, bias) in zip(getattr(model, name).hidden, weights[name]):
                layer.kernel.assign(kernel)
                layer.bias.assign(bias)
        model.out.kernel.assign(weights["out"][0])
        model.out.bias.assign(weights["out"][1])
        result["output"] = model(x)
        result["predict"] = model.predict(x, verbose=0)
        inputs = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            objective = tf.reduce_sum(model(inputs) * probe)
        result["input_gradient"] = tape.gradient(objective, inputs)
        result["batch_of_one"] = model(x[:1])
        config = ResidualRegressor(output_dim, name="regressor").get_config()
        result["config"] = {key: config.get(key) for key in ("output_dim", "name")}
        try:
            rebuilt = ResidualRegressor.from_config(config).get_config()
            result["rebuilt_config"] = {key: rebuilt.get(key) for key in ("output_dim", "name")}
        except Exception as error:
            result["rebuilt_config"] = f"ResidualRegressor.from_config raised {type(error).__name__}: {error}"[:400]
        path = os.path.join(tempfile.mkdtemp(), "model.keras")
        model.save(path)
        try:
            loaded = keras.models.load_model(path)  # no custom_objects: the class must be registered
        except Exception as error:
            result["reloaded_class"] = f"load_model raised {type(error).__name__}: {error}"[:400]
            return result
        result["reloaded_class"] = type(loaded).__name__
        result["reloaded_predictions"] = loaded.predict(x, verbose=0)
        wide_model = ResidualRegressor(1)
        wide_model(np.zeros((1, wide)))
        result["wide_kernel"] = wide_model.hidden1.kernel.numpy()
        return result
    finally:
        keras.config.set_dtype_policy("float32")
        if original is missing:
            scope.pop("ResidualBlock", None)
        else:
            scope["ResidualBlock"] = original


def regressor_reference(x, weights):
    z = np_elu(x @ weights["hidden1"][0] + weights["hidden1"][1])
    for _ in range(4):
        z = residual_stack_reference(z, weights["block1"])
    z = residual_stack_reference(z, weights["block2"])
    return z @ weights["out"][0] + weights["out"][1]


def test_residual_regressor(student, rng):
    features, output_dim = int(rng.integers(2, 10)), int(rng.integers(2, 5))
    x = rng.standard_normal((int(rng.integers(2, 7)), features))
    weights = {"hidden1": random_dense(rng, features, 30),
               "block1": [random_dense(rng, 30, 30, scale=0.5) for _ in range(2)],
               "block2": [random_dense(rng, 30, 30, scale=0.5) for _ in range(2)],
               "out": random_dense(rng, 30, output_dim)}
    probe = rng.standard_normal((len(x), output_dim))
    what = f"ResidualRegressor({output_dim}) on {features} features"
    got = student.call(regressor_probe, output_dim=output_dim, x=x, weights=weights, probe=probe, wide=40)
    check_equal(got["built"], [True] * 4, f"{what}: hidden1, block1, block2 and out built by a call",
                hint="call the layers created in __init__: a layer created in call is a new one at every call")
    check_equal(got["blocks"], [[True, 2, 30]] * 2,
                f"{what}: model.block1 and model.block2 are ResidualBlock(2, 30) (is one, n_layers, n_neurons)")
    check_equal(got["same_block"], False, f"{what}: block1 and block2 are two different blocks")
    check_equal(got["kernel_shapes"], [[features, 30], [30, output_dim]],
                f"{what}: kernel shapes of model.hidden1 and model.out")
    check_equal(got["weights"], [12, 0], f"{what}: numbers of trainable and non-trainable weights "
                "(hidden1, block1 counted once, block2, out)")
    reference = regressor_reference(x, weights)
    check_close(got["output"], reference,
                f"{what} with weights set: hidden1 (ELU), block1 four times, block2, out (linear)")
    check_close(got["predict"], reference, f"{what}: model.predict (inputs cast to float32)", rtol=1e-4, atol=1e-6)
    check_close(got["batch_of_one"], reference[:1], f"{what} on a batch of one sample")
    check_gradient_against(got["input_gradient"], lambda v: regressor_reference(v, weights), x, probe,
                           f"{what}: gradient with respect to the inputs")
    check_equal(got["config"], {"output_dim": output_dim, "name": "regressor"}, f"{what}: get_config() entries")
    check_equal(got["rebuilt_config"], {"output_dim": output_dim, "name": "regressor"},
                f"{what}: get_config() of ResidualRegressor.from_config(config)")
    check_equal(got["reloaded_class"], "ResidualRegressor", f"{what}: class of the model after .keras save and load")
    check_reloaded(got["reloaded_predictions"], reference, what)
    check_he_normal(got["wide_kernel"], 40, "ResidualRegressor(1) on 40 features: model.hidden1")


# ---- Part 3: Sampling ----------------------------------------------------------------------------

def sampling_probe(kl_weight, seed, means, log_vars, rows, m, v, m2, v2, probe):
    z_mean, z_log_var = np.tile(means, (rows, 1)), np.tile(log_vars, (rows, 1))
    layer = Sampling(kl_weight=kl_weight, dtype="float64")
    result = {"attributes": [layer.kl_weight, layer.seed], "weights": len(layer.weights)}
    result["samples"] = layer((z_mean, z_log_var))
    result["samples_again"] = layer((z_mean, z_log_var))
    result["kl_samples"] = [float(loss) for loss in layer.losses]
    result["seeded"] = [Sampling(seed=seed, dtype="float64")((m, v)) for _ in range(2)]
    layer = Sampling(kl_weight=kl_weight, seed=seed, dtype="float64")
    z_m, z_v = tf.constant(m), tf.constant(v)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([z_m, z_v])
        z = layer((z_m, z_v))
        objective = tf.reduce_sum(z * probe)
        kl = layer.losses[0] if layer.losses else None
    result["z"] = z
    result["seeded_again"] = layer((m, v))
    result["kl"] = [float(loss) for loss in layer.losses]
    result["z_gradients"] = tape.gradient(objective, [z_m, z_v])
    result["kl_gradients"] = tape.gradient(kl, [z_m, z_v]) if kl is not None else None
    layer((m2, v2))
    result["kl_second_call"] = [float(loss) for loss in layer.losses]
    symbolic = Sampling()((keras.Input(shape=(m.shape[1],)), keras.Input(shape=(m.shape[1],))))
    result["symbolic_shape"] = [None if n is None else int(n) for n in symbolic.shape]
    config = Sampling(kl_weight=kl_weight, seed=seed, name="sampler").get_config()
    result["config"] = {key: config.get(key) for key in ("kl_weight", "seed", "name")}
    try:
        rebuilt = Sampling.from_config(config).get_config()
        result["rebuilt_config"] = {key: rebuilt.get(key) for key in ("kl_weight", "seed", "name")}
    except Exception as error:
        result["rebuilt_config"] = f"Sampling.from_config raised {type(error).__name__}: {error}"[:400]
    default = Sampling().get_config()
    result["default_config"] = {key: default.get(key) for key in ("kl_weight", "seed")}
    return result


def kl_term_reference(m, v, kl_weight):
    """kl_weight x the batch mean of the per-sample KL divergence (a sum over the latent dimensions)."""
    return kl_weight * np.mean(-0.5 * np.sum(1 + v - m**2 - np.exp(v), axis=-1))


def test_sampling(student, rng):
    latent, batch, rows = int(rng.integers(2, 7)), int(rng.integers(2, 10)), 5000
    kl_weight, seed = float(rng.uniform(0.05, 2.0)), int(rng.integers(1, 1000))
    means, log_vars = rng.uniform(-3, 3, latent), rng.uniform(-2, 2, latent)
    m, v = rng.standard_normal((batch, latent)) * 2, rng.standard_normal((batch, latent))
    m2, v2 = rng.standard_normal((1, latent)) * 2, rng.standard_normal((1, latent))
    probe = rng.standard_normal((batch, latent))
    what = f"Sampling(kl_weight={kl_weight:.3f})"
    got = student.call(sampling_probe, kl_weight=kl_weight, seed=seed, means=means, log_vars=log_vars, rows=rows,
                       m=m, v=v, m2=m2, v2=v2, probe=probe)
    check_equal(got["attributes"], [kl_weight, None], f"{what}: attributes kl_weight and seed")
    std = np.exp(0.5 * log_vars)
    samples = np.asarray(got["samples"], dtype=np.float64)
    check_equal(list(samples.shape), [rows, latent], f"{what}: output shape for {rows} samples")
    standardized = (samples - means) / std  # epsilon: standard normal, independent across samples
    check_close(standardized.mean(axis=0), np.zeros(latent),
                f"{what}: mean of {rows} samples (in units of the standard deviation exp(0.5 * z_log_var))",
                rtol=0, atol=0.08)
    check_close(samples.std(axis=0) / std, np.ones(latent),
                f"{what}: standard deviation of {rows} samples over exp(0.5 * z_log_var)", rtol=0.06, atol=0)
    difference = np.abs(np.asarray(got["samples_again"]) - samples).max()
    if not difference > 1e-3:
        fail(f"{what}: two calls of one layer", "different noise", "the same noise twice")
    check_equal(len(got["kl_samples"]), 1, f"{what}: number of losses after two calls (replaced, not accumulated)")
    check_close(got["kl_samples"][0], kl_term_reference(np.tile(means, (rows, 1)), np.tile(log_vars, (rows, 1)), kl_weight),
                f"{what}: KL term for {rows} identical samples", rtol=1e-5, atol=1e-9)
    check_close(got["seeded"][0], got["seeded"][1], f"two layers Sampling(seed={seed}) draw the same noise")
    if not np.abs(np.asarray(got["seeded_again"]) - np.asarray(got["z"])).max() > 1e-6:
        fail(f"Sampling(seed={seed}): two calls of one layer", "different noise", "the same noise twice",
             "draw epsilon with seed=self.seed_generator: an integer seed gives the same noise at every call")
    check_equal(len(got["kl"]), 1, f"{what}: number of losses after one call")
    check_close(got["kl"][0], kl_term_reference(m, v, kl_weight),
                f"{what}: KL term for a batch of {batch} with {latent} latent dimensions", rtol=1e-5, atol=1e-9)
    check_equal(len(got["kl_second_call"]), 1, f"{what}: number of losses after a second call")
    check_close(got["kl_second_call"][0], kl_term_reference(m2, v2, kl_weight),
                f"{what}: KL term of the second call (a batch of one)", rtol=1e-5, atol=1e-9)
    z = np.asarray(got["z"], dtype=np.float64)
    names = ("z_mean", "z_log_var")
    expected = [probe, probe * 0.5 * (z - m)]  # z = z_mean + exp(0.5 * z_log_var) * epsilon
    for name, gradient, reference in zip(names, got["z_gradients"], expected):
        if gradient is None:
            fail(f"{what}: gradient of the output with respect to {name}", "a tensor", "None")
        check_close(gradient, reference, f"{what}: gradient of the output with respect to {name}", rtol=1e-5,
                    atol=1e-8)
    if got["kl_gradients"] is None:
        fail(f"{what}: gradients of the KL term", "tensors", "no KL term")
    expected = [kl_weight * m / batch, kl_weight * 0.5 * (np.exp(v) - 1) / batch]
    for name, gradient, reference in zip(names, got["kl_gradients"], expected):
        if gradient is None:
            fail(f"{what}: gradient of the KL term with respect to {name}", "a tensor", "None")
        check_close(gradient, reference, f"{what}: gradient of the KL term with respect to {name}", rtol=1e-5,
                    atol=1e-9)
    check_equal(got["symbolic_shape"], [None, latent], f"Sampling output shape for keras.Input of {latent} features")
    expected = {"kl_weight": kl_weight, "seed": seed, "name": "sampler"}
    check_equal(got["config"], expected, f"Sampling(kl_weight={kl_weight:.3f}, seed={seed}): get_config() entries")
    check_equal(got["rebuilt_config"], expected, "get_config() of Sampling.from_config(config)")
    check_equal(got["default_config"], {"kl_weight": 1.0, "seed": None}, "get_config() entries of Sampling()")


# ---- Part 4: VAE ---------------------------------------------------------------------------------

def vae_probe(original_dim, latent_dim, intermediate_dim, seed, x, z, weights, noise, probe):
    import os
    import tempfile

    class ReferenceSampling(keras.layers.Layer):  # a correct Sampling: part 3 is graded on its own
        def __init__(self, kl_weight=1.0, seed=None, **kwargs):
            super().__init__(**kwargs)
            self.kl_weight, self.seed = kl_weight, seed
            self.seed_generator = keras.random.SeedGenerator(seed)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            kl = -0.5 * keras.ops.sum(1 + z_log_var - keras.ops.square(z_mean) - keras.ops.exp(z_log_var), axis=-1)
            self.add_loss(self.kl_weight * keras.ops.mean(kl))
            if tuple(z_mean.shape) == noise.shape:  # the grader's noise, so that training outputs can be checked
                epsilon = keras.ops.convert_to_tensor(noise, dtype=z_mean.dtype)
            else:
                epsilon = keras.random.normal(keras.ops.shape(z_mean), dtype=z_mean.dtype, seed=self.seed_generator)
            return z_mean + keras.ops.exp(0.5 * z_log_var) * epsilon

        def get_config(self):
            return {**super().get_config(), "kl_weight": self.kl_weight, "seed": self.seed}

    names = ("encoder_hidden", "dense_mean", "dense_log_var", "decoder_hidden", "decoder_output")
    scope = VAE.__init__.__globals__
    missing = object()
    original = scope.get("Sampling", missing)
    scope["Sampling"] = ReferenceSampling
    keras.config.set_dtype_policy("float64")  # every layer created here computes in float64
    try:
        vae = VAE(original_dim, latent_dim=latent_dim, intermediate_dim=intermediate_dim, seed=seed)
        result = {}
        vae(x)
        result["kernel_shapes"] = {name: list(getattr(vae, name).kernel.shape) for name in names}
        result["weights"] = [len(vae.trainable_weights), len(vae.non_trainable_weights)]
        sampling = vae.sampling
        result["sampling"] = [isinstance(sampling, ReferenceSampling), getattr(sampling, "kl_weight", None),
                              getattr(sampling, "seed", None)]
        if any(result["kernel_shapes"][name] != list(weights[name][0].shape) for name in names):
            return result
        for name in names:
            getattr(vae, name).kernel.assign(weights[name][0])
            getattr(vae, name).bias.assign(weights[name][1])
        result["encode"] = list(vae.encode(x))
        result["decode"] = vae.decode(z)
        result["inference"] = vae(x)
        result["inference_losses"] = [float(loss) for loss in vae.losses]
        result["inference_false"] = vae(x, training=False)
        result["predict"] = vae.predict(x, verbose=0)
        result["training"] = vae(x, training=True)
        result["training_losses"] = [float(loss) for loss in vae.losses]
        inputs = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            outputs = vae(inputs, training=True)
            objective = tf.reduce_sum(outputs * probe) + sum(vae.losses)
        gradients = tape.gradient(objective, [inputs] + vae.trainable_weights)
        result["input_gradient"] = gradients[0]
        result["weights_without_gradient"] = [w.path for w, g in zip(vae.trainable_weights, gradients[1:])
                                              if g is None]
        config = vae.get_config()
        result["config"] = {key: config.get(key) for key in ("original_dim", "latent_dim", "intermediate_dim", "seed")}
        try:
            rebuilt = VAE.from_config(config).get_config()
            result["rebuilt_config"] = {key: rebuilt.get(key)
                                        for key in ("original_dim", "latent_dim", "intermediate_dim", "seed")}
        except Exception as error:
            result["rebuilt_config"] = f"VAE.from_config raised {type(error).__name__}: {error}"[:400]
        default = VAE(original_dim).get_config()
        result["default_config"] = {key: default.get(key)
                                    for key in ("original_dim", "latent_dim", "intermediate_dim", "seed")}
        path = os.path.join(tempfile.mkdtemp(), "model.keras")
        vae.save(path)
        try:
            loaded = keras.models.load_model(path)  # no custom_objects: the class must be registered
        except Exception as error:
            result["reloaded_class"] = f"load_model raised {type(error).__name__}: {error}"[:400]
            return result
        result["reloaded_class"] = type(loaded).__name__
        result["reloaded_predictions"] = loaded.predict(x, verbose=0)
        return result
    finally:
        keras.config.set_dtype_policy("float32")
        if original is missing:
            scope.pop("Sampling", None)
        else:
            scope["Sampling"] = original


def vae_encode(x, weights):
    hidden = np_relu(x @ weights["encoder_hidden"][0] + weights["encoder_hidden"][1])
    return hidden @ weights["dense_mean"][0] + weights["dense_mean"][1], \
        hidden @ weights["dense_log_var"][0] + weights["dense_log_var"][1]


def vae_decode(z, weights):
    hidden = np_relu(z @ weights["decoder_hidden"][0] + weights["decoder_hidden"][1])
    return np_sigmoid(hidden @ weights["decoder_output"][0] + weights["decoder_output"][1])


def vae_pre_activations(x, noise, weights):
    """The values entering the encoder's and the decoder's ReLU in a training call with this noise."""
    encoder = x @ weights["encoder_hidden"][0] + weights["encoder_hidden"][1]
    mean, log_var = vae_encode(x, weights)
    return encoder, (mean + np.exp(0.5 * log_var) * noise) @ weights["decoder_hidden"][0] + weights["decoder_hidden"][1]


def test_vae(student, rng):
    original_dim, latent_dim = int(rng.integers(5, 20)), int(rng.integers(1, 5))
    intermediate_dim = int(rng.integers(3, 12))
    seed = int(rng.integers(1, 1000))
    batch = int(rng.integers(2, 9))
    shapes = {"encoder_hidden": (original_dim, intermediate_dim), "dense_mean": (intermediate_dim, latent_dim),
              "dense_log_var": (intermediate_dim, latent_dim), "decoder_hidden": (latent_dim, intermediate_dim),
              "decoder_output": (intermediate_dim, original_dim)}
    weights = {name: random_dense(rng, *shape, scale=1.5) for name, shape in shapes.items()}
    z = rng.standard_normal((3, latent_dim)) * 2
    x, noise = rng.uniform(0, 1, (batch, original_dim)), rng.standard_normal((batch, latent_dim))
    while not clear_of_kinks(*vae_pre_activations(x, noise, weights)):  # the input gradient is taken through both ReLUs
        x, noise = rng.uniform(0, 1, (batch, original_dim)), rng.standard_normal((batch, latent_dim))
    probe = rng.standard_normal((batch, original_dim))
    what = f"VAE({original_dim}, latent_dim={latent_dim}, intermediate_dim={intermediate_dim}, seed={seed})"
    got = student.call(vae_probe, original_dim=original_dim, latent_dim=latent_dim, intermediate_dim=intermediate_dim,
                       seed=seed, x=x, z=z, weights=weights, noise=noise, probe=probe)
    check_equal(got["kernel_shapes"], {name: list(shape) for name, shape in shapes.items()},
                f"{what}: kernel shapes of the dense sub-layers")
    check_equal(got["weights"], [10, 0], f"{what}: numbers of trainable and non-trainable weights")
    check_equal(got["sampling"], [True, 1 / original_dim, seed],
                f"{what}: vae.sampling is Sampling(kl_weight=1 / original_dim, seed=seed) (is one, kl_weight, seed)")
    z_mean, z_log_var = vae_encode(x, weights)
    check_equal(len(got["encode"]), 2, f"{what}: encode(x) returns a pair")
    check_close(got["encode"][0], z_mean, f"{what}: encode(x)[0], z_mean")
    check_close(got["encode"][1], z_log_var, f"{what}: encode(x)[1], z_log_var")
    check_close(got["decode"], vae_decode(z, weights), f"{what}: decode(z)")
    reconstruction = vae_decode(z_mean, weights)
    kl = kl_term_reference(z_mean, z_log_var, 1 / original_dim)
    check_close(got["inference"], reconstruction, f"{what}: a call without training decodes z_mean")
    check_close(got["inference_false"], reconstruction, f"{what}: a call with training=False decodes z_mean")
    check_close(got["predict"], reconstruction, f"{what}: predict decodes z_mean (inputs cast to float32)",
                rtol=1e-4, atol=1e-6)
    check_equal(len(got["inference_losses"]), 1, f"{what}: number of losses in vae.losses after an inference call")
    check_close(got["inference_losses"][0], kl, f"{what}: KL term (weight 1 / original_dim) after an inference call")

    def training_output(inputs):
        mean, log_var = vae_encode(inputs, weights)
        return vae_decode(mean + np.exp(0.5 * log_var) * noise, weights)

    check_close(got["training"], training_output(x),
                f"{what}: a call with training=True decodes the z that vae.sampling drew")
    check_equal(len(got["training_losses"]), 1, f"{what}: number of losses in vae.losses after a training call")
    check_close(got["training_losses"][0], kl, f"{what}: KL term after a training call")

    def reference_objective(inputs):
        return float(np.sum(training_output(inputs) * probe) + kl_term_reference(*vae_encode(inputs, weights),
                                                                             1 / original_dim))

    if got["input_gradient"] is None:
        fail(f"{what}: gradient of the training objective with respect to the inputs", "a tensor", "None")
    check_close(got["input_gradient"], numeric_gradient(reference_objective, x),
                f"{what}: gradient of the training objective (output and KL term) with respect to the inputs",
                rtol=1e-4, atol=1e-6)
    check_equal(got["weights_without_gradient"], [], f"{what}: trainable weights without a gradient in training")
    expected = {"original_dim": original_dim, "latent_dim": latent_dim, "intermediate_dim": intermediate_dim,
                "seed": seed}
    check_equal(got["config"], expected, f"{what}: get_config() entries")
    check_equal(got["rebuilt_config"], expected, f"{what}: get_config() of VAE.from_config(config)")
    check_equal(got["default_config"], {"original_dim": original_dim, "latent_dim": 2, "intermediate_dim": 32,
                                        "seed": None}, f"VAE({original_dim}): get_config() entries")
    check_equal(got["reloaded_class"], "VAE", f"{what}: class of the model after .keras save and load")
    check_reloaded(got["reloaded_predictions"], reconstruction, what)
