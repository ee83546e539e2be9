"""Translation between the OpenAI / Anthropic wire shapes and the neutral provider types.

One module per client-facing protocol; both produce a ``ChatRequest`` and consume ``StreamEvent``s, so
either protocol reaches either kind of upstream (the provider adapter speaks the upstream's protocol).
"""
