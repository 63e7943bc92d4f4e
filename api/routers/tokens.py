"""API tokens, for admins (``/api/v1/tokens``). A secret is shown once, when created.

A token made here belongs to the same person as the admin token that makes it (its user, or its
integration): otherwise one admin could make a "second person" and confirm their own proposal of a
death. Tokens for other users or integrations are made with ``hotline tokens create``.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from api.deps import AdminToken, SessionDep, actor_of
from api.routers.params import TokenId
from api.schemas import BODY_ERRORS, TokenCreated, TokenIn, TokenList, TokenOut, error_responses
from bot.auth import create_token
from db.models import User
from db.repositories import tokens

router = APIRouter(prefix="/api/v1", tags=["tokens"], responses=error_responses(401, 403))


@router.get("/tokens", response_model=TokenList)
def list_tokens(session: SessionDep, _: AdminToken) -> TokenList:
    """Every token (never its secret), revoked ones included. Admin."""
    return TokenList(items=[TokenOut.model_validate(t) for t in tokens.list_tokens(session)])


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenCreated,
             responses=error_responses(*BODY_ERRORS))
def create_api_token(body: TokenIn, session: SessionDep, admin: AdminToken) -> TokenCreated:
    """Create a token of the caller's own person; the response is the only time its secret is shown. Admin."""
    try:
        owner = session.get(User, admin.user_id) if admin.user_id is not None else None
        token, secret = create_token(session, body.name, body.role, actor=actor_of(admin), user=owner,
                                     integration=None if owner is not None else (admin.integration or admin.name),
                                     expires_days=body.expires_days)
    except ValueError as exc:  # e.g. a name of only spaces
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    return TokenCreated(**TokenOut.model_validate(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", response_model=TokenOut, responses=error_responses(404, 422))
def revoke_api_token(token_id: TokenId, session: SessionDep, admin: AdminToken) -> TokenOut:
    """Revoke a token at once (idempotent). Admin."""
    token = tokens.get_token(session, token_id)
    if token is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no token with id {token_id}")
    tokens.revoke_token(session, token, actor=actor_of(admin))
    return TokenOut.model_validate(token)
