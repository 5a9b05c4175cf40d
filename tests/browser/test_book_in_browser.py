"""The built book as a reader meets it: served on loopback, opened in headless Chromium.

Every page of _toc.yml (plus the search and index pages) is loaded at desktop and phone widths.
Checks: no console errors or failed requests, every image loads and has alt text, every internal
link and anchor resolves, the Colab and download buttons of notebook pages point at the right
notebook, navigation reaches every page, search finds a known term, code cells have working copy
buttons, screenshots are not blank and the phone layout does not scroll sideways, and axe-core
finds no serious or critical accessibility issue.

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

from booksite import AXE, DESKTOP, PHONE, ROOT, book_config, toc_pages

pytestmark = pytest.mark.xdist_group("browser")

TOC = toc_pages()
NOTEBOOK_PAGES = [(html, source) for html, source in TOC if source.endswith(".ipynb")]
PAGES = [html for html, _ in TOC] + ["search.html", "genindex.html"]
LANDING = TOC[0][0]
CHAPTER = "book/01_custom_layers.html"
OWN_PAGES = ["book/appendix_keras2_to_keras3.html", "book/glossary.html", "book/sources.html"]
SCREENSHOT_PAGES = [LANDING, CHAPTER, "book/appendix_keras2_to_keras3.html", "book/glossary.html"]
AXE_PAGES = [LANDING, CHAPTER] + OWN_PAGES

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


# --- notebook pages: Colab and download ---------------------------------------------------------


def expected_colab_url(source):
    config = book_config()
    repository = config["repository"]
    repo_path = urllib.parse.urlparse(repository["url"]).path.strip("/")
    book_path = (repository.get("path_to_book") or "").strip("/")
    notebook = f"{book_path}/{source}" if book_path else source
    colab = config["launch_buttons"]["colab_url"].rstrip("/")
    return f"{colab}/github/{repo_path}/blob/{repository.get('branch', 'main')}/{notebook}"


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
