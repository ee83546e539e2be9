"""One module per ``/api`` resource, each with ``router = APIRouter(prefix=..., tags=[...])``."""
