"""The ticket kiosk: the touch screen where visitors take a number, and its ticket printer.

Printing lives in small modules so the UI can stay ignorant of ESC/POS: ``ticket`` lays a ticket
out as printer bytes, ``printer`` sends bytes to a device with bounded waits, ``print_worker``
keeps that off the Qt thread, and ``virtual_printer`` turns the bytes back into text and a PNG.
"""
