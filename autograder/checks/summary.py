"""The summary that ends each released notebook: every visible test run again, one line per part."""
import contextlib
import io
import sys


MESSAGES = {
    "en": {"passed": "passed  {title} [{grade_id}], {points} points",
           "failed": "FAILED  {title} [{grade_id}], {points} points",
           "not written": "(the part is not written yet)",
           "total": "Visible tests: {passed} of {parts} parts pass ({earned} of {total} points).",
           "hidden": "The grader runs these tests and hidden ones with other inputs: a part that passes here\n"
                     "can still lose its points if it only works for the inputs above."},
    "ko": {"passed": "통과  {title} [{grade_id}], {points}점", "failed": "실패  {title} [{grade_id}], {points}점",
           "not written": "(아직 작성하지 않은 파트입니다)",
           "total": "공개 테스트: {parts}개 파트 중 {passed}개 통과 ({total}점 중 {earned}점).",
           "hidden": "채점기는 이 테스트들과 함께 다른 입력을 쓰는 숨은 테스트도 실행합니다. 여기서 통과한 파트도\n"
                     "위의 입력에서만 작동한다면 점수를 잃을 수 있습니다."},
}


def summarize_tests(tests, language="en"):
    """Runs each visible test again, in order, in the notebook's namespace; prints a line per part.

    `tests` is [(grade id, title, points, source)], written by the release into the notebook's
    last cell from its test cells, so a test cell edited by hand does not change the summary;
    `language` is the notebook's ("en" or "ko"): the checks' own messages stay English.
    """
    words = MESSAGES[language]
    namespace = sys._getframe(1).f_globals  # the notebook's: the tests use the classes it defined
    earned = passed_parts = 0
    for grade_id, title, points, source in tests:
        output = io.StringIO()
        try:
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                exec(compile(source, f"<{grade_id}>", "exec"), namespace)
        except Exception as error:  # a failing check, or an error raised by the code under test
            print(words["failed"].format(title=title, grade_id=grade_id, points=points))
            print("        " + "\n        ".join(_first_lines(error, words["not written"])))
        else:
            earned, passed_parts = earned + points, passed_parts + 1
            print(words["passed"].format(title=title, grade_id=grade_id, points=points))
    total = sum(points for _, _, points, _ in tests)
    print("\n" + words["total"].format(passed=passed_parts, parts=len(tests), earned=earned, total=total))
    print(words["hidden"])


def _first_lines(error, not_written, limit=4):
    lines = str(error).strip().splitlines()[:limit]
    if not lines:
        lines = [not_written if isinstance(error, NotImplementedError) else "(no message)"]
    return [f"{type(error).__name__}: {lines[0]}", *lines[1:]]
