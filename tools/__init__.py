"""Helpers for build.py: one module per job (pins, fetching, vendoring, data, site, server, tests).

Standard library only, so that `python build.py` works on a bare Python 3.11+.
"""
