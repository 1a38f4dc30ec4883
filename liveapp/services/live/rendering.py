"""Rendering templates outside a request (jobs, the change bus): `url_for` needs a
request context, and building one per render would cost more than the render."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from flask import current_app, has_request_context, render_template
from markupsafe import Markup
from werkzeug.test import EnvironBuilder


def render_template_anywhere(template: str, **context) -> str:
    """Render in a request or outside one (jobs): url_for needs a request context."""
    with rendering():
        return render_template(template, **context)


def render_fragment(template: str, **context) -> Markup:
    """`render_template_anywhere` as markup, for a template that wraps it (escaped when
    rendered, so not again)."""
    return Markup(render_template_anywhere(template, **context))  # noqa: S704


_environs: dict[int, dict] = {}  # a bare "GET /" environ per app, built once


@contextlib.contextmanager
def rendering() -> Iterator[None]:
    """A request context for renders outside a request (jobs, a pipeline batch's cards:
    one for the whole batch). Its environ is built once per app: test_request_context
    builds one each time, which cost more than rendering a card."""
    if has_request_context():
        yield
        return
    app = current_app._get_current_object()  # noqa: SLF001 (the app itself, as a key)
    environ = _environs.get(id(app))
    if environ is None:
        environ = _environs[id(app)] = EnvironBuilder("/").get_environ()
    with app.request_context(dict(environ)):
        yield
