"""Gradient checks: tape gradients against central finite differences, in float64."""
import numpy as np
import tensorflow as tf

from .report import fail, passed


def _sample_indices(shape, count, rng):
    size = int(np.prod(shape))
    flat = np.arange(size) if size <= count else rng.choice(size, count, replace=False)
    return [np.unravel_index(i, shape) for i in flat]


def _compare_with_finite_differences(name, value, set_value, objective, analytic, rng, samples, eps, rtol, atol):
    """Perturbs sampled entries of `value` (installed with `set_value`) and compares slopes of `objective`."""
    if analytic is None:
        fail(f"gradient with respect to {name}", "a tensor", "None",
             "compute the result from this tensor with TensorFlow/Keras ops inside the tape (no NumPy, "
             "no .numpy(), no int casts); a trainable weight must be used in call()")
    analytic = np.asarray(tf.convert_to_tensor(analytic))
    try:
        for index in _sample_indices(value.shape, samples, rng):
            slopes = []
            for step in (eps, -eps):
                shifted = value.copy()
                shifted[index] += step
                set_value(shifted)
                slopes.append(objective())
            numeric = (slopes[0] - slopes[1]) / (2 * eps)
            if not abs(analytic[index] - numeric) <= atol + rtol * abs(numeric):
                fail(f"gradient with respect to {name} at index {tuple(int(i) for i in index)}",
                     f"{numeric:.8g} (central finite difference)", f"{analytic[index]:.8g} (tf.GradientTape)")
    finally:
        set_value(value)


def check_gradients(layer, x, training=False, samples=20, eps=1e-6, rtol=1e-5, atol=1e-7, seed=0):
    """Checks d/dx and d/dw of a random projection of `layer(x)` for every trainable weight.

    The layer must compute in float64 (build it with `dtype="float64"`), so that finite
    differences are accurate to about 1e-9 and TF32 on GPUs plays no part.
    """
    if layer.compute_dtype != "float64":
        fail("dtype of the layer under a gradient check", "float64", layer.compute_dtype,
             "pass dtype='float64' to the layer and make sure __init__ forwards **kwargs to super().__init__")
    rng = np.random.default_rng(seed)
    current = {"x": np.asarray(x, dtype=np.float64)}
    probe = tf.constant(rng.standard_normal(layer(current["x"], training=training).shape))

    def objective():
        return float(tf.reduce_sum(layer(current["x"], training=training) * probe))

    inputs = tf.constant(current["x"])
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        value = tf.reduce_sum(layer(inputs, training=training) * probe)
    weights = list(layer.trainable_weights)
    grads = tape.gradient(value, [inputs] + weights)

    _compare_with_finite_differences("the input", current["x"], lambda v: current.update(x=v), objective,
                                     grads[0], rng, samples, eps, rtol, atol)
    for weight, grad in zip(weights, grads[1:]):
        _compare_with_finite_differences(f"weight '{weight.name}'", weight.numpy(), weight.assign, objective,
                                         grad, rng, samples, eps, rtol, atol)
    names = ", ".join(["input"] + [f"'{w.name}'" for w in weights])
    passed(f"gradients match float64 finite differences ({names})")


def check_function_gradients(fn, inputs, names=None, samples=20, eps=1e-6, rtol=1e-5, atol=1e-7, seed=0):
    """Checks the tape gradient of a random projection of `fn(*inputs)` with respect to each input.

    `inputs` are float64 arrays; `fn` must accept tensors and return a tensor (a loss, an op with a
    custom gradient, ...). `names` label the inputs in messages.
    """
    rng = np.random.default_rng(seed)
    current = [np.asarray(value, dtype=np.float64) for value in inputs]
    names = names or [f"argument {i}" for i in range(len(current))]
    probe = tf.constant(rng.standard_normal(np.shape(fn(*[tf.constant(v) for v in current]))), dtype=tf.float64)

    def objective():
        return float(tf.reduce_sum(tf.cast(fn(*[tf.constant(v) for v in current]), tf.float64) * probe))

    tensors = [tf.constant(v) for v in current]
    with tf.GradientTape() as tape:
        for tensor in tensors:
            tape.watch(tensor)
        value = tf.reduce_sum(tf.cast(fn(*tensors), tf.float64) * probe)
    grads = tape.gradient(value, tensors)
    for position, (name, grad) in enumerate(zip(names, grads)):
        _compare_with_finite_differences(name, current[position], lambda v, p=position: current.__setitem__(p, v),
                                         objective, grad, rng, samples, eps, rtol, atol)
    passed(f"gradients match float64 finite differences ({', '.join(names)})")
