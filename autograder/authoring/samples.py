"""Submissions made from the course itself: the released stub, the solved notebook, partly solved ones.

The grading demo (autograder/grading/demo.py), the benchmark and the tests use them; they always
match the current exercise because they are built from the release and the solutions.
"""
import copy

import nbformat

from .. import cells, repo

DEMO_STUDENTS = {
    "ada": "correct: the instructor's solution",
    "grace": "partly correct: every part solved but the last, left as the stub",
    "linus": "the untouched stub",
    "alan": "a broken file: the solved notebook cut in half (not valid JSON)",
}


def released(assignment, name):
    """The notebook exactly as students receive it."""
    return nbformat.read(repo.EXERCISES / assignment / f"{name}.ipynb", as_version=4)


def answers(assignment, name):
    """{grade id of a solution cell: the instructor's code, without the solution markers}."""
    notebook = nbformat.read(repo.SOLUTIONS / assignment / f"{name}.ipynb", as_version=4)
    return {cells.grade_id(cell): cells.without_solution_markers(cell.source)
            for cell in notebook.cells if cells.is_solution(cell)}


def solved(assignment, name, skip=()):
    """The released notebook with the instructor's code in every solution cell whose grade id is not in `skip`."""
    code = answers(assignment, name)
    notebook = copy.deepcopy(released(assignment, name))
    for cell in notebook.cells:
        if cells.grade_id(cell) in code and cells.grade_id(cell) not in skip:
            cell.source = code[cells.grade_id(cell)]
    return notebook


def write_demo(assignment, folder):
    """Writes the DEMO_STUDENTS' submissions of `assignment` as <student>.ipynb into `folder`."""
    [name] = repo.notebook_names(assignment)
    last_solution = list(answers(assignment, name))[-1]
    notebooks = {"ada": solved(assignment, name), "grace": solved(assignment, name, skip={last_solution}),
                 "linus": released(assignment, name)}
    folder.mkdir(parents=True, exist_ok=True)
    for student, notebook in notebooks.items():
        nbformat.write(notebook, folder / f"{student}.ipynb")
    text = nbformat.writes(notebooks["ada"])
    (folder / "alan.ipynb").write_text(text[: len(text) // 2])
