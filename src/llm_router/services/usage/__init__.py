"""Usage: ``records`` (``UsageEvent``, rows, totals by scope), ``metrics`` (Prometheus counters fed by the
usage rows and the request log), ``log`` (the batching writer that keeps rows off the response path, and
the filtered request log ``/api/logs`` shows) and ``estimate`` (tokens counted when the upstream reports
none, marked ``estimated``). Every upstream cost is a
row here; a new report reads these rows."""
