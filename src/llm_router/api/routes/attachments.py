"""``POST /api/media``: attach a photo, PDF or text file to the next chat message (its id goes into the
message's ``attachments``); the file is then served by ``GET /api/media/{id}`` to its owner only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile, status
from pydantic import BaseModel

from llm_router.api.deps import AttachmentsDep, CurrentUser, UserProvidersDep
from llm_router.services.media.attachments import kind_of

router = APIRouter(prefix="/api", tags=["images"])


class AttachmentPublic(BaseModel):
    id: str
    url: str
    kind: str  # image | document
    mime: str
    name: str
    size: int
    width: int
    height: int


@router.post(
    "/media",
    status_code=status.HTTP_201_CREATED,
    summary="Upload an attachment (photo, PDF, text file) for a chat message",
    description=(
        "Multipart: `file`, and optionally `model` (the chat's model: a model that cannot read the file "
        "is refused with 400 before anything is stored, naming models that can). The file joins a "
        "conversation when a message names it. "
        "Images are re-encoded without EXIF and scaled to `LLM_ROUTER_MEDIA_MAX_IMAGE_SIDE`; SVG, HTML "
        "and anything whose bytes are not what they claim get 415; files over "
        "`LLM_ROUTER_MEDIA_MAX_FILE_BYTES` get 413."
    ),
    responses={
        400: {"description": "The chosen model cannot read this kind of file"},
        413: {"description": "The file is larger than the limit"},
        415: {"description": "Not an accepted image, PDF or text file"},
    },
)
async def upload_attachment(
    user: CurrentUser,
    attachments: AttachmentsDep,
    user_providers: UserProvidersDep,
    file: Annotated[UploadFile, File()],
    model: Annotated[str | None, Form(max_length=200)] = None,
) -> AttachmentPublic:
    name = (file.filename or "attachment").rsplit("/", 1)[-1][:120]
    data = await file.read(attachments.limits.max_file + 1)
    providers = await user_providers.for_user(user.id) if model else None
    resolved = providers.resolve(model) if providers is not None and model else None
    row = await attachments.upload(user.id, data, name, model=resolved, providers=providers)
    return AttachmentPublic(
        id=row.id,
        url=f"/api/media/{row.id}",
        kind=kind_of(row.mime),
        mime=row.mime,
        name=name,
        size=row.size,
        width=row.width,
        height=row.height,
    )
