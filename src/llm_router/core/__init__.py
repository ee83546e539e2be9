"""What every layer shares and nothing else: settings (``settings``; a new setting is a field there,
documented in the README's configuration table, which a test checks), the error tree (``errors``), ids
and clocks (``ids``), and logging with redaction (``logging``). Imports nothing of the package."""
