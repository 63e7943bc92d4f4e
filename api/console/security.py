"""Console sessions, CSRF and roles.

Sessions live on the server (bot.console_sessions, table ``console_sessions``): the cookie carries
only a random id. Logging in always issues a NEW id (no session fixation); logging out, a
deactivation or a password reset end the session's row, so a copied cookie opens nothing at once, in
every API process. A session also ends after ``CONSOLE_IDLE_MINUTES`` without a request and
``CONSOLE_SESSION_HOURS`` after login. The cookie is HttpOnly, SameSite=Lax, limited to
``/console``, and Secure when the public URL is https. Every request re-reads the session and the
user, so a deactivated account or a changed role takes effect at once.

CSRF: every POST form carries ``csrf_token``, an HMAC of the session id under
``HOTLINE_SECRET_KEY`` (so a visitor who is not logged in has one too without any row being
written); it must match (compared in constant time), otherwise 403 and nothing happens. SameSite=Lax
already stops most cross-site posts; the token is the defence that does not depend on the browser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.responses import Response

from api.console import format as fmt
from api.deps import SessionDep
from bot import console_sessions
from bot.auth import ROLE_RANK
from common.settings import Settings
from db.base import utcnow
from db.models import OperatorSession, Person, User

COOKIE_NAME = "hotline_console"
COOKIE_PATH = "/console"
CSRF_FIELD = "csrf_token"
ENROL_PATH = "/console/account/second-factor"

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))

@pass_context
def _dt(ctx: Any, value: datetime | None) -> str:
    return fmt.local_time(value, ctx.get("tz") or "UTC")


@pass_context
def _ago(ctx: Any, value: datetime | None) -> str:
    return fmt.duration(value, ctx.get("utcnow") or utcnow())


TEMPLATES.env.filters.update(
    dt=_dt,
    ago=_ago,
    mask=lambda address, channel=None: fmt.mask_address(channel, address),
    reason=lambda code: fmt.REASONS.get(code, code),
    priority=lambda code: fmt.PRIORITIES.get(code, code),
    case_status=lambda code: fmt.CASE_STATUSES.get(code, code),
    status=lambda code: fmt.STATUSES.get(code, code),
    channel=lambda code: fmt.CHANNELS.get(code, code or "—"),
    delivery=lambda code: fmt.DELIVERY.get(code, code),
    kind=lambda code: fmt.KINDS.get(code, code),
)

ROLE_LABELS = {"viewer": "consulta", "operator": "operador", "admin": "administración"}


class LoginRequired(Exception):
    """No valid session: the handler redirects to the login page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class Forbidden(Exception):
    """Logged in, but the role does not allow this (or the CSRF token is wrong): a 403 page."""

    def __init__(self, message: str) -> None:
        self.message = message


@dataclass
class ConsoleSession:
    """This request's session as the browser holds it: the random id (and the CSRF token made from
    it); ``row`` is the server's record once looked up (None for a visitor not logged in)."""

    sid: str
    csrf: str
    row: OperatorSession | None = None
    dirty: bool = False  # a new cookie must be sent

    @property
    def user_id(self) -> int | None:
        return self.row.user_id if self.row is not None else None


def _csrf_for(settings: Settings, sid: str) -> str:
    mac = hmac.new(settings.hotline_secret_key.encode(), b"console-csrf|" + sid.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def new_session(request: Request, sid: str | None = None, row: OperatorSession | None = None) -> ConsoleSession:
    """A session with a new id (a fresh visitor, or a login: the id always changes at login)."""
    sid = sid or console_sessions.new_sid()
    fresh = ConsoleSession(sid=sid, csrf=_csrf_for(request.app.state.settings, sid), row=row, dirty=True)
    request.state.console_session = fresh
    return fresh


def read_session(request: Request) -> ConsoleSession | None:
    """The id in the cookie (not yet looked up), or None when there is none or it is malformed."""
    sid = request.cookies.get(COOKIE_NAME)
    if not sid or not console_sessions.SID_PATTERN.match(sid):
        return None
    return ConsoleSession(sid=sid, csrf=_csrf_for(request.app.state.settings, sid))


def session_of(request: Request) -> ConsoleSession:
    """This request's session, creating an anonymous one (with its CSRF token) when there is none."""
    cached = getattr(request.state, "console_session", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    found = read_session(request)
    if found is None:
        return new_session(request)
    request.state.console_session = found
    return found


# Sent by the console's own scripts (static/alerts.js, static/console.js) on their timed refreshes.
BACKGROUND_HEADER = "X-Console-Refresh"


def is_background_refresh(request: Request) -> bool:
    """A page refreshing itself on a timer, not the operator acting (the idle timeout ignores it).
    Sending the header can only shorten a session, so trusting it costs nothing."""
    return request.headers.get(BACKGROUND_HEADER) == "1"


def server_session(request: Request, db: Any, stages: tuple[str, ...]) -> OperatorSession | None:
    """The live server-side session behind the cookie, if it is at one of ``stages``."""
    console_session = session_of(request)
    if console_session.row is None:
        console_session.row = console_sessions.find(db, console_session.sid, request.app.state.settings,
                                                    activity=not is_background_refresh(request))
        if console_session.row is None:
            db.commit()  # a session found idle or expired was just ended: it stays ended
    row = console_session.row
    return row if row is not None and row.stage in stages else None


def write_session(request: Request, response: Response, session: ConsoleSession) -> Response:
    settings: Settings = request.app.state.settings
    response.set_cookie(
        COOKIE_NAME,
        session.sid,
        max_age=int(settings.console_session_hours * 3600),
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=settings.hotline_public_url.startswith("https://"),
    )
    return response


def clear_session(response: Response) -> Response:
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, httponly=True, samesite="lax")
    return response


def login_redirect_target(request: Request) -> str:
    path = request.url.path
    if request.method != "GET" or not path.startswith("/console") or path.startswith("/console/login"):
        return "/console/login"
    target = path + (f"?{request.url.query}" if request.url.query else "")
    return "/console/login?next=" + quote(target, safe="")


def safe_next(value: str | None) -> str:
    """Only a path inside the console (no open redirect to another site)."""
    if value and value.startswith("/console") and not value.startswith("//") and "\\" not in value:
        return value
    return "/console"


@dataclass
class Operator:
    """The logged-in user as the console sees it."""

    user: User  # bound to the request's database session, for the services
    session: ConsoleSession
    # Plain copies: error pages are rendered after the request's database session has closed.
    user_id: int = 0
    username: str = ""
    role: str = ""

    def __post_init__(self) -> None:
        self.user_id, self.username, self.role = self.user.id, self.user.username, self.user.role

    @property
    def actor(self) -> str:
        return f"user:{self.username}"

    def can(self, role: str) -> bool:
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK[role]


def current_user(request: Request, db: SessionDep) -> Operator:
    """The logged-in, active user (in the request's own database session); otherwise a redirect to
    the login page (or, for a password already checked, to the code or the enrolment page)."""
    row = server_session(request, db, console_sessions.STAGES)
    if row is not None and row.stage == "enrol":
        raise LoginRequired(ENROL_PATH)
    if row is not None and row.stage == "second_factor":
        raise LoginRequired("/console/login/code")
    user = db.get(User, row.user_id) if row is not None else None
    if user is None or not user.active:
        raise LoginRequired(login_redirect_target(request))
    operator = Operator(user=user, session=session_of(request))
    request.state.console_operator = operator
    return operator


def require_role(minimum: str) -> Any:
    def check(operator: Annotated[Operator, Depends(current_user)]) -> Operator:
        if not operator.can(minimum):
            raise Forbidden(f"Esta página requiere el rol «{ROLE_LABELS[minimum]}».")
        return operator

    return check


async def check_csrf(request: Request) -> None:
    """Every POST form must carry this session's token (the form is parsed once and cached)."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = read_session(request)
    if not isinstance(sent, str) or expected is None or not hmac.compare_digest(sent.encode(), expected.csrf.encode()):
        raise Forbidden("El formulario caducó o no es válido (token CSRF). Vuelva a cargar la página e inténtelo de nuevo.")


def require_role_and_csrf(minimum: str) -> Any:
    """For POST forms: logged in (else the login page), the role (else 403), then the CSRF token."""
    role_check = require_role(minimum)

    # The dependency is a default value, not an annotation: annotations are strings here and a
    # closure's local name cannot be resolved from them.
    async def check(request: Request, operator: Operator = Depends(role_check)) -> Operator:
        await check_csrf(request)
        return operator

    return check


Viewer = Annotated[Operator, Depends(require_role("viewer"))]
OperatorUser = Annotated[Operator, Depends(require_role("operator"))]
Admin = Annotated[Operator, Depends(require_role("admin"))]
# The same, for POST forms (with the CSRF check).
ViewerForm = Annotated[Operator, Depends(require_role_and_csrf("viewer"))]
OperatorForm = Annotated[Operator, Depends(require_role_and_csrf("operator"))]
AdminForm = Annotated[Operator, Depends(require_role_and_csrf("admin"))]


def shows_status(operator: Operator | None, person: Person | None) -> bool:
    """Viewers see that a restricted record exists, never its status or location."""
    return person is None or not person.restricted or (operator is not None and operator.can("operator"))


def render(request: Request, template: str, context: dict[str, Any], status_code: int = 200,
           operator: Operator | None = None) -> Response:
    """A console page: the template gets the user, the CSRF token and the flash message."""
    console_session = session_of(request)
    operator = operator or getattr(request.state, "console_operator", None)
    settings: Settings = request.app.state.settings
    ctx = {"me": operator, "csrf_token": console_session.csrf, "role_labels": ROLE_LABELS, "utcnow": utcnow(),
           "shows_status": lambda person: shows_status(operator, person),
           "tz": settings.hotline_timezone, "fmt": fmt, **context}
    response = TEMPLATES.TemplateResponse(request, template, ctx, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    if console_session.dirty:
        write_session(request, response, console_session)
    return response
