"""The availability matrix as a picture: who can come when, readable at a glance on a phone.

A table of text messages does not fit a phone once there are more than a handful of people and
dates, so the coordinator gets a PNG instead: people down, proposed slots across, one coloured
cell per answer. Colour is never the only signal (a symbol sits in every cell) so colour-blind
coordinators read it too. Every visible word arrives translated; this module never calls gettext.

``layout`` is public so tests (and anyone placing things on the picture) use exactly the geometry
the renderer draws with.
"""

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
Box = tuple[int, int, int, int]  # left, top, right, bottom (exclusive), in pixels
Colour = tuple[int, int, int]

YES, IF_NEED_BE, NO = "yes", "ifneedbe", "no"  # the values of conference.slots.Vote
VOTES: tuple[str | None, ...] = (YES, IF_NEED_BE, NO, None)

# Telegram's sendPhoto limits, and the width it shows photos at without scaling them down.
MAX_SIDES_SUM = 10_000
MAX_RATIO = 20
TARGET_WIDTH = 1280

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
# Scripts DejaVu lacks (Tigrinya/Amharic: Ethiopic). Used per name, only if installed.
FALLBACK_FONTS = (
    Path("/usr/share/fonts/truetype/noto/NotoSansEthiopic-Regular.ttf"),
    Path("/usr/share/fonts/opentype/noto/NotoSansEthiopic-Regular.ttf"),
    Path("/usr/share/fonts/truetype/abyssinica/AbyssinicaSIL-Regular.ttf"),
)

# Sizes at 1x, in pixels. Text is 28 px: about the smallest that stays legible once Telegram fits
# a picture of ~1280 px onto a phone screen.
TEXT, TITLE, SYMBOL = 28, 34, 30
LABEL_MIN = 22  # slot labels shrink down to this so eight columns still fit TARGET_WIDTH
MARGIN, GAP, PAD = 24, 3, 8
ROW, LINE, TITLE_LINE = 48, 34, 42
NAME_MIN, NAME_MAX = 200, 400
CELL_MIN, CELL_MAX = 88, 180
MIN_WIDTH = 560

FILL: dict[str | None, Colour] = {
    YES: (67, 160, 71),
    IF_NEED_BE: (255, 179, 0),
    NO: (229, 57, 53),
    None: (224, 224, 224),
}
SYMBOL_TEXT: dict[str | None, str] = {YES: "✓", IF_NEED_BE: "~", NO: "✗", None: "?"}
SYMBOL_FILL: dict[str | None, Colour] = {
    YES: (255, 255, 255),
    IF_NEED_BE: (33, 33, 33),
    NO: (255, 255, 255),
    None: (97, 97, 97),
}
STAR = "★"
BACKGROUND: Colour = (255, 255, 255)
INK: Colour = (33, 33, 33)
MUTED: Colour = (90, 90, 90)
STRIPE: Colour = (245, 245, 245)
BEST_FILL: Colour = (214, 233, 255)
BEST_FRAME: Colour = (21, 101, 192)
STAR_INK: Colour = (191, 120, 0)


@dataclass(frozen=True)
class MatrixRow:
    """One person: their name, whether the plan needs them there, and one vote per column."""

    name: str
    must_attend: bool
    votes: Sequence[str | None]  # "yes", "ifneedbe", "no", or None for no answer yet


@dataclass(frozen=True)
class MatrixTexts:
    """Every word on the picture, already in the reader's language."""

    title: str
    yes: str
    if_need_be: str
    no: str
    no_answer: str
    must_attend: str  # legend text for the ★ mark
    total: str  # label of the bottom row: how many can come (yes + if need be)


@dataclass(frozen=True)
class LegendItem:
    """One legend entry: a swatch (a vote, or ``STAR`` for the must-attend mark) and its word."""

    vote: str | None
    text: str
    left: int
    top: int


@dataclass(frozen=True)
class Layout:
    """Where everything goes. Rows and columns are counted from 0; row ``rows`` is the total."""

    width: int
    height: int
    scale: float
    title_lines: tuple[str, ...]
    title_top: int
    grid_left: int
    header_top: int
    header_height: int
    body_top: int
    name_width: int
    cell_width: int
    row_height: int
    label_size: int
    rows: int
    columns: int
    legend: tuple[LegendItem, ...]

    def px(self, value: float) -> int:
        """A 1x size at this layout's scale."""
        return max(1, round(value * self.scale))

    @property
    def cells_left(self) -> int:
        return self.grid_left + self.name_width

    @property
    def grid_right(self) -> int:
        return self.cells_left + self.columns * self.cell_width

    @property
    def total_top(self) -> int:
        return self.body_top + self.rows * self.row_height + self.px(GAP) * 2

    def name_box(self, row: int) -> Box:
        top = self.body_top + row * self.row_height
        return (self.grid_left, top, self.cells_left, top + self.row_height)

    def column_box(self, column: int) -> tuple[int, int]:
        """Left and right edge of a column's coloured area (inside the white gaps)."""
        gap = self.px(GAP)
        left = self.cells_left + column * self.cell_width
        return left + gap, left + self.cell_width - gap

    def cell(self, row: int, column: int) -> Box:
        """The coloured rectangle of one answer."""
        gap = self.px(GAP)
        left, right = self.column_box(column)
        top = self.body_top + row * self.row_height
        return (left, top + gap, right, top + self.row_height - gap)

    def header(self, column: int) -> Box:
        left, right = self.column_box(column)
        return (left, self.header_top, right, self.header_top + self.header_height)

    def total(self, column: int) -> Box:
        left, right = self.column_box(column)
        return (left, self.total_top, right, self.total_top + self.row_height)


def layout(
    rows: Sequence[MatrixRow],
    columns: Sequence[tuple[str, str]],
    texts: MatrixTexts,
    scale: float = 1.0,
) -> Layout:
    """The geometry for these rows and columns, shrunk only if Telegram would refuse the photo."""
    if not columns:
        raise ValueError("the matrix needs at least one column")
    while True:
        plan = _layout(rows, columns, texts, scale)
        if plan.width + plan.height <= MAX_SIDES_SUM:
            return plan
        scale *= MAX_SIDES_SUM / (plan.width + plan.height) * 0.98


def render_matrix(
    rows: Sequence[MatrixRow],
    columns: Sequence[tuple[str, str]],
    texts: MatrixTexts,
    best: int | None = None,
) -> bytes:
    """The whole matrix as one PNG; ``columns`` are (date, time) labels, ``best`` is highlighted.

    Above ~20 rows Telegram's photo compression makes the names small: see
    ``render_matrix_pages``.
    """
    _check(rows, columns, best)
    return _render(rows, columns, texts, best, totals(rows, len(columns)))


def render_matrix_pages(
    rows: Sequence[MatrixRow],
    columns: Sequence[tuple[str, str]],
    texts: MatrixTexts,
    best: int | None = None,
    per_page: int = 20,
) -> list[bytes]:
    """The matrix cut into pages of ``per_page`` people, for a media group.

    Telegram scales a photo's long side down to ~1280 px, so a tall picture of 60 people loses
    its letters; pages stay sharp. Every page counts everyone in its bottom row.
    """
    if per_page < 1:
        raise ValueError("per_page must be positive")
    _check(rows, columns, best)
    counts = totals(rows, len(columns))
    chunks = [rows[i : i + per_page] for i in range(0, len(rows), per_page)] or [rows]
    if len(chunks) == 1:
        return [_render(rows, columns, texts, best, counts)]
    return [
        _render(
            chunk,
            columns,
            replace(texts, title=f"{texts.title} ({n}/{len(chunks)})"),
            best,
            counts,
        )
        for n, chunk in enumerate(chunks, start=1)
    ]


def totals(rows: Sequence[MatrixRow], columns: int) -> list[int]:
    """Per column, how many can come: yes plus if need be."""
    return [
        sum(1 for row in rows if row.votes[column] in (YES, IF_NEED_BE))
        for column in range(columns)
    ]


def missing_glyphs(text: str, *, bold: bool = False) -> set[str]:
    """Characters the main font would draw as empty boxes (a check for tests and diagnostics)."""
    font = _font("name", TEXT, bold)
    return {char for char in set(text) if not char.isspace() and not _has_glyph(font, char)}


# -- drawing ---------------------------------------------------------------------------------


def _render(
    rows: Sequence[MatrixRow],
    columns: Sequence[tuple[str, str]],
    texts: MatrixTexts,
    best: int | None,
    counts: Sequence[int],
) -> bytes:
    plan = layout(rows, columns, texts)
    image = Image.new("RGB", (plan.width, plan.height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    _draw_title(draw, plan)
    for index in range(1, len(rows), 2):  # stripes guide the eye along a row
        left, top, _, bottom = plan.name_box(index)
        draw.rectangle((left, top, plan.grid_right - 1, bottom - 1), fill=STRIPE)
    if best is not None:
        _draw_best_background(draw, plan, best)
    _draw_header(draw, plan, columns)
    for index, row in enumerate(rows):
        _draw_row(draw, plan, index, row)
    _draw_totals(draw, plan, texts.total, counts, best)
    if best is not None:
        _draw_best_frame(draw, plan, best)
    _draw_legend(draw, plan)
    return _png(image)


def _check(
    rows: Sequence[MatrixRow], columns: Sequence[tuple[str, str]], best: int | None
) -> None:
    """Fail loudly on a caller's mistake rather than draw a misleading matrix."""
    if not columns:
        raise ValueError("the matrix needs at least one column")
    for row in rows:
        if len(row.votes) != len(columns):
            raise ValueError(f"{len(row.votes)} votes for {len(columns)} columns")
        for vote in row.votes:
            if vote not in FILL:
                raise ValueError(f"unknown vote {vote!r}")
    if best is not None and not 0 <= best < len(columns):
        raise ValueError(f"best column {best} out of range")


def _draw_title(draw: ImageDraw.ImageDraw, plan: Layout) -> None:
    font = _font("title", plan.px(TITLE), True)
    for n, line in enumerate(plan.title_lines):
        top = plan.title_top + n * plan.px(TITLE_LINE)
        draw.text(
            (plan.px(MARGIN), top + plan.px(TITLE_LINE) // 2),
            line,
            font=font,
            fill=INK,
            anchor="lm",
        )


def _draw_best_background(draw: ImageDraw.ImageDraw, plan: Layout, best: int) -> None:
    left, right = plan.column_box(best)
    draw.rectangle(
        (left, plan.header_top, right - 1, plan.total_top + plan.row_height - 1), fill=BEST_FILL
    )


def _draw_best_frame(draw: ImageDraw.ImageDraw, plan: Layout, best: int) -> None:
    """A thick frame, not just a tint: visible without telling colours apart."""
    left = plan.cells_left + best * plan.cell_width
    draw.rectangle(
        (
            left,
            plan.header_top - plan.px(GAP),
            left + plan.cell_width - 1,
            plan.total_top + plan.row_height + plan.px(GAP) - 1,
        ),
        outline=BEST_FRAME,
        width=plan.px(4),
    )


def _draw_header(
    draw: ImageDraw.ImageDraw, plan: Layout, columns: Sequence[tuple[str, str]]
) -> None:
    width = plan.cell_width - 2 * plan.px(GAP) - plan.px(PAD) // 2
    date_font = _font("label", plan.label_size, False)
    time_font = _font("label", plan.label_size, False)
    for column, (date, time) in enumerate(columns):
        left, top, right, _ = plan.header(column)
        middle = (left + right) // 2
        first = top + plan.px(PAD) + plan.px(LINE) // 2
        draw.text(
            (middle, first), _fit(date, date_font, width), font=date_font, fill=INK, anchor="mm"
        )
        draw.text(
            (middle, first + plan.px(LINE)),
            _fit(time, time_font, width),
            font=time_font,
            fill=MUTED,
            anchor="mm",
        )


def _draw_row(draw: ImageDraw.ImageDraw, plan: Layout, index: int, row: MatrixRow) -> None:
    left, top, right, bottom = plan.name_box(index)
    _draw_name(
        draw,
        plan,
        (left + plan.px(PAD), (top + bottom) // 2),
        right - left - 2 * plan.px(PAD),
        row.name,
        row.must_attend,
    )
    symbol_font = _font("symbol", plan.px(SYMBOL), True)
    for column, vote in enumerate(row.votes):
        box = plan.cell(index, column)
        draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=FILL[vote])
        draw.text(
            ((box[0] + box[2]) // 2, (box[1] + box[3]) // 2),
            SYMBOL_TEXT[vote],
            font=symbol_font,
            fill=SYMBOL_FILL[vote],
            anchor="mm",
        )


def _draw_name(
    draw: ImageDraw.ImageDraw,
    plan: Layout,
    at: tuple[int, int],
    width: int,
    name: str,
    must_attend: bool,
) -> None:
    """The name, truncated with "…"; must-attend people get a ★ and bold type."""
    x, y = at
    if must_attend:
        draw.text(
            (x, y), STAR, font=_font("symbol", plan.px(TEXT), True), fill=STAR_INK, anchor="lm"
        )
        star = _star_width(plan.px(TEXT))
        x, width = x + star, width - star
    font = _font_for(name, plan.px(TEXT), must_attend)
    draw.text((x, y), _fit(name, font, width), font=font, fill=INK, anchor="lm")


def _draw_totals(
    draw: ImageDraw.ImageDraw, plan: Layout, label: str, counts: Sequence[int], best: int | None
) -> None:
    line_y = plan.total_top - plan.px(GAP)
    draw.line((plan.grid_left, line_y, plan.grid_right - 1, line_y), fill=INK, width=plan.px(2))
    middle = plan.total_top + plan.row_height // 2
    font = _font_for(label, plan.px(TEXT), True)
    draw.text(
        (plan.grid_left + plan.px(PAD), middle),
        _fit(label, font, plan.name_width - 2 * plan.px(PAD)),
        font=font,
        fill=INK,
        anchor="lm",
    )
    for column, count in enumerate(counts):
        left, _, right, _ = plan.total(column)
        bold = column == best
        draw.text(
            ((left + right) // 2, middle),
            str(count),
            font=_font("label", plan.px(TEXT + 2 if bold else TEXT), bold),
            fill=INK,
            anchor="mm",
        )


def _draw_legend(draw: ImageDraw.ImageDraw, plan: Layout) -> None:
    swatch = plan.px(ROW - 12)
    for item in plan.legend:
        middle = item.top + plan.px(TITLE_LINE) // 2
        box = (item.left, middle - swatch // 2, item.left + swatch - 1, middle + swatch // 2)
        if item.vote == STAR:
            draw.text(
                ((box[0] + box[2]) // 2, middle),
                STAR,
                font=_font("symbol", swatch, True),
                fill=STAR_INK,
                anchor="mm",
            )
        else:
            draw.rectangle(box, fill=FILL[item.vote])
            draw.text(
                ((box[0] + box[2]) // 2, middle),
                SYMBOL_TEXT[item.vote],
                font=_font("symbol", plan.px(SYMBOL - 6), True),
                fill=SYMBOL_FILL[item.vote],
                anchor="mm",
            )
        draw.text(
            (item.left + swatch + plan.px(PAD), middle),
            item.text,
            font=_font_for(item.text, plan.px(TEXT), False),
            fill=INK,
            anchor="lm",
        )


def _png(image: Image.Image) -> bytes:
    """A palette PNG, less than half the size of RGB: flat colours plus anti-aliased text.

    Fast octree quantizing and zlib's default level: ``optimize=True`` or median cut would
    triple the render time for 15 % fewer bytes.
    """
    quantized = image.quantize(
        colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    out = io.BytesIO()
    quantized.save(out, format="PNG")
    return out.getvalue()


# -- geometry --------------------------------------------------------------------------------


def _layout(
    rows: Sequence[MatrixRow], columns: Sequence[tuple[str, str]], texts: MatrixTexts, scale: float
) -> Layout:
    def px(value: float) -> int:
        return max(1, round(value * scale))

    # Slot labels get the largest size (28 px down to 22 px) at which all columns and a
    # minimal name column still fit the width Telegram shows; beyond that they are truncated.
    for label_size in range(px(TEXT), px(LABEL_MIN) - 1, -1):
        font = _font("label", label_size, False)
        label_width = max(font.getlength(line) for column in columns for line in column)
        cell = min(max(math.ceil(label_width) + 2 * px(GAP) + px(PAD), px(CELL_MIN)), px(CELL_MAX))
        if 2 * px(MARGIN) + px(NAME_MIN) + len(columns) * cell <= px(TARGET_WIDTH):
            break
    star = _star_width(px(TEXT))
    names = [
        _font_for(row.name, px(TEXT), row.must_attend).getlength(row.name)
        + (star if row.must_attend else 0)
        for row in rows
    ]
    names.append(_font_for(texts.total, px(TEXT), True).getlength(texts.total))
    # +1: sub-pixel lengths must not make ``_fit`` cut the longest name by one letter.
    # Give names what is left of the phone width, within bounds; truncate the rest with "…".
    room = px(TARGET_WIDTH) - 2 * px(MARGIN) - len(columns) * cell
    name_width = min(
        math.ceil(max(names)) + 1 + 2 * px(PAD), max(px(NAME_MIN), min(room, px(NAME_MAX)))
    )
    grid_width = name_width + len(columns) * cell
    width = max(grid_width + 2 * px(MARGIN), px(MIN_WIDTH))
    inner = width - 2 * px(MARGIN)

    title_lines = tuple(_wrap(texts.title, _font("title", px(TITLE), True), inner, lines=2))
    title_top = px(MARGIN)
    header_top = title_top + len(title_lines) * px(TITLE_LINE) + px(PAD) * 2
    header_height = 2 * px(LINE) + 2 * px(PAD)
    body_top = header_top + header_height + px(GAP)
    row_height = px(ROW)
    legend_top = body_top + (len(rows) + 1) * row_height + px(GAP) * 2 + px(MARGIN)
    legend, legend_height = _legend(texts, px(MARGIN), legend_top, inner, px)
    height = legend_top + legend_height + px(MARGIN)

    # Telegram refuses photos more than 20 times as long as they are wide (or the reverse).
    width = max(width, math.ceil(height / MAX_RATIO))
    height = max(height, math.ceil(width / MAX_RATIO))
    return Layout(
        width=width,
        height=height,
        scale=scale,
        title_lines=title_lines,
        title_top=title_top,
        grid_left=(width - grid_width) // 2,
        header_top=header_top,
        header_height=header_height,
        body_top=body_top,
        name_width=name_width,
        cell_width=cell,
        row_height=row_height,
        label_size=label_size,
        rows=len(rows),
        columns=len(columns),
        legend=legend,
    )


def _legend(
    texts: MatrixTexts, left: int, top: int, width: int, px: Callable[[float], int]
) -> tuple[tuple[LegendItem, ...], int]:
    """Legend entries flowed into lines like words in a paragraph."""
    entries = [
        (YES, texts.yes),
        (IF_NEED_BE, texts.if_need_be),
        (NO, texts.no),
        (None, texts.no_answer),
        (STAR, texts.must_attend),
    ]
    swatch = px(ROW - 12) + px(PAD)
    spacing = px(MARGIN)
    items: list[LegendItem] = []
    x, y = left, top
    for vote, text in entries:
        item_width = swatch + math.ceil(_font_for(text, px(TEXT), False).getlength(text))
        if x > left and x + item_width > left + width:
            x, y = left, y + px(TITLE_LINE)
        items.append(LegendItem(vote, text, x, y))
        x += item_width + spacing
    return tuple(items), y + px(TITLE_LINE) - top


def _star_width(size: int) -> int:
    """Room the ★ mark and its space take before a must-attend name."""
    return math.ceil(_font("symbol", size, True).getlength(STAR + " "))


def _fit(text: str, font: Font, width: float) -> str:
    """``text`` cut to ``width`` pixels with "…", so a long name never runs into the cells."""
    text = " ".join(text.split())
    if font.getlength(text) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(text[:middle].rstrip() + "…") <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


def _wrap(text: str, font: Font, width: float, lines: int) -> list[str]:
    """Word-wrap into at most ``lines`` lines; the last one is truncated with "…"."""
    words = text.split()
    result: list[str] = []
    current = ""
    for n, word in enumerate(words):
        candidate = f"{current} {word}".strip()
        if not current or font.getlength(candidate) <= width:
            current = candidate
            continue
        result.append(current)
        if len(result) == lines - 1:
            current = " ".join(words[n:])
            break
        current = word
    result.append(current)
    return [_fit(line, font, width) for line in result]


# -- fonts -----------------------------------------------------------------------------------

_FILES = {
    # role: (regular, bold). Condensed for names and labels: eight dates must fit a phone.
    "name": ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"),
    "label": ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"),
    "title": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "symbol": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
}


@lru_cache(maxsize=1)
def _dejavu() -> Path | None:
    """Where DejaVu lives on this machine, looked up once; None means Pillow's own font."""
    return DEJAVU if (DEJAVU / "DejaVuSans.ttf").is_file() else None


@lru_cache(maxsize=1)
def _fallbacks() -> tuple[Path, ...]:
    return tuple(path for path in FALLBACK_FONTS if path.is_file())


@lru_cache(maxsize=64)
def _font(role: str, size: int, bold: bool) -> Font:
    folder = _dejavu()
    if folder is None:
        return ImageFont.load_default(size=size)
    name = _FILES[role][1 if bold else 0]
    path = folder / name
    if not path.is_file():
        path = folder / _FILES["symbol"][1 if bold else 0]
    return ImageFont.truetype(str(path), size)


@lru_cache(maxsize=64)
def _fallback_font(path: Path, size: int) -> Font:
    return ImageFont.truetype(str(path), size)


def _font_for(text: str, size: int, bold: bool) -> Font:
    """The name font, or an installed font for a script it lacks (e.g. Ethiopic for Tigrinya)."""
    font = _font("name", size, bold)
    if not _fallbacks() or _covers(font, text):
        return font
    for path in _fallbacks():
        candidate = _fallback_font(path, size)
        if _covers(candidate, text):
            return candidate
    return font


def _covers(font: Font, text: str) -> bool:
    return all(char.isspace() or _has_glyph(font, char) for char in set(text))


@lru_cache(maxsize=4096)
def _has_glyph(font: Font, char: str) -> bool:
    """Whether ``font`` draws ``char`` as something other than its missing-glyph box."""
    return _mask(font, char) != _mask(font, "\U000f0000")  # plane-15 private use: never mapped


def _mask(font: Font, text: str) -> bytes:
    _, _, right, bottom = font.getbbox(text)
    image = Image.new("L", (max(int(right), 1) + 2, max(int(bottom), 1) + 2))
    ImageDraw.Draw(image).text((0, 0), text, font=font, fill=255)
    return image.tobytes()
