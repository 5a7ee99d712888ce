"""Mapping and validation of REST channel bodies, and upload type sniffing."""

import pytest

from bot.messages import ChatType, MediaKind
from connectors.web.media import sniff
from connectors.web.rest import inbound_from_rest


def test_metadata_maps_to_neutral_fields() -> None:
    message = inbound_from_rest(
        {
            "sender": "u1",
            "message": " 路灯坏了 ",
            "metadata": {
                "message_id": "m-1",
                "chat_type": "group",
                "group_id": "g-9",
                "mentioned": True,
                "scene": "B001",
                "phone": "13800000000",
                "location": {"lat": 36.8, "lng": 118.05},
                "attachments": [
                    {"kind": "image", "url": "/uploads/0123456789abcdef0123456789abcdef.jpg"}
                ],
            },
        }
    )
    assert message.channel == "web"
    assert message.text == "路灯坏了"
    assert message.message_id == "m-1"
    assert message.chat_type is ChatType.GROUP
    assert message.group_id == "g-9" and message.mentioned
    assert message.scene == "B001" and message.phone == "13800000000"
    assert message.location is not None and message.location.lat == pytest.approx(36.8)
    assert message.attachments[0].kind is MediaKind.IMAGE
    assert message.conversation_id == "web:group:g-9:u1"


@pytest.mark.parametrize(
    "body",
    [
        [],
        "text",
        {"message": "hi"},
        {"sender": "u", "message": 3},
        {"sender": "u", "message": "hi", "metadata": []},
        {"sender": "u", "message": "hi", "metadata": {"chat_type": "channel"}},
        {"sender": "u", "message": "hi", "metadata": {"location": {"lat": 200, "lng": 0}}},
        {
            "sender": "u",
            "message": "hi",
            "metadata": {"attachments": [{"kind": "exe", "url": "x"}]},
        },
        {"sender": "x" * 500, "message": "hi"},
    ],
)
def test_bad_bodies_are_refused(body: object) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        inbound_from_rest(body)


@pytest.mark.parametrize(
    ("head", "kind", "content_type"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", MediaKind.IMAGE, "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", MediaKind.IMAGE, "image/png"),
        (b"\x00\x00\x00\x18ftypmp42", MediaKind.VIDEO, "video/mp4"),
        (b"#!AMR\n", MediaKind.VOICE, "audio/amr"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", MediaKind.VOICE, "audio/wav"),
        # A browser's voice recording: WebM or MP4 holding one sound track (MediaRecorder).
        (b"\x1a\x45\xdf\xa3" + b"\x00" * 60 + b"\x86\x86A_OPUS", MediaKind.VOICE, "audio/webm"),
        (b"\x00\x00\x00\x18ftypiso5" + b"\x00" * 40 + b"hdlr" + b"\x00" * 8 + b"soun",
         MediaKind.VOICE, "audio/mp4"),
        # The same containers with a picture are videos, whatever sound they carry too.
        (b"\x1a\x45\xdf\xa3" + b"\x00" * 60 + b"\x86\x85V_VP8" + b"\x86\x86A_OPUS",
         MediaKind.VIDEO, "video/webm"),
        (b"\x1a\x45\xdf\xa3\x01\x00\x00", MediaKind.VIDEO, "video/webm"),
        (b"\x00\x00\x00\x18ftypisom" + b"hdlr" + b"\x00" * 8 + b"vide" + b"hdlr" + b"\x00" * 8
         + b"soun", MediaKind.VIDEO, "video/mp4"),
    ],
)
def test_sniff_accepts_media(head: bytes, kind: MediaKind, content_type: str) -> None:
    sniffed = sniff(head)
    assert sniffed is not None
    assert sniffed.kind is kind and sniffed.content_type == content_type


@pytest.mark.parametrize("head", [b"MZ\x90\x00", b"%PDF-1.7", b"<html>", b"PK\x03\x04", b""])
def test_sniff_refuses_other_files(head: bytes) -> None:
    assert sniff(head) is None
