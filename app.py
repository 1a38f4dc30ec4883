"""Entry point for `flask --app app` and gunicorn (`gunicorn app:app`)."""

from liveapp import create_app

app = create_app()
