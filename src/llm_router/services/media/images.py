"""Generating images for a user: pick the image model, ask it, keep the pictures, count the cost.

Used by ``POST /api/images/generate`` (and the web app's ``/image``), which also adds the exchange to a
conversation, and by ``POST /v1/images/generations`` for other clients. Either way the images are
stored (re-encoded, owner-scoped) and one usage row records the call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from sqlalchemy import select

from llm_router.core.errors import AppError, NotFound
from llm_router.core.ids import new_id, utcnow
from llm_router.db.engine import Database
from llm_router.db.models import Conversation, MediaFile, Message
from llm_router.providers.images import GeneratedImages, ImageRequest, generate_images
from llm_router.providers.registry import ProviderRegistry, ResolvedModel
from llm_router.services.chat.conversations import load_messages, tree_of
from llm_router.services.media.store import MediaStore
from llm_router.services.usage.records import UsageEvent, add_usage, record_usage

DEFAULT_IMAGE_MODELS = ("gpt-image-1", "dall-e-3", "gpt-image-1-mini", "dall-e-2")


@dataclass(frozen=True, slots=True)
class ImageAnswer:
    model: ResolvedModel
    generated: GeneratedImages
    files: tuple[MediaFile, ...]
    latency_ms: int
    user_message_id: str | None = None
    assistant_message_id: str | None = None


def image_model(providers: ProviderRegistry, name: str | None) -> ResolvedModel:
    """The model asked for, or the first well-known image model a configured provider serves."""
    if name:
        return providers.resolve(name)
    for candidate in DEFAULT_IMAGE_MODELS:
        try:
            return providers.resolve(candidate)
        except AppError:
            continue
    raise AppError(
        "no image model is available: configure OpenAI (OPENAI_API_KEY) or name a model that makes images",
        code="model_not_found",
    )


def image_markdown(files: tuple[MediaFile, ...], revised: tuple[str | None, ...], prompt: str) -> str:
    lines = [f"![{_alt(prompt)}](/api/media/{f.id})" for f in files]
    notes = [r for r in revised if r and r.strip() != prompt.strip()]
    if notes:
        lines.append("")
        lines.append(f"*Revised prompt:* {notes[0]}")
    return "\n".join(lines)


def _alt(prompt: str) -> str:
    text = " ".join(prompt.replace("[", "(").replace("]", ")").split())
    return text[:120]


class ImageService:
    def __init__(self, db: Database, store: MediaStore) -> None:
        self.db = db
        self.store = store

    async def generate(
        self,
        owner_id: str,
        providers: ProviderRegistry,
        model_name: str | None,
        request: ImageRequest,
        *,
        source: str,
        conversation_id: str | None = None,
        api_token_id: str | None = None,
        device_id: str | None = None,
    ) -> ImageAnswer:
        if conversation_id is not None:
            await self._own_conversation(owner_id, conversation_id)
        model = image_model(providers, model_name)
        started = time.perf_counter()
        try:
            generated = await generate_images(model, request)
        except Exception as exc:
            await record_usage(
                self.db, self._event(owner_id, model, None, source, api_token_id, device_id, exc)
            )
            raise
        latency = int((time.perf_counter() - started) * 1000)
        files = tuple(
            [
                await self.store.save(owner_id, data, source="generated", conversation_id=conversation_id)
                for data in generated.images
            ]
        )
        answer = ImageAnswer(model, generated, files, latency)
        if conversation_id is None:
            await record_usage(
                self.db, self._event(owner_id, model, answer, source, api_token_id, device_id, None)
            )
            return answer
        event = self._event(owner_id, model, answer, source, api_token_id, device_id, None)
        return await self._add_to_conversation(owner_id, conversation_id, request.prompt, answer, event)

    async def _own_conversation(self, owner_id: str, conversation_id: str) -> None:
        async with self.db.read() as session:
            found = await session.scalar(
                select(Conversation.id).where(
                    Conversation.id == conversation_id, Conversation.owner_id == owner_id
                )
            )
        if found is None:
            raise NotFound("conversation not found")

    def _event(
        self,
        owner_id: str,
        model: ResolvedModel,
        answer: ImageAnswer | None,
        source: str,
        api_token_id: str | None,
        device_id: str | None,
        failure: Exception | None,
    ) -> UsageEvent:
        generated = answer.generated if answer else None
        return UsageEvent(
            owner_id=owner_id,
            source=source,
            provider=model.provider.name,
            model=model.id,
            requested_model=model.id,
            api_token_id=api_token_id,
            device_id=device_id,
            tokens_in=generated.tokens_in if generated else 0,
            tokens_out=generated.tokens_out if generated else 0,
            cost=generated.cost if generated else 0.0,
            latency_ms=answer.latency_ms if answer else None,
            status="ok" if failure is None else "error",
            error_kind=getattr(failure, "kind", None) or getattr(failure, "code", None),
            attempts=[{"model": model.id, "provider": model.provider.name, "images": len(answer.files)}]
            if answer
            else [],
        )

    async def _add_to_conversation(
        self, owner_id: str, conversation_id: str, prompt: str, answer: ImageAnswer, event: UsageEvent
    ) -> ImageAnswer:
        """The exchange as two messages under the active leaf (the prompt, then the pictures)."""
        generated = answer.generated
        async with self.db.write() as session:
            conversation = await session.scalar(
                select(Conversation)
                .where(Conversation.id == conversation_id, Conversation.owner_id == owner_id)
                .with_for_update()
            )
            if conversation is None:
                raise NotFound("conversation not found")
            tree = tree_of(await load_messages(session, conversation_id))
            path = tree.active_path(conversation.active_leaf_id)
            user = Message(
                id=new_id(),
                conversation_id=conversation_id,
                owner_id=owner_id,
                parent_id=path[-1] if path else None,
                role="user",
                content=f"/image {prompt}",
                device_id=event.device_id,
            )
            assistant = Message(
                id=new_id(),
                conversation_id=conversation_id,
                owner_id=owner_id,
                parent_id=user.id,
                role="assistant",
                status="complete",
                content=image_markdown(answer.files, generated.revised_prompts, prompt),
                model=answer.model.id,
                provider=answer.model.provider.name,
                tokens_in=generated.tokens_in,
                tokens_out=generated.tokens_out,
                cost=generated.cost,
                latency_ms=answer.latency_ms,
                finish_reason="stop",
                params={
                    "kind": "image",
                    "prompt": prompt,
                    "images": [f.id for f in answer.files],
                    "revised_prompts": list(generated.revised_prompts),
                },
                device_id=event.device_id,
            )
            if not path and not conversation.title:
                conversation.title = _alt(prompt)[:60] or "Image"
            conversation.message_count += 2
            conversation.active_leaf_id = assistant.id
            conversation.total_cost += generated.cost or 0.0
            conversation.updated_at = utcnow()
            session.add_all([user, assistant])
            await session.flush()
            add_usage(session, replace(event, conversation_id=conversation_id, message_id=assistant.id))
        return ImageAnswer(answer.model, generated, answer.files, answer.latency_ms, user.id, assistant.id)
