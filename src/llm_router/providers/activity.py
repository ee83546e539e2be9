"""What the catalog needs to know of a provider's chat calls, kept by each adapter.

Local servers (llama.cpp's by default) interrupt a running answer when another request arrives, a
``/models`` listing included: so the catalog must not list a local provider while one of its answers is
streaming. And a provider whose listing failed (a local server started after the router) is back as soon
as a chat call through it succeeds, without waiting for the next listing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(slots=True)
class CallActivity:
    running: int = 0  # answers streaming from this provider now
    last_success: float | None = None  # time.monotonic() of the last call the server accepted

    def succeeded(self) -> None:
        self.last_success = time.monotonic()

    def succeeded_since(self, moment: float) -> bool:
        return self.last_success is not None and self.last_success > moment
