"""What a user keeps for reuse across conversations: saved prompts with ``{{variables}}``, presets (model,
reasoning, temperature, system prompt) and memories (facts accepted by the user that join the system prompt
of new conversations)."""
