"""On the Korean book's exercise pages, Colab opens the Korean notebook, and the download is it.

The release writes each exercise's Korean notebook to exercises/ko/<assignment>/ (its markdown from
the catalogs in locales/, its badge pointing at itself); the Korean book renders the English
notebook with the same catalogs, so its launch button and the badge under its title would open the
English notebook, and its download button would give it. Here both links open exercises/ko/, and
the page's downloadable source (_sources/<page>.ipynb) is the Korean notebook. The chapters have no
Korean notebooks: their links and downloads stay as they are.
"""
import re
import shutil
from pathlib import Path

KOREAN = "ko"
EXERCISES = "exercises/"
COLAB = "https://colab.research.google.com/github/"


def korean_notebook(pagename):
    """exercises/<assignment>/<name> -> exercises/ko/<assignment>/<name>.ipynb (where the release writes it)."""
    return f"{EXERCISES}{KOREAN}/{pagename.removeprefix(EXERCISES)}.ipynb"


def _open_korean_notebook(app, pagename, templatename, context, doctree):
    if app.config.language != KOREAN or not pagename.startswith(EXERCISES) or doctree is None:
        return
    english = re.compile(re.escape(COLAB) + r"[^\"'\s)]*/" + re.escape(f"{pagename}.ipynb"))

    def korean(match):
        return match.group(0).removesuffix(f"{pagename}.ipynb") + korean_notebook(pagename)

    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []):
            if "url" in button:
                button["url"] = english.sub(korean, button["url"])
    if "body" in context:  # the badge under the title
        context["body"] = english.sub(korean, context["body"])


def _download_korean_notebook(app, exception):
    if exception or app.config.language != KOREAN:
        return
    for page in sorted(app.env.found_docs):
        korean, download = Path(app.srcdir) / korean_notebook(page), Path(app.outdir) / "_sources" / f"{page}.ipynb"
        if page.startswith(EXERCISES) and korean.is_file() and download.is_file():
            shutil.copyfile(korean, download)


def setup(app):
    app.connect("html-page-context", _open_korean_notebook, priority=600)  # after the theme's launch buttons (501)
    app.connect("build-finished", _download_korean_notebook)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
