"""What the three Qt programs (kiosk, counter, display) share: the link to the server that
runs off the Qt thread, and the application set-up (fonts, offscreen checks)."""
