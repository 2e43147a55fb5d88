"""The hall display: the screen of calls and waiting counts, and the voice that announces calls."""
