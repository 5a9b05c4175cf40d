"""The built book as a reader meets it: served on loopback, opened in headless Chromium.

Every page of _toc.yml (plus the search and index pages) is loaded at desktop and phone widths.
Checks: no console errors or failed requests, every image loads and has alt text, every internal
link and anchor resolves, the Colab and download buttons of notebook pages point at the right
notebook, navigation reaches every page, search finds a known term, code cells have working copy
buttons, screenshots are not blank and the phone layout does not scroll sideways, and axe-core
finds no serious or critical accessibility issue. The Korean book (`ko/`, built from the same
sources and the catalogs in locales/) gets the same checks, and every page links to its twin in the
other language.

The tests are marked `xdist_group("browser")` so that `--dist loadgroup` keeps them in one worker,
sharing one build, one server and one browser. (Where a worker of its own runs some of them all
the same, it starts its own server and browser; a file lock keeps the build to one at a time.)
Also here: a static check that every "Keras 3 change" box of the chapters and its entry in the
appendix link to each other.
"""

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import pytest
from PIL import Image, ImageStat

from autograder.authoring.translation import HANGUL
from booksite import AXE, DESKTOP, PHONE, ROOT, book_config, toc_pages

pytestmark = pytest.mark.xdist_group("browser")

TOC = toc_pages()
NOTEBOOK_PAGES = [(html, source) for html, source in TOC if source.endswith(".ipynb")]
KOREAN = "ko/"  # the Korean book's folder in the site
ENGLISH_PAGES = [html for html, _ in TOC] + ["search.html", "genindex.html"]
PAGES = ENGLISH_PAGES + [KOREAN + html for html in ENGLISH_PAGES]
LANDING = TOC[0][0]
CHAPTER = "book/01_custom_layers.html"
OWN_PAGES = ["book/appendix_keras2_to_keras3.html", "book/glossary.html", "book/sources.html"]
SCREENSHOT_PAGES = [LANDING, CHAPTER, "book/appendix_keras2_to_keras3.html", "book/glossary.html",
                    KOREAN + LANDING, KOREAN + CHAPTER, KOREAN + "book/glossary.html"]
AXE_PAGES = [LANDING, CHAPTER] + OWN_PAGES + [KOREAN + LANDING, KOREAN + CHAPTER, KOREAN + "book/glossary.html"]

# Collected in the page, after every image has had its chance to load.
PAGE_FACTS_JS = """
async () => {
  await Promise.all([...document.images].map((img) => {
    img.loading = "eager";
    return img.complete ? null : new Promise((done) => {
      img.addEventListener("load", done); img.addEventListener("error", done); setTimeout(done, 10000);
    });
  }));
  return {
    images: [...document.images].map((img) => ({
      src: img.currentSrc || img.src, complete: img.complete, width: img.naturalWidth,
      alt: img.getAttribute("alt"), inArticle: !!img.closest("article"),
    })),
    links: [...document.querySelectorAll("a[href], link[href]")].map((a) => a.href),
    colab: [...document.querySelectorAll('a[href*="colab.research.google.com"]')].map((a) => a.href),
    downloads: [...document.querySelectorAll(".dropdown-download-buttons a[href]")].map((a) => a.href),
  };
}
"""

# On a phone the layout viewport grows to fit content that is too wide (window.innerWidth follows
# it), so the width to compare with is the device's: clientWidth, or the viewport we asked for.
LAYOUT_JS = """
() => {
  // the text column: the article of a page, the results column of the search page
  const article = document.querySelector("article.bd-article, .bd-search-container");
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    clientWidth: document.documentElement.clientWidth,
    // what sticks out: elements whose right edge passes the screen's, outside scrollable boxes
    wide: [...document.querySelectorAll("body *")].filter((e) => {
      const box = e.getBoundingClientRect(), page = document.documentElement;
      if (box.width === 0 || box.right <= page.clientWidth + 1 || box.width >= page.scrollWidth - 1) return false;
      for (let a = e.parentElement; a; a = a.parentElement) {
        if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(a).overflowX)) return false;
      }
      return true;
    }).slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className}: ${e.textContent.slice(0, 60)}`),
    articleWidth: article ? article.getBoundingClientRect().width : 0,
  };
}
"""


def _http():
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never a proxy


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value)


class _Fetcher:
    """Fetches same-origin URLs once each: their HTTP status and the ids in their HTML."""

    def __init__(self):
        self.opener = _http()
        self.cache = {}

    def get(self, url):
        if url not in self.cache:
            try:
                with self.opener.open(url, timeout=30) as response:
                    body = response.read()
                    status = response.status
                    is_html = "html" in response.headers.get("Content-Type", "")
            except urllib.error.HTTPError as error:
                status, body, is_html = error.code, b"", False
            ids = set()
            if is_html:
                parser = _Ids()
                parser.feed(body.decode("utf-8", "replace"))
                ids = parser.ids
            self.cache[url] = (status, ids)
        return self.cache[url]


@pytest.fixture(scope="session")
def fetcher():
    return _Fetcher()


@pytest.fixture(scope="session")
def page_facts(browsing):
    """Facts about each page, loaded once at desktop width: {path: (visit, facts)}."""
    cache = {}
    page = browsing.new_page(DESKTOP)

    def facts(path):
        if path not in cache:
            visit = browsing.open(page, path)
            cache[path] = (visit, page.evaluate(PAGE_FACTS_JS))
        return cache[path]

    yield facts
    page.context.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots: {path}")
    return path


# --- the appendix and the chapters link to each other ---------------------------------------------

KERAS3_BOX = re.compile(r"^(`{3,})\{admonition\} Keras 3 change:(.*?)^\1$", re.M | re.S)


def test_every_keras3_box_links_to_its_appendix_entry_and_back():
    """Each "Keras 3 change" box has a label the appendix links to, and links to an appendix entry."""
    appendix = (ROOT / "book/appendix_keras2_to_keras3.md").read_text(encoding="utf-8")
    entries = set(re.findall(r"^\((k3-[\w-]+)\)=$", appendix, re.M))
    problems = []
    for source in sorted((ROOT / "book").glob("*.ipynb")):
        cells = json.loads(source.read_text(encoding="utf-8"))["cells"]
        for text in ("".join(c["source"]) for c in cells if c["cell_type"] == "markdown"):
            for box in KERAS3_BOX.finditer(text):
                title = box.group(2).splitlines()[0].strip()
                before = text[: box.start()].rstrip().splitlines()
                label = re.fullmatch(r"\((k3-[\w-]+)\)=", before[-1]) if before else None
                targets = re.findall(r"\]\(#(k3-[\w-]+)\)", box.group(0))
                where = f"{source.name}, box {title!r}"
                if not label:
                    problems.append(f"{where}: no (k3-...-in-chN)= label on the line before it")
                elif f"](#{label.group(1)})" not in appendix:
                    problems.append(f"{where}: the appendix does not link back to #{label.group(1)}")
                if not any(t in entries for t in targets):
                    problems.append(f"{where}: no link to an entry of book/appendix_keras2_to_keras3.md")
    assert not problems, "\n".join(problems)


# --- every page -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_without_errors(page_facts, path):
    visit, _ = page_facts(path)
    errors = visit.unexplained_errors()
    assert not errors, f"{path}:\n" + "\n".join(errors)


@pytest.mark.parametrize("path", PAGES)
def test_images_load_and_have_alt_text(page_facts, path):
    visit, facts = page_facts(path)
    # An outside image (the Colab badge of an exercise) is blocked here, so it cannot load; its alt
    # text, checked below, is what a reader sees if it does not load for them either.
    local = [img for img in facts["images"] if img["src"] not in visit.blocked]
    broken = [img["src"] for img in local if not (img["complete"] and img["width"] > 0)]
    assert not broken, f"{path}: images that did not load: {broken}"
    no_alt = [img["src"] for img in facts["images"] if img["inArticle"] and not (img["alt"] or "").strip()]
    assert not no_alt, f"{path}: figures without alt text: {no_alt}"


@pytest.mark.parametrize("path", PAGES)
def test_internal_links_resolve(page_facts, fetcher, base_url, path):
    _, facts = page_facts(path)
    problems = []
    for href in sorted(set(facts["links"])):
        if not href.startswith(base_url):
            continue  # external: not fetched (no network here)
        url, _, fragment = href.partition("#")
        status, ids = fetcher.get(url)
        if status != 200:
            problems.append(f"HTTP {status}: {href}")
        elif fragment and urllib.parse.unquote(fragment) not in ids:
            problems.append(f"no element with id {fragment!r} in {url}")
    assert not problems, f"{path}:\n" + "\n".join(problems)


def assert_fits_the_phone(path, layout):
    width = PHONE["width"]
    assert layout["scrollWidth"] <= min(layout["innerWidth"], width), (
        f"{path} scrolls sideways on a {width} px phone: the page is {layout['scrollWidth']} px wide; "
        f"too wide: {layout['wide']}"
    )


@pytest.mark.parametrize("path", PAGES)
def test_phone_layout_has_no_horizontal_scroll(browsing, path):
    page = browsing.new_page(PHONE, is_mobile=True, has_touch=True)
    try:
        browsing.open(page, path)
        layout = page.evaluate(LAYOUT_JS)
    finally:
        page.context.close()
    assert_fits_the_phone(path, layout)
    assert layout["articleWidth"] >= 0.8 * PHONE["width"], f"{path}: the text column is narrow on a phone: {layout}"


# --- the layout at 1280 px: code, exercise links, folded set-up cells ---------------------------

LAPTOP = {"width": 1280, "height": 800}
CHAPTERS = [html for html, _ in TOC if re.fullmatch(r"book/\d\d_\w+\.html", html)]
EXERCISES = [html for html, _ in TOC if html.startswith("exercises/")]

# Code (cell sources and code blocks in the text, not printed outputs) that is shown, not folded
# away, and wider than its box, which then scrolls sideways.
WIDE_CODE_JS = """
() => [...document.querySelectorAll("article div.highlight pre")]
  .filter((pre) => !pre.closest(".cell_output") && pre.checkVisibility())
  .filter((pre) => pre.scrollWidth > pre.clientWidth + 1)
  .map((pre) => {
    const longest = pre.textContent.split("\\n").reduce((a, b) => (b.length > a.length ? b : a), "");
    return `${pre.scrollWidth - pre.clientWidth} px too wide: ${longest.trim().slice(0, 100)}`;
  })
"""


@pytest.mark.parametrize("path", [html for html, _ in TOC], ids=[html for html, _ in TOC])
def test_code_does_not_scroll_sideways_at_1280_px(browsing, path):
    """At a 1280 px window every visible block of code fits its box (see CODE_WIDTH in test_book_pages.py)."""
    page = browsing.new_page(LAPTOP)
    try:
        browsing.open(page, path)
        page.evaluate("document.fonts.ready.then(() => true)")
        wide = page.evaluate(WIDE_CODE_JS)
    finally:
        page.context.close()
    assert not wide, f"{path}: {len(wide)} code blocks scroll sideways at 1280 px:\n" + "\n".join(wide)


@pytest.mark.parametrize("chapter,exercise", list(zip(CHAPTERS, EXERCISES)), ids=CHAPTERS)
def test_chapter_ends_with_a_link_to_its_exercise(browsing, base_url, fetcher, chapter, exercise):
    """The last paragraph of a chapter says "Now do Exercise N: ..." and links to the exercise page."""
    page = browsing.new_page(LAPTOP)
    try:
        browsing.open(page, chapter)
        last = page.evaluate(
            """() => {
              const paragraphs = [...document.querySelectorAll("article.bd-article section p")];
              const p = paragraphs[paragraphs.length - 1];
              return {text: p.textContent, links: [...p.querySelectorAll("a")].map((a) => [a.textContent, a.href])};
            }"""
        )
        exercise_title = page.evaluate(
            "(href) => [...document.querySelectorAll('a')].find((a) => a.href === href)?.textContent", base_url + exercise
        )
    finally:
        page.context.close()
    number = CHAPTERS.index(chapter) + 1
    assert last["text"].startswith(f"Now do Exercise {number}: "), f"{chapter} ends with: {last['text'][:200]}"
    targets = [href for text, href in last["links"] if text.startswith(f"Exercise {number}: ")]
    assert targets == [base_url + exercise], f"{chapter}: the exercise link goes to {last['links']}"
    status, _ = fetcher.get(targets[0])
    assert status == 200
    assert exercise_title and exercise_title.strip().startswith(f"Exercise {number}: "), (
        f"{chapter}: the navigation calls the exercise {exercise_title!r}"
    )


@pytest.mark.parametrize("path", EXERCISES)
def test_exercise_setup_cells_are_folded_and_part_1_comes_early(browsing, path):
    """The set-up and course-checks cells (tag hide-input) show only a toggle; Part 1 starts within two screens."""
    page = browsing.new_page(LAPTOP)
    try:
        browsing.open(page, path)
        cells = page.locator("article div.cell.tag_hide-input")
        count = cells.count()
        folded = [cells.nth(i).locator("div.cell_input").is_visible() for i in range(count)]
        toggles = [cells.nth(i).locator("summary").is_visible() for i in range(count)]
        checks_cells = page.evaluate(
            """() => [...document.querySelectorAll("article div.cell")]
                 .filter((c) => c.querySelector("div.cell_input pre")?.textContent.includes("class CheckFailure"))
                 .map((c) => c.className)"""
        )
        part_1 = page.locator("article h2", has_text="Part 1").first
        top = part_1.bounding_box()["y"]
        cells.first.locator("summary").click()  # one click shows the code
        shown = cells.first.locator("div.cell_input").is_visible()
    finally:
        page.context.close()
    assert count >= 2, f"{path}: expected the set-up and course-checks cells to be tagged hide-input, found {count}"
    assert not any(folded), f"{path}: folded cells whose code is visible without a click: {folded}"
    assert all(toggles), f"{path}: a folded cell has no visible toggle"
    assert checks_cells and all("tag_hide-input" in c for c in checks_cells), (
        f"{path}: the course-checks cell is not folded: {checks_cells}"
    )
    assert top < 2 * LAPTOP["height"], f"{path}: Part 1 starts {top:.0f} px down, more than two screens"
    assert shown, f"{path}: clicking the toggle does not show the code"


# --- notebook pages: Colab and download ---------------------------------------------------------


def expected_colab_url(source):
    config = book_config()
    repository = config["repository"]
    repo_path = urllib.parse.urlparse(repository["url"]).path.strip("/")
    book_path = (repository.get("path_to_book") or "").strip("/")
    notebook = f"{book_path}/{source}" if book_path else source
    colab = config["launch_buttons"]["colab_url"].rstrip("/")
    return f"{colab}/github/{repo_path}/blob/{repository.get('branch', 'main')}/{notebook}"


@pytest.mark.parametrize("path,source", NOTEBOOK_PAGES, ids=[KOREAN + html for html, _ in NOTEBOOK_PAGES])
def test_korean_pages_open_the_korean_exercise_notebooks(page_facts, base_url, path, source):
    """An exercise's Korean page opens, from its launch button and its badge, the Korean notebook that
    the release writes (exercises/ko/, book/_ext/korean_notebooks.py), and its download is that
    notebook; a chapter, which has no Korean notebook, opens and downloads the English one."""
    _, facts = page_facts(KOREAN + path)
    opened = source
    if source.startswith("exercises/"):
        opened = "exercises/ko/" + source.removeprefix("exercises/")
        assert (ROOT / opened).is_file(), f"{opened} is not in the repository"
    assert facts["colab"] and set(facts["colab"]) == {expected_colab_url(opened)}, (path, facts["colab"])
    ipynb = [href for href in facts["downloads"] if href.endswith(".ipynb")]
    assert ipynb == [f"{base_url}{KOREAN}_sources/{source}"], f"{path}: .ipynb download links {ipynb}"
    with _http().open(ipynb[0]) as response:
        downloaded = json.loads(response.read())
    assert downloaded["cells"] == json.loads((ROOT / opened).read_text(encoding="utf-8"))["cells"]


@pytest.mark.parametrize("path,source", NOTEBOOK_PAGES, ids=[html for html, _ in NOTEBOOK_PAGES])
def test_colab_and_download_buttons_point_at_the_notebook(page_facts, fetcher, base_url, path, source):
    _, facts = page_facts(path)
    expected = expected_colab_url(source)
    assert facts["colab"], f"{path} has no Colab link"
    assert set(facts["colab"]) == {expected}, f"{path}: Colab links {facts['colab']}, expected {expected}"
    ipynb = [href for href in facts["downloads"] if href.endswith(".ipynb")]
    assert ipynb == [f"{base_url}_sources/{source}"], f"{path}: .ipynb download links {ipynb}"
    status, _ = fetcher.get(ipynb[0])
    assert status == 200
    with _http().open(ipynb[0]) as response:
        downloaded = json.loads(response.read())
    assert downloaded["cells"] == json.loads((ROOT / source).read_text(encoding="utf-8"))["cells"]


def test_colab_button_opens_from_the_launch_menu(browsing):
    page = browsing.new_page(DESKTOP)
    try:
        browsing.open(page, CHAPTER)
        link = page.locator('.dropdown-launch-buttons a[href*="colab.research.google.com"]')
        assert not link.is_visible()
        page.locator(".dropdown-launch-buttons button.dropdown-toggle").click()
        link.wait_for(state="visible", timeout=5000)
        assert link.get_attribute("href") == expected_colab_url("book/01_custom_layers.ipynb")
    finally:
        page.context.close()


# --- navigation, search, copy buttons -----------------------------------------------------------


def test_root_redirects_to_the_landing_page(browsing, base_url):
    page = browsing.new_page(DESKTOP)
    try:
        page.goto(base_url)
        page.wait_for_url(base_url + LANDING, timeout=10000)
    finally:
        page.context.close()


def test_sidebar_lists_every_page(page_facts, base_url):
    _, facts = page_facts(LANDING)
    linked = {href.partition("#")[0] for href in facts["links"]}
    missing = [html for html, _ in TOC if base_url + html not in linked]
    assert not missing, f"the landing page does not link to {missing}"


def test_next_buttons_walk_the_whole_book_in_order(base_url):
    order, url = [], base_url + LANDING
    while url and len(order) <= len(TOC):
        order.append(url[len(base_url):])
        with _http().open(url) as response:
            html = response.read().decode("utf-8")
        match = re.search(r'<a class="right-next"\s+href="([^"]+)"', html)
        url = urllib.parse.urljoin(url, match.group(1)) if match else None
    assert order == [html for html, _ in TOC]


def _search_results(page):
    page.wait_for_selector("#search-results .search-summary", timeout=20000)
    return page.eval_on_selector_all("#search-results ul.search li a", "links => links.map(a => a.href)")


def test_search_page_finds_gradienttape(browsing, base_url):
    page = browsing.new_page(DESKTOP)
    try:
        visit = browsing.open(page, "search.html?q=GradientTape")
        results = _search_results(page)
        errors = visit.unexplained_errors()
    finally:
        page.context.close()
    pages = {href.partition("#")[0][len(base_url):] for href in results}
    assert {"book/04_training_loops.html", "book/05_autodiff.html"} <= pages, results
    assert not errors, errors


def test_search_box_finds_gradienttape(browsing):
    page = browsing.new_page(DESKTOP)
    try:
        browsing.open(page, LANDING)
        page.keyboard.press("Control+k")  # the theme's shortcut; the button opens the same dialog
        box = page.locator("#pst-search-dialog input[name='q']")
        box.wait_for(state="visible", timeout=5000)
        box.fill("GradientTape")
        box.press("Enter")
        page.wait_for_url(re.compile(r".*/search\.html\?q=GradientTape.*"), timeout=10000)
        results = _search_results(page)
    finally:
        page.context.close()
    assert any("05_autodiff.html" in href for href in results), results


def test_search_finds_korean_glossary_terms(browsing):
    page = browsing.new_page(DESKTOP)
    try:
        browsing.open(page, "search.html?q=" + urllib.parse.quote("그레이디언트"))
        results = _search_results(page)
    finally:
        page.context.close()
    assert any("book/glossary.html" in href for href in results), results


def test_korean_search_finds_a_korean_term(browsing, base_url):
    page = browsing.new_page(DESKTOP)
    try:
        visit = browsing.open(page, KOREAN + "search.html?q=" + urllib.parse.quote("레이어"))
        results = _search_results(page)
        errors = visit.unexplained_errors()
    finally:
        page.context.close()
    assert any(href.startswith(base_url + KOREAN + "book/01_custom_layers.html") for href in results), results
    assert not errors, errors


# --- the two languages --------------------------------------------------------------------------

class _PageLanguage(HTMLParser):
    """The <html lang>, the language-switch link and the first <h1> text of a page."""

    def __init__(self):
        super().__init__()
        self.lang, self.switch, self.h1, self._in_switch, self._in_h1 = None, None, "", False, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "p" and "language-switch" in (attrs.get("class") or ""):
            self._in_switch = True
        elif tag == "a" and self._in_switch and self.switch is None:
            self.switch = (attrs.get("href"), attrs.get("hreflang"))
        elif tag == "h1" and not self.h1:
            self._in_h1 = True

    def handle_endtag(self, tag):
        self._in_switch = self._in_switch and tag != "p"
        self._in_h1 = self._in_h1 and tag != "h1"

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data


def _language_of(path):
    parser = _PageLanguage()
    parser.feed((ROOT / "_build" / "html" / path).read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("path", [html for html, _ in TOC])
def test_each_page_links_to_its_twin_in_the_other_language(base_url, path):
    english, korean = _language_of(path), _language_of(KOREAN + path)
    assert english.lang == "en" and korean.lang == "ko", (english.lang, korean.lang)
    assert english.switch == ("../" * path.count("/") + KOREAN + path, "ko"), english.switch
    assert korean.switch == ("../" * (path.count("/") + 1) + path, "en"), korean.switch
    assert HANGUL.search(korean.h1) and korean.h1 != english.h1, f"{path}: the Korean title is {korean.h1!r}"


def test_korean_navigation_is_in_korean(browsing):
    """The sidebar's captions and exercise titles come from _toc.yml, which the catalogs do not
    reach: the Korean build gets a translated copy (translation.korean_toc)."""
    page = browsing.new_page(DESKTOP)
    try:
        browsing.open(page, KOREAN + CHAPTER)
        sidebar = page.locator("nav.bd-links").inner_text()
        title = page.locator(".navbar-brand").first.inner_text()
    finally:
        page.context.close()
    assert "Start here" not in sidebar and "Exercise 1" not in sidebar, sidebar
    assert "연습 문제 1" in sidebar and HANGUL.search(title), (sidebar, title)


def test_code_cells_have_working_copy_buttons(browsing, base_url):
    page = browsing.new_page(DESKTOP)
    try:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
        browsing.open(page, CHAPTER)
        cells = page.locator("div.cell_input div.highlight")
        buttons = page.locator("div.cell_input div.highlight button.copybtn")
        assert cells.count() > 10 and buttons.count() == cells.count()
        cells.first.hover()
        buttons.first.click()
        copied = page.evaluate("navigator.clipboard.readText()")
    finally:
        page.context.close()
    notebook = json.loads((ROOT / "book/01_custom_layers.ipynb").read_text(encoding="utf-8"))
    first_code = "".join(next(c for c in notebook["cells"] if c["cell_type"] == "code")["source"])
    assert copied.strip() == first_code.strip()


# --- screenshots --------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("path", SCREENSHOT_PAGES)
def test_screenshot(browsing, screenshot_dir, path, viewport):
    phone = viewport is PHONE
    page = browsing.new_page(viewport, is_mobile=phone, has_touch=phone)
    try:
        browsing.open(page, path)
        page.evaluate("document.fonts.ready.then(() => true)")
        layout = page.evaluate(LAYOUT_JS)
        name = f"{path.replace('/', '_').removesuffix('.html')}-{viewport['width']}x{viewport['height']}"
        shot = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(shot))
        page.screenshot(path=str(screenshot_dir / f"{name}-full.png"), full_page=True)
    finally:
        page.context.close()
    image = Image.open(shot).convert("L")
    assert image.size == (viewport["width"], viewport["height"])
    histogram = image.histogram()
    background = max(range(256), key=histogram.__getitem__)
    ink = 1 - histogram[background] / sum(histogram)
    assert ink > 0.02, f"{shot}: {ink:.1%} of the pixels differ from the background: blank?"
    assert ImageStat.Stat(image).stddev[0] > 10, f"{shot} has almost no contrast: blank?"
    assert len(Image.open(shot).convert("RGB").getcolors(1 << 20)) > 32, f"{shot} has hardly any colours"
    if phone:
        assert_fits_the_phone(path, layout)


# --- accessibility ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", AXE_PAGES)
def test_accessibility_no_serious_issues(browsing, path):
    assert AXE.exists(), f"{AXE} is missing: run `make browser-deps` (npm ci in tests/browser)"
    page = browsing.new_page(DESKTOP)
    try:
        browsing.open(page, path)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map((v) => ({
                 id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.map((n) => `${n.target.join(" ")}  ${n.html.slice(0, 160)}`),
               }))"""
        )
    finally:
        page.context.close()
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    report = "\n".join(
        f"[{v['impact']}] {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in serious
    )
    assert not serious, f"{path}: axe-core found serious or critical issues:\n{report}"
