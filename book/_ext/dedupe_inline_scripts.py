"""Write each inline <script> once per page.

Sphinx 7.4 writes an inline script twice when an extension adds it after the builder has started,
as sphinx-thebe does (`app.add_js_file(None, body=...)` in `env-before-read-docs`): once as
filename None, once as filename "". The second copy of sphinx-thebe's `const THEBE_JS_URL = ...`
then throws "Identifier 'THEBE_JS_URL' has already been declared" on every page.
"""


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", _dedupe_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
