"""CPU lists as crash and drgn write them: "2", "0-3,8", "all" or "a".

Pure Python (no gdb), so that it is usable and testable anywhere.
"""

import re

ALL = ("all", "a")
_ITEM = re.compile(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?\Z")
# No kernel has more CPUs: the core refuses a larger mp_maxcpus as corrupt.
CPU_LIMIT = 65536


def is_all(text):
    return text.strip().lower() in ALL


def parse(text, present=None, limit=None):
    """The CPUs of text, in the order and with the repeats removed.

    "all"/"a" needs present, the list of present CPUs, and returns it.
    limit is mp_maxcpus: a CPU at or beyond it is refused, naming it, before
    any list is built (so "0-99999999999" costs nothing).  Raises ValueError
    with a one-line message for a malformed list.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty CPU list")
    if is_all(text):
        if present is None:
            raise ValueError("'all' needs the list of present CPUs")
        return list(present)
    cpus = []
    seen = set()
    for item in text.split(","):
        match = _ITEM.match(item)
        if match is None:
            raise ValueError("invalid CPU list '%s': '%s' is not N or N-M"
                             % (text, item.strip()))
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if last < first:
            raise ValueError("invalid CPU list '%s': range %d-%d is reversed"
                             % (text, first, last))
        if limit is not None and last >= limit:
            raise ValueError("CPU %d too big (mp_maxcpus is %d)"
                             % (last, limit))
        if last >= CPU_LIMIT:
            raise ValueError("CPU %d too big" % last)
        for cpu in range(first, last + 1):
            if cpu not in seen:
                seen.add(cpu)
                cpus.append(cpu)
    return cpus


def format_list(cpus):
    """"0-3,8-11" for [0, 1, 2, 3, 8, 9, 10, 11] (sorted, repeats dropped)."""
    ids = sorted(set(int(c) for c in cpus))
    parts = []
    i = 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        parts.append(str(ids[i]) if i == j else "%d-%d" % (ids[i], ids[j]))
        i = j + 1
    return ",".join(parts)
