"""Running the instance: backups (``backup``: a consistent copy of the SQLite database plus the master key,
and restoring one), the lock a server holds on its database while it runs (``server_lock``), scheduled
backups with retention (``schedule``) and the Prometheus metrics (``metrics``)."""
