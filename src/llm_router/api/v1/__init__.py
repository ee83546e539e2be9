"""The gateway for other tools: OpenAI- and Anthropic-compatible endpoints under ``/v1``.

- ``router``: the routes the app includes; ``openai`` and ``anthropic``: one module of routes per
  client protocol, with ``openai_translate``/``anthropic_translate``/``anthropic_stream`` turning each
  wire shape into the neutral ``ChatRequest``/``StreamEvent`` and back; ``openai_raw``: embeddings and
  legacy completions (only an OpenAI-protocol upstream serves them); ``paths``: ``HEAD`` preflights and
  unknown ``/v1`` paths (included last).
- ``responses``: OpenAI's Responses API (Codex CLI), with ``responses_translate`` (items ↔ neutral),
  ``responses_stream`` (its event stream) and ``responses_store`` (``store: true``, ``previous_response_id``).
- ``call``: ``RoutedCall`` (plan, start, answer, one usage row from the run's report). A request carries
  the client's own body (``call.raw``): an upstream of the same protocol gets it as sent (pass-through,
  its bytes come back as ``WireBytes``), any other gets the translation.
- ``errors``: every ``/v1`` error in its protocol's shape.

A new ``/v1`` endpoint: a route in the module of its protocol, answering through ``V1Call``.
"""
