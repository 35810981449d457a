"""Running a program: after-session check-ins, pair health, nudges and sponsor reports.

The rules work on plain facts (``facts.py``) so they can be tested with a simulated
clock; storage adapters turn database rows into those facts.
"""
