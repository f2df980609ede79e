"""JSON error responses without internals: ``{"error": code, "message": text}``."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid_request",
    429: "rate_limited",
}


def error_body(status_code: int, message: str | None = None) -> dict[str, str]:
    """The error payload shape shared with the chat channel contract."""
    try:
        phrase = HTTPStatus(status_code).phrase
    except ValueError:
        phrase = "Error"
    code = _CODES.get(status_code, "internal_error" if status_code >= 500 else "error")
    return {"error": code, "message": message or phrase}


async def http_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    # Only our own routes pass a human message in ``detail``; Starlette's are the phrase.
    detail = exc.detail if isinstance(exc.detail, str) else None
    return JSONResponse(
        error_body(exc.status_code, detail),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def unhandled_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    """Last resort: log the traceback server-side, answer a bare 500."""
    logger.exception("Unhandled error on %s %s", request.method, request.url.path)
    headers = getattr(request.app.state, "security_headers", None)
    return JSONResponse(error_body(500), status_code=500, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    app.add_exception_handler(Exception, unhandled_exception_handler)
