"""Serialization checks: get_config/from_config and .keras save/load round trips of a layer or a model."""
import os
import tempfile

import keras
import numpy as np

from .report import describe_array, fail, passed, plain
from .values import check_close

BASE_CONFIG_KEYS = ("name", "trainable", "dtype")


def check_config_roundtrip(layer, expected_entries):
    """`get_config()` extends the base config with `expected_entries`, and `from_config` rebuilds an equal layer."""
    config = plain(layer.get_config(), "get_config()")
    missing_base = [key for key in BASE_CONFIG_KEYS if key not in config]
    if missing_base:
        fail("base entries of get_config()", list(BASE_CONFIG_KEYS), sorted(config),
             "start from config = super().get_config() and update it")
    for key, value in expected_entries.items():
        if key not in config:
            fail(f"get_config() entry '{key}'", repr(value), "missing",
                 "every argument of __init__ must be in the config, or from_config cannot rebuild the layer")
        if config[key] != value:
            fail(f"get_config() entry '{key}'", repr(value), repr(config[key]))
    try:
        clone = type(layer).from_config(config)
    except Exception as error:
        fail(f"{type(layer).__name__}.from_config(layer.get_config())", "a new layer", f"{type(error).__name__}: {error}",
             "__init__ must accept every key of the config: take **kwargs and pass them to super().__init__")
    rebuilt = plain(clone.get_config(), "get_config() of the layer rebuilt by from_config")
    if rebuilt != config:
        fail("get_config() of the layer rebuilt by from_config", config, rebuilt)
    passed(f"get_config/from_config round trip keeps {sorted(expected_entries)}")


def check_keras_file_roundtrip(layer, x):
    """A functional model around `layer` predicts the same after `.keras` save and load."""
    inputs = keras.Input(shape=np.shape(x)[1:])
    model = keras.Model(inputs, layer(inputs))
    before = model.predict(x, verbose=0)
    path = os.path.join(tempfile.mkdtemp(), "model.keras")
    model.save(path)
    custom_objects = {type(layer).__name__: type(layer)}
    try:
        loaded = keras.models.load_model(path, custom_objects=custom_objects)
    except Exception as error:
        fail("keras.models.load_model of a model holding the layer", "the model", f"{type(error).__name__}: {error}",
             "get_config() must return every __init__ argument")
    check_same_weights(model, loaded)  # first: predicting may update a stateful layer's non-trainable weights
    after = loaded.predict(x, verbose=0)
    if not np.allclose(before, after, rtol=1e-6, atol=1e-6):
        fail("predictions after a .keras save and load", describe_array(before), describe_array(after),
             "weights created outside build() or a missing config entry make the reloaded layer differ")
    passed(".keras save/load gives identical weights and predictions")


def check_same_weights(model, loaded):
    """The model loaded from a `.keras` file holds as many weights as `model`, with equal values."""
    if len(loaded.weights) != len(model.weights):
        fail("number of weights after a .keras save and load", len(model.weights), len(loaded.weights),
             "create every weight in build() so that loading finds it")
    for original, reloaded in zip(model.weights, loaded.weights):
        if not np.array_equal(original.numpy(), reloaded.numpy()):
            fail(f"weight '{original.path}' after a .keras save and load",
                 describe_array(original.numpy()), describe_array(reloaded.numpy()))


def check_model_file_roundtrip(model, x=None, rtol=1e-6, atol=1e-6):
    """`model`, saved to a `.keras` file, loads back without custom_objects as the same class with equal weights
    and, given inputs `x`, equal predictions. Returns the loaded model for further checks."""
    path = os.path.join(tempfile.mkdtemp(), "model.keras")
    model.save(path)
    try:
        loaded = keras.models.load_model(path)
    except Exception as error:
        fail("keras.models.load_model of the saved model, without custom_objects", f"a {type(model).__name__}",
             f"{type(error).__name__}: {error}",
             "register each custom class with @keras.saving.register_keras_serializable() and return every "
             "__init__ argument from get_config()")
    if type(loaded).__name__ != type(model).__name__:
        fail("class of the reloaded model", type(model).__name__, type(loaded).__name__)
    check_same_weights(model, loaded)
    passed(f".keras save/load gives a {type(model).__name__} with the same {len(model.weights)} weights")
    if x is not None:
        check_close(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                    "predictions after a .keras save and load", rtol=rtol, atol=atol)
    return loaded
