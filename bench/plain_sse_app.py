"""A minimal flask-sse app (one Redis connection per client), for bench/fanout.py's
`--compare-flask-sse`: no auth, `?channel=` is the Redis channel name itself."""

import os

from flask import Flask
from flask_sse import sse

app = Flask(__name__)
app.config["REDIS_URL"] = os.environ["REDIS_URL"]
app.register_blueprint(sse, url_prefix="/events/stream")


@app.get("/healthz")
def healthz():
    return "ok"
