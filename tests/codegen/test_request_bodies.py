"""Request bodies of every media type, sent through `MockTransport`: the exact bytes and `content-type` on the wire.

The clients are generated from the golden specs `form_bodies`, `multipart_bodies`, `raw_bodies` and `all_of_bodies`
(whose generated files `test_golden` keeps), imported under names of their own.
"""

from __future__ import annotations

import asyncio
import datetime
import io
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from codegen.pipeline import Options, write

GOLDEN = Path(__file__).parent / "golden"
CASES = {"billing": "form_bodies", "uploads": "multipart_bodies", "blobs": "raw_bodies", "fleet": "all_of_bodies"}
Handler = Callable[[httpx2.Request], httpx2.Response]


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Each golden spec of `CASES` generated and imported as `<name>_bodies`."""
    out = tmp_path_factory.mktemp("bodies")
    for name, case in CASES.items():
        write(Options(GOLDEN / case / "openapi.yaml", out, f"{name}_bodies"))
    sys.path.insert(0, str(out))
    try:
        yield {name: __import__(f"{name}_bodies") for name in CASES}
    finally:
        sys.path.remove(str(out))
        for module in [module for module in sys.modules if module.split(".")[0].endswith("_bodies")]:
            del sys.modules[module]


class Recorder:
    """A `MockTransport` handler that keeps every request (its body read) and answers with `answers` in turn."""

    def __init__(self, *answers: httpx2.Response) -> None:
        self.requests: list[httpx2.Request] = []
        self.bodies: list[bytes] = []
        self.answers = list(answers)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        self.bodies.append(request.read())
        return self.answers.pop(0) if self.answers else httpx2.Response(200, json={"id": "cus_1", "file_id": "f_1"})

    @property
    def content_type(self) -> str:
        return self.requests[-1].headers.get("content-type", "")


def client(package: Any, name: str, recorder: Recorder, **options: Any) -> Any:
    http = httpx2.Client(transport=httpx2.MockTransport(recorder))
    return getattr(package, name)(base_url="http://api", http_client=http, **{"max_retries": 0, **options})


def boundary(recorder: Recorder) -> bytes:
    media, _, parameter = recorder.content_type.partition("; boundary=")
    assert media == "multipart/form-data"
    return parameter.encode()


# application/x-www-form-urlencoded


def test_a_form_body_as_stripe_writes_it(packages: dict[str, Any]) -> None:
    seen = Recorder()
    billing = client(packages["billing"], "BillingClient", seen)
    customer = billing.create_customer(
        email="ada@example.com",
        balance=-5,
        tax_exempt="none",
        metadata={"order": "6735", "note": "a b&c"},
        expand=["default_source", "tax"],
        address={"line1": "1 Main St", "city": "Paris"},
    )
    assert customer.id == "cus_1"
    assert seen.content_type == "application/x-www-form-urlencoded"
    assert seen.bodies[-1] == (
        b"email=ada%40example.com&balance=-5&tax_exempt=none&metadata%5Border%5D=6735&metadata%5Bnote%5D=a+b%26c"
        b"&expand%5B0%5D=default_source&expand%5B1%5D=tax&address%5Bline1%5D=1+Main+St&address%5Bcity%5D=Paris"
    )


def test_form_styles_and_explode(packages: dict[str, Any]) -> None:
    seen = Recorder(httpx2.Response(204), httpx2.Response(204))
    billing = client(packages["billing"], "BillingClient", seen)
    billing.search(tags=["a", "b"], ids=[1, 2], words=["x", "y"], paths=["p", "q"], filter={"kind": "k", "live": True})
    assert seen.bodies[-1] == b"tags=a&tags=b&ids=1%2C2&words=x+y&paths=p%7Cq&kind=k&live=true"
    billing.search()  # an optional form body with nothing in it: no body at all
    assert (seen.bodies[-1], seen.content_type) == (b"", "")


def test_the_whole_body_or_the_keywords_never_both(packages: dict[str, Any]) -> None:
    seen = Recorder()
    billing = client(packages["billing"], "BillingClient", seen)
    billing.create_customer(body={"email": "x@y.z", "metadata": {"k": "v"}, "future_field": 1})
    assert seen.bodies[-1] == b"email=x%40y.z&metadata%5Bk%5D=v&future_field=1"
    with pytest.raises(TypeError, match="either whole"):
        billing.create_customer(email="x@y.z", body={"email": "x@y.z"})
    with pytest.raises(TypeError, match="missing required body field"):
        billing.create_customer(balance=3)
    assert len(seen.requests) == 1


def test_several_media_types_default_to_json_and_the_caller_chooses(packages: dict[str, Any]) -> None:
    seen = Recorder(httpx2.Response(204), httpx2.Response(204), httpx2.Response(204))
    billing = client(packages["billing"], "BillingClient", seen)
    billing.put_note(text="hi", pinned=False)
    assert (seen.content_type, seen.bodies[-1]) == ("application/json", b'{"text":"hi","pinned":false}')
    billing.put_note(text="hi", pinned=False, content_type="application/x-www-form-urlencoded")
    assert (seen.content_type, seen.bodies[-1]) == ("application/x-www-form-urlencoded", b"text=hi&pinned=false")
    billing.put_note(body=packages["billing"].models.Note(text="model"), content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert seen.bodies[-1] == b"text=model"
    with pytest.raises(ValueError, match="content_type 'text/xml' is not one of"):
        billing.put_note(text="hi", content_type="text/xml")


# multipart/form-data


def test_a_multipart_file_and_a_field(packages: dict[str, Any]) -> None:
    seen = Recorder()
    uploads = client(packages["uploads"], "UploadsClient", seen)
    stored = uploads.upload_file(file=("report.pdf", b"%PDF-1.7", "application/pdf"), retention_days=3)
    assert stored.file_id == "f_1"
    mark = boundary(seen)
    assert seen.bodies[-1] == (
        b"--" + mark + b'\r\nContent-Disposition: form-data; name="file"; filename="report.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\r\n"
        b"--" + mark + b'\r\nContent-Disposition: form-data; name="retention_days"\r\n\r\n3\r\n'
        b"--" + mark + b"--\r\n"
    )


def test_multipart_encoding_content_types_lists_and_deep_objects(packages: dict[str, Any], tmp_path: Path) -> None:
    seen = Recorder(httpx2.Response(204))
    uploads = client(packages["uploads"], "UploadsClient", seen)
    photo = tmp_path / "cat.png"
    photo.write_bytes(b"\x89PNG2")
    with photo.open("rb") as file:
        uploads.add_photos(
            "al_1",
            photos=[b"\x89PNG1", file],
            caption="*hi*",
            meta={"camera": "X", "iso": 100},
            labels={"a": "b"},
            public=True,
        )
    mark = b"--" + boundary(seen)
    assert seen.bodies[-1] == (
        mark + b'\r\nContent-Disposition: form-data; name="photos"; filename="upload"\r\n'
        b"Content-Type: image/png\r\n\r\n\x89PNG1\r\n"
        + mark + b'\r\nContent-Disposition: form-data; name="photos"; filename="cat.png"\r\n'
        b"Content-Type: image/png\r\n\r\n\x89PNG2\r\n"
        + mark + b'\r\nContent-Disposition: form-data; name="caption"\r\nContent-Type: text/markdown\r\n\r\n*hi*\r\n'
        + mark + b'\r\nContent-Disposition: form-data; name="meta"\r\nContent-Type: application/json\r\n\r\n'
        b'{"camera":"X","iso":100}\r\n'
        + mark + b'\r\nContent-Disposition: form-data; name="labels[a]"\r\n\r\nb\r\n'
        + mark + b'\r\nContent-Disposition: form-data; name="public"\r\n\r\ntrue\r\n'
        + mark + b"--\r\n"
    )  # fmt: skip


def test_a_multipart_body_without_a_file_is_still_multipart(packages: dict[str, Any]) -> None:
    seen = Recorder()
    uploads = client(packages["uploads"], "UploadsClient", seen)
    uploads.upload_file(body={"file": "plain text", "retention_days": None})
    mark = b"--" + boundary(seen)
    assert seen.bodies[-1] == (
        mark + b'\r\nContent-Disposition: form-data; name="file"\r\n\r\nplain text\r\n'
        + mark + b'\r\nContent-Disposition: form-data; name="retention_days"\r\n\r\n\r\n'
        + mark + b"--\r\n"
    )  # fmt: skip


# binary, text and JSON-compatible media types


def test_binary_bodies_bytes_files_and_chunks(packages: dict[str, Any]) -> None:
    seen = Recorder(*[httpx2.Response(204)] * 4)
    blobs = client(packages["blobs"], "BlobsClient", seen)
    blobs.put_blob("k1", body=b"\x00\x01\x02")
    assert (seen.content_type, seen.bodies[-1]) == ("application/octet-stream", b"\x00\x01\x02")
    file = io.BytesIO(b"skip:payload")
    file.seek(5)
    blobs.put_blob("k2", body=file)
    assert (seen.bodies[-1], seen.requests[-1].headers["content-length"]) == (b"payload", "7")
    blobs.put_blob("k3", body=(chunk for chunk in (b"ab", b"cd")))
    assert (seen.bodies[-1], seen.requests[-1].headers["transfer-encoding"]) == (b"abcd", "chunked")
    blobs.post_image(body=b"\xff\xd8", content_type="image/jpeg")
    assert (seen.content_type, seen.bodies[-1]) == ("image/jpeg", b"\xff\xd8")


def test_text_and_other_textual_bodies(packages: dict[str, Any]) -> None:
    seen = Recorder(*[httpx2.Response(204)] * 3)
    blobs = client(packages["blobs"], "BlobsClient", seen)
    blobs.post_note(body="héllo")
    assert (seen.content_type, seen.bodies[-1]) == ("text/plain", "héllo".encode())
    blobs.post_token(body="a.b.c")
    assert (seen.content_type, seen.bodies[-1]) == ("application/jwt", b"a.b.c")
    blobs.patch_pod("web", body="spec: {}\n", content_type="application/apply-patch+yaml")
    assert (seen.content_type, seen.bodies[-1]) == ("application/apply-patch+yaml", b"spec: {}\n")
    with pytest.raises(TypeError, match="text/plain body is a str"):
        blobs.post_note(body=b"bytes")


def test_json_compatible_media_types(packages: dict[str, Any]) -> None:
    seen = Recorder(httpx2.Response(201, json={"name": "web"}), *[httpx2.Response(204)] * 3)
    blobs = client(packages["blobs"], "BlobsClient", seen)
    assert blobs.create_pod(name="web", image="nginx").name == "web"
    assert (seen.content_type, seen.bodies[-1]) == ("application/json", b'{"name":"web","image":"nginx"}')
    blobs.patch_pod("web", body={"image": "nginx:2"})
    assert (seen.content_type, seen.bodies[-1]) == ("application/merge-patch+json", b'{"image":"nginx:2"}')
    at = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    blobs.post_event(kind="deploy", at=at)
    assert (seen.content_type, seen.bodies[-1]) == ("text/json", b'{"kind":"deploy","at":"2025-01-02T03:04:05Z"}')


# allOf bodies


def test_all_of_gives_every_writable_field_inherited_required_ones_included(packages: dict[str, Any]) -> None:
    fleet = packages["fleet"]
    thing = httpx2.Response(200, json={"location": "westeurope", "sku": "s"})
    seen = Recorder(thing, thing, *[httpx2.Response(204)] * 3)
    api = client(fleet, "FleetClient", seen)
    api.create_thing("t1", location="westeurope", sku="s", tags={"env": "prod"})
    assert seen.bodies[-1] == b'{"location":"westeurope","sku":"s","tags":{"env":"prod"}}'
    api.create_thing("t1", body=fleet.models.Thing(location="northeurope", sku="s2"))
    assert seen.bodies[-1] == b'{"location":"northeurope","sku":"s2"}'
    api.create_gadget(serial="g1", owner="me", colour="red")
    assert seen.bodies[-1] == b'{"owner":"me","serial":"g1","colour":"red"}'  # an optional body: spec order
    api.create_widget(owner="me")
    api.create_widget(body={"owner": "me", "radius": 2.5})
    assert seen.bodies[-1] == b'{"owner":"me","radius":2.5}'


# retries of streamed bodies


def busy() -> httpx2.Response:
    """A refusal a POST is retried after (the server did nothing)."""
    return httpx2.Response(503, headers={"retry-after": "0"})


def test_a_seekable_stream_is_rewound_for_a_retry_and_an_iterator_is_not_retried(packages: dict[str, Any]) -> None:
    seen = Recorder(busy())
    uploads = client(packages["uploads"], "UploadsClient", seen, max_retries=2)
    uploads.upload_file(file=("a.txt", io.BytesIO(b"again"), "text/plain"))
    assert len(seen.requests) == 2
    assert seen.bodies[0] == seen.bodies[1]
    assert b"again" in seen.bodies[1]

    seen = Recorder(busy(), httpx2.Response(204))
    blobs = client(packages["blobs"], "BlobsClient", seen, max_retries=2)
    blobs.put_blob("k", body=io.BytesIO(b"rewound"))
    assert seen.bodies == [b"rewound", b"rewound"]

    seen = Recorder(busy(), httpx2.Response(204))
    blobs = client(packages["blobs"], "BlobsClient", seen, max_retries=2)
    with pytest.raises(packages["blobs"].APIStatusError):
        blobs.put_blob("k", body=iter([b"once"]))
    assert seen.bodies == [b"once"]


def test_the_async_client_sends_files_and_rewinds_them(packages: dict[str, Any]) -> None:
    seen = Recorder(busy(), httpx2.Response(204), httpx2.Response(200, json={"file_id": "f_2"}))

    async def main() -> None:
        http = httpx2.AsyncClient(transport=httpx2.MockTransport(seen))
        blobs = packages["blobs"].AsyncBlobsClient(base_url="http://api", http_client=http, max_retries=2)
        await blobs.put_blob("k", body=io.BytesIO(b"async bytes"))
        uploads = packages["uploads"].AsyncUploadsClient(base_url="http://api", http_client=http)
        assert (await uploads.upload_file(file=b"raw")).file_id == "f_2"

    asyncio.run(main())
    assert seen.bodies[:2] == [b"async bytes", b"async bytes"]
    assert seen.requests[1].headers["content-length"] == "11"
    assert b'name="file"; filename="upload"\r\nContent-Type: application/octet-stream\r\n\r\nraw\r\n' in seen.bodies[2]


# types


USAGE = """
from __future__ import annotations

import io

import billing_bodies
import blobs_bodies
import fleet_bodies
import uploads_bodies


def calls(fleet: fleet_bodies.FleetClient, billing: billing_bodies.BillingClient) -> None:
    fleet.create_thing("t", location="westeurope", sku="s")
    fleet.create_thing("t", body=fleet_bodies.models.Thing(location="westeurope", sku="s"))
    fleet.create_thing("t", body={"location": "westeurope", "sku": "s"})
    billing.put_note(text="hi", content_type="application/x-www-form-urlencoded")


def uploads(client: uploads_bodies.UploadsClient, blobs: blobs_bodies.BlobsClient) -> None:
    client.upload_file(file=("a.pdf", io.BytesIO(b""), "application/pdf"))
    blobs.put_blob("k", body=open("f", "rb"))


def wrong(fleet: fleet_bodies.FleetClient, billing: billing_bodies.BillingClient) -> None:
    fleet.create_thing("t", sku="s")  # rejected: no location
    fleet.create_thing("t", location="westeurope", sku="s", body={})  # rejected: both
    billing.put_note(text="hi", content_type="text/xml")  # rejected: not a media type it declares
"""


@pytest.mark.slow
def test_the_packages_are_mypy_strict_clean_and_their_overloads_hold(packages: dict[str, Any], tmp_path: Path) -> None:
    out = Path(packages["fleet"].__file__).parent.parent
    (out / "use_bodies.py").write_text(textwrap.dedent(USAGE), encoding="utf-8")
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *(f"{name}_bodies" for name in CASES), "use_bodies.py"],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    assert all(line.startswith("use_bodies.py:") for line in errors), checked.stdout
    rejected = [number for number, line in enumerate(textwrap.dedent(USAGE).splitlines(), 1) if "# rejected" in line]
    assert sorted({int(line.split(":")[1]) for line in errors}) == rejected, checked.stdout
