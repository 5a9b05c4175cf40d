"""The summary that ends each released notebook: every visible test run again, one line per part."""
import contextlib
import io
import sys


def summarize_tests(tests):
    """Runs each visible test again, in order, in the notebook's namespace; prints a line per part.

    `tests` is [(grade id, title, points, source)], written by the release into the notebook's
    last cell from its test cells, so a test cell edited by hand does not change the summary.
    """
    namespace = sys._getframe(1).f_globals  # the notebook's: the tests use the classes it defined
    earned = passed_parts = 0
    for grade_id, title, points, source in tests:
        output = io.StringIO()
        try:
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                exec(compile(source, f"<{grade_id}>", "exec"), namespace)
        except Exception as error:  # a failing check, or an error raised by the code under test
            print(f"FAILED  {title} [{grade_id}], {points} points")
            print("        " + "\n        ".join(_first_lines(error)))
        else:
            earned, passed_parts = earned + points, passed_parts + 1
            print(f"passed  {title} [{grade_id}], {points} points")
    total = sum(points for _, _, points, _ in tests)
    print(f"\nVisible tests: {passed_parts} of {len(tests)} parts pass ({earned} of {total} points).")
    print("The grader runs these tests and hidden ones with other inputs: a part that passes here\n"
          "can still lose its points if it only works for the inputs above.")


def _first_lines(error, limit=4):
    lines = str(error).strip().splitlines()[:limit]
    if not lines:
        lines = ["(the part is not written yet)" if isinstance(error, NotImplementedError) else "(no message)"]
    return [f"{type(error).__name__}: {lines[0]}", *lines[1:]]
