"""The launchers: the `hallcall` command line, the demo hall and the hall simulator.

They sit above every program and the server, and start them; nothing below imports them."""
