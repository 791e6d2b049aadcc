"""Former shared helpers, now re-exported from the model modules.

errors.py (one_line, user_errors), args.py (parse_format, split_options,
take_word, string_arg), fmt.py (fmt_p, fmt_x, format_value), gtypes.py
(uint64_type, int_type) and cpus.py (the CPU grammar).  Kept until every
face imports those directly; then this module is deleted.
"""

from . import cpus
from .args import FORMAT_LETTERS, parse_format, split_options, string_arg, take_word
from .errors import one_line, user_errors
from .fmt import fmt_p, fmt_x, format_value
from .gtypes import int_type, uint64_type

__all__ = ["FORMAT_LETTERS", "parse_format", "split_options", "string_arg",
           "take_word", "one_line", "user_errors", "fmt_p", "fmt_x",
           "format_value", "int_type", "uint64_type", "parse_cpu",
           "parse_cpus", "value_to_cpu"]


def parse_cpu(text):
    """cpus.parse_one(text)."""
    return cpus.parse_one(text)


def parse_cpus(text, _kd=None):
    """cpus.parse(text)."""
    return cpus.parse(text)


def value_to_cpu(value, what="CPU"):
    """cpus.resolve(cpus.from_value(value, what))."""
    return cpus.resolve(cpus.from_value(value, what))
