"""HTTP: ``app`` (``create_app``), ``services`` (the composition root: ``AppServices`` built by
``open_services``), ``deps`` (typed ``Annotated`` dependencies reading it), ``errors`` (the ``/api``
error shape), ``security``/``protection``/``middleware``; ``routes/`` (one module per ``/api``
resource) and ``v1/`` (the gateway). A new ``/api`` endpoint: a route in ``routes/<resource>.py``,
included in ``app._include_routers``, with ``XCreate``/``XPublic`` schemas in ``schemas``."""
