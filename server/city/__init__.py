"""The city view: every hall's journal and tickets gathered on PostgreSQL, reported together.

Each hall keeps running alone on its own SQLite; an exporter beside it (``hallcall export``,
:mod:`.export`) ships its rows to PostgreSQL, and the city report (:mod:`.report`) runs the hall
report's own definitions (:mod:`hallcall.server.reports`) over them.  Nothing here imports a
PostgreSQL driver: the launchers (hallcall.launch.export, hallcall.launch.city) open the
connections (psycopg 3, the ``city`` extra) and hand them in, so the server layer keeps to its
own libraries.  docs/city.md tells how to set it up.
"""
