"""The web app over Starlette's TestClient: pages, static files, headers, errors."""

from __future__ import annotations

import json
import re

import pytest
from fastapi import FastAPI
from fastapi.responses import Response
from fastapi.testclient import TestClient

from crm_backend.web.app import create_app
from crm_backend.web.security import origin_of

from .support import settings_for

CONFIG_RE = re.compile(
    r'<script id="shopchat-config" type="application/json">(.*?)</script>', re.DOTALL
)


def make_client(rasa_url: str = "http://127.0.0.1:5005") -> TestClient:
    return TestClient(create_app(settings_for(rasa_url)))


@pytest.fixture()
def client() -> TestClient:
    return make_client()


def widget_config(html: str) -> dict[str, object]:
    match = CONFIG_RE.search(html)
    assert match, "widget config script not found"
    config: dict[str, object] = json.loads(match.group(1))
    return config


def test_create_app_is_a_factory() -> None:
    first, second = create_app(settings_for("")), create_app(settings_for(""))
    assert isinstance(first, FastAPI)
    assert first is not second


def test_storefront_renders_with_widget(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    assert "<title>Shop · 商店</title>" in html
    assert '<script src="/static/widget/widget.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/static/widget/widget.css">' in html
    assert '<script src="/static/app/storefront.js" defer></script>' in html
    assert widget_config(html) == {"rasaUrl": "http://127.0.0.1:5005", "open": True}
    assert "商店" in html and "Shop" in html  # both languages


def test_rasa_url_is_embedded_safely() -> None:
    nasty = "http://rasa.example:5005/x\"'</script><script>alert(1)</script><!--&"
    response = make_client(nasty).get("/")
    assert response.status_code == 200
    html = response.text
    # The config round-trips exactly, and the payload cannot close the script element.
    assert widget_config(html)["rasaUrl"] == nasty
    assert "<script>alert(1)" not in html
    assert "<!--" not in html
    assert html.count("</script>") == 3  # config + widget.js + storefront.js
    # Only the clean origin reaches the CSP header.
    csp = response.headers["content-security-policy"]
    assert "connect-src 'self' http://rasa.example:5005;" in csp
    assert "<" not in csp and '"' not in csp


def test_malformed_rasa_url_is_left_out_of_the_csp() -> None:
    response = make_client('http://rasa.example:5005"; script-src *').get("/")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "connect-src 'self';" in csp
    assert "script-src *" not in csp


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://127.0.0.1:5005", "http://127.0.0.1:5005"),
        ("https://Chat.Shop.example/rasa/", "https://chat.shop.example"),
        ("http://[::1]:5005/", "http://[::1]:5005"),
        ("javascript:alert(1)", None),
        ("http://exa mple.com", None),
        ("http://example.com:99999", None),
        ("", None),
    ],
)
def test_origin_of(url: str, origin: str | None) -> None:
    assert origin_of(url) == origin


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/static/widget/widget.js", "text/javascript; charset=utf-8"),
        ("/static/widget/widget.css", "text/css; charset=utf-8"),
        ("/static/app/storefront.js", "text/javascript; charset=utf-8"),
        ("/static/app/storefront.css", "text/css; charset=utf-8"),
    ],
)
def test_static_files(client: TestClient, path: str, content_type: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-cache"


def test_widget_js_is_the_shopchat_iife(client: TestClient) -> None:
    source = client.get("/static/widget/widget.js").text
    assert "window.ShopChat" in source
    assert not re.search(
        r"\.(innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML|document\.write", source
    )
    for testid in (
        "chat-launcher",
        "chat-panel",
        "chat-input",
        "chat-send",
        "chat-messages",
        "msg-user",
        "msg-bot",
        "quick-reply",
        "typing",
        "lang-toggle",
        "chat-error",
    ):
        assert f'"{testid}"' in source, testid


def test_static_path_traversal_is_refused(client: TestClient) -> None:
    for path in (
        "/static/widget/..%2f..%2fcrm_backend/settings.py",
        "/static/widget/%2e%2e/%2e%2e/crm_backend/settings.py",
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert "BaseSettings" not in response.text


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/", "/healthz", "/static/widget/widget.js", "/nope"])
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "connect-src 'self' http://127.0.0.1:5005" in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("path", ["/nope", "/api/v1/unknown", "/static/widget/missing.js"])
def test_unknown_paths_are_json_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": "not_found", "message": "Not Found"}


def test_wrong_method_is_json_405(client: TestClient) -> None:
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


def test_unhandled_error_is_json_500_without_traceback() -> None:
    app = create_app(settings_for(""))

    async def boom() -> Response:
        raise RuntimeError("secret internals")

    app.add_api_route("/boom", boom)
    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert response.json() == {"error": "internal_error", "message": "Internal Server Error"}
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_no_docs_ui_served(client: TestClient) -> None:
    # The Swagger UI would pull scripts from a CDN; the network is closed.
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").status_code == 404
