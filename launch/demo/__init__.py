"""``hallcall demo``: the demo hall in one command, on a desktop or headless.

hall.py prepares the demo hall's server (a fresh data folder, its clerks signed up),
desktop.py opens the programs on screen, headless.py plays a simulated morning and writes
what it saw to a folder.
"""
