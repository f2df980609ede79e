"""The authorization matrix over EVERY route of the web app: each route is declared public,
staff (agents and admins) or admin-only here, and a route added without a declaration fails
the first test. Anonymous users never reach staff or admin routes, agents never reach admin
routes, and nobody gets a server error for probing."""

from __future__ import annotations

import re
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from fastapi.routing import APIRoute
from starlette.testclient import TestClient

from tests.console.conftest import sign_in

PUBLIC, STAFF, ADMIN = "public", "staff", "admin"
MATRIX: Dict[Tuple[str, str], str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/"): PUBLIC,  # the shop page with the chat widget
    ("GET", "/documents/invoices/{token:path}"): PUBLIC,  # signed, expiring link
    ("GET", "/console/login"): PUBLIC,
    ("POST", "/console/login"): PUBLIC,
    ("POST", "/console/logout"): PUBLIC,
    # the customer's own live channel and rating, keyed by the widget's random id
    ("GET", "/api/chat/{conversation_id}/events"): PUBLIC,
    ("POST", "/api/chat/{conversation_id}/csat"): PUBLIC,
    ("GET", "/console"): STAFF,
    ("GET", "/console/conversations/{conversation_id}"): STAFF,
    ("GET", "/console/search"): STAFF,
    ("GET", "/console/api/queue"): STAFF,
    ("GET", "/console/api/stream"): STAFF,
    ("GET", "/console/api/conversations/{conversation_id}/transcript"): STAFF,
    ("POST", "/console/api/tickets/{ticket_id}/claim"): STAFF,
    ("POST", "/console/api/tickets/{ticket_id}/note"): STAFF,
    ("POST", "/console/api/tickets/{ticket_id}/handback"): STAFF,
    ("POST", "/console/api/tickets/{ticket_id}/resolve"): STAFF,
    ("POST", "/console/api/conversations/{conversation_id}/reply"): STAFF,
    ("POST", "/console/api/conversations/{conversation_id}/typing"): STAFF,
    ("GET", "/console/api/customers/{customer_id}/orders/{order_number}/cancellation"): STAFF,
    ("POST", "/console/api/customers/{customer_id}/orders/{order_number}/cancel"): STAFF,
    ("POST", "/console/api/customers/{customer_id}/retention-offer"): STAFF,
    ("POST", "/console/api/tickets/{ticket_id}/assign"): ADMIN,
    ("GET", "/console/admin/agents"): ADMIN,
    ("GET", "/console/api/admin/agents"): ADMIN,
    ("GET", "/console/admin/nlu"): ADMIN,
    ("GET", "/console/api/admin/nlu/messages"): ADMIN,
    ("POST", "/console/api/admin/nlu/annotations"): ADMIN,
    ("POST", "/console/api/admin/nlu/export"): ADMIN,
    ("GET", "/console/admin/models"): ADMIN,
    ("GET", "/console/api/admin/models"): ADMIN,
    ("POST", "/console/api/admin/models/train"): ADMIN,
    ("GET", "/console/api/admin/models/job"): ADMIN,
    ("POST", "/console/api/admin/models/{version_id}/promote"): ADMIN,
    ("GET", "/console/admin/models/{version_id}/confusion.png"): ADMIN,
    ("GET", "/console/analytics"): STAFF,  # the team's dashboard (no personal data)
    ("GET", "/console/analytics/dashboard.png"): STAFF,
    ("GET", "/console/admin/privacy"): ADMIN,
    ("GET", "/console/api/admin/privacy/requests"): ADMIN,
    ("GET", "/console/admin/privacy/export"): ADMIN,
    ("POST", "/console/admin/privacy/requests/{request_id}/complete"): ADMIN,
}
# endless event streams: probed only where they must refuse
STREAMS = {"/console/api/stream", "/api/chat/{conversation_id}/events"}
PARAMS = {
    "conversation_id": "conv-matrix",
    "ticket_id": "999999",
    "customer_id": "999999",
    "order_number": "A9999",
    "version_id": "no-such-version",
    "request_id": "999999",
    "token:path": "not-a-token",
}


def routes(app: Any) -> Iterator[Tuple[str, str]]:
    for route in app.routes:
        if isinstance(route, APIRoute):
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                yield method, route.path


def concrete(path: str) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: PARAMS[m.group(1)], path)


def probe(client: TestClient, method: str, path: str, csrf: str = "") -> int:
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    if method == "GET":
        answer = client.get(concrete(path), headers=headers)
    else:
        answer = client.post(concrete(path), json={}, headers=headers)
    if answer.status_code == 303:  # a page's refusal: to the sign-in page, nowhere else
        assert answer.headers["location"].startswith("/console/login"), (path, answer.headers)
    return answer.status_code


def test_every_route_is_in_the_matrix(app: Any) -> None:
    found = set(routes(app))
    assert found - set(MATRIX) == set(), "declare these routes' access in MATRIX"
    assert set(MATRIX) - found == set(), "MATRIX lists routes the app no longer has"


def guarded(level: str) -> List[Tuple[str, str]]:
    return [key for key, value in MATRIX.items() if value == level]


def test_anonymous_reaches_no_staff_or_admin_route(client: TestClient) -> None:
    for method, path in guarded(STAFF) + guarded(ADMIN):
        status = probe(client, method, path)
        assert status in {303, 401, 403}, (method, path, status)


def test_agents_reach_no_admin_route(client: TestClient) -> None:
    csrf = sign_in(client, "agent", "agent123")
    for method, path in guarded(ADMIN):
        assert probe(client, method, path, csrf) == 403, (method, path)


@pytest.mark.parametrize("user, password", [("agent", "agent123"), ("admin", "admin123")])
def test_staff_routes_let_staff_in_and_never_fail(
    client: TestClient, user: str, password: str
) -> None:
    csrf = sign_in(client, user, password)
    levels = guarded(STAFF) + (guarded(ADMIN) if user == "admin" else [])
    for method, path in levels:
        if path in STREAMS:
            continue
        status = probe(client, method, path, csrf)
        # in: the route answered (a made-up ticket or order is 404/409/422, never 401/403)
        assert status not in (401, 403) and status < 500, (user, method, path, status)


def test_public_routes_never_fail(client: TestClient) -> None:
    for method, path in guarded(PUBLIC):
        if path in STREAMS or path == "/console/logout":
            continue
        status = probe(client, method, path)
        assert status < 500, (method, path, status)
