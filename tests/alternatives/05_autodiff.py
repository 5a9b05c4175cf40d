"""Correct solutions of Exercise 5 written differently from the instructor's: each must get full marks.

Each entry replaces whole solution cells (`cells`: {grade id of the solution cell: its new source}).
"""
ALTERNATIVES = [
    dict(why="flat loop with a unit array, zeros_like for None gradients, max(z, 0) + log1p(exp(-|z|)), "
             "the instructions' formula with clip_norm cast to the dtype of upstream",
         parts=["test_central_difference", "test_per_loss_gradients", "test_stable_softplus", "test_clip_gradient"],
         cells={
             "central_difference": '''def central_difference_gradient(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    flat = np.empty(x.size)
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = eps
        step = step.reshape(x.shape)
        flat[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return flat.reshape(x.shape)
''',
             "per_loss_gradients": '''def per_loss_gradients(losses_fn, variables):
    tape = tf.GradientTape(persistent=True)
    with tape:
        tape.watch(variables)
        losses = losses_fn()
    grads = []
    for loss in losses:
        row = tape.gradient(loss, variables)
        grads.append([tf.zeros_like(v) if g is None else g for g, v in zip(row, variables)])
    del tape
    return grads
''',
             "stable_softplus": '''@tf.custom_gradient
def stable_softplus(z):
    value = tf.maximum(z, 0.0) + tf.math.log1p(tf.exp(-tf.abs(z)))

    def grad(upstream):
        return upstream * tf.sigmoid(z)

    return value, grad
''',
             "clip_gradient": '''@tf.custom_gradient
def clip_gradient(x, clip_norm):
    def grad(upstream):
        limit = tf.cast(clip_norm, upstream.dtype)
        norm = tf.norm(upstream)
        return upstream * limit / tf.maximum(norm, limit), None

    return tf.identity(x), grad
''',
         }),
    dict(why="keras.ops throughout: one working copy shifted and restored, per-pair gradients, "
             "where(z > 0, ...) with both branches finite, the norm by hand and min(1, clip_norm / norm)",
         parts=["test_central_difference", "test_per_loss_gradients", "test_stable_softplus", "test_clip_gradient"],
         cells={
             "central_difference": '''import itertools


def central_difference_gradient(f, x, eps=1e-6):
    work = np.array(x, dtype=np.float64)
    grad = np.zeros(work.shape)
    for index in itertools.product(*[range(n) for n in work.shape]):
        original = work[index]
        work[index] = original + eps
        up = f(work)
        work[index] = original - eps
        down = f(work)
        work[index] = original
        grad[index] = (up - down) / (2 * eps)
    return grad
''',
             "per_loss_gradients": '''def per_loss_gradients(losses_fn, variables):
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        for v in variables:
            tape.watch(v)
        losses = list(losses_fn())
    result = []
    for loss in losses:
        row = []
        for v in variables:
            g = tape.gradient(loss, v)
            row.append(keras.ops.zeros_like(v) if g is None else g)
        result.append(row)
    del tape
    return result
''',
             "stable_softplus": '''@tf.custom_gradient
def stable_softplus(z):
    positive = z + keras.ops.log1p(keras.ops.exp(-keras.ops.abs(z)))
    negative = keras.ops.log1p(keras.ops.exp(-keras.ops.abs(z)))
    value = keras.ops.where(z > 0, positive, negative)

    def grad(upstream):
        return upstream * keras.ops.sigmoid(z)

    return value, grad
''',
             "clip_gradient": '''@tf.custom_gradient
def clip_gradient(x, clip_norm):
    def grad(dy):
        norm = keras.ops.sqrt(keras.ops.sum(keras.ops.square(dy)))
        limit = keras.ops.cast(clip_norm, dy.dtype)
        factor = keras.ops.minimum(keras.ops.cast(1.0, dy.dtype), limit / norm)
        return dy * factor, None

    return x, grad
''',
         }),
    dict(why="all evaluation points first (plus then minus), string 'zero' for unconnected gradients, "
             "log(1 + exp(-|z|)) + relu(z) with sigmoid as 1 / (1 + exp(-z)), tf.clip_by_global_norm",
         parts=["test_central_difference", "test_per_loss_gradients", "test_stable_softplus", "test_clip_gradient"],
         cells={
             "central_difference": '''def central_difference_gradient(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    steps = eps * np.eye(x.size)
    plus = np.array([f(x + s.reshape(x.shape)) for s in steps], dtype=np.float64)
    minus = np.array([f(x - s.reshape(x.shape)) for s in steps], dtype=np.float64)
    return ((plus - minus) / (2 * eps)).reshape(x.shape)
''',
             "per_loss_gradients": '''def per_loss_gradients(losses_fn, variables):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(variables)
        losses = losses_fn()
    grads = [list(tape.gradient(loss, variables, unconnected_gradients="zero")) for loss in losses]
    del tape
    return grads
''',
             "stable_softplus": '''@tf.custom_gradient
def stable_softplus(z):
    value = tf.math.log(1 + tf.exp(-tf.abs(z))) + tf.nn.relu(z)
    return value, lambda upstream: upstream / (1 + tf.exp(-z))
''',
             "clip_gradient": '''@tf.custom_gradient
def clip_gradient(x, clip_norm):
    def grad(upstream):
        [clipped], _ = tf.clip_by_global_norm([upstream], clip_norm)
        return clipped, None

    return tf.identity(x), grad
''',
         }),
    dict(why="clip_gradient as the instructions write it, no cast: float64 eagerly, float32 in a tf.function "
             "(issue 15: the old tests ran it on float64 inside a tf.function, where clip_norm is a float32 tensor)",
         parts=["test_clip_gradient"],
         cells={
             "clip_gradient": '''@tf.custom_gradient
def clip_gradient(x, clip_norm):
    def grad(upstream):
        norm = tf.norm(upstream)
        return upstream * clip_norm / tf.maximum(norm, clip_norm), None

    return tf.identity(x), grad
''',
         }),
    dict(why="clip_gradient with tf.math.reduce_euclidean_norm, a keras.ops scale, x converted and returned as is",
         parts=["test_clip_gradient"],
         cells={
             "clip_gradient": '''@tf.custom_gradient
def clip_gradient(x, clip_norm):
    x = tf.convert_to_tensor(x)

    def grad(upstream):
        norm = tf.math.reduce_euclidean_norm(upstream)
        scale = keras.ops.minimum(1.0, keras.ops.divide(clip_norm, norm))
        return keras.ops.multiply(upstream, keras.ops.cast(scale, upstream.dtype)), None

    return x, grad
''',
         }),
]
