"""dpcpu-print's text without GDB: the one implementation of its lines that
the GDB command (cmd_dpcpu.py) and the command line (cli.py) share.

Each CPU's value is the target's text (print's in GDB, elftypes.py's in
the command line); this module writes the line around it, why a copy has
no value, and -s's total, min and max over the CPUs printed, with the
CPUs whose copy could not be read ("partial").
"""

from . import cpus, intfmt


def unreadable(name, cpu, size, addr):
    """Why CPU cpu's copy of the variable name (size bytes at addr, where
    dpcpu_off[cpu] puts it) has no value."""
    return ("cannot read CPU %d's copy of %s (%d bytes at 0x%x)"
            % (cpu, name, size, addr))


def line(cpu, text, error=None):
    """The line of a present CPU: "cpu N: VALUE", or "cpu N: <error: WHY>"
    when error says why its copy has no value."""
    if error is not None:
        return "cpu %d: <error: %s>" % (cpu, error)
    return "cpu %d: %s" % (cpu, text)


class Stats:
    """-s over the CPUs printed: the total of numbers [(cpu, number)] (in
    the order printed), the CPU of the smallest and of the largest (the
    first CPU of equal numbers wins), and the present CPUs whose copy
    could not be read, which the total leaves out."""

    def __init__(self, numbers, unreadable_cpus):
        self.total = sum(number for _cpu, number in numbers)
        self.low = min(numbers, key=lambda row: row[1]) if numbers else None
        self.high = max(numbers, key=lambda row: row[1]) if numbers else None
        self.partial = list(unreadable_cpus)

    def lines(self, letter, radix, show):
        """"total: N" (with "(partial: CPU C unreadable)"), "min: V (cpu C)"
        and "max: V (cpu C)"; show(cpu) is the text of CPU cpu's value as
        its line shows it, letter a print/FMT letter or None, radix
        output-radix."""
        total = self.total
        number = letter if letter and letter in intfmt.INTEGER_FORMATS else None
        size = 8 if -(1 << 63) <= total < 1 << 64 else 16
        out = ["total: %s" % intfmt.integer(total, number, size, total < 0,
                                            radix)]
        if self.partial:
            out[0] += " (partial: CPU %s unreadable)" % cpus.format_list(
                self.partial)
        if self.low is not None:
            out.append("min: %s (cpu %d)" % (show(self.low[0]), self.low[0]))
            out.append("max: %s (cpu %d)" % (show(self.high[0]), self.high[0]))
        return out

    def document(self):
        """-s's part of the JSON document: total, partial, min and max."""
        doc = {"total": self.total}
        if self.partial:
            doc["partial"] = self.partial
        if self.low is not None:
            doc["min"] = {"cpu": self.low[0], "value": self.low[1]}
            doc["max"] = {"cpu": self.high[0], "value": self.high[1]}
        return doc


def document(variable, path, values, stats=None, type_name=None):
    """dpcpu-print -json's document (a dict for json.dumps): values is
    [(cpu, value, error)] in the order printed, error (absent, or an
    unreadable copy) None where there is a value; stats the Stats of -s;
    type_name the C type of the value, where the target names it."""
    doc = {"variable": variable, "path": path}
    if type_name is not None:
        doc["type"] = type_name
    doc["cpus"] = [{"cpu": cpu, "value": value} if error is None
                   else {"cpu": cpu, "error": error}
                   for cpu, value, error in values]
    if stats is not None:
        doc.update(stats.document())
    return doc
