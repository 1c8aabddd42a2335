"""Checks on an uploaded file before anything reads it as a spreadsheet.

:func:`check_upload` decides the file type from the content (never from the name), and refuses
files that are too large, are not spreadsheets, are zip bombs (uncompressed size, compression
ratio and entry count are read from the zip directory without extracting, then every entry is
streamed once to prove the directory does not lie), or carry XML DTDs/entities (every XML part is
parsed with defusedxml, which refuses them).  :func:`safe_store_name` gives the name to store an
upload under; the name the user gave is only ever a display label (:func:`display_name`).
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import secrets
import struct
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser

from etl.problems import Problem

Kind = Literal["xlsx", "xls", "ods", "csv"]
KINDS: tuple[str, ...] = ("xlsx", "xls", "ods", "csv")

MAX_BYTES = 20 * 1024 * 1024  # the upload itself
MAX_UNCOMPRESSED = 200 * 1024 * 1024  # all entries of a zip container together
MAX_RATIO = 100  # uncompressed : compressed, for the whole file and for each large entry
RATIO_MIN_BYTES = 1024 * 1024  # ratios are only checked above this uncompressed size
MAX_ENTRIES = 2000
_CHUNK = 256 * 1024

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_XLSX_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
}
_MACRO_TYPES = {
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.ms-excel.addin.macroEnabled.main+xml",
}
_XLSB_TYPE = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
_ODS_TYPES = {
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.spreadsheet-template",
}

_SAVE_AS = "Öppna filen i Excel eller LibreOffice och spara den som .xlsx, eller exportera som CSV."


class _Refused(Exception):
    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message


# --------------------------------------------------------------------------- names
def display_name(original: str) -> str:
    """The user's file name, fit to show (last path part only, no control characters)."""
    name = re.split(r"[\\/]", original or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:200] or "uppladdad fil"


def safe_store_name(original: str, kind: str | None = None) -> str:
    """A generated file name to store an upload under, never a path: a cleaned stem of the
    original (letters, digits, ``-`` and ``_``; kept so that source patterns such as
    ``utlan_*.xlsx`` still match), a random token, and the extension of ``kind`` (the type found in
    the content; else the original's extension if it is a spreadsheet one, else ``.bin``)."""
    label = unicodedata.normalize("NFC", display_name(original))
    stem, dot, ext = label.rpartition(".")
    if not dot:
        stem, ext = label, ""
    stem = re.sub(r"[^\w-]+", "_", stem, flags=re.UNICODE).strip("_-")[:60] or "fil"
    if kind is None:
        kind = ext.lower() if ext.lower() in KINDS else "bin"
    elif kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    return f"{stem}.{secrets.token_hex(8)}.{kind}"


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed :func:`check_upload` and was written under a generated name."""

    path: Path  # where it is stored (a generated name inside the upload folder)
    label: str  # the user's file name, for display only
    kind: Kind
    sha256: str  # hex digest of the content, for the load history
    problems: list[Problem] = field(default_factory=list)  # warnings only


def save_upload(
    folder: Path | str, original: str, content: bytes, *, max_bytes: int = MAX_BYTES
) -> tuple[CheckedUpload | None, list[Problem]]:
    """Check ``content`` and, when it has no errors, write it into ``folder`` under
    :func:`safe_store_name` (a new file, mode 0600, never following a link or overwriting).
    Returns ``(None, problems)`` when refused; nothing is written then."""
    kind, problems = check_upload(original, content, max_bytes=max_bytes)
    if kind is None:
        return None, problems
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_store_name(original, kind)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    digest = hashlib.sha256(content).hexdigest()
    return CheckedUpload(path, display_name(original), kind, digest, problems), problems


# --------------------------------------------------------------------------- the check
#: Bytes of a large text file that are checked (the rest is read by the CSV reader itself).
TEXT_HEAD = 1 << 20


def check_path(path: Path | str, *, max_bytes: int = MAX_BYTES, label: str | None = None,
               text_max_bytes: int | None = None,
               max_uncompressed: int | None = None) -> tuple[Kind | None, list[Problem]]:
    """:func:`check_upload` for a file on disk (``bibplan check``/``load``: the same gate as an
    upload).  A spreadsheet is read whole (it is at most ``max_bytes``); a text file only its first
    megabyte, and it may be up to ``text_max_bytes`` (default ``max_bytes``) long.
    ``max_uncompressed``: the most a workbook may unpack to (the compression ratio is checked too)."""
    path = Path(path)
    name = label or path.name
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(TEXT_HEAD)
            if head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC):
                if size > max_bytes:
                    return None, [Problem("fel", "upload_too_large", _too_large(size, max_bytes), file=display_name(name))]
                head += fh.read()
    except OSError as exc:
        return None, [Problem("fel", "unreadable", f"Filen kan inte läsas ({exc.strerror or exc}). Kontrollera "
                              "att den finns och att du har behörighet att läsa den.", file=display_name(name))]
    if not (head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC)):
        limit = text_max_bytes or max_bytes
        if size > limit:
            return None, [Problem("fel", "upload_too_large", _too_large(size, limit), file=display_name(name))]
        if size > len(head):  # whole lines only, so a cut character is not taken for a bad encoding
            cut = head.rfind(b"\n")
            unit = {"utf-16": 2, "utf-32": 4}.get(bom_encoding(head) or "", 1)
            head = head[: cut + unit] if cut > 0 else head
    return check_upload(name, head, max_bytes=max(max_bytes, len(head)), max_uncompressed=max_uncompressed)


def _too_large(size: int, limit: int) -> str:
    return (f"Filen är {_mb(size)} MB; största tillåtna storlek är {_mb(limit)} MB. "
            "Dela upp den, till exempel en fil per år, eller ta bort blad som inte behövs.")


def check_upload(
    filename: str, content: bytes, *, max_bytes: int = MAX_BYTES,
    max_uncompressed: int | None = None
) -> tuple[Kind | None, list[Problem]]:
    """The file's type, decided by content, and the problems with it.

    The kind is ``None`` when the file is refused outright; then the problems hold one error
    saying why and what to do.  A file whose name does not match its content is read by its
    content and gets a warning.
    """
    label = display_name(filename)
    try:
        kind = _check(content, max_bytes, max_uncompressed)
    except _Refused as refused:
        return None, [Problem("fel", refused.code, refused.message, file=label)]
    problems: list[Problem] = []
    if kind == "csv":
        problems += _csv_warnings(content, label)
    ext = label.rpartition(".")[2].lower() if "." in label else ""
    expected = {"xlsx": {"xlsx", "xltx"}, "xls": {"xls"}, "ods": {"ods", "ots"}, "csv": {"csv", "txt", "tsv"}}
    if ext and ext not in expected[kind]:
        problems.append(
            Problem(
                "varning",
                "upload_name_mismatch",
                f"Filen heter .{ext} men innehållet är {_KIND_SV[kind]}; den läses som {kind}.",
                file=label,
            )
        )
    return kind, problems


_KIND_SV = {
    "xlsx": "en Excel-arbetsbok (xlsx)",
    "xls": "en äldre Excel-arbetsbok (xls)",
    "ods": "ett OpenDocument-kalkylark (ods)",
    "csv": "text (CSV)",
}


def _check(content: bytes, max_bytes: int, max_uncompressed: int | None = None) -> Kind:
    if not content:
        raise _Refused("upload_empty", "Filen är tom. Välj filen igen; den kan ha sparats utan innehåll.")
    if len(content) > max_bytes:
        raise _Refused("upload_too_large", _too_large(len(content), max_bytes))
    if content.startswith(_ZIP_MAGIC):
        return _check_zip(content, max_uncompressed)
    if content.startswith(_OLE_MAGIC):
        return _check_ole(content)
    _refuse_binary_magic(content)
    return _check_text(content)


#: Magic numbers of binary formats that are never a spreadsheet or CSV: (offset, bytes, what it is).
#: Checked before the text check, so even a file of a few bytes is refused by its header.
_BINARY_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "en bild (PNG)"),
    (0, b"\xff\xd8\xff", "en bild (JPEG)"),
    (0, b"GIF87a", "en bild (GIF)"),
    (0, b"GIF89a", "en bild (GIF)"),
    (0, b"II*\x00", "en bild (TIFF)"),
    (0, b"MM\x00*", "en bild (TIFF)"),
    (0, b"%PDF", "en PDF"),
    (0, b"%!PS", "ett PostScript-dokument"),
    (0, b"{\\rtf", "ett RTF-dokument (Word/WordPad)"),
    (0, b"\x7fELF", "ett program (ELF)"),
    (0, b"MZ", "ett Windows-program"),
    (0, b"\xca\xfe\xba\xbe", "ett program (Java/Mach-O)"),
    (0, b"\xcf\xfa\xed\xfe", "ett program (Mach-O)"),
    (0, b"\xfe\xed\xfa\xce", "ett program (Mach-O)"),
    (0, b"\x00asm", "ett program (WebAssembly)"),
    (0, b"\x1f\x8b", "ett komprimerat arkiv (gzip)"),
    (0, b"BZh", "ett komprimerat arkiv (bzip2)"),
    (0, b"\xfd7zXZ\x00", "ett komprimerat arkiv (xz)"),
    (0, b"(\xb5/\xfd", "ett komprimerat arkiv (zstd)"),
    (0, b"7z\xbc\xaf'\x1c", "ett komprimerat arkiv (7-Zip)"),
    (0, b"Rar!\x1a\x07", "ett komprimerat arkiv (RAR)"),
    (0, b"SQLite format 3\x00", "en SQLite-databas"),
    (0, b"RIFF", "en ljud-, video- eller bildfil (RIFF)"),
    (0, b"OggS", "en ljudfil (Ogg)"),
    (0, b"fLaC", "en ljudfil (FLAC)"),
    (0, b"ID3", "en ljudfil (MP3)"),
    (4, b"ftyp", "en video- eller bildfil (MP4/HEIC)"),
)


def _refuse_binary_magic(content: bytes) -> None:
    """Refuse a known binary format by its magic number, whatever the file's size.  Prefixes that
    could also begin a text line (``MZ``, ``BZh``, ``ID3``, ``RIFF``) only count when the rest of the
    header is binary too."""
    for offset, magic, what in _BINARY_MAGIC:
        if content[offset:offset + len(magic)] != magic:
            continue
        if magic in (b"MZ", b"BZh", b"ID3", b"RIFF", b"OggS", b"fLaC") and not _binary_header(content):
            continue
        raise _Refused(
            "upload_wrong_type",
            f"Filen är {what}, inte ett kalkylark eller en CSV-fil, vad den än heter. Kontrollera att du "
            "valt rätt fil; exporten ska vara .xlsx, .xls, .ods eller CSV.",
        )


def _binary_header(content: bytes) -> bool:
    """True when the first 64 bytes hold a NUL or a control character that text does not have."""
    head = content[:64]
    return any(b < 32 and b not in (9, 10, 12, 13) or b == 127 for b in head)


def _int_sv(n: int) -> str:
    """``1 234 567``: Swedish digit grouping."""
    return f"{n:,}".replace(",", " ")


def _mb(n: int) -> str:
    value = n / (1024 * 1024)
    text = f"{value:.1f}".replace(".", ",")
    return text.removesuffix(",0")


# --------------------------------------------------------------------------- zip containers
def _check_zip(content: bytes, max_uncompressed: int | None = None) -> Kind:
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _Refused("upload_corrupt", "Filen är skadad: den ser ut som en zip-fil men går inte att öppna. " + _SAVE_AS)
    with zf:
        infos = zf.infolist()
        _check_zip_directory(infos, len(content), max_uncompressed)
        kind = _zip_kind(zf)
        _stream_entries(zf, infos)
    return kind


def _check_zip_directory(infos: list[zipfile.ZipInfo], size: int, max_uncompressed: int | None = None) -> None:
    bomb = (
        "Filen packas upp till {what} och vägras som en möjlig zip-bomb. Kontrollera att det är "
        "rätt fil; en vanlig export är mycket mindre. " + _SAVE_AS
    )
    if len(infos) > MAX_ENTRIES:
        raise _Refused(
            "upload_zip_bomb",
            f"Filen innehåller {_int_sv(len(infos))} delar (högst {_int_sv(MAX_ENTRIES)} tillåts) "
            "och vägras som en möjlig zip-bomb.",
        )
    total = sum(i.file_size for i in infos)
    max_uncompressed = max_uncompressed or MAX_UNCOMPRESSED  # read now: tests lower the module's limit
    if total > max_uncompressed:
        raise _Refused("upload_zip_bomb", bomb.format(what=f"{_mb(total)} MB (högst {_mb(max_uncompressed)} MB tillåts)"))
    if total > RATIO_MIN_BYTES and total > MAX_RATIO * size:
        raise _Refused("upload_zip_bomb", bomb.format(what=f"{_int_sv(total // size)} gånger sin egen storlek (högst {MAX_RATIO})"))
    for info in infos:
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _Refused(
                "upload_zip_bomb",
                bomb.format(what=f"{_int_sv(info.file_size // max(info.compress_size, 1))} gånger sin storlek i delen {info.filename!r}"),
            )


def _read_small(zf: zipfile.ZipFile, name: str, limit: int = 1024 * 1024) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise _Refused("upload_corrupt", f"Delen {name!r} i filen är orimligt stor. " + _SAVE_AS)
    try:
        return zf.read(info)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError):
        raise _Refused("upload_corrupt", "Filen är skadad och går inte att packa upp. " + _SAVE_AS) from None


def _zip_kind(zf: zipfile.ZipFile) -> Kind:
    names = set(zf.namelist())
    if "[Content_Types].xml" in names:
        raw = _read_small(zf, "[Content_Types].xml")
        try:
            root = DefusedET.fromstring(raw, forbid_dtd=True)
        except DefusedXmlException:
            raise _xml_refused("[Content_Types].xml") from None
        except DefusedET.ParseError:
            raise _Refused("upload_corrupt", "Filen är skadad ([Content_Types].xml går inte att läsa). " + _SAVE_AS) from None
        types = {el.get("ContentType", "") for el in root.iter() if el.get("ContentType")}
        if types & _XLSX_TYPES:
            return "xlsx"
        if types & _MACRO_TYPES:
            raise _Refused(
                "upload_macros",
                "Arbetsboken innehåller makron (xlsm) och tas inte emot. Spara den som vanlig "
                "Excel-arbetsbok (.xlsx) och ladda upp den igen.",
            )
        if _XLSB_TYPE in types:
            raise _Refused("upload_wrong_type", "Binära Excel-arbetsböcker (xlsb) stöds inte. Spara som .xlsx.")
        if any("wordprocessingml" in t for t in types):
            raise _Refused("upload_wrong_type", "Filen är ett Word-dokument, inte ett kalkylark.")
        if any("presentationml" in t for t in types):
            raise _Refused("upload_wrong_type", "Filen är en PowerPoint-presentation, inte ett kalkylark.")
        raise _Refused("upload_wrong_type", "Filen är ett Office-dokument men inte en Excel-arbetsbok. " + _SAVE_AS)
    if "mimetype" in names:
        mimetype = _read_small(zf, "mimetype", limit=200).decode("ascii", "replace").strip()
        if mimetype in _ODS_TYPES:
            return "ods"
        if mimetype.startswith("application/vnd.oasis.opendocument."):
            raise _Refused("upload_wrong_type", "Filen är ett OpenDocument-dokument men inte ett kalkylark. " + _SAVE_AS)
    raise _Refused("upload_wrong_type", "Filen är ett zip-arkiv, inte ett kalkylark. Packa upp den och ladda upp kalkylarken.")


def _stream_entries(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Read every entry once (zipfile stops at the declared size and checks the CRC, so a directory
    that lies fails here); parse the prolog of every XML part with defusedxml as it streams,
    refusing DTDs, entities and external references."""
    for info in infos:
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise _Refused("upload_encrypted", "Filen är lösenordsskyddad. Ta bort lösenordet, spara och ladda upp igen.")
        is_xml = info.filename.lower().endswith((".xml", ".rels"))
        parser = _prolog_parser() if is_xml else None
        try:
            with zf.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    if parser is not None:
                        try:
                            parser.feed(chunk)
                        except _RootReached:
                            parser = None
            if parser is not None:
                parser.close()  # ended before any element: not a well-formed XML part
        except DefusedXmlException:
            raise _xml_refused(info.filename) from None
        except SAXParseException:
            raise _Refused(
                "upload_corrupt", f"Filen är skadad: delen {info.filename!r} är inte giltig XML. " + _SAVE_AS
            ) from None
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError):
            raise _Refused("upload_corrupt", "Filen är skadad och går inte att packa upp. " + _SAVE_AS) from None


class _RootReached(Exception):
    pass


class _StopAtRoot(ContentHandler):
    def startElement(self, name: str, attrs: object) -> None:
        raise _RootReached


def _prolog_parser() -> DefusedExpatParser:
    """A defusedxml parser that refuses DTDs, entity declarations and external references, and
    stops at the root element: XML allows a DTD (and so any entity declaration) only in the
    prolog before it, so the rest of a large sheet need not be parsed here."""
    parser = DefusedExpatParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser.setContentHandler(_StopAtRoot())
    return parser


def _xml_refused(part: str) -> _Refused:
    return _Refused(
        "upload_xml_entities",
        f"Filen innehåller XML med DTD eller entiteter (i delen {part!r}), vilket vanliga kalkylark "
        "aldrig har och som kan användas för attacker. Filen tas inte emot. " + _SAVE_AS,
    )


# --------------------------------------------------------------------------- OLE2 (xls)
_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE


def _ole_stream_names(content: bytes) -> set[str]:
    """Names of the streams in an OLE2 compound file (the directory only; bounds-checked)."""

    def u32s(offset: int, count: int) -> tuple[int, ...]:
        end = offset + 4 * count
        if offset < 0 or end > len(content):
            raise ValueError("out of bounds")
        return struct.unpack_from(f"<{count}I", content, offset)

    if len(content) < 512:
        raise ValueError("too short")
    sector_shift = struct.unpack_from("<H", content, 0x1E)[0]
    if sector_shift not in (9, 12):
        raise ValueError("bad sector size")
    ssize = 1 << sector_shift
    n_fat, first_dir = struct.unpack_from("<II", content, 0x2C)[0], struct.unpack_from("<I", content, 0x30)[0]
    first_difat, n_difat = struct.unpack_from("<II", content, 0x44)
    per_sector = ssize // 4

    def sector(n: int) -> int:
        return (n + 1) * ssize

    n_sectors = len(content) // ssize
    fat_sectors = [s for s in u32s(0x4C, 109) if s not in (_FREE, _END)]
    difat, visited_difat = first_difat, set()
    while difat not in (_FREE, _END) and len(visited_difat) < n_difat:
        if difat in visited_difat:
            raise ValueError("DIFAT loop")
        visited_difat.add(difat)
        entries = u32s(sector(difat), per_sector)
        fat_sectors += [s for s in entries[:-1] if s not in (_FREE, _END)]
        difat = entries[-1]
    fat_sectors = fat_sectors[:n_fat]
    if len(set(fat_sectors)) != len(fat_sectors) or len(fat_sectors) > n_sectors:
        raise ValueError("bad FAT")
    fat: list[int] = []
    for s in fat_sectors:
        fat.extend(u32s(sector(s), per_sector))
    names: set[str] = set()
    current, visited = first_dir, set()
    while current not in (_FREE, _END):
        if current in visited or current >= len(fat):
            raise ValueError("bad directory chain")
        visited.add(current)
        base = sector(current)
        if base + ssize > len(content):
            raise ValueError("out of bounds")
        for off in range(base, base + ssize, 128):
            name_len = struct.unpack_from("<H", content, off + 64)[0]
            kind = content[off + 66]
            if kind == 2 and 2 <= name_len <= 64:
                names.add(content[off : off + name_len - 2].decode("utf-16-le", "replace"))
        current = fat[current]
    return names


def _check_ole(content: bytes) -> Kind:
    try:
        streams = _ole_stream_names(content)
    except (ValueError, struct.error, IndexError):
        raise _Refused("upload_corrupt", "Filen är skadad (ett Office 97–2003-dokument som inte går att läsa). " + _SAVE_AS) from None
    if "Workbook" in streams or "Book" in streams:
        return "xls"
    if "EncryptedPackage" in streams:
        raise _Refused("upload_encrypted", "Arbetsboken är lösenordsskyddad. Ta bort lösenordet i Excel, spara och ladda upp igen.")
    if "WordDocument" in streams:
        raise _Refused("upload_wrong_type", "Filen är ett Word-dokument, inte ett kalkylark.")
    if "PowerPoint Document" in streams:
        raise _Refused("upload_wrong_type", "Filen är en PowerPoint-presentation, inte ett kalkylark.")
    raise _Refused("upload_wrong_type", "Filen är ett Office 97–2003-dokument men inte en Excel-arbetsbok. " + _SAVE_AS)


# --------------------------------------------------------------------------- text (csv)
_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r", "\f"} | {"\x7f"}


#: Byte-order marks of the Unicode encodings Excel's "Unicode text" and other tools write; UTF-32
#: first, as its little-endian mark begins with UTF-16's.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_encoding(content: bytes) -> str | None:
    """The encoding a byte-order mark at the start of ``content`` declares, or None."""
    return next((enc for bom, enc in BOMS if content.startswith(bom)), None)


def _decode(content: bytes) -> str | None:
    if (enc := bom_encoding(content)) in ("utf-16", "utf-32"):
        unit = 2 if enc == "utf-16" else 4
        try:  # a head cut inside a character: whole code units only, a cut surrogate pair ignored
            return content[: len(content) - len(content) % unit].decode(enc, errors="strict")
        except UnicodeDecodeError:
            try:
                return content[: len(content) - len(content) % unit - unit].decode(enc)
            except UnicodeDecodeError:
                return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _check_text(content: bytes) -> Kind:
    unknown = _Refused(
        "upload_wrong_type",
        "Filtypen känns inte igen: filen är varken en Excel-arbetsbok (xlsx, xls), ett "
        "OpenDocument-kalkylark (ods) eller en CSV-textfil, vad den än heter. Kontrollera att "
        "du valt rätt fil.",
    )
    if b"\x00" in content and bom_encoding(content) not in ("utf-16", "utf-32"):
        raise unknown
    text = _decode(content)
    if text is None:
        raise _Refused("upload_encoding", "Texten i filen har en okänd teckenkodning. Spara den som CSV UTF-8 och ladda upp igen.")
    body = text.rstrip("\x1a")  # DOS end-of-file marker
    controls = sum(1 for ch in body if ch in _CONTROL)
    # Text has at most a stray control character: more than 1 % of the characters (in a short file
    # that is a single one) means binary content, whatever its size.
    if controls and controls * 100 > len(body):
        raise unknown
    if not body.strip():
        raise _Refused("upload_empty", "Filen innehåller ingen text. Välj filen igen; den kan ha sparats utan innehåll.")
    head = body.lstrip().lower()[:500]
    if head.startswith(("<!doctype html", "<html", "<table")) or "<html" in head:
        raise _Refused(
            "upload_wrong_type",
            "Filen är en webbsida (HTML), även om den kan heta .xls. Öppna den i Excel och spara "
            "som .xlsx, eller exportera som CSV från systemet.",
        )
    if head.startswith("<?xml") or head.startswith("<"):
        raise _Refused(
            "upload_wrong_type",
            "Filen är XML (till exempel \"XML-kalkylblad 2003\"), inte CSV. Öppna den i Excel och "
            "spara som .xlsx.",
        )
    return "csv"


def _csv_warnings(content: bytes, label: str) -> list[Problem]:
    text = _decode(content) or ""
    controls = sum(1 for ch in text.rstrip("\x1a") if ch in _CONTROL)
    if not controls:
        return []
    return [
        Problem(
            "varning",
            "upload_control_chars",
            f"Filen innehåller {controls} osynliga styrtecken; kontrollera värdena i de celler "
            "där de finns.",
            file=label,
        )
    ]
