"""Plausible student bugs for Exercise 3. Each must cost the points of `part` and no others.

`cell` is the solution cell edited, `old` the exact text of the instructor's solution replaced by `new`.
Parts 2 and 4 use the classes of parts 1 and 3, so the bugs of parts 1 and 3 are ones that keep a
block or a sampling layer usable (right shapes, deterministic where it must be): the tests of parts 2
and 4 compare each model with its own sub-layers and must not charge the same mistake twice.
"""
BUGS = [
    dict(part="test_residual_block", cell="residual_block", why="skip connection missing",
         old="        return inputs + Z\n", new="        return Z\n"),
    dict(part="test_residual_block", cell="residual_block", why="build() only calls super().build: no weights until the first call",
         old="        for layer in self.hidden:\n            layer.build(input_shape)\n",
         new="        super().build(input_shape)\n"),
    dict(part="test_residual_block", cell="residual_block", why="get_config forgets n_neurons",
         old='''config.update({"n_layers": self.n_layers, "n_neurons": self.n_neurons})''',
         new='''config.update({"n_layers": self.n_layers})'''),
    dict(part="test_residual_regressor", cell="residual_regressor", why="block1 applied once instead of four times",
         old="        for _ in range(1 + 3):\n            Z = self.block1(Z)\n",
         new="        Z = self.block1(Z)\n"),
    dict(part="test_residual_regressor", cell="residual_regressor", why="block2 created in call (new weights at every call)",
         old="        Z = self.block2(Z)\n", new="        Z = ResidualBlock(2, 30)(Z)\n"),
    dict(part="test_residual_regressor", cell="residual_regressor", why="get_config forgets output_dim",
         old='''        config.update({"output_dim": self.output_dim})\n''', new=""),
    dict(part="test_sampling", cell="sampling", why="KL term with the wrong sign",
         old="kl = -0.5 * keras.ops.sum(", new="kl = 0.5 * keras.ops.sum("),
    dict(part="test_sampling", cell="sampling", why="KL averaged over the latent dimensions instead of summed",
         old="kl = -0.5 * keras.ops.sum(", new="kl = -0.5 * keras.ops.mean("),
    dict(part="test_sampling", cell="sampling", why="exp(z_log_var) used as the standard deviation",
         old="keras.ops.exp(0.5 * z_log_var) * epsilon", new="keras.ops.exp(z_log_var) * epsilon"),
    dict(part="test_sampling", cell="sampling", why="an integer seed: the same noise at every call",
         old="seed=self.seed_generator)", new="seed=self.seed)"),
    dict(part="test_vae", cell="vae", why="Sampling created without kl_weight=1/original_dim",
         old="Sampling(kl_weight=1 / original_dim, seed=seed)", new="Sampling(seed=seed)"),
    dict(part="test_vae", cell="vae", why="decodes a sampled z in inference too (predict is random)",
         old="        return self.decode(z if training else z_mean)\n", new="        return self.decode(z)\n"),
    dict(part="test_vae", cell="vae", why="sampling (and so the KL term) only in training",
         old="        z = self.sampling((z_mean, z_log_var))\n        return self.decode(z if training else z_mean)\n",
         new="        if training:\n            return self.decode(self.sampling((z_mean, z_log_var)))\n        return self.decode(z_mean)\n"),
    dict(part="test_vae", cell="vae", why="get_config forgets latent_dim",
         old='''config.update({"original_dim": self.original_dim, "latent_dim": self.latent_dim,''',
         new='''config.update({"original_dim": self.original_dim,'''),
]
