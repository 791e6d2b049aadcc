"""The parts of a command's argument: /FMT, -options, words, string literals."""

import gdb

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


def string_arg(value):
    """A Python str from a function argument that is a string literal, or None.

    A literal (or a convenience variable holding one) arrives as an array of
    chars that lives in GDB; a program's char array is in its memory (a
    variable's arrives as a pointer, a member's as an array).  Asked for its
    address, an array that lives in GDB is first copied into a live program
    with a call of its malloc, so its first element is asked instead: only an
    element in the program's memory has one."""
    gtype = value.type.strip_typedefs()
    if gtype.code != gdb.TYPE_CODE_ARRAY:
        return None
    if gtype.target().strip_typedefs().code not in (gdb.TYPE_CODE_INT,
                                                     gdb.TYPE_CODE_CHAR):
        return None
    if gtype.target().sizeof != 1:
        return None
    try:
        if value[0].address is not None:
            return None
    except gdb.error:
        return None
    return value.string()
