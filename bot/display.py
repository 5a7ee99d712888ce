"""The resident's display preference (长辈模式, elder mode), shared by the public pages.

Kept in a cookie rather than only in the browser's storage: the door-plate page is
server-rendered without JavaScript (it must open instantly in any phone's browser), and a
cookie lets the server draw every page large from the first byte, with no flash of small
type. One tap on either page sets it (``?elder=1``, or the chat page's toggle, which writes
the same cookie), and it stays for a year on that phone.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

ELDER_COOKIE: Final = "minsheng_elder"
ELDER_QUERY: Final = "elder"
# A year: an older resident should not have to find the switch again next month.
ELDER_MAX_AGE: Final = 365 * 24 * 3600


def wants_elder(request: web.Request) -> bool:
    """Elder mode for this request: the cookie says so (the query switch wins when given)."""
    asked = elder_switch(request)
    if asked is not None:
        return asked
    return request.cookies.get(ELDER_COOKIE) == "1"


def elder_switch(request: web.Request) -> bool | None:
    """``?elder=1`` turns elder mode on, ``?elder=0`` off; None when the query says nothing."""
    value = request.query.get(ELDER_QUERY)
    if value == "1":
        return True
    if value == "0":
        return False
    return None


def remember_elder(response: web.StreamResponse, on: bool) -> None:
    """Store the choice on the phone (readable by the chat page's script, which toggles it)."""
    if on:
        response.set_cookie(
            ELDER_COOKIE, "1", max_age=ELDER_MAX_AGE, path="/", samesite="Lax", httponly=False
        )
    else:
        response.del_cookie(ELDER_COOKIE, path="/")
