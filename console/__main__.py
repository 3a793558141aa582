"""``python -m console`` is ``citydesk``."""

from console.cli.main import main

raise SystemExit(main())
