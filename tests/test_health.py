"""GET /healthz: 200 when the database and Redis answer, 503 naming what failed."""

from liveapp import create_app


def test_healthy(browser):
    response = browser.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_redis_down_is_503(app, tmp_path):
    broken = create_app({
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "SECRET_KEY": "x",
    })
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["failed"] == ["redis: ConnectionError"]


def test_database_down_is_503(app, tmp_path):
    broken = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3",
        "REDIS_URL": app.config["REDIS_URL"],
        "SECRET_KEY": "x",
    })
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["failed"] == ["database: OperationalError"]
