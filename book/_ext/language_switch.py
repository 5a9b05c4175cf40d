"""A link on every page to the same page in the other language.

The English book is built at the root of _build/html and the Korean one, from the same sources and
the catalogs in locales/, under _build/html/ko/ (`make book`). Each page starts with a link to its
twin, written in the twin's language.
"""
from html import escape

KOREAN = "ko"
LABELS = {"en": "English", KOREAN: "한국어"}


def twin(pagename, language):
    """(href, language) of the other edition's copy of `pagename`, relative to that page."""
    depth = pagename.count("/")
    if language == KOREAN:  # _build/html/ko/<page>.html -> _build/html/<page>.html
        return "../" * (depth + 1) + f"{pagename}.html", "en"
    return "../" * depth + f"{KOREAN}/{pagename}.html", KOREAN


def _add_switch(app, pagename, templatename, context, doctree):
    if doctree is None or "body" not in context:  # generated pages (search, index) have no twin body
        return
    href, other = twin(pagename, app.config.language or "en")
    link = (f'<p class="language-switch"><a href="{escape(href)}" hreflang="{other}" lang="{other}">'
            f"{LABELS[other]}</a></p>\n")
    context["body"] = link + context["body"]


def setup(app):
    app.connect("html-page-context", _add_switch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
