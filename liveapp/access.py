"""Who may do what: access decorators and lookups that raise 403/404 themselves."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def admin_required(view: Callable) -> Callable:
    """Anonymous users go to the login page; signed-in non-admins get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
