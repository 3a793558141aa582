"""The wall screen (大屏): a read-only, full-screen dashboard for the command centre's hall.

:class:`~console.ui.wall.window.WallWindow` is the window; :func:`console.ui.wall.start.run_wall`
opens it (``citydesk wall``).  The figures come from :func:`console.services.wall.wall_data`.
"""

from __future__ import annotations

from console.ui.wall.window import WallWindow

__all__ = ["WallWindow"]
