"""Error tree and its two renderings: the admin envelope and the OpenAI error body."""
from __future__ import annotations


class OneAPIError(Exception):
    """A failure with data. ``status`` is the HTTP status used by the relay dialect and by
    auth failures; admin business errors render as HTTP 200 ``{"success": false}``."""

    status = 400
    code = "bad_request"
    type = "one_api_error"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 type: str | None = None, param: str | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        if type is not None:
            self.type = type
        self.param = param

    def openai_body(self, request_id: str = "") -> dict:
        message = self.message
        if request_id:
            message = f"{message} (request id: {request_id})"
        return {"error": {"message": message, "type": self.type, "param": self.param, "code": self.code}}


class BadRequest(OneAPIError):
    status = 400
    code = "bad_request"


class InvalidRequest(OneAPIError):
    """Malformed relay input (OpenAI's ``invalid_request_error``)."""

    status = 400
    code = "invalid_request"
    type = "invalid_request_error"


class Unauthorized(OneAPIError):
    status = 401
    code = "unauthorized"


class Forbidden(OneAPIError):
    status = 403
    code = "forbidden"


class NotFound(OneAPIError):
    status = 404
    code = "not_found"


class Conflict(OneAPIError):
    status = 409
    code = "conflict"


class QuotaExceeded(OneAPIError):
    status = 403
    code = "insufficient_user_quota"


class RateLimited(OneAPIError):
    status = 429
    code = "rate_limit_exceeded"


class NotImplementedAPI(OneAPIError):
    status = 501
    code = "api_not_implemented"
    type = "one_api_error"


class UpstreamError(OneAPIError):
    """An error answered by (or while talking to) an upstream provider."""

    status = 502
    code = "upstream_error"
    type = "upstream_error"
