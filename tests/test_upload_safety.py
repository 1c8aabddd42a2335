"""etl.upload_safety: type by content, size limits, zip bombs, XML entities, safe store names."""

from __future__ import annotations

import io
import os
import re
import shutil
import stat
import struct
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from etl import upload_safety
from etl.upload_safety import check_upload, display_name, safe_store_name

CONTENT_TYPES_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def good_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Utlån"
    ws.append(["Datum", "Filial", "Utlån"])
    ws.append(["2024-01-01", "Stadsbiblioteket", 1234])
    ws.append(["2024-01-01", "Bokbussen", 56])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rezip(xlsx: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """Copy a zip, replacing or adding entries (deflated)."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info)))
        for name, data in add.items():
            dst.writestr(name, data)
    return out.getvalue()


def codes(problems) -> list[str]:
    return [p.code for p in problems]


# --------------------------------------------------------------------------- accepted files
def test_good_xlsx_written_by_openpyxl_is_accepted():
    kind, problems = check_upload("utlan_2024.xlsx", good_xlsx())
    assert kind == "xlsx"
    assert problems == []


def test_good_csv_in_utf8_and_cp1252_is_accepted():
    text = "Datum;Filial;Utlån\n2024-01-01;Stadsbiblioteket;1 234\n2024-01-01;Sävja;56\n"
    for data in (text.encode("utf-8"), text.encode("utf-8-sig"), text.encode("cp1252")):
        kind, problems = check_upload("besok.csv", data)
        assert (kind, problems) == ("csv", [])


def test_type_is_decided_by_content_and_a_wrong_name_only_warns():
    kind, problems = check_upload("utlan.csv", good_xlsx())
    assert kind == "xlsx"
    assert codes(problems) == ["upload_name_mismatch"]
    assert problems[0].severity == "varning"
    assert ".csv" in problems[0].message and "xlsx" in problems[0].message


@pytest.fixture(scope="module")
def office_files(tmp_path_factory) -> dict[str, bytes]:
    """A real .xls and .ods, converted from an openpyxl workbook by LibreOffice."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("office")
    (folder / "utlan.xlsx").write_bytes(good_xlsx())
    out = {}
    for ext in ("xls", "ods"):
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{folder}/profile", "--headless",
             "--convert-to", ext, "--outdir", str(folder), str(folder / "utlan.xlsx")],
            check=True, capture_output=True, timeout=120,
        )
        out[ext] = (folder / f"utlan.{ext}").read_bytes()
    return out


def test_real_xls_and_ods_from_libreoffice_are_accepted(office_files):
    assert check_upload("utlan.xls", office_files["xls"]) == ("xls", [])
    assert check_upload("utlan.ods", office_files["ods"]) == ("ods", [])


# --------------------------------------------------------------------------- refused files
def test_png_renamed_to_xlsx_is_refused():
    png = (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0) + b"\x00" * 4
        + struct.pack(">I", 0) + b"IEND" + b"\xaeB`\x82"
    )
    kind, problems = check_upload("utlan_2024.xlsx", png)
    assert kind is None
    assert codes(problems) == ["upload_wrong_type"]
    assert problems[0].severity == "fel"
    assert problems[0].file == "utlan_2024.xlsx"
    assert problems[0].message.startswith("Filen är en bild (PNG), inte ett kalkylark")


@pytest.mark.parametrize(("content", "what"), [
    (b"\x89PNG\r\n\x1a\n", "en bild (PNG)"),  # the 8-byte PNG signature alone
    (b"\xff\xd8\xff\xe0", "en bild (JPEG)"),
    (b"GIF89a", "en bild (GIF)"),
    (b"%PDF-1.7", "en PDF"),
    (b"\x7fELF\x02\x01\x01", "ett program (ELF)"),
    (b"\x1f\x8b\x08\x00", "ett komprimerat arkiv (gzip)"),
    (b"MZ\x90\x00\x03", "ett Windows-program"),
    (b"SQLite format 3\x00", "en SQLite-databas"),
])
def test_tiny_binary_files_are_refused_by_their_magic_number(content, what):
    kind, problems = check_upload("export.csv", content)
    assert kind is None and codes(problems) == ["upload_wrong_type"]
    assert problems[0].message.startswith(f"Filen är {what}, inte ett kalkylark eller en CSV-fil")


@pytest.mark.parametrize("content", [b"ab\x01cd", b"Datum\x00In", b"\x02\x03\x04\x05abcdefgh"])
def test_tiny_content_with_nul_or_control_characters_is_not_text(content):
    kind, problems = check_upload("export.csv", content)
    assert kind is None and codes(problems) == ["upload_wrong_type"]
    assert "Filtypen känns inte igen" in problems[0].message


def test_text_that_merely_starts_like_a_magic_number_is_still_csv():
    # "MZ", "BZh", "ID3" could begin a header line; without a binary header they are text.
    for text in (b"MZ;Filial\n1;2\n", b"BZh;x\n1;2\n", b"ID3;Datum\n1;2\n"):
        assert check_upload("export.csv", text) == ("csv", [])


def test_one_stray_control_character_in_a_long_csv_only_warns():
    body = b"Datum;Filial;Utl\xe5n\n" + b"2024-01-01;Gottsunda;12\n" * 20 + b"2024-01-02;Gotts\x07unda;3\n"
    kind, problems = check_upload("export.csv", body)
    assert kind == "csv" and codes(problems) == ["upload_control_chars"]
    assert problems[0].message.startswith("Filen innehåller 1 osynliga styrtecken")


def test_whitespace_only_file_is_refused_as_empty():
    kind, problems = check_upload("export.csv", b"  \r\n\n")
    assert kind is None and codes(problems) == ["upload_empty"]


def test_zip_bomb_of_50_mb_zeros_is_refused():
    bomb = rezip(good_xlsx(), add={"xl/media/image1.bin": b"\0" * (50 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024  # 50 MB of zeros deflate to well under 1 MB
    kind, problems = check_upload("utlan.xlsx", bomb)
    assert kind is None
    assert codes(problems) == ["upload_zip_bomb"]
    assert "zip-bomb" in problems[0].message


def test_total_uncompressed_size_limit(monkeypatch):
    monkeypatch.setattr(upload_safety, "MAX_UNCOMPRESSED", 2 * 1024 * 1024)
    # random bytes do not compress: the ratio is ~1, only the total size is over the limit
    data = rezip(good_xlsx(), add={"xl/media/photo.bin": os.urandom(3 * 1024 * 1024)})
    kind, problems = check_upload("utlan.xlsx", data)
    assert kind is None and codes(problems) == ["upload_zip_bomb"]
    assert "2 MB" in problems[0].message


def test_too_many_entries_is_refused():
    data = rezip(good_xlsx(), add={f"xl/extra/{i}.bin": b"x" for i in range(2001)})
    kind, problems = check_upload("utlan.xlsx", data)
    assert kind is None and codes(problems) == ["upload_zip_bomb"]
    assert "2 010 delar" in problems[0].message  # 9 openpyxl parts + 2 001 added


def test_size_limit():
    data = good_xlsx()
    kind, problems = check_upload("utlan.xlsx", data, max_bytes=len(data) - 1)
    assert kind is None and codes(problems) == ["upload_too_large"]
    assert check_upload("utlan.xlsx", data, max_bytes=len(data))[0] == "xlsx"


def test_empty_file_is_refused():
    assert codes(check_upload("tom.csv", b"")[1]) == ["upload_empty"]


def _sheet_with_doctype(xlsx: bytes, doctype: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
    body = re.sub(r"^<\?xml[^>]*\?>", "", sheet)
    evil = '<?xml version="1.0" encoding="UTF-8"?>' + doctype + body
    return rezip(xlsx, replace={"xl/worksheets/sheet1.xml": evil.encode("utf-8")})


def test_xlsx_with_entity_in_sheet_xml_is_refused():
    laughs = (
        '<!DOCTYPE worksheet [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
    )
    kind, problems = check_upload("utlan.xlsx", _sheet_with_doctype(good_xlsx(), laughs))
    assert kind is None
    assert codes(problems) == ["upload_xml_entities"]
    assert "xl/worksheets/sheet1.xml" in problems[0].message


def test_xlsx_with_external_entity_is_refused():
    xxe = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    kind, problems = check_upload("utlan.xlsx", _sheet_with_doctype(good_xlsx(), xxe))
    assert kind is None and codes(problems) == ["upload_xml_entities"]


def test_doctype_in_content_types_is_refused():
    ct = (
        '<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY t "x">]>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/xl/workbook.xml" ContentType="{CONTENT_TYPES_XLSX}"/></Types>'
    )
    data = rezip(good_xlsx(), replace={"[Content_Types].xml": ct.encode()})
    assert codes(check_upload("utlan.xlsx", data)[1]) == ["upload_xml_entities"]


def test_macro_workbook_is_refused():
    xlsx = good_xlsx()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:
        ct = zf.read("[Content_Types].xml").decode()
    ct = ct.replace(CONTENT_TYPES_XLSX, "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    kind, problems = check_upload("utlan.xlsx", rezip(xlsx, replace={"[Content_Types].xml": ct.encode()}))
    assert kind is None and codes(problems) == ["upload_macros"]


def test_plain_zip_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("utlan.csv", "Datum;Utlån\n")
    assert codes(check_upload("utlan.xlsx", buf.getvalue())[1]) == ["upload_wrong_type"]


def test_zip_whose_directory_lies_about_sizes_is_refused():
    """The central directory says 1 000 bytes; the entry inflates to 5 MB."""
    data = bytearray(rezip(good_xlsx(), add={"xl/media/x.bin": b"\0" * (5 * 1024 * 1024)}))
    name = b"xl/media/x.bin"
    for sig, name_len_at, size_at, name_at in ((b"PK\x01\x02", 28, 24, 46), (b"PK\x03\x04", 26, 22, 30)):
        i = data.find(sig)
        while i != -1:
            n = struct.unpack_from("<H", data, i + name_len_at)[0]
            if bytes(data[i + name_at : i + name_at + n]) == name:
                struct.pack_into("<I", data, i + size_at, 1000)
            i = data.find(sig, i + 4)
    kind, problems = check_upload("utlan.xlsx", bytes(data))
    assert kind is None and codes(problems) == ["upload_corrupt"]


def _cfb(stream_names: list[str]) -> bytes:
    """A minimal OLE2 compound file: header, one FAT sector, one directory sector."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 0x2C, 1)  # one FAT sector
    struct.pack_into("<I", header, 0x30, 1)  # directory starts in sector 1
    struct.pack_into("<I", header, 0x38, 4096)
    struct.pack_into("<IIII", header, 0x3C, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    difat = [0] + [0xFFFFFFFF] * 108  # the FAT is sector 0
    struct.pack_into("<109I", header, 0x4C, *difat)
    fat = [0xFFFFFFFD, 0xFFFFFFFE] + [0xFFFFFFFF] * 126
    directory = bytearray(512)
    for i, (name, kind) in enumerate([("Root Entry", 5)] + [(n, 2) for n in stream_names]):
        raw = name.encode("utf-16-le") + b"\0\0"
        directory[i * 128 : i * 128 + len(raw)] = raw
        struct.pack_into("<HB", directory, i * 128 + 64, len(raw), kind)
    return bytes(header) + struct.pack("<128I", *fat) + bytes(directory)


def test_ole2_container_type_is_read_from_its_directory():
    assert check_upload("a.xls", _cfb(["Workbook", "\x05SummaryInformation"])) == ("xls", [])
    assert codes(check_upload("a.xls", _cfb(["WordDocument", "1Table"]))[1]) == ["upload_wrong_type"]
    assert codes(check_upload("a.xlsx", _cfb(["EncryptedInfo", "EncryptedPackage"]))[1]) == ["upload_encrypted"]
    assert codes(check_upload("a.xls", _cfb(["Workbook"])[:600])[1]) == ["upload_corrupt"]


def test_html_saved_as_xls_is_refused_with_advice():
    html = "<html><body><table><tr><td>Utlån</td></tr></table></body></html>".encode("cp1252")
    kind, problems = check_upload("export.xls", html)
    assert kind is None and codes(problems) == ["upload_wrong_type"]
    assert "HTML" in problems[0].message and "spara" in problems[0].message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_text_with_a_bom_is_csv(encoding):
    bom = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff", "utf-32-le": "\ufeff", "utf-32-be": "\ufeff"}.get(encoding, "")
    kind, problems = check_upload("export.csv", (bom + "Datum\tUtlån\n2024-01-05\t12\n").encode(encoding))
    assert (kind, problems) == ("csv", [])


# --------------------------------------------------------------------------- names
def test_safe_store_name_never_keeps_a_path():
    names = {safe_store_name("../../etc/Utlån 2024 (1).xlsx", "xlsx") for _ in range(3)}
    assert len(names) == 3  # a fresh random part every time
    for name in names:
        assert re.fullmatch(r"Utlån_2024_1\.[0-9a-f]{16}\.xlsx", name)
    assert re.fullmatch(r"fil\.[0-9a-f]{16}\.bin", safe_store_name("..\\..\\.."))
    assert re.fullmatch(r"rapport\.[0-9a-f]{16}\.csv", safe_store_name("C:\\Users\\x\\rapport.CSV"))
    assert safe_store_name("bild.png").endswith(".bin")
    with pytest.raises(ValueError):
        safe_store_name("a.xlsx", "exe")


def test_display_name_is_the_last_path_part_without_control_characters():
    assert display_name("C:\\Users\\anna\\utlån\x07.xlsx") == "utlån.xlsx"
    assert display_name("../../") == "uppladdad fil"
    assert check_upload("../../x/utlan.xlsx", b"")[1][0].file == "utlan.xlsx"


def test_store_name_is_inside_the_upload_folder(tmp_path: Path):
    target = tmp_path / safe_store_name("../../../../tmp/evil.xlsx", "xlsx")
    assert target.parent == tmp_path


def test_save_upload_writes_good_files_under_a_generated_name_only(tmp_path: Path):
    import hashlib

    from etl.upload_safety import save_upload

    data = good_xlsx()
    saved, problems = save_upload(tmp_path / "uppladdat", "../../utlan_2024.xlsx", data)
    assert problems == []
    assert saved.path.parent == tmp_path / "uppladdat"
    assert saved.path.read_bytes() == data
    assert saved.label == "utlan_2024.xlsx" and saved.kind == "xlsx"
    assert saved.sha256 == hashlib.sha256(data).hexdigest()
    assert stat.S_IMODE(saved.path.stat().st_mode) == 0o600

    refused, problems = save_upload(tmp_path / "uppladdat", "bomb.xlsx", b"\x89PNG\r\n\x1a\n\0\0")
    assert refused is None and codes(problems) == ["upload_wrong_type"]
    assert [p.name for p in (tmp_path / "uppladdat").iterdir()] == [saved.path.name]  # nothing else stored
