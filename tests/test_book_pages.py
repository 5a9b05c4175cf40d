"""The book's pages as files: fast checks that need no kernel and no browser.

- no chapter prints the solution of a graded exercise part (the solutions are read from
  `solutions/` at test time, so the check follows them as they change);
- code in the chapters fits the text column at 1280 px, so it never scrolls sideways;
- each chapter ends with a link to its exercise, and the exercises are titled "Exercise N: ..."
  in the table of contents, without a section number;
- every code sample of the source posts is labelled once, the same way, and the sources page
  links to each label; the appendix names only labelled samples;
- every appendix entry gives the old form, what happens now and the new form;
- figure cells hide their plotting code; the landing page shows a figure and a code sample.

The browser tests (tests/browser) check the same layout as rendered.
"""

import io
import json
import re
import textwrap
import tokenize
from pathlib import Path

import pytest

from autograder import repo

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
PAGES = sorted(BOOK.glob("*.ipynb"))
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))
APPENDIX = BOOK / "appendix_keras2_to_keras3.md"
SOURCES = BOOK / "sources.md"

# Characters per line of code. Measured in Chromium at a 1280 px window: a code cell's text area is
# 652 px wide (634 px for a cell folded behind a "hide-input" toggle), and the book's monospace font
# at 14 px is 8.43 px per character (the width of DejaVu Sans Mono, Menlo and SF Mono alike).
CODE_WIDTH = 75
# A code block inside an admonition box ("Keras 3 change") has about 590 px.
BOXED_CODE_WIDTH = 69

# The 47 code samples of the five posts, as numbered by the audit (../shared/seed-audit.md):
# post 000 has 8, 001 has 6, 002 has 9, 003 has 7 and 004 has 17.
SAMPLE_IDS = [f"{post:03d}-{n:02d}" for post, count in [(0, 8), (1, 6), (2, 9), (3, 7), (4, 17)] for n in range(1, count + 1)]

# Lines that the source posts print and the book must carry as they are (CONTRIBUTING.md: every
# sample appears in the book). When an exercise asks for one of them too, the chapter cannot help
# printing it; these lines do not count as the book giving the answer away.
POSTS_OWN_CODE = [
    # post 004, sample 004-05: ResidualBlock.call
    """
    Z = inputs
    for layer in self.hidden:
        Z = layer(Z)
    return inputs + Z
    """,
    # post 004, sample 004-06: ResidualRegressor.call
    """
    Z = self.hidden1(inputs)
    for _ in range(1 + 3):
        Z = self.block1(Z)
    Z = self.block2(Z)
    return self.out(Z)
    """,
]


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def cells(path, kind=None):
    return [c for c in load(path)["cells"] if kind is None or c["cell_type"] == kind]


def source(cell):
    return "".join(cell["source"])


def markdown_text(path):
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    return "\n\n".join(source(c) for c in cells(path, "markdown"))


# --- code, as logical lines ---------------------------------------------------------------------

ALIASES = [(re.compile(r"\bkeras \. (layers|ops|random|activations|losses|metrics) \."), r"\1 .")]


def logical_lines(code):
    """The logical lines of Python `code`, each as its tokens joined by single spaces.

    Comments, blank lines and line continuations are dropped, so re-wrapping, re-indenting or
    re-commenting code does not change the result; `keras.layers.X` and `layers.X` (and `ops`)
    read the same.
    """
    lines, current = [], []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(textwrap.dedent(code)).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [" ".join(line.split()) for line in code.splitlines() if line.strip() and not line.strip().startswith("#")]
    for token in tokens:
        if token.type == tokenize.NEWLINE:
            if current:
                lines.append(" ".join(current))
            current = []
        elif token.type in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        else:
            current.append(token.string)
    if current:
        lines.append(" ".join(current))
    for pattern, replacement in ALIASES:
        lines = [pattern.sub(replacement, line) for line in lines]
    return lines


FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*(.*?)\s*$")


def fenced_code(markdown, boxed=False):
    """The code blocks of a markdown text, as (language or None, code).

    With `boxed=True`, only the blocks inside a directive (an admonition box), which is narrower.

    MyST directives (```{admonition}, ````{note}, ...) hold markdown, whose own code blocks count;
    a fence closes with the same character, at least as many of them, and no info string.
    """
    blocks, lines, i = [], markdown.splitlines(), 0
    directives = []  # open directive fences, innermost last
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, info = match.groups()
        if directives and not info and fence[0] == directives[-1][0] and len(fence) >= len(directives[-1]):
            directives.pop()
        elif info.startswith("{"):
            directives.append(fence)
        else:
            body, i = [], i + 1
            while i < len(lines):
                close = FENCE.match(lines[i])
                if close and not close.group(2) and close.group(1)[0] == fence[0] and len(close.group(1)) >= len(fence):
                    break
                body.append(lines[i])
                i += 1
            language = info.split()[0] if info else None
            if directives or not boxed:
                blocks.append((language if language in ("python", "ipython", "ipython3") else None, "\n".join(body)))
        i += 1
    return blocks


def book_code(path):
    """Every piece of Python on a book page: code cells and ```python blocks in its text."""
    pieces = [source(c) for c in cells(path, "code")] if path.suffix == ".ipynb" else []
    pieces += [code for language, code in fenced_code(markdown_text(path)) if language]
    return pieces


def solution_parts():
    """(notebook, grade id, [solution regions]) of every graded part in solutions/."""
    parts = []
    for notebook in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        for cell in cells(notebook, "code"):
            if not cell["metadata"].get("nbgrader", {}).get("solution"):
                continue
            regions, region = [], None
            for line in source(cell).splitlines():
                if line.strip() == "### BEGIN SOLUTION":
                    region = []
                elif line.strip() == "### END SOLUTION":
                    regions.append("\n".join(region or []))
                    region = None
                elif region is not None:
                    region.append(line)
            parts.append((notebook.relative_to(ROOT), cell["metadata"]["nbgrader"]["grade_id"], regions))
    return parts


def contains(haystack, needle):
    return any(haystack[i : i + len(needle)] == needle for i in range(len(haystack) - len(needle) + 1))


def test_solutions_are_found():
    parts = solution_parts()
    assert len(parts) >= 10 and all(regions for _, _, regions in parts), parts


def test_no_chapter_prints_the_solution_of_an_exercise_part():
    """No method or function body that an exercise asks students to write appears in a book page.

    A body is the code between `### BEGIN SOLUTION` and `### END SOLUTION` in a solution cell of
    `solutions/`; it counts when it has at least 3 logical lines and all of them appear, in order
    and next to each other, in one code cell or code block of a page (comments, blank lines and
    line breaks ignored). Bodies that the posts themselves print (POSTS_OWN_CODE) do not count.
    """
    posts_own = [logical_lines(code) for code in POSTS_OWN_CODE]
    pages = {path.name: [logical_lines(code) for code in book_code(path)] for path in PAGES + [APPENDIX, BOOK / "index.md"]}
    leaks = []
    for notebook, grade_id, regions in solution_parts():
        for region in regions:
            body = logical_lines(region)
            if len(body) < 3 or any(contains(own, body) for own in posts_own):
                continue
            for page, pieces in pages.items():
                if any(contains(piece, body) for piece in pieces):
                    leaks.append(f"{page} prints the solution of {notebook} part {grade_id!r}:\n    " + "\n    ".join(body))
    assert not leaks, "\n".join(leaks)


def test_the_leak_check_sees_through_comments_and_line_breaks():
    solution = 'loss = compute(x,\n               y)  # the loss\n\nreturn {"loss": loss}\nprint(keras.ops.mean(loss))'
    page = '# a comment\nloss = compute(x, y)\nreturn {"loss": loss}  # a note\nprint(ops.mean(loss))\n'
    assert logical_lines(solution) == logical_lines(page)


# --- code width ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES + [APPENDIX, BOOK / "index.md"], ids=lambda p: p.name)
def test_code_lines_fit_the_text_column(path):
    """No line of code on a book page is wider than CODE_WIDTH characters: it would scroll sideways."""
    pieces = book_code(path) + [code for language, code in fenced_code(markdown_text(path)) if not language]
    long_lines = [line for code in pieces for line in code.splitlines() if len(line) > CODE_WIDTH]
    boxed = [code for _, code in fenced_code(markdown_text(path), boxed=True)]
    long_lines += [line for code in boxed for line in code.splitlines() if len(line) > BOXED_CODE_WIDTH]
    assert not long_lines, (
        f"{path.name}: {len(long_lines)} lines longer than {CODE_WIDTH} characters "
        f"({BOXED_CODE_WIDTH} in a box):\n" + "\n".join(long_lines)
    )


@pytest.mark.parametrize("path", PAGES + [APPENDIX, BOOK / "index.md", SOURCES, BOOK / "glossary.md"], ids=lambda p: p.name)
def test_directive_fences_have_no_backticks_in_their_title(path):
    """A backtick fence's info string may not hold a backtick: "```{admonition} Use `x`" is no fence at
    all, and the text after the box then renders as a code block."""
    bad = [line for line in markdown_text(path).splitlines() if re.match(r"^\s*`{3,}\{[^}]+\}.*`", line)]
    assert not bad, f"{path.name}: write these titles without backticks:\n" + "\n".join(bad)


# --- chapters, exercises and the table of contents ---------------------------------------------


def chapter_entries():
    part = next(p for p in repo.book_toc()["parts"] if p.get("caption") == "Chapters")
    return part, part["chapters"]


def exercise_title(number, exercise):
    heading = next(line for line in source(cells(ROOT / f"{exercise}.ipynb", "markdown")[0]).splitlines() if line.startswith("# "))
    assert heading.startswith(f"# Exercise {number}: "), f"{exercise}: its title is {heading!r}"
    return heading[2:].strip()


def test_each_chapter_is_followed_by_its_exercise_titled_exercise_n():
    part, entries = chapter_entries()
    assert [e["file"] for e in entries] == [f"book/{p.stem}" for p in CHAPTERS]
    for number, entry in enumerate(entries, start=1):
        sections = entry.get("sections", [])
        assert len(sections) == 1, f"{entry['file']}: expected one exercise under it, found {sections}"
        exercise = sections[0]
        assert exercise["file"].startswith("exercises/") and (ROOT / f"{exercise['file']}.ipynb").exists(), exercise
        assert exercise.get("title") == exercise_title(number, exercise["file"]), (
            f"_toc.yml: give {exercise['file']} the title of its notebook, 'Exercise {number}: ...'"
        )


def test_only_chapters_are_numbered_not_their_exercises():
    """`numbered: 1` numbers the chapters (1., 2., ...) and leaves their exercises, one level below, unnumbered."""
    part, _ = chapter_entries()
    assert part.get("numbered") == 1, "the Chapters part must number its first level only (numbered: 1)"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_ends_with_a_link_to_its_exercise(chapter):
    _, entries = chapter_entries()
    number = [e["file"] for e in entries].index(f"book/{chapter.stem}") + 1
    exercise = entries[number - 1]["sections"][0]["file"]
    last = cells(chapter)[-1]
    assert last["cell_type"] == "markdown", f"{chapter.name}: the last cell is not text"
    links = re.findall(r"Now do \[(Exercise \d+: [^\]]+)\]\(([^)]+)\)", source(last))
    assert links, f"{chapter.name}: the last cell has no 'Now do [Exercise {number}: ...](...)' link"
    title, target = links[-1]
    assert title == exercise_title(number, exercise)
    assert (chapter.parent / target).resolve() == (ROOT / f"{exercise}.ipynb").resolve(), target


# --- samples of the posts ------------------------------------------------------------------------

LABEL = re.compile(r"^\(sample-(\d{3}-\d{2})\)=\s*$", re.M)
MENTION = re.compile(r"\b(00[0-4]-\d\d)\b")


def test_every_sample_of_the_posts_is_labelled_once_in_the_chapters():
    labels = {}
    for page in PAGES:
        for cell in cells(page, "markdown"):
            text = source(cell)
            for match in LABEL.finditer(text):
                sample = match.group(1)
                labels.setdefault(sample, []).append(page.name)
                after = text[match.end() :]
                assert re.search(rf"\bsamples?\s[^.]*?\b{sample}\b", after[:1500]), (
                    f"{page.name}: label sample-{sample} is not followed by the text 'sample {sample}'"
                )
    assert sorted(labels) == SAMPLE_IDS, f"missing: {sorted(set(SAMPLE_IDS) - set(labels))}, unknown: {sorted(set(labels) - set(SAMPLE_IDS))}"
    twice = {sample: where for sample, where in labels.items() if len(where) > 1}
    assert not twice, f"samples labelled more than once: {twice}"


def test_sources_page_links_every_sample():
    text = SOURCES.read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(#sample-(\d{3}-\d{2})\)", text))
    assert sorted(linked) == SAMPLE_IDS, f"not linked from sources.md: {sorted(set(SAMPLE_IDS) - linked)}"


@pytest.mark.parametrize("path", PAGES + [APPENDIX, SOURCES], ids=lambda p: p.name)
def test_sample_ids_in_the_text_are_known_samples(path):
    mentioned = set(MENTION.findall(markdown_text(path)))
    unknown = mentioned - set(SAMPLE_IDS)
    assert not unknown, f"{path.name} mentions samples that do not exist: {sorted(unknown)}"


def test_appendix_links_the_samples_it_names():
    text = APPENDIX.read_text(encoding="utf-8")
    bare = [
        m.group(1)
        for m in MENTION.finditer(text)
        if not text[: m.start()].endswith("#sample-") and not text[m.end() :].startswith(f"](#sample-{m.group(1)})")
    ]
    assert not bare, f"the appendix names samples without linking them: {bare}"


# --- the appendix ---------------------------------------------------------------------------------


def appendix_entries():
    text = APPENDIX.read_text(encoding="utf-8")
    starts = list(re.finditer(r"^\((k3-[\w-]+)\)=\n### (.+)$", text, re.M))
    entries = []
    for i, start in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        entries.append((start.group(1), start.group(2), text[start.end() : end]))
    return entries


def test_appendix_has_entries():
    assert len(appendix_entries()) >= 15


@pytest.mark.parametrize("label,title,body", appendix_entries(), ids=[e[0] for e in appendix_entries()])
def test_appendix_entry_shows_old_form_what_happens_and_new_form(label, title, body):
    """Old form as code, then the exact error or wrong result, then the new form as code."""
    old = body.find("**Old form.**")
    now = body.find("**What happens now.**")
    new = body.find("**New form.**")
    assert 0 <= old < now < new, f"{label}: needs **Old form.**, **What happens now.** and **New form.**, in that order"
    assert fenced_code(body[old:now]), f"{label}: the old form has no code block"
    assert fenced_code(body[new:]), f"{label}: the new form has no code block"
    assert re.search(r"`[^`]*(Error|Warning|Exception)\b[^`]*`|\*\*Silent\.\*\*", body[now:new]), (
        f"{label}: 'What happens now' quotes no error or warning and is not marked **Silent.**"
    )
    assert "](#" in body[: old], f"{label}: no link to the place in the book that shows it"


# --- figures and the landing page -------------------------------------------------------------------


def figure_cells(path):
    return [c for c in cells(path, "code") if c["metadata"].get("mystnb", {}).get("image", {}).get("alt")]


@pytest.mark.parametrize("path", [p for p in PAGES if figure_cells(p)], ids=lambda p: p.name)
def test_figure_cells_hide_their_plotting_code(path):
    shown = [source(c).splitlines()[0] for c in figure_cells(path) if "hide-input" not in c["metadata"].get("tags", [])]
    assert not shown, f"{path.name}: figure cells without the hide-input tag: {shown}"


def test_landing_page_shows_a_figure_and_a_code_sample():
    text = (BOOK / "index.md").read_text(encoding="utf-8")
    images = re.findall(r"```\{figure\} (\S+)\n(?:.*\n)*?:alt: (.+)", text)
    assert images, "book/index.md shows no figure (with alt text)"
    for image, _ in images:
        assert (BOOK / image).is_file(), image
    assert [code for language, code in fenced_code(text) if language == "python"], "book/index.md shows no Python code"
