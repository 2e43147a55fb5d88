"""The hall simulator: a seeded day of visitors and clerks, played against a real server.

plan.py decides the day (arrivals, services, how each visitor behaves), clock.py keeps time
with the server's simulated clock, clerk.py is one clerk at a counter, runner.py runs them all
over the protocol, and figures.py reads what happened back from the hall's database.
"""
