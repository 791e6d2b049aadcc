"""The error of the GDB-free models that the GDB commands and the command
line share (counters.py, vnets.py, dpcpufmt.py).

A ValueError: GDB's user_errors (errors.py) prints it as one line, as it
does the CPU grammar's CpuSyntaxError, and the command line prints it as
its other errors (cli.py).
"""


class ModelError(ValueError):
    """What was asked cannot be answered: one line for the user."""
