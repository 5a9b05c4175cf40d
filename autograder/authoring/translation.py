"""The Korean edition: one source per page, its translations in gettext catalogs.

Sphinx extracts every paragraph, heading, list item and table cell of the book's pages (chapters,
exercise notebooks, appendices) into message catalogs; `locales/ko/LC_MESSAGES/<page>.po` holds
their Korean forms, and the Korean build (`make book`) uses them in place of the English text.
Code, outputs and figures are never translated: they are the same cells, run once.

This module checks the catalogs (a translation keeps the markup of its source and the glossary's
terms), measures their coverage per page, and writes the Korean exercise notebooks from the same
catalogs.
"""
import copy
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from babel.messages.pofile import read_po

from .. import cells, repo
from .inline import summary_source

LANGUAGE = "ko"
LOCALES = repo.REPO / "locales"
CATALOGS = LOCALES / LANGUAGE / "LC_MESSAGES"
GLOSSARY = repo.REPO / "book" / "glossary.md"
BUILD = repo.REPO / "_build"
TEMPLATES = BUILD / "gettext"  # the .pot files Sphinx extracts
KOREAN_BUILD = BUILD / LANGUAGE  # jupyter-book's output folder for the Korean build
KOREAN_SITE = BUILD / "html" / LANGUAGE  # where the Korean book is served, beside the English one
HANGUL = re.compile("[\uac00-\ud7a3]")

# Markup a translation must keep exactly: inline code, roles, link targets, math and footnote
# references. Sphinx refuses (and the strict build fails on) a translation whose references differ
# from its source's.
_CODE = re.compile(r"(`+)(.+?)\1")
_ROLE = re.compile(r"\{[a-z:]+\}`[^`]+`")
_LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
_AUTOLINK = re.compile(r"<(https?://[^>]+)>")
_MATH = re.compile(r"\$[^$\n]+\$")
_FOOTNOTE = re.compile(r"\[\^[^\]]+\]")


def book_config(language, execute=True, root=repo.REPO, base=None):
    """_config.yml for a build in `language` with the English build's execution cache, so that no
    notebook runs twice (`execute=False`: none runs, for extracting text). Paths are absolute, for
    a config file outside the book's root, unless `root` is None (a config file at the root, run
    from there: the student edition's). `base`: the English configuration (default: _config.yml's)."""
    config = copy.deepcopy(base) if base else yaml.safe_load(repo.BOOK_CONFIG.read_text(encoding="utf-8"))
    sphinx = config["sphinx"]
    sphinx["config"]["language"] = language
    config["execute"]["cache"] = config["execute"].get("cache") or repo.BOOK_EXECUTION_CACHE  # the English build's
    if root is not None:
        sphinx["local_extensions"] = {name: str(root / folder) for name, folder in sphinx["local_extensions"].items()}
        config["execute"]["cache"] = str(root / config["execute"]["cache"])
    if not execute:
        config["execute"]["execute_notebooks"] = "off"
    return config


def korean_toc(toc):
    """`toc` (repo.book_toc()) with its captions and page titles in Korean: Sphinx translates the pages,
    not the navigation that the table of contents defines. A title is translated as the page's own
    heading is (the page's catalog), a caption as the landing page's catalog has it."""
    toc = copy.deepcopy(toc)
    captions = catalog_of(Path(toc["root"]).as_posix())

    def walk(entries):
        for entry in entries or []:
            if "caption" in entry:
                entry["caption"] = captions.get(entry["caption"], entry["caption"])
            if "title" in entry:
                entry["title"] = catalog_of(entry["file"]).get(entry["title"], entry["title"])
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key))

    walk(toc.get("parts"))
    walk(toc.get("chapters"))
    return toc


def _write_yaml(data, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _jupyter_book(config, output, *options):
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(repo.REPO),
               "--config", str(_write_yaml(config, output / "_config.yml")), "--path-output", str(output), *options]
    subprocess.run(command, check=True)


def extract_templates(folder=TEMPLATES):
    """Extracts the book's text as it is now into one .pot file per page under `folder` (no notebook runs)."""
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    work = folder.parent / f"{folder.name}-build"
    _jupyter_book(book_config("en", execute=False), work, "--builder", "custom", "--custom-builder", "gettext")
    shutil.move(work / "_build" / "gettext", folder)
    shutil.rmtree(work)
    return folder


def extract():
    """Merges the book's text as it is now into the Korean catalogs: new text gets an empty
    translation, changed text keeps the old one marked fuzzy (neither counts as translated)."""
    subprocess.run([str(Path(sys.executable).parent / "sphinx-intl"), "update", "-p", str(extract_templates()), "-l",
                    LANGUAGE, "-d", str(LOCALES)], check=True)


def build_korean():
    """Builds the Korean book strictly into KOREAN_SITE (after the English build, whose executed
    notebooks it reuses) and prints the translation coverage per page."""
    config, toc = book_config(LANGUAGE), repo.book_toc()
    config["title"] = catalog_of(toc["root"]).get(config["title"], config["title"])  # the landing page's catalog
    _jupyter_book(config, KOREAN_BUILD, "--toc", str(_write_yaml(korean_toc(toc), KOREAN_BUILD / "_toc.yml")),
                  "--warningiserror", "--keep-going")
    shutil.rmtree(KOREAN_SITE, ignore_errors=True)
    shutil.copytree(KOREAN_BUILD / "_build" / "html", KOREAN_SITE)
    print_coverage(coverage(extract_templates()))
    print(f"The Korean book is at file://{KOREAN_SITE}/index.html")


def catalog_paths():
    return sorted(CATALOGS.rglob("*.po"))


def page_of(path):
    """The book page (path without suffix, from the repository root) that a catalog translates."""
    return path.relative_to(CATALOGS).with_suffix("").as_posix()


def messages(path):
    """[(msgid, msgstr, fuzzy)] of a catalog, its header left out."""
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    return [(m.id, m.string, m.fuzzy) for m in catalog if m.id and isinstance(m.id, str)]


def markup(text):
    """The pieces of `text` that a translation carries over unchanged, as a sorted list."""
    roles = _ROLE.findall(text)
    rest = _ROLE.sub(" ", text)
    code = [match.group(0) for match in _CODE.finditer(rest)]
    rest = _CODE.sub(" ", rest)
    return sorted(roles + code + _LINK_TARGET.findall(rest) + _AUTOLINK.findall(rest) + _MATH.findall(rest)
                  + _FOOTNOTE.findall(rest))


def prose(text):
    """`text` without the markup that a translation copies (code, roles, link targets, math)."""
    for pattern in (_ROLE, _CODE, _LINK_TARGET, _AUTOLINK, _MATH):
        text = pattern.sub(" ", text)
    return text


def glossary_terms():
    """{English term: its Korean form in this book} from book/glossary.md: an entry's first line is
    the English term, and the next line, where it is Korean, the form the book uses (the first one
    given, when the line lists several)."""
    text = GLOSSARY.read_text(encoding="utf-8")
    body = text[text.index("```{glossary}"):]
    body = body[body.index("\n") + 1:body.index("\n```", 1)]
    terms, lines = {}, body.splitlines()
    for index, line in enumerate(lines):
        starts_entry = line and not line[0].isspace() and not line.startswith(":") and (
            index == 0 or not lines[index - 1].strip())
        if starts_entry and index + 1 < len(lines):
            korean = lines[index + 1]
            if korean and not korean[0].isspace() and HANGUL.search(korean):
                terms[line.strip()] = re.split(r"[,/]", korean)[0].strip()
    return terms


def term_pattern(term):
    """The English term as a word of prose, plurals included (`layer`, `Layers`; not `add_layer`)."""
    return re.compile(rf"(?<![\w-]){re.escape(term)}(s|es)?(?![\w-])", re.IGNORECASE)


def problems(msgid, msgstr, terms=None):
    """What is wrong with one translation: [] when it keeps its source's markup and uses the
    glossary's Korean form of every glossary term its source names."""
    if not msgstr:
        return ["not translated"]
    found = []
    if markup(msgid) != markup(msgstr):
        missing = sorted(set(markup(msgid)) - set(markup(msgstr)))
        extra = sorted(set(markup(msgstr)) - set(markup(msgid)))
        found.append(f"markup differs: missing {missing}, added {extra}")
    for english, korean in (terms if terms is not None else glossary_terms()).items():
        if term_pattern(english).search(prose(msgid)) and korean not in msgstr:
            found.append(f"'{english}' is '{korean}' in this book (glossary)")
    return found


def coverage(templates):
    """{page: (translated messages, messages)} of the text extracted into `templates` (.pot files):
    text with no translation, or only a fuzzy one (its source changed since), is not translated."""
    result = {}
    for template in sorted(Path(templates).rglob("*.pot")):
        page = template.relative_to(templates).with_suffix("").as_posix()
        with open(template, "rb") as handle:
            wanted = {m.id for m in read_po(handle) if m.id and isinstance(m.id, str)}
        catalog = CATALOGS / f"{page}.po"
        done = {msgid for msgid, text, fuzzy in messages(catalog) if text and not fuzzy} if catalog.exists() else set()
        result[page] = (len(wanted & done), len(wanted))
    return result


def check(paths=None):
    """{catalog: [(msgid, problem)]} for every catalog (or those given) with a problem."""
    terms = glossary_terms()
    report = {}
    for path in paths or catalog_paths():
        listed = [(msgid, problem) for msgid, msgstr, _ in messages(Path(path))
                  for problem in problems(msgid, msgstr, terms)]
        if listed:
            report[str(path)] = listed
    return report


def print_coverage(found):
    """Prints the share of each page's text that is translated (`coverage`), and the book's."""
    for page, (done, total) in found.items():
        print(f"{done / total if total else 1:7.1%}  {done:4d} of {total:4d}  {page}")
    done, total = (sum(column) for column in zip(*found.values())) if found else (0, 0)
    print(f"{done / total if total else 1:7.1%}  {done:4d} of {total:4d}  the book ({LANGUAGE})")


# --- the Korean exercise notebooks ------------------------------------------------------------


def _markdown_parser():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    return MarkdownIt("commonmark").enable("table").use(dollarmath_plugin)


def translatable_blocks(source):
    """[(first line, end line, text, msgid)] of a markdown cell: each paragraph, heading, list item
    and table cell, with its message id as Sphinx extracts it (the text, its line breaks joined)."""
    tokens = _markdown_parser().parse(source)
    return [(token.map[0], token.map[1], token.content, " ".join(line.strip() for line in token.content.splitlines()))
            for token in tokens if token.type == "inline" and token.map and token.content.strip()]


def translate_markdown(source, translations):
    """(`source` with each block's text replaced by its translation, [msgids without one])."""
    lines, missing = source.split("\n"), []
    by_line = {}
    for start, end, text, msgid in translatable_blocks(source):
        by_line.setdefault((start, end), []).append((text, msgid))
    for (start, end), blocks in sorted(by_line.items(), reverse=True):  # from the bottom: indices stay valid
        for text, msgid in blocks:
            korean = translations.get(msgid)
            if not korean:
                missing.append(msgid)
                continue
            if len(blocks) > 1 or end - start == 1:  # table cells share a line; a one-line block
                lines[start] = lines[start].replace(text.strip(), korean, 1)
            else:  # a paragraph over several lines: its first line's prefix ("- ", "1. ") and the text
                first = text.splitlines()[0].strip()
                prefix = lines[start][:lines[start].index(first)]
                lines[start:end] = [prefix + korean]
    return "\n".join(lines), missing


def catalog_of(page):
    """{msgid: msgstr} of the translated, not fuzzy, messages of `page` (e.g. "exercises/01_.../x")."""
    path = CATALOGS / f"{page}.po"
    return {msgid: text for msgid, text, fuzzy in messages(path) if text and not fuzzy} if path.exists() else {}


def korean_notebook(notebook, page):
    """A copy of the exercise `notebook` (its book page `page`) with its markdown in Korean, and its
    summary cell's titles and words; the other code cells and the metadata unchanged, so that the
    grader grades it as the English one. Returns (notebook, [msgids without a translation])."""
    notebook, translations, missing = copy.deepcopy(notebook), catalog_of(page), []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source, lacking = translate_markdown(cell.source, translations)
            missing += lacking
    for cell in notebook.cells:  # the summary, which the grader skips, titles each part by its Korean heading
        if cells.grade_id(cell) == cells.SUMMARY_CELL_ID:
            cell.source = summary_source(notebook, language="ko")
    return notebook, missing
