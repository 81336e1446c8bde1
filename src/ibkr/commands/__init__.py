"""The ``ibkr`` subcommands, one module each (``add_arguments(parser)``, ``run(args) -> int``),
registered in ``ibkr.cli.SUBCOMMANDS``; ``common`` holds what they share (connection flags, exit
codes, tables, JSON)."""
