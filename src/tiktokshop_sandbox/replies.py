"""TikTok-shaped JSON replies: ``{"code", "message", "request_id", "data"}``.

    return tiktok_reply(200, 0, "Success", {"shops": [...]})
    return tiktok_reply(401, errors.INVALID_SIGN, "sign does not match")   # data: null

Every reply of the sandbox's APIs has this shape, with a fresh ``request_id``
(clients keep it for their logs), and no cache may keep it: replies carry
tokens and shop data.
"""

import uuid

from starlette.responses import JSONResponse


def tiktok_reply(status: int, code: int | str, message: str, data=None,
                 headers=None) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message": message, "request_id": uuid.uuid4().hex.upper(), "data": data},
        status_code=status,
        headers={"cache-control": "no-store", **(headers or {})},
    )
