"""`autograder margins`: the visible checks that train from a seeded random start, run from other seeds."""
import keras
import nbformat
import numpy as np
import pytest

from autograder.authoring import margins
from autograder.authoring.samples import solved
from autograder.repo import assignments, notebook_names


def test_the_seeded_bounded_checks_are_found():
    found = {}
    for assignment in assignments():
        [name] = notebook_names(assignment)
        found[assignment] = [cell.metadata["nbgrader"]["grade_id"] for cell in margins.seeded_cells(solved(assignment, name))]
    assert found == {"01_custom_layers": [], "02_custom_losses": ["test_negative_sampling"],
                     "03_custom_models": ["test_residual_regressor", "test_vae"], "04_training_loops": [],
                     "05_autodiff": []}


def test_a_cell_runs_from_the_seed_given_and_its_bounds_are_recorded_not_checked():
    cell = nbformat.v4.new_code_cell(f"{margins.SEEDED}\ncheck_less(np.random.rand(), 0.01, 'a draw')\n"
                                     "check_greater(2.0, 1.5, 'a constant')")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "test_draw", "solution": False, "locked": True, "points": 1}
    names = {"keras": keras, "np": np}
    for seed in (3, 4):
        keras.utils.set_random_seed(seed)
        expected = np.random.rand()
        assert margins.bounded_values(cell, names, seed) == {"a draw": (expected, "<", 0.01),
                                                             "a constant": (2.0, ">", 1.5)}


def test_each_value_is_measured_as_a_share_of_its_own_bound():
    line = margins.margin_line("loss", [(1.0, "<", 4.0), (3.0, "<", 4.0)])  # shares 0.25 and 0.75
    assert "value / bound over 2 seeds at worst 0.75, mean 0.5, sd 0.25: 1 is 2.0 sd away" in line
    line = margins.margin_line("rate", [(0.8, ">", 0.6), (0.6, ">", 0.3)])  # shares 0.75 and 0.5
    assert "bound / value over 2 seeds at worst 0.75, mean 0.625" in line
    assert "1 is inf sd away" in margins.margin_line("rate", [(0.8, ">", 0.6)] * 2)


@pytest.mark.parametrize("relation", ["<", ">"])
def test_a_value_on_the_wrong_side_takes_more_than_its_bound(relation):
    value = 2.0 if relation == "<" else 0.5
    assert "at worst 2," in margins.margin_line("x", [(value, relation, 1.0)])


def test_a_bound_that_is_not_positive_is_shown_as_it_is():
    assert "not all positive" in margins.margin_line("x", [(-1.0, "<", 0.0)])
