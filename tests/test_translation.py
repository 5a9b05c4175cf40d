"""The Korean edition: catalogs that keep their sources' markup and the glossary's terms, that cover
every text of the book as it is now, and Korean exercise notebooks that differ from the English ones
in their markdown only."""
import nbformat
import pytest

from autograder import cells
from autograder.authoring import inline, release, translation
from autograder.repo import EXERCISES, assignments, notebook_names


def test_catalogs_keep_markup_and_use_the_glossarys_terms():
    problems = translation.check()
    assert not problems, "\n".join(f"{path}: {problem}: {msgid[:100]!r}"
                                   for path, listed in problems.items() for msgid, problem in listed[:5])


def test_glossary_terms_are_read_from_the_glossary():
    terms = translation.glossary_terms()
    assert terms["layer"] == "레이어" and terms["gradient"] == "그레이디언트" and len(terms) >= 40
    assert "add_loss" not in terms  # an entry without a Korean form


def test_the_glossary_check_catches_another_word_and_lost_markup():
    assert translation.problems("A `Dense` layer.", "`Dense` 층입니다.") == [
        "'layer' is '레이어' in this book (glossary)"]
    assert translation.problems("See [the guide](guide.md).", "안내서를 보세요.")[0].startswith("markup differs")
    assert translation.problems("Call `add_loss`.", "`add_loss`를 호출합니다.") == []  # a code name, not the term
    assert translation.problems("Layers", "") == ["not translated"]


def test_every_text_of_the_book_is_translated(tmp_path):
    """Against the text as the sources have it now: a page edited since its translation shows here."""
    coverage = translation.coverage(translation.extract_templates(tmp_path / "gettext"))
    assert len(coverage) >= 15, sorted(coverage)
    missing = {page: f"{done} of {total}" for page, (done, total) in coverage.items() if done < total}
    assert not missing, f"untranslated text (run `python -m autograder translations extract`, then translate): {missing}"


def is_summary(cell):
    return cells.grade_id(cell) == cells.SUMMARY_CELL_ID


@pytest.mark.parametrize("assignment", assignments())
def test_korean_exercise_differs_from_the_english_one_in_markdown_and_summary_only(assignment):
    for name in notebook_names(assignment):
        english = nbformat.read(EXERCISES / assignment / f"{name}.ipynb", as_version=4)
        korean = nbformat.read(release.KOREAN / assignment / f"{name}.ipynb", as_version=4)
        assert [(c.cell_type, c.get("id"), c.metadata) for c in korean.cells] == [
            (c.cell_type, c.get("id"), c.metadata) for c in english.cells]
        assert [c.source for c in korean.cells if c.cell_type == "code" and not is_summary(c)] == [
            c.source for c in english.cells if c.cell_type == "code" and not is_summary(c)]
        [summary] = [c.source for c in korean.cells if is_summary(c)]
        assert summary == inline.summary_source(korean, language="ko")  # the English summary's tests, Korean titles
        assert summary.count("파트 ") == sum(cells.is_test(c) for c in korean.cells)
        _, missing = translation.korean_notebook(english, f"exercises/{assignment}/{name}")
        assert not missing, f"markdown of {name} without a translation: {missing[:3]}"
        markdown = [c.source for c in korean.cells if c.cell_type == "markdown"]
        assert all(translation.HANGUL.search(text) for text in markdown), "a markdown cell stayed English"
        assert f"exercises/ko/{assignment}/{name}.ipynb)" in markdown[0]  # its Colab badge opens itself
        assert any(cells.is_test(c) for c in korean.cells)


def test_translated_markdown_keeps_block_prefixes():
    source = "## Part 1: `f`\n\nA paragraph\nover two lines.\n\n- an item\n  that goes on\n- `code` only\n"
    translations = {"Part 1: `f`": "파트 1: `f`", "A paragraph over two lines.": "두 줄에 걸친 문단.",
                    "an item that goes on": "이어지는 항목", "`code` only": "`code`만"}
    korean, missing = translation.translate_markdown(source, translations)
    assert korean == "## 파트 1: `f`\n\n두 줄에 걸친 문단.\n\n- 이어지는 항목\n- `code`만\n" and missing == []
