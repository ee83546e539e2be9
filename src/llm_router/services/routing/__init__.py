"""Routing: a model name or route alias becomes a plan, and the plan runs until some model answers.

- ``config``: the routes file (aliases, fallback chains, local-first, cache rules).
- ``plan``: ``Plan`` and ``#no_cloud``; ``router``: the app's one ``Router`` (plan, prepare, start).
- ``run``: a ``RouteRun`` streams the answer, then hands back a frozen ``RouteReport``.
- ``local_first`` (the confidence probe) and ``cache`` (the response cache).

A new route policy is a field of ``RouteSpec`` (``config``) read by ``Router.plan``/``Router.start``.
"""

from llm_router.services.routing.config import RoutesFile, RouteSpec, load_routes
from llm_router.services.routing.plan import NO_CLOUD_TAG, ListedModel, Plan, strip_no_cloud
from llm_router.services.routing.router import Router
from llm_router.services.routing.run import RouteReport, RouteRun

__all__ = [
    "NO_CLOUD_TAG",
    "ListedModel",
    "Plan",
    "RouteReport",
    "RouteRun",
    "RouteSpec",
    "Router",
    "RoutesFile",
    "load_routes",
    "strip_no_cloud",
]
