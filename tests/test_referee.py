"""The hidden tests' own tools (autograder/kernel/referee.py), checked without a kernel."""
import numpy as np
import pytest

from autograder.kernel.referee import clear_of_kinks, kernel_seed, numeric_gradient, part_rng


def test_a_central_difference_straddling_relus_bend_is_wrong_so_such_draws_are_redrawn():
    """Hidden tests compare tape gradients through ReLU with central differences (numeric_gradient):
    within `eps` of the bend the difference mixes both slopes, and a correct tape would fail."""
    def objective(z):
        return float(np.sum(np.maximum(z, 0)))

    near, clear = np.array([5e-7, -1.0]), np.array([2e-3, -1.0])
    assert numeric_gradient(objective, near)[0] == pytest.approx(0.75)  # the tape says 1
    assert not clear_of_kinks(near)
    assert clear_of_kinks(clear) and np.allclose(numeric_gradient(objective, clear), [1.0, 0.0])
    assert not clear_of_kinks(clear, np.array([[3.0, -4e-4]]))


def test_each_part_of_a_submission_draws_its_own_inputs_and_draws_them_again_the_same():
    first, again, other_part, other_seed = (part_rng(*key).random(4) for key in
                                            [("s", "test_a"), ("s", "test_a"), ("s", "test_b"), ("t", "test_a")])
    assert np.array_equal(first, again)
    assert not np.allclose(first, other_part) and not np.allclose(first, other_seed)


def test_a_kernel_seed_is_one_per_submission_and_a_valid_numpy_seed():
    seeds = {kernel_seed(f"submission {n}") for n in range(50)}
    assert kernel_seed("submission 0") == kernel_seed("submission 0") and len(seeds) == 50
    assert all(0 <= seed < 2**32 for seed in seeds)
    np.random.seed(max(seeds))  # set_random_seed hands it to NumPy, which takes at most 2**32 - 1
