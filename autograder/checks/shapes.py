"""Shape checks: output shapes for several batch sizes and for a symbolic input of unknown batch size."""
import keras
import numpy as np

from .report import fail, passed, plain


def random_batch(shape, dtype="float32", seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def check_output_shape(make_layer, feature_shape, expected_feature_shape, batch_sizes=(1, 3, 8), **call_kwargs):
    """Calls a fresh layer from `make_layer()` on batches of each size, then on `keras.Input`.

    `feature_shape` is the input shape without the batch axis; the output must be
    (batch, *expected_feature_shape), and (None, *expected_feature_shape) symbolically.
    """
    feature_shape, expected_feature_shape = tuple(feature_shape), tuple(expected_feature_shape)
    for batch in batch_sizes:
        output = make_layer()(random_batch((batch, *feature_shape)), **call_kwargs)
        expected = (batch, *expected_feature_shape)
        if tuple(output.shape) != expected:
            fail(f"output shape for an input of shape {(batch, *feature_shape)}", expected, tuple(output.shape))
    symbolic = make_layer()(keras.Input(shape=feature_shape), **call_kwargs)
    if tuple(symbolic.shape) != (None, *expected_feature_shape):
        fail(
            f"output shape for keras.Input(shape={feature_shape}) (batch size unknown)",
            (None, *expected_feature_shape),
            tuple(symbolic.shape),
            "shapes must not depend on a fixed batch size; compute_output_shape receives tuples in Keras 3",
        )
    passed(f"output shape (batch, {', '.join(map(str, expected_feature_shape))}) for batch sizes {list(batch_sizes)} and None")


def check_compute_output_shape(layer, input_shape, expected):
    """`layer.compute_output_shape(input_shape)` returns `expected` (tuples, None for unknown sizes)."""
    try:
        got = layer.compute_output_shape(tuple(input_shape))
    except Exception as error:  # report, don't crash: the student sees what went wrong
        fail(f"compute_output_shape({tuple(input_shape)})", expected, f"{type(error).__name__}: {error}")
    what = f"compute_output_shape({tuple(input_shape)})"
    got = plain(got, what)
    if type(got) not in (tuple, list) or tuple(got) != tuple(expected):
        fail(what, tuple(expected), got)
    passed(f"compute_output_shape({tuple(input_shape)}) == {tuple(expected)}")
