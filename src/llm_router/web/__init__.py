"""The built web app. ``dist/`` is produced by ``npm run build`` in ``frontend/``."""

from pathlib import Path

WEB_DIST = Path(__file__).parent / "dist"
