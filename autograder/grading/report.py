"""What a batch produced, for people: grades.csv, report.html with figures, and a terminal summary.

Students choose the names of their files, and so part of ids, origins and details: every such text is
shown with its control characters escaped (`printable`), so that none drives a terminal, and in
grades.csv a leading `=`, `+`, `-` or `@` is quoted, so that no spreadsheet runs it as a formula.
"""
import base64
import csv
import html
import io
import re
import statistics
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the headless backend)
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .policy import describe_adjustments  # noqa: E402

COLUMNS = ["student", "status", "total", "max"]
# What a spreadsheet reads as the start of a formula (OWASP's CSV injection list; its tab and
# carriage return are escaped by `printable` already).
FORMULA_STARTS = ("=", "+", "-", "@")
# A policy that runs no script: the report's own style and its figures (data: images) only.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def printable(text):
    """`text` with every character that is not printable (controls such as ESC, bidirectional overrides,
    unpaired surrogates, line breaks) written as its Python escape, visibly: `\\x1b`, `\\u202e`, `\\n`."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text)


def csv_text(text):
    """A text cell of grades.csv: printable, and never read as a formula."""
    text = printable(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# Added when an overrides file or a late policy was applied (policy.py): the points before, and why they changed.
ADJUSTED_COLUMNS = ["autograded_total", "days_late", "late_penalty_percent", "overrides"]


def write_csv(students, parts, path):
    adjusted = any("autograded_total" in entry for entry in students.values())
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS + list(parts) + ["detail", "origin"] + (ADJUSTED_COLUMNS if adjusted else []))
        for student, entry in sorted(students.items()):
            writer.writerow([csv_text(student), csv_text(entry["status"]), _points(entry["total"]),
                             _points(entry["max"])] + [_points(entry["scores"][part]) for part in parts]
                            + [csv_text(entry["detail"]), csv_text(entry["origin"])]
                            + (_adjusted_cells(entry) if adjusted else []))


def _adjusted_cells(entry):
    overrides = "; ".join(f"{o['part']}: {o['autograded']:g} -> {o['points']:g} ({o['reason']})"
                          for o in entry.get("overrides", []))
    return [_points(entry.get("autograded_total", entry["total"])), str(entry.get("days_late", 0)),
            _points(entry.get("late_penalty", 0.0)), csv_text(overrides)]


def adjustment_notes(students):
    """The report's note on the overrides and late penalties in its totals."""
    overridden = sum(1 for e in students.values() if e.get("overrides"))
    penalised = sum(1 for e in students.values() if e.get("late_penalty"))
    if not overridden and not penalised:
        return []
    return [f"Totals include manual overrides for {overridden} student(s) and late penalties for {penalised}; "
            "the autograded points are in the 'autograded' column and in grades.csv (autograded_total, overrides)."]


LMS_CANVAS = "grades-canvas.csv"
LMS_MOODLE = "grades-moodle.csv"


def write_lms_exports(students, parts, assignment, out):
    """grades-canvas.csv and grades-moodle.csv in `out`: the final totals in those systems' grade-import forms.

    Canvas: its gradebook's columns, the student id as SIS Login ID (Canvas matches a row by ID, SIS User ID
    or SIS Login ID), then a "Points Possible" row, as Canvas's own exports have. Moodle: an identifier column
    and a grade column (Grades > Import > CSV file: map "Username" to the identifier Moodle knows them by)."""
    maximum = _points(float(sum(parts.values())))
    rows = sorted(students.items())
    with open(Path(out) / LMS_CANVAS, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment])
        writer.writerow(["    Points Possible", "", "", "", "", maximum])
        for student, entry in rows:
            writer.writerow([csv_text(student), "", "", csv_text(student), "", _points(entry["total"])])
    with open(Path(out) / LMS_MOODLE, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Username", assignment])
        for student, entry in rows:
            writer.writerow([csv_text(student), _points(entry["total"])])


NOTE_START, NOTE_END = "<!-- autograder-adjustments -->", "<!-- /autograder-adjustments -->"
NOTE_AT = re.compile(r"<body[^>]*>", re.IGNORECASE)


def annotate_feedback(students, notebook_names, folder):
    """Adds to each student's feedback page(s) the note of their overrides and late penalty (replacing the note
    of an earlier run, or removing it when there is none now)."""
    for student, entry in students.items():
        lines = describe_adjustments(entry)
        note = "" if not lines else (
            f"{NOTE_START}<div style=\"background:#fff3cd;padding:.5em;margin:1em\"><strong>Your instructor adjusted "
            f"your grade: {_points(entry['total'])} of {_points(entry['max'])} points</strong> (autograded: "
            f"{_points(entry['autograded_total'])}).<ul>" + "".join(f"<li>{_html(line)}</li>" for line in lines)
            + f"</ul></div>{NOTE_END}")
        for name in [f"{student}.html", *(f"{student}_{notebook}.html" for notebook in notebook_names)]:
            path = Path(folder) / name
            if not path.is_file():
                continue
            page = path.read_text(encoding="utf-8")
            start, end = page.find(NOTE_START), page.find(NOTE_END)
            if start >= 0 and end > start:
                page = page[:start] + page[end + len(NOTE_END):]
            if note and (body := NOTE_AT.search(page)):
                page = page[:body.end()] + note + page[body.end():]
            path.write_text(page, encoding="utf-8")


def pass_rates(students, parts):
    """Share of students with full points, per graded part."""
    return {part: sum(e["scores"][part] >= points for e in students.values()) / len(students)
            for part, points in parts.items()} if students else {}


def write_report(students, parts, unrecognised, path, title, notes=()):
    totals = [entry["total"] for entry in students.values()]
    maximum = sum(parts.values())
    statuses = Counter(entry["status"] for entry in students.values())
    rates = pass_rates(students, parts)
    failing = common_failures(students, parts)
    rows = "".join(f"<tr><td>{html.escape(part)}</td><td>{_points(points)}</td><td>{rates.get(part, 0):.0%}</td>"
                   f"<td>{_points(statistics.mean(e['scores'][part] for e in students.values())) if students else '-'}</td>"
                   f"<td>{_failing_cell(failing[part])}</td></tr>"
                   for part, points in parts.items())
    adjusted = any("autograded_total" in e for e in students.values())
    student_rows = "".join(f"<tr><td>{_html(s)}</td><td>{_html(e['status'])}</td><td>{_points(e['total'])}</td>"
                           + (f"<td>{_points(e.get('autograded_total', e['total']))}</td>"
                              f"<td>{'<br>'.join(map(_html, describe_adjustments(e)))}</td>" if adjusted else "")
                           + f"<td>{_seconds(e)}</td><td>{_html(e['detail'])}</td></tr>" for s, e in sorted(students.items()))
    adjusted_headers = "<th>autograded</th><th>overrides and late penalty</th>" if adjusted else ""
    unrecognised_list = "".join(f"<li><code>{_html(name)}</code>: {_html(reason)}</li>"
                                for name, reason in unrecognised)
    note_list = "".join(f"<p class='note'>{html.escape(note)}</p>" for note in notes)
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{REPORT_CSP}"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}.note{{background:#fff3cd;padding:.5em}}</style></head><body>
<h1>{html.escape(title)}</h1>{note_list}
<p>{len(students)} students; mean {_points(statistics.mean(totals)) if totals else '-'} of {_points(maximum)},
median {_points(statistics.median(totals)) if totals else '-'}.
Status: {', '.join(f'{name} {n}' for name, n in sorted(statuses.items())) or 'none'}.
{_time_summary(students)}</p>
<h2>Graded parts</h2><table><tr><th>part</th><th>points</th><th>full marks</th><th>mean points</th>
<th>most common failing message (students who failed with it, of those who failed the part)</th></tr>{rows}</table>
<h2>Figures</h2>{_figures(totals, maximum, rates)}
<h2>Students</h2><table><tr><th>student</th><th>status</th><th>total</th>{adjusted_headers}<th>grading time</th><th>detail</th></tr>{student_rows}</table>
<h2>Files not graded</h2>{f'<ul>{unrecognised_list}</ul>' if unrecognised else '<p>None: every file was matched to a student.</p>'}
</body></html>"""
    path.write_text(page, encoding="utf-8")


def failing_messages(notebook, parts):
    """{part: first line of the failing check's message} of an autograded notebook: the first error output
    of each graded part's test cell (a hidden test's failure is an error named HiddenTestFailure)."""
    messages = {}
    for cell in notebook.cells:
        part = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if part not in parts or cell.get("cell_type") != "code":
            continue
        error = next((output for output in cell.get("outputs", []) if output.get("output_type") == "error"), None)
        if error is not None:
            messages[part] = first_line(error.get("ename", "Error"), error.get("evalue", ""))
    return messages


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def first_line(name, value):
    """`name: first line of value`, colours removed, at most 200 characters."""
    line = next((line.strip() for line in ANSI.sub("", str(value)).splitlines() if line.strip()), "")
    text = f"{name}: {line}" if line else str(name)
    return text if len(text) <= 200 else text[:199] + "\u2026"


def common_failures(students, parts):
    """{part: (most common failing message, students failing with it, students failing the part)}, the
    message None when no student failed it (or no message was recorded)."""
    result = {}
    for part in parts:
        messages = Counter(m for e in students.values() if (m := e.get("failures", {}).get(part)))
        failed = sum(messages.values())
        message, count = messages.most_common(1)[0] if messages else (None, 0)
        result[part] = (message, count, failed)
    return result


def _failing_cell(failing):
    message, count, failed = failing
    return f"<code>{_html(message)}</code> ({count} of {failed})" if message else "-"


def _seconds(entry):
    return f"{entry['seconds']:g} s" if isinstance(entry.get("seconds"), (int, float)) else "-"


def _time_summary(students):
    times = {s: e["seconds"] for s, e in students.items() if isinstance(e.get("seconds"), (int, float))}
    if not times:
        return ""
    slowest = max(times, key=times.get)
    return (f"Grading time per submission: mean {statistics.mean(times.values()):.1f} s, median "
            f"{statistics.median(times.values()):.1f} s, longest {times[slowest]:g} s ({_html(slowest)}).")


WHAT_TO_DO = {
    "unreadable": "Your file could not be read as a notebook of this assignment. Open your notebook in Jupyter, "
                  "check that it runs (Kernel > Restart & Run All), save it, download it as a .ipynb file "
                  "(File > Download) and submit that file again. Submit the notebook file itself, not a link, "
                  "a copy pasted into another format, or a zip.",
    "wrong assignment": "The notebook you submitted is the one of another assignment. Submit your notebook of "
                        "{assignment} instead.",
    "error": "The grader failed on your submission; your instructor sees it in the grading report and will "
             "regrade it or contact you. Meanwhile, check that your notebook runs from top to bottom "
             "(Kernel > Restart & Run All) without errors.",
    "timed out": "Grading your notebook took longer than the time limit{limit}, so it was stopped. Run it from "
                 "the top (Kernel > Restart & Run All) and check that it finishes in a few minutes: look for a "
                 "loop that never ends, training with many more epochs or far more data than the instructions "
                 "ask, or a cell waiting for input. Then submit it again.",
}


def write_not_graded_feedback(path, student, assignment, status, detail, limits=None):
    """The feedback page of a student whose submission the batch gave 0 without grading it (unreadable,
    wrong assignment, error, timed out): what happened and what to do."""
    seconds = getattr(limits, "submission_seconds", None)
    todo = WHAT_TO_DO.get(status, WHAT_TO_DO["error"]).format(
        assignment=assignment, limit=f" ({seconds:g} s for the whole notebook)" if seconds else "")
    title = f"Feedback: {assignment}, {printable(student)}"
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{REPORT_CSP}"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto;padding:0 1em}}.why{{background:#f8d7da;padding:.5em}}</style>
</head><body><h1>{html.escape(title)}</h1>
<p class="why">Your submission was <strong>not graded</strong> ({_html(status)}): 0 points.</p>
<h2>Why</h2><p>{_html(detail) or 'no further detail'}</p>
<h2>What to do</h2><p>{html.escape(todo)}</p>
</body></html>"""
    Path(path).write_text(page, encoding="utf-8")


def terminal_summary(students, parts, unrecognised, out):
    statuses = Counter(entry["status"] for entry in students.values())
    totals = [entry["total"] for entry in students.values()]
    lines = [f"{len(students)} students: " + ", ".join(f"{n} {name}" for name, n in sorted(statuses.items()))]
    if totals:
        lines.append(f"mean {statistics.mean(totals):.2f} / {sum(parts.values()):g}")
    lines += [f"not graded: {printable(name)} ({printable(reason)})" for name, reason in unrecognised]
    lines.append(f"grades: {out / 'grades.csv'}\nreport: {out / 'report.html'}\nfeedback: {out / 'feedback'}/\n"
                 f"LMS import: {out / LMS_CANVAS}, {out / LMS_MOODLE}")
    return "\n".join(lines)


def _figures(totals, maximum, rates):
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    left.hist(totals, bins=[x - 0.5 for x in range(int(maximum) + 2)], color="#4c72b0", edgecolor="white")
    left.set(title="Distribution of total scores", xlabel=f"points (of {maximum:g})", ylabel="students")
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    right.barh(list(rates)[::-1], [100 * r for r in list(rates.values())[::-1]], color="#55a868")
    right.set(title="Full marks per graded part", xlabel="% of students", xlim=(0, 100))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    alt = "Histogram of total scores, and the share of students with full marks on each graded part"
    return f'<img alt="{alt}" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _points(value):
    return f"{value:g}"


def _html(text):
    return html.escape(printable(text))


def unsandboxed_notes(students):
    """The report's warning when student code ran outside the sandbox (--unsandboxed)."""
    count = sum(1 for entry in students.values() if entry.get("sandboxed") is False)
    if not count:
        return []
    return [f"{count} of {len(students)} submissions were graded UNSANDBOXED (--unsandboxed): their code ran with the "
            "grader's own permissions and could read the solutions and hidden tests, change files and use the "
            "network. Regrade them with the sandbox (--force) before trusting these grades."]
