"""What the commands and functions share: errors, CPU arguments, formats."""

import functools
import re

import gdb

from . import cpulist, interrupt, target
from ._kvm import KvmError

_INT = re.compile(r"[+-]?(0[xX][0-9a-fA-F]+|\d+)\Z")


def one_line(text):
    lines = [l.strip() for l in str(text).splitlines() if l.strip()]
    return "; ".join(lines) if lines else "error"


def user_errors(method):
    """Turn every failure of a command or function into one gdb.GdbError line.

    GDB prints a GdbError as its message alone: no Python traceback ever
    reaches the user, and GDB stays usable.  Ctrl-C (KeyboardInterrupt) goes
    through untouched so that GDB prints "Quit"; interrupt.check() in the
    loops sees the Ctrl-C that GDB itself would swallow (interrupt.py)."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            with interrupt.watch():
                return method(*args, **kwargs)
        except gdb.GdbError:
            raise
        except KvmError as err:
            raise gdb.GdbError(one_line(err)) from None
        except gdb.error as err:
            raise gdb.GdbError(one_line(err)) from None
        except ValueError as err:
            raise gdb.GdbError(one_line(err)) from None
        except Exception as err:  # a bug: still one line, never a traceback
            raise gdb.GdbError("kgdb-pcpu: internal error: %s: %s"
                               % (type(err).__name__, one_line(err))) from None

    return wrapper


def parse_cpu(text):
    """A CPU id from a command argument: a number or a GDB expression."""
    text = text.strip()
    if not text:
        raise gdb.GdbError("a CPU is required")
    if _INT.match(text):
        return c_int_cpu(int(text, 0))
    try:
        value = gdb.parse_and_eval(text)
    except gdb.error as err:
        raise gdb.GdbError("invalid CPU '%s': %s" % (text, one_line(err))) from None
    return value_to_cpu(value, text)


def value_to_cpu(value, what="CPU"):
    """A CPU id from a gdb.Value of integer type."""
    code = value.type.strip_typedefs().code
    if code not in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_ENUM, gdb.TYPE_CODE_BOOL,
                    gdb.TYPE_CODE_CHAR):
        raise gdb.GdbError("invalid CPU %s: not an integer (type %s)"
                           % (what, value.type))
    return c_int_cpu(int(value))


def c_int_cpu(cpu):
    """cpu, when a C int holds it (the core takes an int); else the error the
    core gives for such a CPU: too big, naming mp_maxcpus, or not found."""
    if cpu > 0x7fffffff:
        raise gdb.GdbError("CPU %d too big (mp_maxcpus is %d)"
                           % (cpu, target.kvm().getmaxcpu()))
    if cpu < -0x80000000:
        raise gdb.GdbError("CPU %d not found" % cpu)
    return cpu


def parse_cpus(text, kd):
    """A CPU list argument ("2", "0-3,8", "all"/"a"): the list of CPU ids.

    A CPU at or beyond mp_maxcpus is refused with the core's own message,
    before the list is built."""
    try:
        cpus = cpulist.parse(text, kd.cpus() if cpulist.is_all(text) else None,
                             limit=kd.getmaxcpu())
    except ValueError as err:
        raise gdb.GdbError(str(err)) from None
    if cpus:
        kd.pcpu_addr(max(cpus))   # KvmError "CPU N too big" past mp_maxcpus
    return cpus


def fmt_p(value):
    """A pointer as the kernel's printf %p prints it: 0, or 0x with hex."""
    value = int(value)
    if value < 0:
        value += 1 << 64
    return "0x%x" % value if value else "0"


def fmt_x(value):
    value = int(value)
    if value < 0:
        value += 1 << 64
    return "0x%x" % value


FORMAT_LETTERS = "xduotacfszr"


def parse_format(arg):
    """Split a leading /FMT off arg: (format letter or None, raw, rest)."""
    arg = arg.lstrip()
    if not arg.startswith("/"):
        return None, False, arg
    end = 1
    while end < len(arg) and not arg[end].isspace():
        end += 1
    letters = arg[1:end]
    rest = arg[end:].lstrip()
    fmt = None
    raw = False
    for letter in letters:
        if letter == "r":
            raw = True
        elif letter in FORMAT_LETTERS and fmt is None:
            fmt = letter
        else:
            raise gdb.GdbError("Undefined output format \"%s\"." % letters)
    return fmt, raw, rest


def _type_prefix(value):
    """The "(type) " that print puts before a pointer (c_value_print)."""
    gtype = value.type
    if gtype.strip_typedefs().code not in (gdb.TYPE_CODE_PTR, gdb.TYPE_CODE_REF):
        return ""
    if gtype.code == gdb.TYPE_CODE_PTR and gtype.name is None:
        target = gtype.target()
        if target.name == "char":
            return ""       # a plain char *: print shows the string alone
    return "(%s) " % gtype


def format_value(value, fmt=None, raw=False):
    """value as print shows it (honours set print pretty and the others)."""
    kwargs = {}
    if fmt is not None:
        kwargs["format"] = fmt
    if raw:
        kwargs["raw"] = True
    text = value.format_string(**kwargs)
    if fmt in (None, "s"):
        text = _type_prefix(value) + text
    return text


def split_options(arg, flags, with_value=()):
    """Leading -x options of arg: (dict of option -> True or its value, rest).

    Flags may be combined (-ve); an option in with_value takes the next word,
    or a quoted string ('struct tcpstat'); "--" ends the options."""
    opts = {}
    rest = arg.lstrip()
    while rest.startswith("-") and len(rest) > 1 and not rest[1].isdigit():
        end = 0
        while end < len(rest) and not rest[end].isspace():
            end += 1
        word = rest[:end]
        rest = rest[end:].lstrip()
        if word == "--":
            break
        letters = word[1:]
        for i, letter in enumerate(letters):
            if letter in with_value:
                if i != len(letters) - 1:
                    raise gdb.GdbError("option -%s needs a value" % letter)
                value, rest = take_word(rest)
                if not value:
                    raise gdb.GdbError("option -%s needs a value" % letter)
                opts[letter] = value
            elif letter in flags:
                opts[letter] = True
            else:
                raise gdb.GdbError("unknown option -%s" % letter)
    return opts, rest


def take_word(text):
    """The first word of text, or its leading quoted string: (word, rest)."""
    text = text.lstrip()
    if not text:
        return "", ""
    if text[0] in "'\"":
        end = text.find(text[0], 1)
        if end < 0:
            raise gdb.GdbError("unterminated quoted string: %s" % text)
        return text[1:end], text[end + 1:].lstrip()
    words = text.split(None, 1)
    if words[0] in ("struct", "union", "enum") and len(words) > 1:
        more = words[1].split(None, 1)
        return words[0] + " " + more[0], more[1] if len(more) > 1 else ""
    return words[0], words[1] if len(words) > 1 else ""


def uint64_type():
    for name in ("uint64_t", "u_int64_t", "unsigned long long"):
        try:
            return gdb.lookup_type(name)
        except gdb.error:
            continue
    return gdb.lookup_type("unsigned long")


def int_type():
    return gdb.lookup_type("int")


def string_arg(value):
    """A Python str from a function argument that is a string literal, or None.

    A literal lives in GDB, not in the program: it has no address.  An array
    of chars that does have one is a program variable, not a name."""
    gtype = value.type.strip_typedefs()
    if gtype.code != gdb.TYPE_CODE_ARRAY:
        return None
    if gtype.target().strip_typedefs().code not in (gdb.TYPE_CODE_INT,
                                                     gdb.TYPE_CODE_CHAR):
        return None
    if gtype.target().sizeof != 1 or value.address is not None:
        return None
    return value.string()
