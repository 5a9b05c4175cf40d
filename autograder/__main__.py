"""Course command line: `python -m autograder COMMAND` (installed as `grade-course COMMAND`).

  grade     grade a folder, nbgrader tree or zip of submissions: grades.csv, feedback, report.html
  demo      grade the sample submissions of each assignment
  bench     measure grading time, throughput and memory on this machine
  release   regenerate exercises/ from solutions/ (checks and Colab badge inlined) with nbgrader
  check     fail if exercises/ differs from what the release would write
  mutants   mutation-test an assignment's tests: mutants of its solution that its tests do not catch
  margins   how far the solution stays from the bounds of the visible checks that train from a random start
  edition   write the student edition (book and exercises, no solutions or hidden tests) into a folder
  execute-book  run the book's notebooks side by side into the build's execution cache (make book)
  translations  the Korean edition: extract, check, coverage, build
"""
import argparse
import os
import sys
from pathlib import Path

from . import repo
from .limits import Limits


def cmd_grade(args):
    from .grading import policy
    from .grading.batch import grade_batch

    late = policy.LatePolicy(policy.parse_deadline(args.deadline) if args.deadline else None,
                             args.late_penalty, args.late_cutoff_days)
    overrides = policy.read_overrides(args.overrides, policy.parts_of(args.assignment)) if args.overrides else []
    grade_batch(args.assignment, args.submissions, args.out or Path("grading-output") / args.assignment,
                args.workers, args.force, args.db, args.shard, args.show_hidden, Limits.from_arguments(args),
                not args.unsandboxed, students=args.student, policy=policy.Policy(overrides, late))


def cmd_demo(args):
    from .grading import demo

    demo.run(args.assignments or repo.assignments(), args.out, args.workers, sandboxed=not args.unsandboxed)


def cmd_bench(args):
    from .grading.bench import run

    run(args.assignment, copies=args.copies, workers=args.workers, sandboxed=not args.unsandboxed)


def cmd_release(args):
    from .authoring import release

    assignments = args.assignments or repo.assignments()
    release.release(assignments)
    for assignment in assignments:
        print(f"generated exercises/{assignment}")


def cmd_check(args):
    from .authoring import release

    stale = release.out_of_sync()
    for path in stale:
        print(f"{path}: differs from what the release writes", file=sys.stderr)
    if stale:
        sys.exit("exercises/ is out of date: run `make exercises`")
    print("exercises/ is what the release writes from solutions/")


def cmd_mutants(args):
    from .authoring import mutants

    mutants.main(args.assignment, args.part, args.timeout, args.verbose, args.seed, args.hidden_only)


def cmd_margins(args):
    from .authoring import margins

    if margins.run(args.assignments or repo.assignments(), args.seeds):
        sys.exit("a check other than the bounds failed under some seed")


def cmd_edition(args):
    from .authoring import edition

    try:
        edition.main(args.out, args.repository, args.branch, args.force)
    except edition.EditionError as reason:
        sys.exit(f"cannot write the student edition: {reason}")


def cmd_execute_book(args):
    from .authoring import book_execution

    book_execution.main()


def cmd_translations(args):
    from .authoring import translation

    if args.action != "check":
        {"coverage": lambda: translation.print_coverage(translation.coverage(translation.extract_templates())),
         "extract": translation.extract, "build": translation.build_korean}[args.action]()
        return
    report = translation.check(args.catalogs)
    for path, listed in report.items():
        for msgid, problem in listed:
            print(f"{path}: {problem}\n    {msgid[:160]!r}")
    if report:
        sys.exit(f"{sum(map(len, report.values()))} problem(s) in {len(report)} catalog(s)")
    print("the catalogs keep their sources' markup and the glossary's terms")


def add_unsandboxed(parser):
    parser.add_argument("--unsandboxed", action="store_true",
                        help="run student code without the bubblewrap sandbox (where none can be had, e.g. macOS); "
                             "the report then says so")


def shard(text):
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise argparse.ArgumentTypeError("use i/n with 1 <= i <= n, e.g. 2/4")
    return int(index), int(count)


def parser():
    main_parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                          formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = main_parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade a batch of submissions")
    grade.add_argument("assignment", choices=repo.assignments())
    grade.add_argument("submissions", help="folder of <student>.ipynb, an nbgrader submitted/ tree, or an LMS .zip")
    grade.add_argument("--out", help="output folder (default: grading-output/ASSIGNMENT)")
    grade.add_argument("--workers", type=int, default=os.cpu_count(), help="students graded at once (default: cores)")
    grade.add_argument("--force", action="store_true", help="regrade submissions that did not change")
    grade.add_argument("--db", help="gradebook URL, e.g. postgresql+psycopg://user@host/db (default: SQLite in the output)")
    grade.add_argument("--shard", type=shard, default=(1, 1), help="grade only shard i of n (several machines, one --db)")
    grade.add_argument("--show-hidden", action="store_true", help="show full tracebacks of failing tests in feedback")
    grade.add_argument("--student", action="append", metavar="ID",
                       help="grade only this student, even if unchanged (repeatable); the others keep their grades")
    grade.add_argument("--overrides", metavar="CSV",
                       help="manual points on top of the autograded ones: columns student, part, points, reason")
    grade.add_argument("--deadline", metavar="ISO8601",
                       help="e.g. 2026-03-01T23:59+01:00 (no offset: this machine's time zone); later submissions "
                            "(file time, LMS zip date) and LMS late_ files are late")
    grade.add_argument("--late-penalty", type=float, default=0.0, metavar="PERCENT_PER_DAY",
                       help="percent of the total taken off per started day late (default 0)")
    grade.add_argument("--late-cutoff-days", type=float, metavar="N", help="later than N days late: 0 points")
    Limits.add_arguments(grade)
    add_unsandboxed(grade)
    grade.set_defaults(run=cmd_grade)
    demo = commands.add_parser("demo", help="grade the sample submissions of each assignment")
    demo.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    demo.add_argument("--out", default="grading-output/demo", help="output folder (default: grading-output/demo)")
    demo.add_argument("--workers", type=int, default=os.cpu_count())
    add_unsandboxed(demo)
    demo.set_defaults(run=cmd_demo)
    bench = commands.add_parser("bench", help="measure grading speed and memory on this machine")
    bench.add_argument("--assignment", default="01_custom_layers", choices=repo.assignments())
    bench.add_argument("--copies", type=int, default=8, help="submissions for the throughput figures")
    bench.add_argument("--workers", type=int, default=os.cpu_count())
    add_unsandboxed(bench)
    bench.set_defaults(run=cmd_bench)
    release = commands.add_parser("release", help="regenerate exercises/ from solutions/")
    release.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    release.set_defaults(run=cmd_release)
    commands.add_parser("check", help="check that exercises/ is up to date").set_defaults(run=cmd_check)
    mutants = commands.add_parser("mutants", help="mutation-test an assignment's tests against its solution")
    mutants.add_argument("assignment", choices=repo.assignments())
    mutants.add_argument("--part", action="append", help="grade id of a part's test or solution cell (repeatable)")
    mutants.add_argument("--timeout", type=int, default=120, help="seconds per cell or hidden test (default 120)")
    mutants.add_argument("--verbose", action="store_true", help="also list the killed mutants, each with what killed it")
    mutants.add_argument("--seed", default="mutants", help="draws the hidden tests' inputs (default: mutants)")
    mutants.add_argument("--hidden-only", action="store_true", help="skip the visible tests: judge by the hidden tests alone")
    mutants.set_defaults(run=cmd_mutants)
    margins = commands.add_parser("margins", help="the visible checks that train from a random start, run from other "
                                  "seeds: how far the solution stays from their bounds")
    margins.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    margins.add_argument("--seeds", type=int, default=40, help="random starts per check (default 40)")
    margins.set_defaults(run=cmd_margins)
    edition = commands.add_parser("edition", help="write the student edition (no solutions, no hidden tests)")
    edition.add_argument("out", help="folder outside this repository, e.g. a clone of the student repository")
    edition.add_argument("--repository", help="the student edition's GitHub URL, which Colab links open "
                                              "(default: repository.url of _config.yml)")
    edition.add_argument("--branch", help="its branch (default: main, or _config.yml's with no --repository)")
    edition.add_argument("--force", action="store_true", help="replace the content of a non-empty OUT (keeps .git)")
    edition.set_defaults(run=cmd_edition)
    commands.add_parser("execute-book", help="run the book's notebooks side by side into the build's execution cache "
                                             "(the first step of make book)").set_defaults(run=cmd_execute_book)
    translations = commands.add_parser("translations", help="the Korean edition: extract the text into its catalogs, "
                                                            "check them, print their coverage, build the Korean book")
    translations.add_argument("action", choices=["extract", "check", "coverage", "build"])
    translations.add_argument("catalogs", nargs="*", help=".po files to check (default: all under locales/)")
    translations.set_defaults(run=cmd_translations)
    return main_parser


def main(argv=None):
    from .grading.collect import SourceRefused
    from .grading.policy import PolicyError
    from .kernel.sandbox import SandboxUnavailable

    args = parser().parse_args(argv)
    try:
        args.run(args)
    except SourceRefused as reason:
        sys.exit(f"cannot grade these submissions: {reason}")
    except PolicyError as reason:
        sys.exit(f"cannot grade: {reason}")
    except SandboxUnavailable as reason:
        sys.exit(f"cannot grade: no sandbox for student code here: {reason}.\n"
                 "Grading runs each student's code in a bubblewrap sandbox (see README, Grading). To grade without it, "
                 "knowing that student code then runs with your permissions, pass --unsandboxed.")


if __name__ == "__main__":
    main()
