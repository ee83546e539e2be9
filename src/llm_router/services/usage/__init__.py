"""Usage: ``records`` (``UsageEvent``, rows, totals by scope) and ``log`` (the batching writer that keeps
rows off the response path, and the filtered request log ``/api/logs`` shows); ``estimate`` counts tokens
when the upstream reports none (marked ``estimated``). Every upstream cost is a
row here; a new report reads these rows."""
