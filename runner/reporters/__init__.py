"""Ways to show a run: the streaming console, and (later) JUnit, JSON and HTML reports."""
