"""Provider keys: the encrypted vault (``vault``) under a master key (``master_key``, ``rotation``);
changing keys end to end (``provider_keys``: vault, instance registry, users' views); each user's
view of the providers (``user_providers``); trying a key (``key_check``); the SSRF guard for custom
endpoints (``ssrf``: the address policy; ``ssrf_client``: the HTTP client that enforces it)."""
