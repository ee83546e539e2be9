"""Scheduled prompts: a prompt with a cron schedule in the user's time zone, run exactly once per slot
across replicas, its answer appended to the schedule's own conversation.

- ``timing``: cron expressions and simple forms ("every weekday at 07:00") → next slots (``cronsim``).
- ``store``: a user's schedules (create with a conversation of its own, list, edit, pause, delete).
- ``scheduler``: the loop that claims each due slot with one conditional UPDATE and starts its turn.
"""

from llm_router.services.schedules.scheduler import Scheduler
from llm_router.services.schedules.store import ScheduleFields, ScheduleView
from llm_router.services.schedules.timing import SIMPLE_FORMS, describe

__all__ = ["SIMPLE_FORMS", "ScheduleFields", "ScheduleView", "Scheduler", "describe"]
