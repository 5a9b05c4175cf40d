"""Gradient checks: tape gradients against central finite differences, in float64."""
import numpy as np
import tensorflow as tf

from .report import fail, passed


def _sample_indices(shape, count, rng):
    size = int(np.prod(shape))
    flat = np.arange(size) if size <= count else rng.choice(size, count, replace=False)
    return [np.unravel_index(i, shape) for i in flat]


def _compare(name, analytic, numeric, index, rtol, atol):
    if not abs(analytic - numeric) <= atol + rtol * abs(numeric):
        fail(
            f"gradient with respect to {name} at index {tuple(int(i) for i in index)}",
            f"{numeric:.8g} (central finite difference)",
            f"{analytic:.8g} (tf.GradientTape)",
            "the forward pass must use this tensor through TensorFlow ops only (no NumPy, no .numpy())",
        )


def check_gradients(layer, x, training=False, samples=20, eps=1e-6, rtol=1e-5, atol=1e-7, seed=0):
    """Checks d/dx and d/dw of a random projection of `layer(x)` for every trainable weight.

    The layer must compute in float64 (build it with `dtype="float64"`), so that finite
    differences are accurate to about 1e-9 and TF32 on GPUs plays no part.
    """
    if layer.compute_dtype != "float64":
        fail("dtype of the layer under a gradient check", "float64", layer.compute_dtype,
             "pass dtype='float64' to the layer and make sure __init__ forwards **kwargs to super().__init__")
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=np.float64)
    probe = tf.constant(rng.standard_normal(layer(x, training=training).shape))

    def objective(inputs):
        return float(tf.reduce_sum(layer(inputs, training=training) * probe))

    inputs = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        value = tf.reduce_sum(layer(inputs, training=training) * probe)
    weights = list(layer.trainable_weights)
    grads = tape.gradient(value, [inputs] + weights)

    for index in _sample_indices(x.shape, samples, rng):
        shifted_up, shifted_down = x.copy(), x.copy()
        shifted_up[index] += eps
        shifted_down[index] -= eps
        numeric = (objective(shifted_up) - objective(shifted_down)) / (2 * eps)
        if grads[0] is None:
            fail("gradient with respect to the input", "a tensor", "None",
                 "the output must be computed from the input with TensorFlow ops")
        _compare("the input", float(grads[0].numpy()[index]), numeric, index, rtol, atol)

    for weight, grad in zip(weights, grads[1:]):
        if grad is None:
            fail(f"gradient with respect to weight '{weight.name}'", "a tensor", "None",
                 "this trainable weight is not used in call(); use it or create it with trainable=False")
        original = weight.numpy()
        try:
            for index in _sample_indices(original.shape, samples, rng):
                values = []
                for step in (eps, -eps):
                    shifted = original.copy()
                    shifted[index] += step
                    weight.assign(shifted)
                    values.append(objective(x))
                _compare(f"weight '{weight.name}'", float(tf.convert_to_tensor(grad).numpy()[index]),
                         (values[0] - values[1]) / (2 * eps), index, rtol, atol)
        finally:
            weight.assign(original)
    names = ", ".join(["input"] + [f"'{w.name}'" for w in weights])
    passed(f"gradients match float64 finite differences ({names})")
