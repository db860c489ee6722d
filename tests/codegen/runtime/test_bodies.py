"""The runtime's request bodies (`codegen/runtime/_bodies.py`), as tables: form pairs, multipart parts, the choice of
body and media type, streams and their rewinding."""

from __future__ import annotations

import datetime
import enum
import io
from typing import Any

import pytest

from codegen.runtime._bodies import JSON, FieldEncoding, MediaType, choose, encode, form_pairs, multipart_parts
from codegen.runtime._types import NOT_GIVEN

DEEP = FieldEncoding("deepObject", explode=True)


class Colour(enum.Enum):
    RED = "red"


@pytest.mark.parametrize(
    ("fields", "encoding", "pairs"),
    [
        (
            {"a": "x", "n": 1, "f": 1.5, "t": True, "z": None},
            {},
            [("a", "x"), ("n", "1"), ("f", "1.5"), ("t", "true"), ("z", "")],
        ),
        ({"c": Colour.RED}, {}, [("c", "red")]),
        ({"l": ["a", "b"]}, {}, [("l", "a"), ("l", "b")]),
        ({"l": ["a", "b"]}, {"l": FieldEncoding("form", explode=False)}, [("l", "a,b")]),
        ({"l": ["a", "b"]}, {"l": FieldEncoding("spaceDelimited")}, [("l", "a b")]),
        ({"l": ["a", "b"]}, {"l": FieldEncoding("pipeDelimited")}, [("l", "a|b")]),
        ({"o": {"k": "v", "w": 2}}, {}, [("k", "v"), ("w", "2")]),
        ({"o": {"k": "v", "w": 2}}, {"o": FieldEncoding(explode=False)}, [("o", "k,v,w,2")]),
        ({"m": {"k": "v"}}, {"m": DEEP}, [("m[k]", "v")]),
        ({"e": ["a", "b"]}, {"e": DEEP}, [("e[0]", "a"), ("e[1]", "b")]),
        ({"li": [{"price": "p", "q": 2}]}, {"li": DEEP}, [("li[0][price]", "p"), ("li[0][q]", "2")]),
        ({"a": {"b": {"c": False}}}, {"a": DEEP}, [("a[b][c]", "false")]),
        ({"o": {"deep": {"k": 1}}}, {}, [("deep", '{"k":1}')]),
    ],
)
def test_form_pairs(fields: dict[str, Any], encoding: dict[str, FieldEncoding], pairs: list[tuple[str, str]]) -> None:
    assert form_pairs(fields, encoding) == pairs


def test_multipart_parts() -> None:
    file = io.BytesIO(b"data")
    parts = multipart_parts(
        {"f": file, "t": ("a.txt", b"x"), "n": 3, "b": False, "j": {"k": [1]}, "l": [b"1", "two"], "d": {"k": "v"}},
        {"t": FieldEncoding(content_type="text/plain"), "n": FieldEncoding(content_type="text/x-number"), "d": DEEP},
    )
    assert parts == [
        ("f", file),
        ("t", ("a.txt", b"x", "text/plain")),
        ("n", (None, b"3", "text/x-number")),
        ("b", (None, b"false")),
        ("j", (None, b'{"k":[1]}', "application/json")),
        ("l", b"1"),
        ("l", (None, b"two")),
        ("d[k]", (None, b"v")),
    ]


def test_a_file_gets_the_encoding_content_type_when_it_has_none() -> None:
    named = io.BytesIO(b"x")
    named.name = "/tmp/photo.png"
    png = FieldEncoding(content_type="image/png")
    assert multipart_parts(
        {"p": named, "q": b"y", "r": ("r.gif", b"z", "image/gif")}, {"p": png, "q": png, "r": png}
    ) == [
        ("p", ("photo.png", named, "image/png")),
        ("q", ("upload", b"y", "image/png")),
        ("r", ("r.gif", b"z", "image/gif")),
    ]
    any_image = FieldEncoding(content_type="image/*")
    assert multipart_parts({"p": b"x"}, {"p": any_image}) == [("p", b"x")]


FORM = MediaType("application/x-www-form-urlencoded", "form")


def test_choose_the_body_and_the_media_type() -> None:
    media = (JSON, FORM)
    assert choose(media, (), {"a": 1, "b": NOT_GIVEN}, NOT_GIVEN, None) == (JSON, {"a": 1})
    assert choose(media, (), {"a": 1}, NOT_GIVEN, FORM.name) == (FORM, {"a": 1})
    assert choose(media, (), {"a": NOT_GIVEN}, {"whole": True}, None) == (JSON, {"whole": True})
    assert choose(media, (), None, NOT_GIVEN, None) is None
    assert choose(media, (), None, None, None) == (JSON, None)  # `body=None`: JSON null
    with pytest.raises(TypeError, match="not both"):
        choose(media, (), {"a": 1}, {"a": 2}, None)
    with pytest.raises(TypeError, match="missing required body field"):
        choose(media, ("a",), {"a": NOT_GIVEN}, NOT_GIVEN, None)
    with pytest.raises(ValueError, match="is not one of 'application/json', 'application/x-www-form-urlencoded'"):
        choose(media, (), {}, NOT_GIVEN, "text/plain")


def test_encode_each_kind() -> None:
    at = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    assert encode(JSON, {"at": at}, asynchronous=False).arguments == {"content": b'{"at":"2025-01-01T00:00:00Z"}'}
    assert encode(FORM, {"at": at}, asynchronous=False).arguments == {"data": {"at": ["2025-01-01T00:00:00Z"]}}
    text = encode(MediaType("text/*", "text", header="text/plain"), "é", asynchronous=False)
    assert (text.arguments, text.headers) == ({"content": "é".encode()}, {"content-type": "text/plain"})
    with pytest.raises(TypeError, match="a mapping of its fields or a model"):
        encode(FORM, ["a"], asynchronous=False)
    with pytest.raises(TypeError, match="is bytes, str, a binary file or an iterable of bytes"):
        encode(MediaType("application/octet-stream", "binary"), {"a": 1}, asynchronous=False)


def test_streams_rewind_when_they_can() -> None:
    binary = MediaType("application/octet-stream", "binary")
    file = io.BytesIO(b"0123456789")
    file.seek(4)
    sent = encode(binary, file, asynchronous=False)
    assert sent.headers["content-length"] == "6"
    file.read()
    assert sent.rewind()
    assert file.tell() == 4
    assert encode(binary, [b"a", b"b"], asynchronous=False).rewind()  # a list can be iterated again
    assert not encode(binary, iter([b"a"]), asynchronous=False).rewind()
    multipart = MediaType("multipart/form-data", "multipart")
    assert encode(multipart, {"f": io.BytesIO(b"x"), "n": 1}, asynchronous=False).rewind()

    class Pipe(io.RawIOBase):
        def readable(self) -> bool:
            return True

    assert not encode(multipart, {"f": Pipe()}, asynchronous=False).rewind()
    assert not encode(binary, Pipe(), asynchronous=True).rewind()
