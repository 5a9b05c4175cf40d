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


def test_the_slack_is_measured_inside_each_runs_bound():
    line = margins.margin_line("loss", [(1.0, "<", 3.0), (2.0, "<", 5.0)])  # slack 2 and 3
    assert "2 at least, mean 2.5, sd 0.5: the bound is 5.0 sd away" in line
    line = margins.margin_line("rate", [(0.8, ">", 0.6), (0.8, ">", 0.6)])
    assert "the bound is inf sd away" in line and "mean 0.2" in line


@pytest.mark.parametrize("relation", ["<", ">"])
def test_a_value_on_the_wrong_side_has_a_negative_slack(relation):
    value = 2.0 if relation == "<" else 0.0
    assert "-1 at least" in margins.margin_line("x", [(value, relation, 1.0)])
