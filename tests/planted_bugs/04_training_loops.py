"""Plausible student bugs for Exercise 4. Each must cost the points of `part` and no others.

`cell` is the solution cell edited, `old` the exact text of the instructor's solution replaced by `new`.
"""
BUGS = [
    # Part 1: train_step
    dict(part="test_train_step", cell="train_step", why="forward pass outside the tape (gradients are None)",
         old='''    with tf.GradientTape() as tape:
        y_pred = model(x, training=True)
''',
         new='''    y_pred = model(x, training=True)
    with tf.GradientTape() as tape:
'''),
    dict(part="test_train_step", cell="train_step", why="training=True missing (BatchNormalization/Dropout in inference mode)",
         old="y_pred = model(x, training=True)", new="y_pred = model(x)"),
    dict(part="test_train_step", cell="train_step", why="regularization losses dropped",
         old="loss = loss_fn(y, y_pred) + sum(model.losses)", new="loss = loss_fn(y, y_pred)"),
    dict(part="test_train_step", cell="train_step",
         why="loss_fn's arguments swapped (the same for the MSE, not for a cross-entropy)",
         old="loss = loss_fn(y, y_pred) + sum(model.losses)", new="loss = loss_fn(y_pred, y) + sum(model.losses)"),
    # Part 2: fit_epochs
    dict(part="test_fit_epochs", cell="fit_epochs", why="metrics never reset (post 001's running mean since epoch 1)",
         old='''        train_loss.reset_state()
        val_loss.reset_state()
''',
         new=""),
    dict(part="test_fit_epochs", cell="fit_epochs", why="validation pass in training mode",
         old="y_pred = model(x, training=False)", new="y_pred = model(x, training=True)"),
    dict(part="test_fit_epochs", cell="fit_epochs", why="batch losses averaged without weighting by batch size",
         old="train_loss.update_state(loss, sample_weight=batch_size)", new="train_loss.update_state(loss)"),
    dict(part="test_fit_epochs", cell="fit_epochs", why="validation loss without model.losses",
         old="loss = loss_fn(y, y_pred) + sum(model.losses)", new="loss = loss_fn(y, y_pred)"),
    # Part 3: CustomModel
    dict(part="test_custom_model", cell="custom_model",
         why="the posts' compiled_loss/compiled_metrics train_step (logs the mean prediction as the loss)",
         old='''            loss = self.compute_loss(
                x=x, y=y, y_pred=y_pred, sample_weight=sample_weight
            )
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(
            zip(gradients, self.trainable_variables)
        )
        batch_size = keras.ops.shape(x)[0]
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss, sample_weight=batch_size)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)
''',
         new='''            loss = self.compiled_loss(y, y_pred, sample_weight=sample_weight, regularization_losses=self.losses)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_variables))
        self.compiled_metrics.update_state(y, y_pred, sample_weight=sample_weight)
'''),
    dict(part="test_custom_model", cell="custom_model", why="sample_weight not passed to compute_loss in train_step",
         old="                x=x, y=y, y_pred=y_pred, sample_weight=sample_weight\n            )",
         new="                x=x, y=y, y_pred=y_pred\n            )"),
    dict(part="test_custom_model", cell="custom_model", why="test_step runs the model in training mode",
         old="y_pred = self(x, training=False)", new="y_pred = self(x, training=True)"),
    dict(part="test_custom_model", cell="custom_model",
         why="compiled metrics updated without sample_weight (weighted_metrics come out unweighted; issue 15)",
         old='''            zip(gradients, self.trainable_variables)
        )
        batch_size = keras.ops.shape(x)[0]
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss, sample_weight=batch_size)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)
''',
         new='''            zip(gradients, self.trainable_variables)
        )
        batch_size = keras.ops.shape(x)[0]
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss, sample_weight=batch_size)
            else:
                metric.update_state(y, y_pred)
'''),
    dict(part="test_custom_model", cell="custom_model",
         why="loss tracker not weighted by batch size (an epoch with a smaller last batch logs another mean than fit())",
         old='''            zip(gradients, self.trainable_variables)
        )
        batch_size = keras.ops.shape(x)[0]
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss, sample_weight=batch_size)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)
''',
         new='''            zip(gradients, self.trainable_variables)
        )
        batch_size = keras.ops.shape(x)[0]
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)
'''),
    dict(part="test_custom_model", cell="custom_model",
         why="compiled metrics given (y_pred, y) in train_step (the same for MAE and MSE, not for a cross-entropy)",
         old='''            zip(gradients, self.trainable_variables)
        )
        batch_size = keras.ops.shape(x)[0]
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss, sample_weight=batch_size)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)
''',
         new='''            zip(gradients, self.trainable_variables)
        )
        batch_size = keras.ops.shape(x)[0]
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss, sample_weight=batch_size)
            else:
                metric.update_state(y_pred, y, sample_weight=sample_weight)
'''),
    # Part 4: TrackedModel
    dict(part="test_tracked_model", cell="tracked_model", why="regularization losses left out of the tracked training loss",
         old='''            loss = keras.ops.mean(keras.ops.square(y - y_pred))
            loss = loss + sum(self.losses)
''',
         new='''            loss = keras.ops.mean(keras.ops.square(y - y_pred))
'''),
    dict(part="test_tracked_model", cell="tracked_model", why="test_step left to the built-in one (evaluate reports zeros)",
         old='''        x, y = data
        y_pred = self(x, training=False)
        loss = keras.ops.mean(keras.ops.square(y - y_pred))
        loss = loss + sum(self.losses)
        batch_size = keras.ops.shape(x)[0]
        self.loss_tracker.update_state(loss, sample_weight=batch_size)
        self.mae_metric.update_state(y, y_pred)
        return self.get_metrics_result()
''',
         new='''        return super().test_step(data)
'''),
    dict(part="test_tracked_model", cell="tracked_model", why="test_step runs the model in training mode",
         old="y_pred = self(x, training=False)", new="y_pred = self(x, training=True)"),
    dict(part="test_tracked_model", cell="tracked_model",
         why="loss tracker not weighted by batch size (the book's fix: fit() weights its tracker by batch size)",
         old='''            zip(gradients, self.trainable_variables)
        )
        batch_size = keras.ops.shape(x)[0]
        self.loss_tracker.update_state(loss, sample_weight=batch_size)''',
         new='''            zip(gradients, self.trainable_variables)
        )
        self.loss_tracker.update_state(loss)'''),
]
