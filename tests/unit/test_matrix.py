import io
from collections.abc import Sequence

import pytest
from PIL import Image

from dialogs.render.matrix import (
    FILL,
    MAX_RATIO,
    MAX_SIDES_SUM,
    SYMBOL_TEXT,
    Box,
    MatrixRow,
    MatrixTexts,
    layout,
    missing_glyphs,
    render_matrix,
    render_matrix_pages,
    totals,
)

TEXTS = MatrixTexts(
    title="Wanneer kan iedereen?",
    yes="ja",
    if_need_be="als het moet",
    no="nee",
    no_answer="nog geen antwoord",
    must_attend="moet erbij zijn",
    total="Kan komen",
)
COLUMNS = [
    ("wo 12 nov", "19:30"),
    ("za 15 nov", "10:00"),
    ("zo 16 nov", "14:00"),
    ("ma 17 nov", "19:30"),
    ("di 18 nov", "19:30"),
    ("do 20 nov", "19:30"),
    ("vr 21 nov", "19:30"),
    ("za 22 nov", "10:00"),
]
VOTES: list[str | None] = ["yes", "ifneedbe", "no", None]
NAMES = [
    "Johan de Vries",
    "محمد عبد الرحمن",
    "Ayşe Yılmaz",
    "Дмитрий Иванов",
    "ሰላም ገብረሚካኤል",
    "Oma Truus van der Heijden-Bakker tot Oosterwijk",
]


def people(count: int, columns: int) -> list[MatrixRow]:
    return [
        MatrixRow(
            NAMES[i % len(NAMES)],
            i % 3 == 0,
            [VOTES[(i + j) % len(VOTES)] for j in range(columns)],
        )
        for i in range(count)
    ]


def open_png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.convert("RGB")


Colour = tuple[int, int, int]


def colours(image: Image.Image, box: Box) -> list[tuple[int, Colour]]:
    """(pixel count, colour) of every colour in ``box``."""
    found = image.crop(box).getcolors(maxcolors=1 << 16)
    assert found
    return [(count, (c[0], c[1], c[2])) for count, c in found if isinstance(c, tuple)]


def dominant(image: Image.Image, box: Box) -> Colour:
    """The colour most of the cell is painted in (the symbol in its middle is a minority)."""
    return max(colours(image, box))[1]


def is_green(c: Colour) -> bool:
    return c[1] > 120 and c[1] > c[0] + 40 and c[1] > c[2] + 40


def is_red(c: Colour) -> bool:
    return c[0] > 180 and c[1] < 100 and c[2] < 100


def is_amber(c: Colour) -> bool:
    return c[0] > 220 and 140 < c[1] < 210 and c[2] < 60


def is_grey(c: Colour) -> bool:
    return max(c) - min(c) < 12 and 190 < c[0] < 245


CHECKS = {"yes": is_green, "ifneedbe": is_amber, "no": is_red, None: is_grey}


def test_palette_matches_checks() -> None:
    for vote, colour in FILL.items():
        assert CHECKS[vote](colour)


def assert_telegram_photo(image: Image.Image) -> None:
    width, height = image.size
    assert width + height <= MAX_SIDES_SUM
    assert max(width, height) / min(width, height) <= MAX_RATIO


def test_cells_carry_their_colour() -> None:
    rows = [
        MatrixRow("Johan", False, ["yes", "ifneedbe", "no", None]),
        MatrixRow("Ayşe", True, [None, "no", "ifneedbe", "yes"]),
    ]
    columns = COLUMNS[:4]
    image = open_png(render_matrix(rows, columns, TEXTS, best=1))
    plan = layout(rows, columns, TEXTS)
    assert image.size == (plan.width, plan.height)
    for r, row in enumerate(rows):
        for c, vote in enumerate(row.votes):
            colour = dominant(image, plan.cell(r, c))
            assert CHECKS[vote](colour), (r, c, vote, colour)


def test_cell_has_a_symbol_not_only_colour() -> None:
    rows = [MatrixRow("Johan", False, ["yes", "no"])]
    image = open_png(render_matrix(rows, COLUMNS[:2], TEXTS))
    plan = layout(rows, COLUMNS[:2], TEXTS)
    for column in range(2):
        near_white = sum(n for n, c in colours(image, plan.cell(0, column)) if min(c) > 200)
        assert near_white > 20  # the white ✓ / ✗ is drawn on the fill


def test_symbols_and_marks_exist_in_font() -> None:
    symbols = "".join(SYMBOL_TEXT.values()) + "★…"
    assert missing_glyphs(symbols) == set()
    assert missing_glyphs(symbols, bold=True) == set()
    assert missing_glyphs("Ayşe Дмитрий محمد") == set()


def test_best_column_is_framed() -> None:
    rows = people(3, 3)
    image = open_png(render_matrix(rows, COLUMNS[:3], TEXTS, best=2))
    plan = layout(rows, COLUMNS[:3], TEXTS)
    frame_x = plan.cells_left + 2 * plan.cell_width + 1
    middle = plan.body_top + plan.row_height // 2
    r, g, b = image.getpixel((frame_x, middle))  # type: ignore[misc]
    assert b > 150 and r < 80  # the blue frame, left edge of the best column
    plain = image.getpixel((plan.cells_left + plan.cell_width + 1, middle))
    assert plain != (r, g, b)


def test_totals_count_yes_and_if_need_be() -> None:
    rows = [
        MatrixRow("a", False, ["yes", "no", None]),
        MatrixRow("b", True, ["ifneedbe", "yes", None]),
        MatrixRow("c", False, ["no", "ifneedbe", None]),
    ]
    assert totals(rows, 3) == [2, 2, 0]


@pytest.mark.parametrize(("count", "columns"), [(1, 2), (8, 8), (60, 2), (60, 8), (1, 8)])
def test_sizes_within_telegram_limits(count: int, columns: int) -> None:
    rows = people(count, columns)
    image = open_png(render_matrix(rows, COLUMNS[:columns], TEXTS, best=columns - 1))
    assert_telegram_photo(image)
    plan = layout(rows, COLUMNS[:columns], TEXTS)
    last = plan.cell(count - 1, columns - 1)
    assert last[3] < image.height and last[2] <= image.width
    assert CHECKS[rows[-1].votes[-1]](dominant(image, last))


def test_eight_columns_fit_phone_width() -> None:
    plan = layout(people(5, 8), COLUMNS, TEXTS)
    assert plan.width <= 1280
    assert plan.label_size >= 22
    assert plan.row_height >= 44


def test_tall_matrix_is_widened_to_telegram_ratio() -> None:
    rows = [MatrixRow("A", False, ["yes", "no"]) for _ in range(60)]
    short = MatrixTexts(
        title="?", yes="j", if_need_be="m", no="n", no_answer="?", must_attend="!", total="Σ"
    )
    plan = layout(rows, [("1", "a"), ("2", "b")], short)
    assert plan.height / plan.width <= MAX_RATIO
    assert_telegram_photo(open_png(render_matrix(rows, [("1", "a"), ("2", "b")], short)))


def test_huge_matrix_is_scaled_down_not_refused() -> None:
    rows = people(200, 2)
    plan = layout(rows, COLUMNS[:2], TEXTS)
    assert plan.scale < 1
    assert plan.width + plan.height <= MAX_SIDES_SUM


def test_non_latin_and_long_names() -> None:
    rows = [
        MatrixRow(name, must, ["yes", "no", None])
        for name in [*NAMES, "x" * 500, "", "  spaced   out  "]
        for must in (False, True)
    ]
    image = open_png(render_matrix(rows, COLUMNS[:3], TEXTS, best=0))
    plan = layout(rows, COLUMNS[:3], TEXTS)
    assert plan.name_width <= 400
    assert_telegram_photo(image)


def test_arabic_name_is_drawn_in_its_column() -> None:
    rows = [MatrixRow("محمد عبد الرحمن", True, ["yes", "no"])]
    image = open_png(render_matrix(rows, COLUMNS[:2], TEXTS))
    plan = layout(rows, COLUMNS[:2], TEXTS)
    dark = sum(n for n, c in colours(image, plan.name_box(0)) if max(c) < 100)
    assert dark > 100


def test_long_title_and_legend_wrap_inside_picture() -> None:
    texts = MatrixTexts(
        title="Eigen Kracht-conferentie " * 10,
        yes="ja " * 10,
        if_need_be="als het echt moet " * 3,
        no="nee",
        no_answer="?" * 40,
        must_attend="moet er echt bij zijn",
        total="Kan komen",
    )
    plan = layout(people(2, 2), COLUMNS[:2], texts)
    assert len(plan.title_lines) == 2
    assert plan.title_lines[-1].endswith("…")
    assert all(item.left < plan.width for item in plan.legend)
    assert max(item.top for item in plan.legend) < plan.height
    assert_telegram_photo(open_png(render_matrix(people(2, 2), COLUMNS[:2], texts)))


def test_pages_cut_rows_but_count_everyone() -> None:
    rows = people(45, 3)
    pages = render_matrix_pages(rows, COLUMNS[:3], TEXTS, best=1, per_page=20)
    assert len(pages) == 3
    heights = [open_png(page).height for page in pages]
    assert heights[0] == heights[1] > heights[2]
    assert heights[0] <= 1400
    assert len(render_matrix_pages(rows[:5], COLUMNS[:3], TEXTS)) == 1


@pytest.mark.parametrize(
    ("rows", "columns", "best"),
    [
        ([MatrixRow("a", False, ["yes"])], COLUMNS[:2], None),  # too few votes
        ([MatrixRow("a", False, ["yes", "maybe"])], COLUMNS[:2], None),  # unknown vote
        ([MatrixRow("a", False, ["yes", "no"])], COLUMNS[:2], 2),  # best out of range
        ([], [], None),  # no columns
    ],
)
def test_caller_mistakes_are_refused(
    rows: Sequence[MatrixRow], columns: Sequence[tuple[str, str]], best: int | None
) -> None:
    with pytest.raises(ValueError):
        render_matrix(rows, columns, TEXTS, best=best)


def test_vote_enum_values_are_accepted() -> None:
    """conference.slots.Vote is a StrEnum: its members must work where strings do."""
    from enum import StrEnum

    class Vote(StrEnum):
        YES = "yes"
        IF_NEED_BE = "ifneedbe"
        NO = "no"

    rows = [MatrixRow("a", False, [Vote.YES, Vote.IF_NEED_BE, Vote.NO])]
    assert totals(rows, 3) == [1, 1, 0]
    image = open_png(render_matrix(rows, COLUMNS[:3], TEXTS))
    assert is_red(dominant(image, layout(rows, COLUMNS[:3], TEXTS).cell(0, 2)))


def test_without_dejavu_pillow_font_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    import dialogs.render.matrix as matrix

    matrix._font.cache_clear()
    monkeypatch.setattr(matrix, "_dejavu", lambda: None)
    try:
        rows = people(4, 3)
        image = open_png(render_matrix(rows, COLUMNS[:3], TEXTS, best=0))
        cell = layout(rows, COLUMNS[:3], TEXTS).cell(0, 0)
        assert CHECKS[rows[0].votes[0]](dominant(image, cell))
    finally:
        matrix._font.cache_clear()
