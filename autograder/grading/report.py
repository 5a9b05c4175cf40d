"""What a batch produced, for people: grades.csv, report.html with figures, and a terminal summary."""
import base64
import csv
import html
import io
import statistics
from collections import Counter

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the headless backend)
from matplotlib.ticker import MaxNLocator  # noqa: E402

COLUMNS = ["student", "status", "total", "max"]


def write_csv(students, parts, path):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS + list(parts) + ["detail", "origin"])
        for student, entry in sorted(students.items()):
            writer.writerow([student, entry["status"], _points(entry["total"]), _points(entry["max"])]
                            + [_points(entry["scores"][part]) for part in parts] + [entry["detail"], entry["origin"]])


def pass_rates(students, parts):
    """Share of students with full points, per graded part."""
    return {part: sum(e["scores"][part] >= points for e in students.values()) / len(students)
            for part, points in parts.items()} if students else {}


def write_report(students, parts, unrecognised, path, title, notes=()):
    totals = [entry["total"] for entry in students.values()]
    maximum = sum(parts.values())
    statuses = Counter(entry["status"] for entry in students.values())
    rates = pass_rates(students, parts)
    rows = "".join(f"<tr><td>{html.escape(part)}</td><td>{_points(points)}</td><td>{rates.get(part, 0):.0%}</td>"
                   f"<td>{_points(statistics.mean(e['scores'][part] for e in students.values())) if students else '-'}</td></tr>"
                   for part, points in parts.items())
    student_rows = "".join(f"<tr><td>{html.escape(s)}</td><td>{html.escape(e['status'])}</td><td>{_points(e['total'])}</td>"
                           f"<td>{html.escape(e['detail'])}</td></tr>" for s, e in sorted(students.items()))
    unrecognised_list = "".join(f"<li><code>{html.escape(name)}</code>: {html.escape(reason)}</li>" for name, reason in unrecognised)
    note_list = "".join(f"<p class='note'>{html.escape(note)}</p>" for note in notes)
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}.note{{background:#fff3cd;padding:.5em}}</style></head><body>
<h1>{html.escape(title)}</h1>{note_list}
<p>{len(students)} students; mean {_points(statistics.mean(totals)) if totals else '-'} of {_points(maximum)},
median {_points(statistics.median(totals)) if totals else '-'}.
Status: {', '.join(f'{name} {n}' for name, n in sorted(statuses.items())) or 'none'}.</p>
<h2>Graded parts</h2><table><tr><th>part</th><th>points</th><th>full marks</th><th>mean points</th></tr>{rows}</table>
<h2>Figures</h2>{_figures(totals, maximum, rates)}
<h2>Students</h2><table><tr><th>student</th><th>status</th><th>total</th><th>detail</th></tr>{student_rows}</table>
<h2>Files not graded</h2>{f'<ul>{unrecognised_list}</ul>' if unrecognised else '<p>None: every file was matched to a student.</p>'}
</body></html>"""
    path.write_text(page)


def terminal_summary(students, parts, unrecognised, out):
    statuses = Counter(entry["status"] for entry in students.values())
    totals = [entry["total"] for entry in students.values()]
    lines = [f"{len(students)} students: " + ", ".join(f"{n} {name}" for name, n in sorted(statuses.items()))]
    if totals:
        lines.append(f"mean {statistics.mean(totals):.2f} / {sum(parts.values()):g}")
    lines += [f"not graded: {name} ({reason})" for name, reason in unrecognised]
    lines.append(f"grades: {out / 'grades.csv'}\nreport: {out / 'report.html'}\nfeedback: {out / 'feedback'}/")
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


def unsandboxed_notes(students):
    """The report's warning when student code ran outside the sandbox (--unsandboxed)."""
    count = sum(1 for entry in students.values() if entry.get("sandboxed") is False)
    if not count:
        return []
    return [f"{count} of {len(students)} submissions were graded UNSANDBOXED (--unsandboxed): their code ran with the "
            "grader's own permissions and could read the solutions and hidden tests, change files and use the "
            "network. Regrade them with the sandbox (--force) before trusting these grades."]
