"""Course command line: `python -m autograder COMMAND`.

  grade     grade a folder, nbgrader tree or zip of submissions: grades.csv, feedback, report.html
  demo      make sample submissions for each assignment and grade them
  bench     measure grading time, throughput and memory on this machine
  release   inline the checks and the Colab badge into solutions/ and regenerate exercises/ with nbgrader
  check     fail if a notebook's checks cell or Colab badge, or exercises/, is out of date
"""
import argparse
import os
import sys
from pathlib import Path

from . import badges, inline, release
from .course import assignments
from .sandbox import SandboxUnavailable


def cmd_bench(args):
    from .bench import run

    run(args.assignment, copies=args.copies, workers=args.workers, sandboxed=not args.unsandboxed)


def cmd_release(args):
    for path in inline.sync():
        print(f"updated checks cell: {path}")
    for path in badges.sync():
        print(f"updated Colab badge: {path}")
    for assignment in args.assignments or assignments():
        release.release(assignment)
        print(f"generated exercises/{assignment}")


def cmd_check(args):
    problems = [f"{path}: checks cell differs from autograder/checks/" for path in inline.stale_notebooks()]
    problems += [f"{path}: Colab badge differs from repository.url in _config.yml" for path in badges.stale_notebooks()]
    problems += [f"{name}: differs from what nbgrader generates" for name in release.out_of_sync()]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        sys.exit("out of date: run `make exercises`")
    print("solutions/ checks cells and Colab badges, and exercises/, are up to date")


def grade_batch(assignment, submissions, out, workers=os.cpu_count(), force=False, db=None, shard=(1, 1),
                show_hidden=False, limits=None, sandboxed=True):
    """Grades and writes grades.csv and report.html into `out`; returns the students' entries.

    Raises autograder.sandbox.SandboxUnavailable when `sandboxed` and no sandbox can be had.
    """
    from .batch import Batch, Limits
    from .summary import terminal_summary, write_csv, write_report

    out = Path(out)
    batch = Batch(assignment, out, db_url=db, show_hidden=show_hidden, limits=limits or Limits(), sandboxed=sandboxed)
    graded, unrecognised = batch.run(submissions, workers=workers, force=force, shard=shard)
    students = batch.state.students
    notes = unsandboxed_notes(students)
    write_csv(students, batch.parts, out / "grades.csv")
    write_report(students, batch.parts, unrecognised, out / "report.html", title=f"Grades: {assignment}", notes=notes)
    print(f"graded {len(graded)} submission(s); {len(students) - len(graded)} unchanged since the last run")
    print(terminal_summary(students, batch.parts, unrecognised, out))
    for note in notes:
        print(f"WARNING: {note}")
    return students


def unsandboxed_notes(students):
    """The report's warning when student code ran outside the sandbox (--unsandboxed)."""
    count = sum(1 for entry in students.values() if entry.get("sandboxed") is False)
    if not count:
        return []
    return [f"{count} of {len(students)} submissions were graded UNSANDBOXED (--unsandboxed): their code ran with the "
            "grader's own permissions and could read the solutions and hidden tests, change files and use the "
            "network. Regrade them with the sandbox (--force) before trusting these grades."]


def cmd_grade(args):
    from .batch import Limits

    limits = Limits(args.cell_timeout, args.submission_timeout, int(args.memory_gb * 2**30))
    grade_batch(args.assignment, args.submissions, args.out or Path("grading-output") / args.assignment,
                args.workers, args.force, args.db, args.shard, args.show_hidden, limits, not args.unsandboxed)


def cmd_demo(args):
    from .demo import SAMPLE_STUDENTS, write_samples

    for assignment in args.assignments or assignments():
        out = Path(args.out) / assignment
        print(f"\n== {assignment}: " + "; ".join(f"{s}: {what}" for s, what in SAMPLE_STUDENTS.items()))
        write_samples(assignment, out / "submissions")
        grade_batch(assignment, out / "submissions", out, workers=args.workers, force=True,
                    sandboxed=not args.unsandboxed)


def add_unsandboxed(parser):
    parser.add_argument("--unsandboxed", action="store_true",
                        help="run student code without the bubblewrap sandbox (where none can be had, e.g. macOS); "
                             "the report then says so")


def shard(text):
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise argparse.ArgumentTypeError("use i/n with 1 <= i <= n, e.g. 2/4")
    return int(index), int(count)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade a batch of submissions")
    grade.add_argument("assignment", choices=assignments())
    grade.add_argument("submissions", help="folder of <student>.ipynb, an nbgrader submitted/ tree, or an LMS .zip")
    grade.add_argument("--out", help="output folder (default: grading-output/ASSIGNMENT)")
    grade.add_argument("--workers", type=int, default=os.cpu_count(), help="students graded at once (default: cores)")
    grade.add_argument("--force", action="store_true", help="regrade submissions that did not change")
    grade.add_argument("--db", help="gradebook URL, e.g. postgresql://user@host/db (default: SQLite in the output)")
    grade.add_argument("--shard", type=shard, default=(1, 1), help="grade only shard i of n (several machines, one --db)")
    grade.add_argument("--show-hidden", action="store_true", help="show hidden tests and full tracebacks in feedback")
    grade.add_argument("--cell-timeout", type=int, default=180, help="seconds per cell (default 180)")
    grade.add_argument("--submission-timeout", type=int, default=900, help="seconds per submission (default 900)")
    grade.add_argument("--memory-gb", type=float, default=6, help="address-space cap per grading process (default 6)")
    add_unsandboxed(grade)
    grade.set_defaults(run=cmd_grade)
    demo = commands.add_parser("demo", help="grade sample submissions of each assignment")
    demo.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    demo.add_argument("--out", default="grading-output/demo", help="output folder (default: grading-output/demo)")
    demo.add_argument("--workers", type=int, default=os.cpu_count())
    add_unsandboxed(demo)
    demo.set_defaults(run=cmd_demo)
    bench = commands.add_parser("bench", help="measure grading speed and memory on this machine")
    bench.add_argument("--assignment", default="01_custom_layers", choices=assignments())
    bench.add_argument("--copies", type=int, default=8, help="submissions for the throughput figures")
    bench.add_argument("--workers", type=int, default=os.cpu_count())
    add_unsandboxed(bench)
    bench.set_defaults(run=cmd_bench)
    release_parser = commands.add_parser("release", help="regenerate exercises/ from solutions/")
    release_parser.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    release_parser.set_defaults(run=cmd_release)
    commands.add_parser("check", help="check that the checks cells, Colab badges and exercises/ are up to date").set_defaults(run=cmd_check)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except SandboxUnavailable as reason:
        sys.exit(f"cannot grade: no sandbox for student code here: {reason}.\n"
                 "Grading runs each student's code in a bubblewrap sandbox (see README, Grading). To grade without it, "
                 "knowing that student code then runs with your permissions, pass --unsandboxed.")


if __name__ == "__main__":
    main()
