"""Attachments in the chat's turns: how a user message's ``parts`` (references to files in the media
store) go upstream, which models may receive them, and how they follow a copied conversation.

A user message keeps its attachments in ``Message.parts`` as ``{"type": "image" | "document",
"media_id", "mime", "name", "size", "width", "height"}``. The turn's history carries them as parts whose
URL/data is ``media:<id>``; the job's ``AttachmentLoader`` (the media room's) swaps in the bytes just
before the call, sized for the protocol. Whether a model may see images is decided here, before anything
is stored: a model the catalog knows to be text-only is refused, naming models that can see; a local
model the catalog does not know is allowed (its server answers for itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from llm_router.core.errors import AppError
from llm_router.core.ids import new_id
from llm_router.db.models import MediaFile, Message
from llm_router.providers.base import ContentPart, DocumentPart, ImagePart, TextPart
from llm_router.providers.capabilities import RULES, bare_model_id, capabilities_for, fallback_models
from llm_router.providers.registry import ProviderRegistry, ResolvedModel
from llm_router.services.routing import Plan

MEDIA_PREFIX = "media:"
PDF = "application/pdf"


class AttachmentLoader(Protocol):
    async def resolve(self, owner_id: str, plan: Plan) -> Plan:
        """``plan`` with every ``media:<id>`` part replaced by the file's content."""
        ...


class ModelCannotSee(AppError):
    code = "model_cannot_see"


def user_content(message: Message) -> str | list[ContentPart]:
    """A user message as sent upstream: its text, then its attachments as ``media:`` parts."""
    if not message.parts:
        return message.content
    parts: list[ContentPart] = [TextPart(message.content)] if message.content else []
    for part in message.parts:
        if not isinstance(part, dict) or "media_id" not in part:
            continue
        ref = f"{MEDIA_PREFIX}{part['media_id']}"
        if part.get("type") == "image":
            parts.append(ImagePart(ref, str(part.get("mime") or "image/jpeg")))
        else:
            parts.append(DocumentPart(ref, str(part.get("mime")), str(part.get("name") or "document")))
    return parts


def _known(model_id: str) -> bool:
    bare = bare_model_id(model_id)
    wanted = model_id.lower()
    return any(p.search(bare) for p, _ in RULES) or any(e.id.lower() == wanted for e in fallback_models())


def sees_images(model: ResolvedModel) -> bool:
    """True when the model takes image input; an unknown local model is given the benefit of the doubt."""
    return model.capabilities.vision or (model.is_local and not _known(model.model_id))


def reads_pdf(model: ResolvedModel) -> bool:
    """PDFs go to vision models of OpenAI (``file`` parts) and Anthropic (``document`` blocks); local
    OpenAI-compatible servers do not take ``file`` parts."""
    return sees_images(model) and not model.is_local and model.provider.protocol in ("openai", "anthropic")


def vision_models(providers: ProviderRegistry, limit: int = 6) -> list[str]:
    """Models of the user's providers that can see images, for the refusal's suggestion."""
    found = [i for i in providers.available_ids() if capabilities_for(bare_model_id(i)).vision]
    return found[:limit]


def refuse_unseeing(model: ResolvedModel, providers: ProviderRegistry, what: str) -> ModelCannotSee:
    offer = vision_models(providers)
    hint = (
        f"; pick one that can, e.g. {', '.join(offer)}" if offer else "; add a provider with a vision model"
    )
    return ModelCannotSee(
        f"{model.id} cannot read {what}{hint} (/model …). Nothing was sent or stored.",
    )


def check_plan(plan: Plan, providers: ProviderRegistry) -> None:
    """Refuse (400) a plan whose first model cannot take the attachments on the path it sends."""
    kinds = {type(p) for m in plan.request.messages if isinstance(m.content, list) for p in m.content}
    pdfs = any(
        isinstance(p, DocumentPart) and p.media_type == PDF
        for m in plan.request.messages
        if isinstance(m.content, list)
        for p in m.content
    )
    for model in (plan.local, *plan.chain):
        if model is None:
            continue
        if ImagePart in kinds and not sees_images(model):
            raise refuse_unseeing(model, providers, "images")
        if pdfs and not reads_pdf(model):
            raise refuse_unseeing(model, providers, "PDF documents")


def media_ids(parts: Iterable[Any]) -> list[str]:
    return [str(p["media_id"]) for p in parts if isinstance(p, dict) and p.get("media_id")]


async def link_to_conversation(
    session: AsyncSession, conversation_id: str, parts: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The parts of a new user message, their files now belonging to ``conversation_id`` (a file first
    uploaded elsewhere, or sent again from another conversation, gets a row of its own)."""
    if not parts:
        return []
    rows = {
        r.id: r
        for r in (
            await session.execute(select(MediaFile).where(MediaFile.id.in_(media_ids(parts))))
        ).scalars()
    }
    linked = []
    for part in parts:
        row = rows.get(str(part.get("media_id")))
        if row is None:
            continue
        if row.conversation_id is None:
            row.conversation_id = conversation_id
        elif row.conversation_id != conversation_id:
            row = _copy_row(row, conversation_id)
            session.add(row)
        linked.append({**part, "media_id": row.id})
    return linked


def _copy_row(row: MediaFile, conversation_id: str) -> MediaFile:
    return MediaFile(
        id=new_id(),
        owner_id=row.owner_id,
        conversation_id=conversation_id,
        sha256=row.sha256,
        mime=row.mime,
        size=row.size,
        width=row.width,
        height=row.height,
        source=row.source,
    )


async def copy_media(session: AsyncSession, source_id: str, copies: Iterable[Message]) -> None:
    """Give a copied conversation (clone, branch) its own rows for the files its messages show, so
    deleting the original does not take them; the files themselves are shared (content-addressed)."""
    copied = list(copies)
    if not copied:
        return
    rows = (await session.execute(select(MediaFile).where(MediaFile.conversation_id == source_id))).scalars()
    new_ids: dict[str, str] = {}
    target = copied[0].conversation_id
    for row in rows:
        if any(
            row.id in (m.content or "") or row.id in str(m.parts) or row.id in str(m.params) for m in copied
        ):
            fresh = _copy_row(row, target)
            session.add(fresh)
            new_ids[row.id] = fresh.id
    for message in copied:
        for old, new in new_ids.items():
            if old in (message.content or ""):
                message.content = message.content.replace(f"/api/media/{old}", f"/api/media/{new}")
        if message.parts:
            message.parts = [
                {**p, "media_id": new_ids.get(str(p.get("media_id")), p.get("media_id"))}
                if isinstance(p, dict)
                else p
                for p in message.parts
            ]
        images = (message.params or {}).get("images")
        if isinstance(images, list):
            message.params = {**message.params, "images": [new_ids.get(str(i), i) for i in images]}
