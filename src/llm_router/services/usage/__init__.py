"""Usage: ``records`` (``UsageEvent``, rows, totals by scope), ``metrics`` (Prometheus counters fed by the
usage rows and the request log) and ``log`` (the batching writer that keeps
rows off the response path, and the filtered request log ``/api/logs`` shows). Every upstream cost is a
row here; a new report reads these rows."""
