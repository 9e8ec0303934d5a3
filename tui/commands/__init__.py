"""The subcommands of ``vardia``, one module per area."""
