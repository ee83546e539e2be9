"""``/api/images/generate`` (a picture into a conversation, the web app's ``/image``) and
``/api/media/{id}`` (a stored image, for its owner only)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from llm_router.api.deps import CurrentUser, DeviceId, ImagesDep, MediaDep, ReaderId, UserProvidersDep
from llm_router.providers.images import ImageRequest

router = APIRouter(prefix="/api", tags=["images"])


class ImageGenerate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, max_length=32_000)
    model: str | None = Field(default=None, max_length=200, description="default: the first image model")
    n: int = Field(default=1, ge=1, le=10)
    size: str | None = Field(default=None, max_length=20, examples=["1024x1024"])
    quality: str | None = Field(default=None, max_length=20, examples=["standard", "hd", "low", "high"])
    conversation_id: str | None = Field(default=None, max_length=32, description="add the exchange to it")


class ImagePublic(BaseModel):
    id: str
    url: str
    width: int
    height: int
    revised_prompt: str | None


class ImageGenerated(BaseModel):
    model: str
    provider: str
    images: list[ImagePublic]
    cost: float | None
    user_message_id: str | None
    assistant_message_id: str | None


@router.post(
    "/images/generate", summary="Generate images with the user's keys (and add them to a conversation)"
)
async def generate_image(
    body: ImageGenerate,
    user: CurrentUser,
    images: ImagesDep,
    user_providers: UserProvidersDep,
    device_id: DeviceId,
) -> ImageGenerated:
    answer = await images.generate(
        user.id,
        await user_providers.for_user(user.id),
        body.model,
        ImageRequest(body.prompt, body.n, body.size, body.quality),
        source="images",
        conversation_id=body.conversation_id,
        device_id=device_id,
    )
    revised = answer.generated.revised_prompts
    return ImageGenerated(
        model=answer.model.id,
        provider=answer.model.provider.name,
        images=[
            ImagePublic(id=f.id, url=f"/api/media/{f.id}", width=f.width, height=f.height, revised_prompt=r)
            for f, r in zip(answer.files, revised, strict=True)
        ],
        cost=answer.generated.cost,
        user_message_id=answer.user_message_id,
        assistant_message_id=answer.assistant_message_id,
    )


@router.get(
    "/media/{media_id}",
    summary="A stored image (its owner only; others get 404)",
    response_class=FileResponse,
    responses={404: {"description": "No such image for this user"}},
)
async def get_media(media_id: str, reader_id: ReaderId, media: MediaDep) -> FileResponse:
    row, path = await media.get(reader_id, media_id)
    extension = path.suffix
    kind = "image" if row.mime.startswith("image/") else "document"
    return FileResponse(
        path,
        media_type=f"{row.mime}; charset=utf-8" if row.mime == "text/plain" else row.mime,
        headers={
            "Content-Disposition": f'inline; filename="{kind}-{row.id}{extension}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=31536000, immutable",
        },
    )
