"""An upstream failure found inside a 2xx body (Baidu ``error_code``, Tencent
``Response.Error``, Coze ``code``, failed Replicate predictions).

It is a :class:`~oneapi.errors.OneAPIError` (the relay renders it with its status) and a
``ValueError`` (callers that treat conversion failures as bad responses, such as the channel
test, report it instead of crashing).
"""
from __future__ import annotations

from ..errors import OneAPIError


class VendorError(OneAPIError, ValueError):
    type = "upstream_error"
