"""GUI tests (pytest-qt): wiring and rendering of console.ui, never workflow rules."""
