"""``python -m console`` is ``citydesk``."""

from console.cli import main

raise SystemExit(main())
