"""Hidden tests of Exercise 5, judged by the grader (autograder/kernel/referee.py); never in a notebook.

Each `test_<part>(student, rng)` draws inputs, has the student's kernel run a probe on them
(`student.call`), and compares the results with references computed here with NumPy, from the
inputs alone. Probes run in the student's kernel, where the notebook defined the functions; they
use only the names and behaviour the instructions fix.
"""
import numpy as np

from autograder.checks import check_close, check_equal, fail


def ref_sigmoid(z):
    """sigmoid(z) without overflow, in float64."""
    z = np.asarray(z, dtype=np.float64)
    ez = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + ez), ez / (1 + ez))


def ref_softplus(z):
    """log(1 + exp(z)) without overflow, in float64."""
    return np.logaddexp(0.0, np.asarray(z, dtype=np.float64))


# ---- Part 1: central_difference_gradient ---------------------------------------------------------

def central_difference_probe(x, A, B, h, v, scale, u):
    points = []

    def cubic_and_sine(t):
        points.append(np.array(t, dtype=np.float64))  # a copy: where f was evaluated
        return np.sum(A * t ** 3 + B * np.sin(t))  # needs t of the shape of x

    result = {"given_eps": central_difference_gradient(cubic_and_sine, x, eps=h)}
    result["given_eps_points"], points[:] = list(points), []
    result["x_after"] = x
    result["default_eps"] = central_difference_gradient(cubic_and_sine, x)
    result["default_eps_points"] = list(points)
    result["rank_3"] = central_difference_gradient(lambda t: np.sum(np.exp(scale * t)), v)
    result["vector"] = central_difference_gradient(lambda t: np.log(np.sum(np.exp(t))), u, eps=1e-5)
    return {key: value if key.endswith("points") else np.asarray(value) for key, value in result.items()}


def check_evaluation_points(points, x, eps, what):
    """`points` must be x + eps * e_i and x - eps * e_i for every entry i, once each, in any order."""
    if len(points) != 2 * x.size:
        fail(f"{what}: number of calls of f", 2 * x.size, len(points))
    points = [np.asarray(point, dtype=np.float64) for point in points]
    for point in points:
        if point.shape != x.shape:
            fail(f"{what}: shape of the arrays passed to f", x.shape, point.shape)
    steps = np.array([np.max(np.abs(point - x), initial=0.0) for point in points])
    check_close(steps, np.full(len(points), eps), f"{what}: the step of each call of f (eps)",
                rtol=1e-6, atol=1e-3 * eps)
    expected, found = [], []
    for index in np.ndindex(x.shape):
        for sign in (1, -1):
            point = x.copy()
            point[index] += sign * eps
            expected.append(point)
    for point in points:
        offset = point - x
        flat = int(np.argmax(np.abs(offset)))
        found.append((flat, float(np.sign(offset.ravel()[flat]))))
    order = sorted(range(len(points)), key=lambda n: found[n])
    reference = sorted(range(len(expected)), key=lambda n: (n // 2, -1 if n % 2 else 1))
    check_close(np.stack([points[n] for n in order]),
                np.stack([expected[n] for n in reference]),
                f"{what}: the points where f was called (x + eps * e_i and x - eps * e_i, once each)",
                rtol=1e-12, atol=1e-3 * eps)


def test_central_difference(student, rng):
    shape = (int(rng.integers(2, 5)), int(rng.integers(2, 5)))
    A, B, x = rng.standard_normal(shape), rng.standard_normal(shape), rng.standard_normal(shape)
    h = float(rng.uniform(0.05, 0.2))
    v = rng.standard_normal((2, int(rng.integers(2, 4)), int(rng.integers(2, 4))))
    scale = float(rng.uniform(0.2, 0.8))
    u = rng.standard_normal(int(rng.integers(3, 8)))
    got = student.call(central_difference_probe, x=x, A=A, B=B, h=h, v=v, scale=scale, u=u)
    what = f"central_difference_gradient(f, x) for x of shape {shape}"
    for key in ("given_eps", "default_eps", "rank_3", "vector"):
        check_equal(str(got[key].dtype), "float64", f"{what}: dtype of the result")
    check_evaluation_points(got["given_eps_points"], x, h, f"{what}, eps={h:.4f}")
    check_evaluation_points(got["default_eps_points"], x, 1e-6, f"{what}, default eps")
    # (x+h)**3 - (x-h)**3 = 6 x**2 h + 2 h**3, sin(x+h) - sin(x-h) = 2 cos(x) sin(h): exact differences.
    exact = A * (3 * x ** 2 + h ** 2) + B * np.cos(x) * np.sin(h) / h
    check_close(got["given_eps"], exact, f"{what}: sum(A*x**3 + B*sin(x)), eps={h:.4f}", rtol=1e-9, atol=1e-9)
    check_close(got["x_after"], x, f"{what}: the caller's x after the call", rtol=0, atol=0)
    check_close(got["default_eps"], 3 * A * x ** 2 + B * np.cos(x), f"{what}: default eps, exact gradient",
                rtol=1e-6, atol=1e-6)
    check_close(got["rank_3"], scale * np.exp(scale * v),
                f"gradient of sum(exp({scale:.3f} * x)) for x of shape {v.shape}", rtol=1e-6, atol=1e-8)
    check_close(got["vector"], np.exp(u) / np.sum(np.exp(u)),
                f"gradient of logsumexp for a vector of {u.size}, eps=1e-5", rtol=1e-6, atol=1e-8)


# ---- Part 2: per_loss_gradients ------------------------------------------------------------------

def per_loss_probe(X, W, b, u_a, u_b, scale, y_a, y_b):
    X = tf.constant(X)
    W, b = tf.Variable(W), tf.Variable(b)
    u_a, u_b = tf.Variable(u_a), tf.Variable(u_b)
    scale = tf.Variable(scale, dtype=tf.float64, trainable=False)
    variables = [W, b, u_a, u_b, scale, X]
    calls = []

    def two_head_losses():
        calls.append(1)
        h = tf.tanh(tf.matmul(X, W) + b)
        loss_a = tf.reduce_mean((tf.linalg.matvec(h, u_a) - y_a) ** 2)
        loss_b = tf.reduce_mean((scale * tf.linalg.matvec(h, u_b) - y_b) ** 2)
        return [loss_a, loss_b, tf.reduce_sum(u_b ** 2)]

    result = {"eager": per_loss_gradients(two_head_losses, variables), "eager_calls": len(calls)}
    calls.clear()
    in_graph = tf.function(lambda: per_loss_gradients(two_head_losses, variables))()
    result["graph"], result["graph_calls"] = in_graph, len(calls)
    return {key: ([[g if g is None else tf.convert_to_tensor(g) for g in row] for row in value]
                  if key in ("eager", "graph") else value) for key, value in result.items()}


def ref_head_gradients(X, W, b, u, s, y):
    """d/d(W, b, u, s, X) of mean((s * tanh(X W + b) u - y)**2), by hand."""
    h = np.tanh(X @ W + b)
    dp = 2 * (s * (h @ u) - y) / len(X)
    dz = np.outer(dp * s, u) * (1 - h ** 2)
    return [X.T @ dz, dz.sum(axis=0), s * h.T @ dp, np.sum(dp * (h @ u)), dz @ W.T]


def test_per_loss_gradients(student, rng):
    n, d, k = int(rng.integers(5, 12)), int(rng.integers(2, 6)), int(rng.integers(2, 6))
    X, W, b = rng.standard_normal((n, d)), rng.standard_normal((d, k)) / np.sqrt(d), rng.uniform(0.1, 0.5, k)
    u_a, u_b = rng.standard_normal(k), rng.standard_normal(k)
    scale = float(rng.uniform(0.5, 2.0))
    y_a, y_b = rng.standard_normal(n), rng.standard_normal(n)
    got = student.call(per_loss_probe, X=X, W=W, b=b, u_a=u_a, u_b=u_b, scale=scale, y_a=y_a, y_b=y_b)
    gW, gb, gu, _, gX = ref_head_gradients(X, W, b, u_a, 1.0, y_a)
    expected = [[gW, gb, gu, np.zeros(k), np.float64(0.0), gX]]
    gW, gb, gu, gs, gX = ref_head_gradients(X, W, b, u_b, scale, y_b)
    expected.append([gW, gb, np.zeros(k), gu, np.float64(gs), gX])
    expected.append([np.zeros((d, k)), np.zeros(k), np.zeros(k), 2 * u_b, np.float64(0.0), np.zeros((n, d))])
    names = ["W", "b", "u_a", "u_b", "scale (a non-trainable tf.Variable)", "X (a tf.constant)"]
    losses = ["loss_a", "loss_b", "penalty"]
    for label in ("eager", "graph"):
        where = "eager" if label == "eager" else "inside a tf.function"
        check_equal(got[f"{label}_calls"], 1, f"per_loss_gradients {where}: number of calls of losses_fn")
        grads = got[label]
        if not isinstance(grads, list) or not all(isinstance(row, list) for row in grads):
            fail(f"per_loss_gradients {where}: the result", "a list of lists", type(grads).__name__)
        check_equal([len(row) for row in grads], [6, 6, 6],
                    f"per_loss_gradients {where}: one list per loss, one gradient per variable")
        check_equal(sum(g is None for row in grads for g in row), 0, f"per_loss_gradients {where}: None gradients")
        for i, row in enumerate(grads):
            for j, grad in enumerate(row):
                check_close(grad, expected[i][j], f"per_loss_gradients {where}: d {losses[i]} / d {names[j]}",
                            rtol=1e-7, atol=1e-9)


# ---- Part 3: stable_softplus ---------------------------------------------------------------------

def stable_softplus_probe(z, scalar, t, a, w):
    def value_and_gradient(fn, z, upstream=None):
        z = tf.convert_to_tensor(z)
        with tf.GradientTape() as tape:
            tape.watch(z)
            value = fn(z)
            objective = tf.reduce_sum(value if upstream is None else value * upstream)
        return value, tape.gradient(objective, z)

    result = {}
    for dtype in ("float32", "float64"):
        value, grad = value_and_gradient(stable_softplus, tf.constant(z, dtype=dtype))
        result[dtype] = {"value": value, "grad": grad, "dtype": value.dtype.name}
    result["scalar"] = list(value_and_gradient(stable_softplus, tf.constant(scalar, dtype=tf.float64)))
    for dtype in ("float32", "float64"):
        value, grad = tf.function(lambda s: value_and_gradient(stable_softplus, s))(tf.constant(z, dtype=dtype))
        result[f"graph_{dtype}"] = {"value": value, "grad": grad, "dtype": value.dtype.name}
    tt = tf.constant(t)
    result["upstream"] = value_and_gradient(stable_softplus, tt, w)[1]
    result["sine"] = value_and_gradient(lambda s: tf.sin(a * stable_softplus(s)), tt, w)[1]
    result["triple"] = value_and_gradient(lambda s: 3.0 * stable_softplus(s), tt, w)[1]
    result["square"] = value_and_gradient(lambda s: stable_softplus(s) ** 2, tt, w)[1]
    return result


def test_stable_softplus(student, rng):
    shape = (int(rng.integers(2, 5)), int(rng.integers(10, 20)))
    z = np.concatenate([rng.uniform(-1000, 1000, shape), rng.uniform(-40, 40, shape)], axis=1)
    z[0, :8] = [-745.0, -88.8, 30.0, 88.8, 89.0, 710.0, 0.0, -30.0]
    scalar = float(rng.uniform(-50, 50))
    t = rng.uniform(-10.0, 10.0, (int(rng.integers(2, 4)), 2, int(rng.integers(2, 4))))
    a, w = rng.uniform(0.5, 2.0, t.shape), rng.standard_normal(t.shape)
    got = student.call(stable_softplus_probe, z=z, scalar=scalar, t=t, a=a, w=w)
    for key in ("float32", "float64", "graph_float32", "graph_float64"):
        dtype = key.replace("graph_", "")
        where = f"{dtype}, z in [-1000, 1000]" + (" inside a tf.function" if "graph" in key else "")
        check_equal(got[key]["dtype"], dtype, f"stable_softplus: dtype of the value ({where})")
        z_in = z.astype(dtype).astype(np.float64)
        tight = {"rtol": 1e-10, "atol": 1e-12} if dtype == "float64" else {"rtol": 1e-4, "atol": 1e-6}
        check_close(got[key]["value"], ref_softplus(z_in).astype(dtype), f"stable_softplus value ({where})", **tight)
        check_close(got[key]["grad"], ref_sigmoid(z_in).astype(dtype), f"stable_softplus gradient ({where})",
                    **tight)
    check_close(got["scalar"][0], ref_softplus(scalar), f"stable_softplus of a scalar ({scalar:.3f})", rtol=1e-10,
                atol=1e-12)
    check_close(got["scalar"][1], ref_sigmoid(scalar), "gradient of stable_softplus of a scalar", rtol=1e-10,
                atol=1e-12)
    sp, sig = ref_softplus(t), ref_sigmoid(t)
    shape = f"for z of shape {t.shape}"
    check_close(got["upstream"], w * sig, f"gradient of sum(w * softplus(z)) {shape}", rtol=1e-9, atol=1e-12)
    check_close(got["sine"], w * np.cos(a * sp) * a * sig, f"gradient of sum(w * sin(a * softplus(z))) {shape}",
                rtol=1e-9, atol=1e-12)
    check_close(got["triple"], 3 * w * sig, f"gradient of sum(w * 3 * softplus(z)) {shape}", rtol=1e-9, atol=1e-12)
    check_close(got["square"], 2 * w * sp * sig, f"gradient of sum(w * softplus(z)**2) {shape}", rtol=1e-9,
                atol=1e-12)


# ---- Part 4: clip_gradient -----------------------------------------------------------------------

def clip_gradient_probe(x, x32, clip_norm, probes, probe32, kernel, bias, dense_probe, x3, probe3):
    def through_clip(x, probe, inner=None):
        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = clip_gradient(x if inner is None else inner(x), clip_norm)
            loss = tf.reduce_sum(probe * y)
        return {"value": y, "grad": tape.gradient(loss, x)}

    def eager(x, probe, inner=None):
        result = through_clip(x, probe, inner)
        return {**result, "dtype": result["value"].dtype.name}

    result = {"float64": [eager(x, p) for p in probes],
              "tanh": [eager(x, p, tf.tanh) for p in probes],
              "float32": [eager(x32, p.astype("float32")) for p in probes],
              "rank_3": eager(x3, probe3)}
    in_graph = tf.function(lambda t, p: through_clip(t, p, tf.tanh))
    result["graph_float32"] = [in_graph(tf.constant(x32), tf.constant(p.astype("float32"))) for p in probes]
    result["graph_float32_plain"] = tf.function(lambda t: through_clip(t, probe32))(tf.constant(x32))
    layer = keras.layers.Dense(kernel.shape[1], dtype="float64")
    layer.build(x.shape)
    layer.kernel.assign(kernel)
    layer.bias.assign(bias)
    with tf.GradientTape() as tape:
        out = clip_gradient(layer(x), clip_norm)
        loss = tf.reduce_sum(dense_probe * out)
    result["dense_out"] = out
    result["dense_grads"] = tape.gradient(loss, [layer.kernel, layer.bias])
    variable = tf.Variable(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(probes[0] * clip_gradient(variable, clip_norm))
    result["variable_grad"] = tape.gradient(loss, variable)
    return result


def ref_clipped(g, clip_norm):
    return g * clip_norm / max(np.linalg.norm(g), clip_norm)


def test_clip_gradient(student, rng):
    shape = (int(rng.integers(2, 6)), int(rng.integers(2, 6)))
    clip_norm = float(rng.uniform(0.5, 3.0))
    x = rng.standard_normal(shape)
    x32 = x.astype("float32")
    big = 10.0 * rng.standard_normal(shape)
    small = rng.standard_normal(shape)
    small *= 0.5 * clip_norm / np.linalg.norm(small)  # shorter than clip_norm
    per_entry = np.full(shape, 0.9 * clip_norm)  # every entry under clip_norm, the norm over it
    probes = [big, small, per_entry]
    units = int(rng.integers(2, 5))
    kernel, bias = rng.standard_normal((shape[1], units)), rng.uniform(0.5, 1.5, units)
    dense_probe = 10.0 * rng.standard_normal((shape[0], units))
    x3 = rng.standard_normal((2, 3, int(rng.integers(2, 5))))
    probe3 = 5.0 * rng.standard_normal(x3.shape)
    probe32 = (10.0 * rng.standard_normal(shape)).astype("float32")
    got = student.call(clip_gradient_probe, x=x, x32=x32, clip_norm=clip_norm, probes=probes, probe32=probe32,
                       kernel=kernel, bias=bias, dense_probe=dense_probe, x3=x3, probe3=probe3)
    what = f"clip_gradient(x, {clip_norm:.3f})"
    labels = ["an upstream longer than clip_norm", "an upstream shorter than clip_norm",
              "an upstream with every entry under clip_norm but a longer norm"]
    for label, probe, plain, tanh, single, graph in zip(labels, probes, got["float64"], got["tanh"],
                                                        got["float32"], got["graph_float32"]):
        for result, dtype, reference in ((plain, "float64", x), (single, "float32", x32)):
            check_equal(result["dtype"], dtype, f"{what}: dtype of the forward value ({dtype})")
            check_close(result["value"], reference, f"{what}: forward value ({dtype}), unchanged", rtol=0, atol=0)
        check_close(plain["grad"], ref_clipped(probe, clip_norm), f"{what}: gradient for {label} (float64)")
        check_close(single["grad"], ref_clipped(probe, clip_norm).astype("float32"),
                    f"{what}: gradient for {label} (float32)")
        below = ref_clipped(probe, clip_norm) * (1 - np.tanh(x) ** 2)
        check_close(tanh["grad"], below, f"{what}: gradient of sum(probe * clip_gradient(tanh(x))), {label}")
        check_close(graph["value"], np.tanh(x32), f"{what} inside a tf.function (float32): forward value")
        below32 = ref_clipped(probe.astype("float32").astype(np.float64), clip_norm) * (1 - np.tanh(x32) ** 2)
        check_close(graph["grad"], below32.astype("float32"),
                    f"{what} inside a tf.function (float32): gradient below the clip, {label}")
    plain = got["graph_float32_plain"]
    check_close(plain["value"], x32, f"{what} inside a tf.function (float32): forward value unchanged",
                rtol=0, atol=0)
    check_close(plain["grad"], ref_clipped(probe32.astype(np.float64), clip_norm).astype("float32"),
                f"{what} inside a tf.function (float32): gradient")
    check_close(got["rank_3"]["value"], x3, f"{what}: forward value for x of shape {x3.shape}", rtol=0, atol=0)
    check_close(got["rank_3"]["grad"], ref_clipped(probe3, clip_norm),
                f"{what}: gradient for x of shape {x3.shape} (the norm over the whole tensor)")
    check_close(got["dense_out"], x @ kernel + bias, f"{what} after a Dense layer: output unchanged")
    grad_kernel, grad_bias = got["dense_grads"]
    upstream = ref_clipped(dense_probe, clip_norm)
    check_close(grad_kernel, x.T @ upstream, f"{what}: gradient of a Dense kernel below it")
    check_close(grad_bias, upstream.sum(axis=0), f"{what}: gradient of a Dense bias below it")
    check_close(got["variable_grad"], ref_clipped(big, clip_norm),
                f"{what}: gradient for a tf.Variable passed directly")
