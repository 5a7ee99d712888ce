"""Print-ready door plates (智慧门牌): SVG masters, PNG previews and a PDF sheet.

Each plate carries the building's standard address in words, its code, and a QR code of
``{public_url}/b/{code}``. The same code is what a WeChat parametric QR (``scene_str``), a
Telegram deep link (``/start CODE``) and a mini-program scene carry, so one registry serves
every channel (see :mod:`bot.addresses.codes`).

The SVG is the print master: text stays text and the print shop's fonts render it. PNGs and
the PDF sheet are rasters and need a CJK font on this machine; without one they still carry
the QR code, the code and the URL, and :func:`find_cjk_font` says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import segno

from bot.addresses.strings import PLATE
from bot.addresses.types import BuildingInfo

log = logging.getLogger(__name__)

# Plate geometry in millimetres (portrait, fits a standard 100x150 mm plate holder).
WIDTH_MM = 100
HEIGHT_MM = 150
QR_MM = 62
DPI = 300
_FONT_STACK = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif"
_CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)


def plate_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/b/{code}"


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR modules (no quiet zone), error correction Q: a plate gets dirty outdoors."""
    qr = segno.make_qr(url, error="q", boost_error=False)
    return [[bool(cell) for cell in row] for row in qr.matrix]


def _qr_path(matrix: list[list[bool]], x0: float, y0: float, module: float) -> str:
    """One SVG path of horizontal runs: small files, crisp at any size."""
    parts = []
    for row_index, row in enumerate(matrix):
        col = 0
        while col < len(row):
            if row[col]:
                start = col
                while col < len(row) and row[col]:
                    col += 1
                parts.append(f"M{x0 + start * module:.3f} {y0 + row_index * module:.3f}"
                             f"h{(col - start) * module:.3f}v{module:.3f}"
                             f"h{-(col - start) * module:.3f}z")
            else:
                col += 1
    return "".join(parts)


def _region(info: BuildingInfo) -> str:
    return f"{info.district_name} {info.street_name} {info.community_name}"


def _title(info: BuildingInfo) -> str:
    return f"{info.compound_name or ''}{info.name}"


def render_svg(info: BuildingInfo, url: str) -> str:
    """A plate as a standalone SVG document sized in millimetres."""
    matrix = qr_matrix(url)
    module = QR_MM / len(matrix)
    qr_x = (WIDTH_MM - QR_MM) / 2
    qr_y = 52.0
    cx = WIDTH_MM / 2
    text = [
        (cx, 12.5, 5.2, "#ffffff", "bold", PLATE["badge"]),
        (cx, 28.0, 8.5, "#1d232b", "bold", _title(info)),
        (cx, 36.0, 4.2, "#1d232b", "normal", info.door_plate),
        (cx, 43.5, 3.6, "#5d6b7a", "normal", _region(info)),
        (cx, qr_y + QR_MM + 8.0, 4.4, "#1f5fbf", "bold", PLATE["scan"]),
        (cx, qr_y + QR_MM + 15.0, 3.4, "#1d232b", "normal", f"{PLATE['code']} {info.code}"),
        (cx, qr_y + QR_MM + 20.5, 2.6, "#5d6b7a", "normal", url),
    ]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH_MM}mm" height="{HEIGHT_MM}mm" '
        f'viewBox="0 0 {WIDTH_MM} {HEIGHT_MM}">',
        f"<title>{escape(info.address)}</title>",
        f'<rect x="0.5" y="0.5" width="{WIDTH_MM - 1}" height="{HEIGHT_MM - 1}" rx="4" '
        'fill="#ffffff" stroke="#1f5fbf" stroke-width="1"/>',
        f'<rect x="0.5" y="0.5" width="{WIDTH_MM - 1}" height="18" rx="4" fill="#1f5fbf"/>',
        f'<rect x="{qr_x - 2}" y="{qr_y - 2}" width="{QR_MM + 4}" height="{QR_MM + 4}" '
        'fill="#ffffff"/>',
        f'<path id="qr" fill="#000000" d="{_qr_path(matrix, qr_x, qr_y, module)}"/>',
    ]
    for x, y, size, colour, weight, content in text:
        if content:
            lines.append(
                f'<text x="{x}" y="{y}" font-size="{size}" fill="{colour}" '
                f'font-weight="{weight}" text-anchor="middle" '
                f'font-family="{_FONT_STACK}">{escape(content)}</text>'
            )
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def find_cjk_font(explicit: str | Path | None = None) -> Path | None:
    """A font file able to draw Chinese, or None (then rasters carry ASCII text only)."""
    candidates = [Path(explicit)] if explicit else []
    candidates += [Path(p) for p in _CJK_FONT_CANDIDATES]
    for path in candidates:
        if path.is_file():
            return path
    try:
        from matplotlib import font_manager

        for name in font_manager.findSystemFonts():
            lowered = name.lower()
            if any(key in lowered for key in ("cjk", "wqy", "simhei", "msyh", "pingfang",
                                              "sourcehan", "notosanssc", "droidsansfallback")):
                return Path(name)
    except Exception:  # font discovery is best effort; a missing font is reported anyway
        log.debug("font discovery failed", exc_info=True)
    return None


def render_png(info: BuildingInfo, url: str, font: Path | None) -> bytes:
    """The plate as a 300-dpi PNG."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    px = DPI / 25.4
    image = Image.new("RGB", (round(WIDTH_MM * px), round(HEIGHT_MM * px)), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, image.width - 1, round(18 * px)), fill="#1f5fbf")
    draw.rectangle((0, 0, image.width - 1, image.height - 1), outline="#1f5fbf", width=6)
    matrix = qr_matrix(url)
    module = round(QR_MM * px / len(matrix))
    size = module * len(matrix)
    # One pixel per module, scaled up without smoothing: exact module edges, and fast.
    code = Image.new("1", (len(matrix), len(matrix)), 1)
    code.putdata([0 if dark else 1 for row in matrix for dark in row])
    image.paste(code.resize((size, size), Image.Resampling.NEAREST).convert("RGB"),
                ((image.width - size) // 2, round(52 * px)))

    def put(y_mm: float, size_mm: float, content: str, colour: str, ascii_only: bool) -> None:
        if not content or (font is None and not ascii_only):
            return
        face = (ImageFont.truetype(str(font), round(size_mm * px)) if font
                else ImageFont.load_default(size=round(size_mm * px)))
        draw.text((image.width / 2, y_mm * px), content, fill=colour, font=face, anchor="ms")

    bottom = 52 + QR_MM
    put(12.5, 5.2, PLATE["badge"], "white", False)
    put(28.0, 8.5, _title(info), "#1d232b", False)
    put(36.0, 4.2, info.door_plate, "#1d232b", False)
    put(43.5, 3.6, _region(info), "#5d6b7a", False)
    put(bottom + 8.0, 4.4, PLATE["scan"], "#1f5fbf", False)
    put(bottom + 15.0, 3.4, info.code, "#1d232b", True)
    put(bottom + 20.5, 2.6, url, "#5d6b7a", True)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(DPI, DPI))
    return out.getvalue()


def write_pdf_sheet(pngs: list[bytes], path: Path) -> None:
    """Plates tiled 2 x 2 on A4 pages, one multi-page PDF for the print shop."""
    import io

    from PIL import Image

    px = DPI / 25.4
    page_size = (round(210 * px), round(297 * px))
    plate_w, plate_h = round(WIDTH_MM * px), round(HEIGHT_MM * px)
    scale = min((page_size[0] - 40) / (2 * plate_w), (page_size[1] - 40) / (2 * plate_h))
    tile = (int(plate_w * scale), int(plate_h * scale))
    pages = []
    for start in range(0, len(pngs), 4):
        page = Image.new("RGB", page_size, "white")
        for slot, data in enumerate(pngs[start:start + 4]):
            plate = Image.open(io.BytesIO(data)).convert("RGB").resize(tile)
            col, row = slot % 2, slot // 2
            x = (page_size[0] - 2 * tile[0]) // 3 * (col + 1) + col * tile[0]
            y = (page_size[1] - 2 * tile[1]) // 3 * (row + 1) + row * tile[1]
            page.paste(plate, (x, y))
        pages.append(page)
    if pages:
        pages[0].save(path, format="PDF", save_all=True, append_images=pages[1:],
                      resolution=DPI)


@dataclass(frozen=True, slots=True)
class PlateFiles:
    code: str
    svg: Path
    png: Path | None


def write_plates(buildings: list[BuildingInfo], public_url: str, out: Path, *,
                 png: bool = True, pdf: bool = True, font: str | Path | None = None
                 ) -> tuple[list[PlateFiles], Path | None, Path | None]:
    """Write ``<code>.svg`` (+ ``.png``) per building, ``plates.pdf`` and ``index.csv``.

    Returns the plate files, the PDF path (or None) and the CJK font used (or None).
    """
    import csv

    out.mkdir(parents=True, exist_ok=True)
    cjk = find_cjk_font(font) if png or pdf else None
    files: list[PlateFiles] = []
    rasters: list[bytes] = []
    with (out / "index.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("building_code", "address", "door_plate", "url", "svg", "png"))
        for info in buildings:
            url = plate_url(public_url, info.code)
            svg_path = out / f"{info.code}.svg"
            svg_path.write_text(render_svg(info, url), encoding="utf-8")
            png_path: Path | None = None
            if png or pdf:
                data = render_png(info, url, cjk)
                rasters.append(data)
                if png:
                    png_path = out / f"{info.code}.png"
                    png_path.write_bytes(data)
            files.append(PlateFiles(info.code, svg_path, png_path))
            writer.writerow((info.code, info.address, info.door_plate, url, svg_path.name,
                             png_path.name if png_path else ""))
    pdf_path = None
    if pdf and rasters:
        pdf_path = out / "plates.pdf"
        write_pdf_sheet(rasters, pdf_path)
    return files, pdf_path, cjk
