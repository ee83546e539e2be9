"""``/api/tokens``: the signed-in user's API tokens for the ``/v1`` endpoints (shown once on creation)."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from llm_router.api.deps import CurrentUser, DatabaseDep
from llm_router.core.ids import utcnow
from llm_router.services.accounts import tokens as token_service

router = APIRouter(prefix="/api/tokens", tags=["tokens"])


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=100, description="A label to tell tokens apart.")
    expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="Refused after this many days; leave out for no expiry."
    )


class TokenPublic(BaseModel):
    id: str
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it.")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None = Field(description="Refused from then on; null: never.")

    @classmethod
    def of(cls, info: token_service.TokenInfo) -> TokenPublic:
        return cls(
            id=info.id,
            name=info.name,
            prefix=info.prefix,
            created_at=info.created_at,
            last_used_at=info.last_used_at,
            revoked_at=info.revoked_at,
            expires_at=info.expires_at,
        )


class TokenCreated(TokenPublic):
    token: str = Field(description="The token itself: shown this once, only its hash is kept.")


class TokenList(BaseModel):
    items: list[TokenPublic]


@router.get("", summary="List my API tokens")
async def list_tokens(user: CurrentUser, db: DatabaseDep) -> TokenList:
    return TokenList(items=[TokenPublic.of(t) for t in await token_service.list_tokens(db, user.id)])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create an API token (shown once)")
async def create_token(body: TokenCreate, user: CurrentUser, db: DatabaseDep) -> TokenCreated:
    expires_at = utcnow() + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    info, plain = await token_service.create_token(db, user.id, body.name, expires_at)
    return TokenCreated(**TokenPublic.of(info).model_dump(), token=plain)


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke an API token")
async def revoke_token(token_id: str, user: CurrentUser, db: DatabaseDep) -> None:
    await token_service.revoke_token(db, user.id, token_id)
