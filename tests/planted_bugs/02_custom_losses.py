"""Plausible student bugs for Exercise 2. Each must cost the points of `part` and no others.

`cell` is the solution cell edited, `old` the exact text of the instructor's solution replaced by `new`.
"""
BUGS = [
    dict(part="test_huber_closure", cell="huber_closure", why="quadratic branch without the 1/2",
         old="quadratic = 0.5 * keras.ops.square(error)", new="quadratic = keras.ops.square(error)"),
    dict(part="test_huber_closure", cell="huber_closure", why="linear branch without the -threshold/2 offset",
         old="linear = threshold * (abs_error - 0.5 * threshold)", new="linear = threshold * abs_error"),
    dict(part="test_huber_closure", cell="huber_closure", why="averages over the batch too: one scalar, not one value per example",
         old="keras.ops.where(abs_error <= threshold, quadratic, linear), axis=-1)",
         new="keras.ops.where(abs_error <= threshold, quadratic, linear))"),
    dict(part="test_huber_class", cell="huber_class", why="get_config forgets the threshold",
         old='''        config.update({"threshold": self.threshold})
''', new=""),
    dict(part="test_huber_class", cell="huber_class", why="get_config starts from an empty dict, losing name and reduction",
         old="config = super().get_config()", new="config = {}"),
    dict(part="test_negative_sampling", cell="negative_sampling", why="mean over the negatives instead of the sum",
         old="keras.ops.sum(used * keras.ops.log_sigmoid(-s_neg), axis=1)",
         new="keras.ops.mean(used * keras.ops.log_sigmoid(-s_neg), axis=1)"),
    dict(part="test_negative_sampling", cell="negative_sampling", why="padding slots (-1) not masked out",
         old="keras.ops.sum(used * keras.ops.log_sigmoid(-s_neg), axis=1)",
         new="keras.ops.sum(keras.ops.log_sigmoid(-s_neg), axis=1)"),
    dict(part="test_negative_sampling", cell="negative_sampling", why="log(sigmoid(s)) instead of log_sigmoid: infinite for large scores",
         old="return -keras.ops.log_sigmoid(s_pos) - keras.ops.sum(used * keras.ops.log_sigmoid(-s_neg), axis=1)",
         new="return -keras.ops.log(keras.ops.sigmoid(s_pos)) - keras.ops.sum(used * keras.ops.log(keras.ops.sigmoid(-s_neg)), axis=1)"),
    dict(part="test_activity_l2", cell="activity_l2", why="square of the sum instead of the sum of squares (the post's slip)",
         old="keras.ops.sum(keras.ops.square(inputs))", new="keras.ops.square(keras.ops.sum(inputs))"),
    dict(part="test_activity_l2", cell="activity_l2", why="penalties accumulated across calls in a Python attribute",
         old="        self.add_loss(self.rate * keras.ops.sum(keras.ops.square(inputs)))\n",
         new="        self.total = getattr(self, 'total', 0.0) + self.rate * keras.ops.sum(keras.ops.square(inputs))\n"
             "        self.add_loss(self.total)\n"),
    dict(part="test_activity_l2", cell="activity_l2", why="mean over the entries instead of the sum",
         old="keras.ops.sum(keras.ops.square(inputs))", new="keras.ops.mean(keras.ops.square(inputs))"),
    dict(part="test_reconstructing_regressor", cell="reconstructing_regressor",
         why="build() creates the reconstruction layer but builds nothing (the slides' version): reload loses the weights",
         old='''        shape = input_shape
        for layer in self.hidden:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.reconstruct.build(shape)
        self.out.build(shape)
''', new='''        super().build(input_shape)
'''),
    dict(part="test_reconstructing_regressor", cell="reconstructing_regressor", why="auxiliary loss not scaled by aux_weight",
         old="self.add_loss(self.aux_weight * reconstruction_loss)", new="self.add_loss(reconstruction_loss)"),
    dict(part="test_reconstructing_regressor", cell="reconstructing_regressor", why="get_config forgets aux_weight",
         old='''config.update({"output_dim": self.output_dim, "hidden_units": self.hidden_units,
                       "aux_weight": self.aux_weight})''',
         new='''config.update({"output_dim": self.output_dim, "hidden_units": self.hidden_units})'''),
    dict(part="test_huber_closure", cell="huber_closure",
         why="threshold kept in a global: the latest make_huber_loss call sets it for every closure",
         old="    def huber_loss(y_true, y_pred):\n        error = y_pred - y_true\n",
         new="    global THRESHOLD\n    THRESHOLD = threshold\n\n"
             "    def huber_loss(y_true, y_pred):\n        threshold = THRESHOLD\n        error = y_pred - y_true\n"),
    dict(part="test_huber_class", cell="huber_class", why="call averages over the batch too: reduction=None gives one scalar",
         old="keras.ops.where(abs_error <= self.threshold, quadratic, linear), axis=-1)",
         new="keras.ops.where(abs_error <= self.threshold, quadratic, linear))"),
    dict(part="test_activity_l2", cell="activity_l2", why="penalty computed with NumPy: no gradient, fails on symbolic inputs",
         old="self.add_loss(self.rate * keras.ops.sum(keras.ops.square(inputs)))",
         new="self.add_loss(self.rate * float(np.sum(np.square(inputs))))"),
    dict(part="test_reconstructing_regressor", cell="reconstructing_regressor",
         why="aux_weight ignored: the auxiliary loss always weighted by the default 0.05 (issue 15: caught by behaviour)",
         old="self.add_loss(self.aux_weight * reconstruction_loss)", new="self.add_loss(0.05 * reconstruction_loss)"),
    dict(part="test_reconstructing_regressor", cell="reconstructing_regressor",
         why="hidden layers of 32 units whatever hidden_units (issue 15: caught by the weights' shapes)",
         old='keras.layers.Dense(hidden_units, activation="relu")', new='keras.layers.Dense(32, activation="relu")'),
    dict(part="test_reconstructing_regressor", cell="reconstructing_regressor",
         why="reconstruction error summed instead of averaged",
         old="reconstruction_loss = keras.ops.mean(keras.ops.square(self.reconstruct(z) - inputs))",
         new="reconstruction_loss = keras.ops.sum(keras.ops.square(self.reconstruct(z) - inputs))"),
]
