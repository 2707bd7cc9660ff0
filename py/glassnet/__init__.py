"""Glassnet: a small, readable, pure-NumPy neural network trainer.

The same package runs natively and inside Pyodide; it imports only NumPy and the standard library.
"""

__version__ = "0.1.0"
