"""FastAPI dependencies that read like English: ``SessionDep``, ``CurrentToken``, ``require_role``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from bot.auth import ROLE_RANK, authenticate_token
from common.settings import Settings
from db.models import ApiToken


def get_session(request: Request) -> Iterator[Session]:
    """One request, one transaction: commit when the handler returns, roll back on error."""
    factory = request.app.state.sessionmaker
    session: Session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


# scope="function": the commit happens before the response is sent, so a 200 means committed
# (with the default scope FastAPI would commit after the client already had its answer).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]

_bearer = HTTPBearer(auto_error=False)


def get_current_token(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiToken:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="missing bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = authenticate_token(session, credentials.credentials)
    if token is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="invalid, revoked or expired token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return token


CurrentToken = Annotated[ApiToken, Depends(get_current_token)]


def require_role(minimum: str, *, also: tuple[str, ...] = ()) -> Callable[[ApiToken], ApiToken]:
    """Roles are ordered viewer < operator < admin; a route names the least role it needs, and the
    unranked roles it also lets in (``reporter``: only adding status reports)."""

    def check(token: CurrentToken) -> ApiToken:
        if token.role in also:
            return token
        if token.role == "reporter":
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                detail="a reporter token may only add status reports")
        if ROLE_RANK[token.role] < ROLE_RANK[minimum]:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"this action needs the {minimum} role")
        return token

    return check


ViewerToken = Annotated[ApiToken, Depends(require_role("viewer"))]
OperatorToken = Annotated[ApiToken, Depends(require_role("operator"))]
AdminToken = Annotated[ApiToken, Depends(require_role("admin"))]
# Adding a status report (and proposing a death): operators and reporters.
ReporterToken = Annotated[ApiToken, Depends(require_role("operator", also=("reporter",)))]


def actor_of(token: ApiToken) -> str:
    return f"token:{token.id}"


def sees_restricted_status(token: ApiToken) -> bool:
    """Viewers see that a restricted record exists, never its status or location."""
    return ROLE_RANK[token.role] >= ROLE_RANK["operator"]
