"""Scheduled prompts: a prompt or preset with a cron schedule in the user's time zone, run exactly once per
slot across replicas, its answer appended to the schedule's own conversation."""
