"""Usage: ``records`` (``UsageEvent``, rows, totals by scope) and ``log`` (the batching writer that keeps
rows off the response path, and the filtered request log ``/api/logs`` shows). Every upstream cost is a
row here; a new report reads these rows."""
