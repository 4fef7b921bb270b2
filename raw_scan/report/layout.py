"""Width-aware terminal tables: choose the columns that fit, never cut a value.

A :class:`FitTable` is a rich renderable built from :class:`Column` specs and rows of cells
(``str`` or :class:`rich.text.Text`). When it is printed it looks at the width it is given and:

1. shows every column at its natural width (the widest cell or header) when that fits;
2. otherwise leaves out optional columns, lowest ``priority`` first (ties: the rightmost first),
   until the rest fits; a wrapping column (``wrap=True``) may first narrow to its ``min_width``,
   breaking its text at spaces only;
3. never leaves out a ``required`` column; if the required columns alone do not fit, wrapping
   columns narrow down to their longest word, and below that the table is wider than the
   terminal rather than cutting a value;
4. says in its caption which columns it left out and how to see them (a wider terminal, or
   ``--format csv``).

Numbers and other non-wrapping cells are always shown whole: no ``0.…``. Headers are never
wrapped or cut either. Columns are separated by two spaces; there is no outer border, so a table
of natural width ``w`` takes exactly ``w`` characters.

Usage (``width=None`` renders every column whole)::

    from raw_scan.report.layout import Column, FitTable

    table = FitTable(
        [
            Column("Material", wrap=True, required=True),
            Column("Score", justify="right", priority=90),
            Column("Source", priority=10),
        ],
        [["Natural graphite", "0.64", "IEA 2023"]],
        title="Li-ion batteries",
        notes=["* the link is inferred"],
    )
    console.print(table)            # fits the console's width
    table.layout(80).dropped        # the column headers it would leave out at 80 characters
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

Cell = str | Text

GAP = 2  # characters between two columns
HINT = "widen the terminal (COLUMNS={natural}) or use --format csv to see them"


@dataclass(frozen=True)
class Column:
    """One column of a :class:`FitTable`.

    ``priority``: optional columns with the lowest priority are left out first when the table
    is too wide. ``required``: never left out (e.g. Material, Stage). ``wrap``: the cells may
    break at spaces (never inside a word); ``min_width`` is how narrow such a column may get
    before any column is left out (0: its natural width, so it wraps only as a last resort).
    """

    header: str
    justify: Literal["left", "right", "center"] = "left"
    priority: int = 0
    required: bool = False
    wrap: bool = False
    min_width: int = 0


@dataclass(frozen=True)
class Layout:
    """The columns a table shows at a given width, their widths and the headers left out."""

    shown: list[int]  # indexes into the table's columns, in display order
    widths: list[int]  # one per shown column
    dropped: list[str] = field(default_factory=list)  # headers, in the table's column order

    @property
    def width(self) -> int:
        return sum(self.widths) + GAP * max(len(self.widths) - 1, 0)


def _text_len(cell: Cell) -> int:
    plain = cell.plain if isinstance(cell, Text) else str(cell)
    return max((cell_len(line) for line in plain.split("\n")), default=0)


def _word_len(cell: Cell) -> int:
    plain = cell.plain if isinstance(cell, Text) else str(cell)
    return max((cell_len(word) for word in plain.split()), default=0)


class FitTable:
    """A table that fits its columns to the width it is printed at (see the module doc)."""

    def __init__(
        self,
        columns: Sequence[Column],
        rows: Iterable[Sequence[Cell]],
        *,
        title: str | Text | None = None,
        notes: Sequence[str | Text] = (),
        hint: str = HINT,
    ):
        self.columns = list(columns)
        self.rows = [list(r) for r in rows]
        for r in self.rows:
            if len(r) != len(self.columns):
                raise ValueError(f"row has {len(r)} cells for {len(self.columns)} columns: {r}")
        self.title = title
        self.notes = list(notes)
        self.hint = hint
        self._natural = [
            max([cell_len(c.header), *(_text_len(r[i]) for r in self.rows)])
            for i, c in enumerate(self.columns)
        ]
        # a wrapping column can narrow to its longest word (headers are never wrapped)
        self._hard = [
            min(nat, max([cell_len(c.header), *(_word_len(r[i]) for r in self.rows)]))
            if c.wrap
            else nat
            for i, (c, nat) in enumerate(zip(self.columns, self._natural, strict=True))
        ]
        self._soft = [
            min(nat, max(hard, c.min_width)) if c.wrap and c.min_width else nat
            for c, nat, hard in zip(self.columns, self._natural, self._hard, strict=True)
        ]

    # ------------------------------------------------------------------ measuring
    @staticmethod
    def _total(widths: Iterable[int]) -> int:
        widths = list(widths)
        return sum(widths) + GAP * max(len(widths) - 1, 0)

    @property
    def natural_width(self) -> int:
        """Width with every column whole and unwrapped."""
        return self._total(self._natural)

    @property
    def minimum_width(self) -> int:
        """Narrowest width without cutting a value: required columns only, wrapped at spaces."""
        return self._total(self._hard[i] for i, c in enumerate(self.columns) if c.required)

    def layout(self, width: int | None) -> Layout:
        """Which columns to show at ``width`` characters (``None``: all, whole)."""
        shown = list(range(len(self.columns)))
        if width is None or self.natural_width <= width:
            return Layout(shown, list(self._natural))
        droppable = sorted(
            (i for i, c in enumerate(self.columns) if not c.required),
            key=lambda i: (self.columns[i].priority, -i),
        )
        while self._total(self._soft[i] for i in shown) > width and droppable:
            shown.remove(droppable.pop(0))
        mins = self._soft if self._total(self._soft[i] for i in shown) <= width else self._hard
        widths = {i: mins[i] for i in shown}
        # share the room left among the narrowed (wrapping) columns, in proportion to what
        # each lacks; the rounding remainder goes left to right
        spare = max(0, width - self._total(widths.values()))
        lack = {i: self._natural[i] - widths[i] for i in shown if self._natural[i] > widths[i]}
        need = sum(lack.values())
        for i, short in lack.items():
            widths[i] += min(short, spare * short // need) if need else 0
        spare = max(0, width - self._total(widths.values()))
        for i in lack:
            grow = max(0, min(spare, self._natural[i] - widths[i]))
            widths[i] += grow
            spare -= grow
        dropped = [c.header for i, c in enumerate(self.columns) if i not in shown]
        return Layout(shown, [widths[i] for i in shown], dropped)

    # ------------------------------------------------------------------ rendering
    def notes_for(self, width: int | None) -> list[str | Text]:
        """The notes, plus the line naming the columns left out at ``width``, if any."""
        dropped = self.layout(width).dropped
        if not dropped:
            return list(self.notes)
        hint = self.hint.format(natural=self.natural_width)
        return [
            *self.notes,
            f"Left out to fit {width} characters: {', '.join(dropped)}; {hint}.",
        ]

    def table(self, width: int | None) -> Table:
        """The rich Table alone (no title, no notes) laid out for ``width`` characters."""
        lay = self.layout(width)
        table = Table(box=box.SIMPLE_HEAVY, show_edge=False, pad_edge=False, collapse_padding=True)
        table.width = lay.width  # exact: never stretched, never squeezed (no cut values)
        for i, w in zip(lay.shown, lay.widths, strict=True):
            c = self.columns[i]
            table.add_column(
                c.header, justify=c.justify, width=w, no_wrap=not c.wrap, overflow="fold"
            )
        for r in self.rows:
            table.add_row(*(r[i] for i in lay.shown))
        return table

    def render(self, width: int | None, console: Console | None = None) -> Group:
        """Title, table and notes for ``width`` characters; the title and notes wrap at the
        full width (at spaces), not at the table's. With a ``console`` the table is drawn
        line by line (:meth:`lines`), else as a rich :class:`~rich.table.Table` (same text)."""
        parts: list = []
        if self.title is not None:
            parts.append(self.title if isinstance(self.title, Text) else Text(self.title))
        if console is None:
            parts.append(self.table(width))
        else:
            parts.extend(self.lines(width, console))
        notes = self.notes_for(width)
        if notes:
            parts.append(Text("\n").join(n if isinstance(n, Text) else Text(n) for n in notes))
        return Group(*parts)

    def lines(self, width: int | None, console: Console) -> list[Text]:
        """The table as lines of text, the same as :meth:`table` draws them (header, a heavy
        rule, rows; cells padded to their column, wrapping cells broken at spaces), without
        rich's general table machinery: a report of a few hundred rows draws in a fraction of
        the time."""
        lay = self.layout(width)
        cols = [self.columns[i] for i in lay.shown]
        header = [Text(c.header, style="table.header") for c in cols]
        out = self._row(header, cols, lay.widths, console)
        out.append(Text("━" * lay.width, no_wrap=True, overflow="ignore"))
        for r in self.rows:
            out += self._row([r[i] for i in lay.shown], cols, lay.widths, console)
        return out

    @staticmethod
    def _row(cells: list[Cell], cols: list[Column], widths: list[int], console) -> list[Text]:
        stacks = []
        for cell, c, w in zip(cells, cols, widths, strict=True):
            text = cell if isinstance(cell, Text) else Text(str(cell))
            if "\n" not in text.plain and cell_len(text.plain) <= w:
                one = text.copy()
                one.align(c.justify, w)
                stacks.append([one])
            else:
                wrapped = text.wrap(console, w, justify=c.justify, overflow="fold")
                for line in wrapped:
                    line.align(c.justify, w)
                stacks.append(list(wrapped))
        gap = " " * GAP
        out = []
        for k in range(max(len(s) for s in stacks)):
            line = Text(no_wrap=True, overflow="ignore", end="\n")
            for j, (stack, w) in enumerate(zip(stacks, widths, strict=True)):
                if j:
                    line.append(gap)
                line.append_text(stack[k] if k < len(stack) else Text(" " * w))
            out.append(line)
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if type(self).table is not FitTable.table:  # a subclass draws its own rich Table
            yield self.render(options.max_width)
        else:
            yield self.render(options.max_width, console)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(self.minimum_width, self.natural_width)


def natural_width(renderables: Iterable[object], floor: int = 80) -> int:
    """The width at which every FitTable among ``renderables`` is whole (at least ``floor``):
    the width for output that no terminal limits (a pipe, a file)."""
    return max([floor, *(r.natural_width for r in renderables if isinstance(r, FitTable))])
