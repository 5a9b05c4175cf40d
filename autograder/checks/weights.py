"""Weight bookkeeping: when weights are created, which are trainable, their names and shapes."""
from .report import fail, passed


def weight_table(weights):
    return {w.name: tuple(w.shape) for w in weights}


def check_not_built(layer):
    """A layer that defers weight creation to `build` owns no weights before its first call."""
    if layer.built or layer.weights:
        fail(
            "weights before the first call",
            "no weights yet (built=False): create them in build(), where the input shape is known",
            f"built={layer.built}, weights={weight_table(layer.weights)}",
        )
    passed("no weights before the first call (lazy build)")


def check_weights(layer, trainable, non_trainable=None):
    """The built layer's weights, by name: `{name: shape}` for trainable and non-trainable ones."""
    non_trainable = non_trainable or {}
    expected = {k: tuple(v) for k, v in trainable.items()}, {k: tuple(v) for k, v in non_trainable.items()}
    got = weight_table(layer.trainable_weights), weight_table(layer.non_trainable_weights)
    if not layer.built:
        fail("built flag after the first call", True, layer.built, "call super().build(input_shape) or let Keras do it")
    misplaced = sorted((set(expected[0]) & set(got[1])) | (set(expected[1]) & set(got[0])))
    for kind, want, have in zip(("trainable", "non-trainable"), expected, got):
        if want != have:
            hint = None
            if misplaced:
                hint = f"{misplaced} in the wrong group: check trainable= in add_weight"
            elif sorted(want.values()) == sorted(have.values()):
                hint = "the shapes are right: give each weight its name with add_weight(name=..., ...)"
            fail(f"{kind} weights (name: shape)", want, have, hint)
    passed(f"weights: trainable {expected[0]}, non-trainable {expected[1]}")
