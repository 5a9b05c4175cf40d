"""Plausible student bugs for Exercise 5. Each must cost the points of `part` and no others.

`cell` is the solution cell edited, `old` the exact text of the instructor's solution replaced by `new`.
"""
BUGS = [
    dict(part="test_central_difference", cell="central_difference", why="forward difference instead of a central one",
         old="grad[index] = (f(x_plus) - f(x_minus)) / (2 * eps)", new="grad[index] = (f(x_plus) - f(x)) / eps"),
    dict(part="test_central_difference", cell="central_difference", why="shifts the caller's array, not copies",
         old="x_plus, x_minus = x.copy(), x.copy()", new="x_plus, x_minus = x, x"),
    dict(part="test_central_difference", cell="central_difference", why="loops over the first axis only (vectors work, matrices not)",
         old="for index in np.ndindex(x.shape):", new="for index in range(len(x)):"),
    dict(part="test_central_difference", cell="central_difference",
         why="another default eps (exact for the visible quadratic, and unseen by the old hidden tests)",
         old="def central_difference_gradient(f, x, eps=1e-6):", new="def central_difference_gradient(f, x, eps=1e-4):"),
    dict(part="test_per_loss_gradients", cell="per_loss_gradients", why="tape not persistent (second gradient call fails)",
         old="tf.GradientTape(persistent=True)", new="tf.GradientTape()"),
    dict(part="test_per_loss_gradients", cell="per_loss_gradients", why="constants and non-trainable variables not watched",
         old='''        for variable in variables:
            tape.watch(variable)
''', new=""),
    dict(part="test_per_loss_gradients", cell="per_loss_gradients", why="None instead of zeros for an unconnected variable",
         old=", unconnected_gradients=tf.UnconnectedGradients.ZERO", new=""),
    dict(part="test_per_loss_gradients", cell="per_loss_gradients",
         why="watches plain tensors only: a non-trainable variable gets zeros",
         old="            tape.watch(variable)", new="            if not isinstance(variable, tf.Variable):\n"
                                                   "                tape.watch(variable)"),
    dict(part="test_stable_softplus", cell="stable_softplus", why="naive forward log(exp(z) + 1) (the slides' my_better_softplus)",
         old="value = tf.where(z > 30.0, z, tf.math.log1p(tf.exp(z)))", new="value = tf.math.log(tf.exp(z) + 1.0)"),
    dict(part="test_stable_softplus", cell="stable_softplus", why="custom gradient not multiplied by the upstream gradient",
         old="return upstream * tf.sigmoid(z)", new="return tf.sigmoid(z)"),
    dict(part="test_stable_softplus", cell="stable_softplus", why="float64 input computed and returned in float32",
         old="value = tf.where(z > 30.0, z, tf.math.log1p(tf.exp(z)))",
         new="z = tf.cast(z, tf.float32)\n    value = tf.where(z > 30.0, z, tf.math.log1p(tf.exp(z)))"),
    dict(part="test_clip_gradient", cell="clip_gradient", why="clips each entry (clip_by_value), not the norm",
         old="tf.clip_by_norm(upstream, clip_norm), None", new="tf.clip_by_value(upstream, -clip_norm, clip_norm), None"),
    dict(part="test_clip_gradient", cell="clip_gradient", why="grad returns no gradient for clip_norm",
         old="return tf.clip_by_norm(upstream, clip_norm), None", new="return tf.clip_by_norm(upstream, clip_norm)"),
    dict(part="test_clip_gradient", cell="clip_gradient", why="clips the forward value instead of leaving it unchanged",
         old="return tf.identity(x), grad", new="return tf.clip_by_norm(x, clip_norm), grad"),
    dict(part="test_clip_gradient", cell="clip_gradient", why="clips the norm of each row, not of the whole tensor",
         old="tf.clip_by_norm(upstream, clip_norm), None", new="tf.clip_by_norm(upstream, clip_norm, axes=[-1]), None"),
]
