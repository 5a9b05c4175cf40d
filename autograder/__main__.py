"""Course command line: `python -m autograder COMMAND`.

  release   inline the checks into solutions/ and regenerate exercises/ with nbgrader
  check     fail if a notebook's checks cell or exercises/ is out of date
"""
import argparse
import sys

from . import inline, release
from .course import assignments


def cmd_release(args):
    for path in inline.sync():
        print(f"updated checks cell: {path}")
    for assignment in args.assignments or assignments():
        release.release(assignment)
        print(f"generated exercises/{assignment}")


def cmd_check(args):
    problems = [f"{path}: checks cell differs from autograder/checks/" for path in inline.stale_notebooks()]
    problems += [f"{name}: differs from what nbgrader generates" for name in release.out_of_sync()]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        sys.exit("out of date: run `make exercises`")
    print("solutions/ checks cells and exercises/ are up to date")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    release_parser = commands.add_parser("release", help="regenerate exercises/ from solutions/")
    release_parser.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    release_parser.set_defaults(run=cmd_release)
    commands.add_parser("check", help="check that exercises/ and the checks cells are up to date").set_defaults(run=cmd_check)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
