from __future__ import annotations

import pytest

from emulator import ApiError
from emulator.markup import HtmlError, parse_html, utf16_len
from emulator.validation import format_text, validate_reply_markup


def test_tags_are_stripped_and_become_entities() -> None:
    text, entities = parse_html(
        '<b>bold <i>both</i></b> <a href="https://x.org/?a=1&amp;b=2">x</a>'
    )
    assert text == "bold both x"
    assert entities == [
        {"offset": 0, "length": 9, "type": "bold"},
        {"offset": 5, "length": 4, "type": "italic"},
        {"offset": 10, "length": 1, "type": "text_link", "url": "https://x.org/?a=1&b=2"},
    ]


def test_entities_and_utf16_offsets() -> None:
    text, entities = parse_html("😀 &lt;tag&gt; &quot;&#65;&#x42;&quot; <u>u</u>")
    assert text == '😀 <tag> "AB" u'
    assert entities == [{"offset": 14, "length": 1, "type": "underline"}]
    assert utf16_len("😀") == 2


def test_pre_with_language_spoiler_quote_and_emoji() -> None:
    source = (
        '<pre><code class="language-python">x = 1</code></pre>'
        '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>'
        "<blockquote expandable>q</blockquote>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    text, entities = parse_html(source)
    assert text == "x = 1stq👍"
    kinds = [(e["type"], e.get("language")) for e in entities]
    assert kinds == [
        ("pre", "python"),
        ("spoiler", None),
        ("spoiler", None),
        ("expandable_blockquote", None),
        ("custom_emoji", None),
    ]


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("é <b", "Unclosed start tag at byte offset 3"),
        ("Tom & Jerry", 'Character "&" must be escaped as "&amp;" at byte offset 4'),
        ("&nbsp;", 'Character "&" must be escaped as "&amp;" at byte offset 0'),
    ],
)
def test_invalid_html_reasons(source: str, reason: str) -> None:
    with pytest.raises(HtmlError) as caught:
        parse_html(source)
    assert str(caught.value) == reason


def test_lenient_ampersand_matches_real_telegram() -> None:
    assert parse_html("Tom & Jerry &nbsp;", strict_ampersand=False)[0] == "Tom & Jerry &nbsp;"


def test_format_text_limits_and_trimming() -> None:
    assert format_text("  <b> hi </b>\n", "HTML", None) == (
        "hi",
        [{"offset": 0, "length": 2, "type": "bold"}],
    )
    with pytest.raises(ApiError, match="message text is empty"):
        format_text("<b> </b>", "HTML", None)
    assert format_text("😀" * 2048, None, None)[0]  # 4096 UTF-16 units
    with pytest.raises(ApiError, match="message is too long"):
        format_text("😀" * 2048 + "a", None, None)
    with pytest.raises(ApiError, match="message caption is too long"):
        format_text("c" * 1025, None, None, caption=True)
    assert format_text("*raw*", "MarkdownV2", None) == ("*raw*", [])


def test_keyboard_validation() -> None:
    ok = {"inline_keyboard": [[{"text": "a", "callback_data": "x" * 64}]]}
    assert validate_reply_markup(ok) == ok
    too_long = {"inline_keyboard": [[{"text": "a", "callback_data": "é" * 33}]]}
    with pytest.raises(ApiError, match="BUTTON_DATA_INVALID"):
        validate_reply_markup(too_long)
    with pytest.raises(ApiError, match="Array of Arrays"):
        validate_reply_markup({"inline_keyboard": [{"text": "a", "callback_data": "x"}]})
    with pytest.raises(ApiError, match="Text buttons are unallowed"):
        validate_reply_markup({"inline_keyboard": [[{"text": "a"}]]})
    many = {"inline_keyboard": [[{"text": "b", "callback_data": "x"}] * 10] * 11}
    with pytest.raises(ApiError, match="BUTTONS_TOO_MUCH"):
        validate_reply_markup(many)
    reply = validate_reply_markup(
        {"keyboard": [["Yes", {"text": "Phone", "request_contact": True}]]}
    )
    assert reply == {"keyboard": [[{"text": "Yes"}, {"text": "Phone", "request_contact": True}]]}
