"""Images: generated ones (``images``: ``/image``, ``POST /api/images/generate``,
``POST /v1/images/generations``) and the file store they live in (``store``: content-addressed files in
the data dir, re-encoded, owner-scoped rows in ``media_files``). Attachments and voice join this room."""
