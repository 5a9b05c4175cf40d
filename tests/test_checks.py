"""Each check passes a correct object and fails a broken one with a message that says expected and got."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from autograder.checks import (
    CheckFailure, check_close, check_compute_output_shape, check_config_roundtrip, check_differs,
    check_equal, check_function_gradients, check_greater, check_less, check_gradients, check_keras_file_roundtrip, check_model_file_roundtrip,
    check_not_built,
    check_output_shape, check_weights, random_batch,
)


class Scale(keras.layers.Layer):
    """A correct layer: a per-feature scale created in build, with a full config."""

    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(input_shape[-1],), initializer="ones")

    def call(self, inputs):
        return inputs * self.scale * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class EagerScale(Scale):
    """Bug: weights made in __init__ for a fixed size."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.scale = self.add_weight(name="scale", shape=(3,), initializer="ones")

    def build(self, input_shape):
        pass


class NumpyScale(Scale):
    """Bug: a detour through NumPy cuts the gradient."""

    def call(self, inputs):
        return tf.constant(np.asarray(inputs) * self.scale.numpy())


class WrongGradient(Scale):
    """Bug: a custom gradient that is off by a factor of two."""

    def call(self, inputs):
        @tf.custom_gradient
        def doubled_gradient(x):
            return tf.identity(x), lambda upstream: 2 * upstream
        return doubled_gradient(inputs) * self.scale


class ForgetfulConfig(Scale):
    """Bug: get_config drops the factor."""

    def get_config(self):
        return super(Scale, self).get_config()


@keras.saving.register_keras_serializable(package="test_checks")
class RegisteredScale(Scale):
    """Scale, registered: a model holding it reloads without custom_objects."""


class AlwaysEqual:
    """A shortcut: an object that claims to equal anything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


class AlwaysEqualShape(keras.layers.Dense):
    def compute_output_shape(self, input_shape):
        return tuple(AlwaysEqual() for _ in input_shape)


class AlwaysEqualConfig(Scale):
    def get_config(self):
        return {**super().get_config(), "factor": AlwaysEqual()}


def fails(check, *args, **kwargs):
    with pytest.raises(CheckFailure) as caught:
        check(*args, **kwargs)
    message = str(caught.value)
    assert "expected:" in message and "got:" in message, message
    return message


def test_check_close():
    check_close([1.0, 2.0], np.array([1.0, 2.0]), "same values")
    assert "index (1,)" in fails(check_close, [1.0, 2.5], [1.0, 2.0], "values")
    assert "shape" in fails(check_close, [1.0], [1.0, 2.0], "values")
    assert "got:      nan" in fails(check_close, [np.nan], [1.0], "values")
    assert "numeric" in fails(check_close, np.array(["a"]), [1.0], "values")


def test_check_close_needs_the_same_nan_and_inf_where_the_reference_has_them():
    check_close([np.nan, np.inf, -np.inf, 1.0], [np.nan, np.inf, -np.inf, 1.0], "special values")
    assert "expected: nan" in fails(check_close, [1.0, 2.0], [1.0, np.nan], "values")
    assert "expected: inf" in fails(check_close, [1.0], [np.inf], "values")
    assert "expected: -inf" in fails(check_close, [np.inf], [-np.inf], "values")


def test_check_close_tolerance_follows_the_dtype_and_prints_plain_numbers():
    check_close(np.float32(0.5004), 0.5, "float32 survives TF32")  # rtol 1e-3
    message = fails(check_close, np.float64(0.5004), 0.5, "float64 is held to 1e-6")
    assert "expected: 0.5 " in message and "got:      0.5004 " in message and "np.float" not in message
    fails(check_close, np.array([2, 3]), [2, 4], "integers compare exactly")
    check_close(np.float64(0.5004), 0.5, "explicit tolerance", rtol=1e-3)


def test_check_less_and_greater():
    check_less(np.float32(0.25), 0.5, "loss after training")
    assert "less than 0.5" in fails(check_less, 0.75, 0.5, "loss after training")
    check_greater(0.9, 0.5, "accuracy")
    assert "greater than 0.5" in fails(check_greater, 0.25, 0.5, "accuracy")
    assert "a finite number" in fails(check_less, np.nan, 0.5, "loss")
    assert "a finite number" in fails(check_greater, [1.0, 2.0], 0.5, "accuracy")


def test_check_differs_and_equal():
    check_differs([1.0], [2.0], "differs")
    fails(check_differs, [1.0], [1.0], "differs")
    check_equal(3, 3, "count")
    fails(check_equal, 3, 4, "count")
    check_equal(np.int64(3), 3, "a NumPy count")
    check_equal({"float", "int"}, {"int", "float"}, "a set of names")
    assert "AlwaysEqual" in fails(check_equal, AlwaysEqual(), 3, "count")


def test_shape_checks():
    check_output_shape(Scale, (3,), (3,))
    assert "expected: (1, 2)" in fails(check_output_shape, Scale, (3,), (2,))
    check_compute_output_shape(keras.layers.Dense(2), (None, 3), (None, 2))
    fails(check_compute_output_shape, keras.layers.Dense(2), (None, 3), (None, 3))
    assert "AlwaysEqual" in fails(check_compute_output_shape, AlwaysEqualShape(2), (None, 3), (None, 2))


def test_weight_checks():
    check_not_built(Scale())
    assert "build()" in fails(check_not_built, EagerScale())
    layer = Scale()
    layer(random_batch((2, 4)))
    check_weights(layer, trainable={"scale": (4,)})
    assert "trainable=" in fails(check_weights, layer, trainable={}, non_trainable={"scale": (4,)})


def test_gradient_checks():
    x = random_batch((3, 4), "float64")
    check_gradients(Scale(dtype="float64"), x)
    assert "None" in fails(check_gradients, NumpyScale(dtype="float64"), x)
    assert "finite difference" in fails(check_gradients, WrongGradient(dtype="float64"), x)
    assert "float64" in fails(check_gradients, Scale(), x)
    check_function_gradients(lambda a, b: tf.reduce_sum(a * b, axis=-1), [x, x + 1], names=["a", "b"])
    fails(check_function_gradients, lambda a: tf.stop_gradient(a) * a, [x])


def test_serialization_checks():
    check_config_roundtrip(Scale(2.0), {"factor": 2.0})
    assert "'factor'" in fails(check_config_roundtrip, ForgetfulConfig(2.0), {"factor": 2.0})
    assert "AlwaysEqual" in fails(check_config_roundtrip, AlwaysEqualConfig(2.0), {"factor": 2.0})
    check_keras_file_roundtrip(Scale(2.0), random_batch((2, 3)))
    fails(check_keras_file_roundtrip, ForgetfulConfig(2.0), random_batch((2, 3)))


def test_model_file_roundtrip():
    x = random_batch((4, 3))
    model = keras.Sequential([keras.Input(shape=(3,)), RegisteredScale(2.0)])
    assert type(check_model_file_roundtrip(model, x)) is keras.Sequential
    unregistered = keras.Sequential([keras.Input(shape=(3,)), Scale(2.0)])
    assert "register" in fails(check_model_file_roundtrip, unregistered, x)


def test_a_failing_check_shows_its_message_not_the_checks_traceback(capsys):
    """In a notebook, what was checked, expected and got comes first: no frames of the checks' own code."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell("from autograder.checks import check_close\ncheck_close(1.0, 2.0, 'the value')")
    shown = capsys.readouterr().out
    assert shown.lstrip().startswith("CheckFailure: the value") and "expected: 2" in shown, shown
    assert "values.py" not in shown and "Traceback" not in shown, shown
