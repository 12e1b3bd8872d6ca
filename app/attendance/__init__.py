"""Attendance and rostering engine: pure functions over frozen dataclasses, no database.

Modules
- ``shifts``    shift types (times that may cross midnight, night/duty/rest flags), TOML defaults
- ``calendar``  statutory holidays, moved rest days and 调休 working days (``holidays_cn.toml``)
- ``roster``    the staff × day grid of one ward and month, cycle templates, week copy, leave
- ``rules``     the roster rule checker: every violation with its cell
- ``solver``    automatic roster generation with OR-Tools CP-SAT and infeasibility diagnosis
- ``clock``     attendance-machine exports (CSV/Excel) → validated punches with import keys
- ``attach``    punch → rostered shift attachment (by shift, never by calendar date)
- ``daily``     per person per day figures; ``summary`` the monthly summary and adjustments
- ``leave``     annual-leave entitlement and balances
- ``inrc2``     INRC-II benchmark instances (parser, CP-SAT model, penalty)
"""
