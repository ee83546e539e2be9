"""The ``llm-router`` command: ``main`` (``serve``, ``db``, ``secret``), ``users``, ``tokens``, and
``support`` (a database for a sub-command, one-line errors). A new sub-command: a module with a
``register_*_commands(subparsers)`` function, appended to ``main.EXTRA_COMMANDS``."""
