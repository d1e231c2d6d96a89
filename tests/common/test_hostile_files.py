"""Hostile uploads get a clear refusal, before anything costly happens
(issue 10): images whose decoded size is huge for a small file, and
documents whose content is not what their name or first bytes say, or
that carry scripts, actions or attachments. Files are built here: PNG
headers by hand, JPEGs with Pillow, PDFs with pypdf."""

from __future__ import annotations

import io
import struct
import zlib
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from common import images
from common.validators import validate_document, validate_image


def png(width: int, height: int, *, bit_depth: int = 8, colour: int = 6) -> bytes:
    """A PNG that declares ``width`` × ``height`` and holds a few bytes of
    data: what an attacker sends (colour 6 is RGBA, 0 grey, 2 RGB)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )


def jpeg(width: int, height: int, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, "JPEG")
    return buffer.getvalue()


def upload(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def no_decoding():
    """Fails the test if any pixel is decoded."""
    with mock.patch.object(
        ImageFile.ImageFile, "load", side_effect=AssertionError("pixels decoded")
    ) as load:
        yield load


@pytest.mark.parametrize(
    ("width", "height", "bit_depth", "colour"),
    [
        (6300, 6300, 8, 6),  # the 170 KB PNG: 159 MB RGBA
        (4500, 4500, 8, 6),  # 20 MP RGBA, 81 MB
        (6000, 6000, 8, 2),  # 36 MP RGB, 108 MB
        (7000, 5000, 16, 0),  # 35 MP of 16-bit grey, 70 MB
        (6000, 6000, 8, 4),  # 36 MP grey + alpha, 72 MB
    ],
)
@pytest.mark.parametrize("validator", [validate_image, validate_document])
def test_a_small_file_with_a_huge_canvas_is_refused_before_decoding(
    no_decoding, validator, width, height, bit_depth, colour
):
    content = png(width, height, bit_depth=bit_depth, colour=colour)
    assert len(content) < 1000
    with pytest.raises(ValidationError) as refused:
        validator(upload(content, "photo.png"))
    assert refused.value.code == "image_too_large_decoded"
    assert (
        "trop grande une fois ouverte" in str(refused.value.messages[0]) or refused.value.messages
    )
    no_decoding.assert_not_called()


def test_re_encoding_refuses_a_huge_canvas_too(no_decoding):
    with pytest.raises(ValidationError):
        images.reencode(upload(png(6300, 6300), "photo.png"), images.PHOTO_MAX_SIDE)
    no_decoding.assert_not_called()


@pytest.mark.parametrize(("width", "height"), [(4000, 4000), (3000, 3000)])
def test_an_ordinary_png_is_accepted(width, height):
    validate_image(upload(png(width, height, colour=2), "photo.png"))


def test_a_large_camera_jpeg_is_accepted_and_decoded_at_a_reduced_scale():
    """6400 × 4800 RGB is 92 MB in full: over the cap, but libjpeg decodes
    it at 1/4, 1600 × 1200 (7 MB), which is all we keep."""
    content = jpeg(6400, 4800)
    validate_image(upload(content, "photo.jpg"))
    with images.open_for_size(io.BytesIO(content)) as image:
        assert image.size == (1600, 1200)
    display, thumbnail = images.photo_files(upload(content, "photo.jpg"))
    assert Image.open(display).size == (1600, 1200)
    assert Image.open(thumbnail).size == (480, 360)


def test_a_jpeg_too_large_even_at_an_eighth_is_refused(no_decoding):
    """A JPEG header may declare 65 500 × 65 500: at 1/8 it is still
    8188² × 3 bytes."""
    content = bytearray(jpeg(16, 16))
    sof = content.index(b"\xff\xc0")
    content[sof + 5 : sof + 9] = struct.pack(">HH", 65500, 65500)
    with pytest.raises(ValidationError) as refused:
        validate_image(upload(bytes(content), "photo.jpg"))
    # Pillow's own bomb guard may speak first: refused either way, undecoded.
    assert refused.value.code in ("image_too_large_decoded", "invalid_image")
    no_decoding.assert_not_called()


def test_a_jpeg_under_the_decoded_cap_at_its_draft_scale_still_has_a_pixel_cap(no_decoding):
    content = bytearray(jpeg(16, 16))
    sof = content.index(b"\xff\xc0")
    content[sof + 5 : sof + 9] = struct.pack(">HH", 9000, 9000)
    with pytest.raises(ValidationError) as refused:
        validate_image(upload(bytes(content), "photo.jpg"))
    assert refused.value.code == "image_too_many_pixels"
    no_decoding.assert_not_called()


# --- Content against name -----------------------------------------------------


def pdf(**build) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    for step in build.values():
        step(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (lambda: pdf(), "scan.png"),
        (lambda: pdf(), "scan.jpg"),
        (lambda: png(100, 100), "scan.pdf"),
        (lambda: png(100, 100), "scan.jpg"),
        (lambda: jpeg(100, 100), "scan.png"),
        (lambda: jpeg(100, 100), "scan.pdf"),
    ],
)
def test_a_document_whose_content_does_not_match_its_name_is_refused(content, name):
    with pytest.raises(ValidationError) as refused:
        validate_document(upload(content(), name))
    assert refused.value.code == "extension_mismatch"


@pytest.mark.parametrize(
    ("content", "name"),
    [(lambda: png(100, 100), "photo.jpg"), (lambda: jpeg(100, 100), "photo.webp")],
)
def test_an_image_whose_content_does_not_match_its_name_is_refused(content, name):
    with pytest.raises(ValidationError) as refused:
        validate_image(upload(content(), name))
    assert refused.value.code == "extension_mismatch"


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (lambda: pdf(), "facture.pdf"),
        (lambda: pdf(), "FACTURE.PDF"),
        (lambda: jpeg(800, 600), "facture.jpeg"),
        (lambda: png(800, 600, colour=2), "facture.png"),
    ],
)
def test_plain_scans_are_accepted(content, name):
    validate_document(upload(content(), name))


# --- PDFs ---------------------------------------------------------------------


def open_action(action: dict) -> callable:
    def step(writer: PdfWriter) -> None:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject(key): value for key, value in action.items()}
        )

    return step


def page_action(action: dict) -> callable:
    def step(writer: PdfWriter) -> None:
        writer.pages[0][NameObject("/AA")] = DictionaryObject(
            {
                NameObject("/O"): DictionaryObject(
                    {NameObject(key): value for key, value in action.items()}
                )
            }
        )

    return step


def link_action(action: dict) -> callable:
    def step(writer: PdfWriter) -> None:
        annotation = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
                NameObject("/A"): DictionaryObject(
                    {NameObject(key): value for key, value in action.items()}
                ),
            }
        )
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])

    return step


def document_javascript(writer: PdfWriter) -> None:
    """A document-level script (the catalog's /Names /JavaScript tree)."""
    script = writer._add_object(
        DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('hi');"),
            }
        )
    )
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("hello"), script])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(tree)}
    )


JS = {"/S": NameObject("/JavaScript"), "/JS": TextStringObject("app.alert(1)")}
LAUNCH = {"/S": NameObject("/Launch"), "/F": TextStringObject("cmd.exe")}


@pytest.mark.parametrize(
    ("build", "code"),
    [
        ({"js": document_javascript}, "pdf_active_content"),
        ({"open": open_action(JS)}, "pdf_active_content"),
        ({"open": open_action(LAUNCH)}, "pdf_active_content"),
        ({"page": page_action(JS)}, "pdf_active_content"),
        ({"link": link_action(LAUNCH)}, "pdf_active_content"),
        ({"link": link_action(JS)}, "pdf_active_content"),
        (
            {"file": lambda writer: writer.add_attachment("notes.txt", b"hello")},
            "pdf_active_content",
        ),
        ({"lock": lambda writer: writer.encrypt("secret")}, "pdf_encrypted"),
        ({"lock": lambda writer: writer.encrypt("")}, "pdf_encrypted"),
    ],
)
def test_scripted_encrypted_or_attached_pdfs_are_refused(build, code):
    with pytest.raises(ValidationError) as refused:
        validate_document(upload(pdf(**build), "facture.pdf"))
    assert refused.value.code == code


def test_an_open_action_that_only_shows_the_first_page_is_accepted():
    def go_to_first_page(writer: PdfWriter) -> None:
        writer._root_object[NameObject("/OpenAction")] = ArrayObject(
            [
                writer.pages[0].indirect_reference,
                NameObject("/XYZ"),
                FloatObject(0),
                FloatObject(0),
                FloatObject(1),
            ]
        )

    validate_document(upload(pdf(go=go_to_first_page), "facture.pdf"))


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-<html><script>alert(1)</script></html>",
        b"%PDF-1.7\n" + b"<html><body>" + b"x" * 5000 + b"</body></html>",
        b"%PDF-1.4\n%%EOF",
        b"%PDF-",
    ],
)
def test_something_that_only_starts_like_a_pdf_is_refused(content):
    with pytest.raises(ValidationError) as refused:
        validate_document(upload(content, "facture.pdf"))
    assert refused.value.code == "pdf_unreadable"


def test_a_truncated_pdf_is_refused():
    content = pdf()
    with pytest.raises(ValidationError):
        validate_document(upload(content[: len(content) // 3], "facture.pdf"))
