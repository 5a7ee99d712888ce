"""Door plates: files written, QR drawn exactly as the encoder says, CLI exit codes."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image

from bot.addresses import AddressBook
from bot.addresses.cli import main as cli_main
from bot.addresses.plates import QR_MM, qr_matrix, render_svg, write_plates

from .conftest import DEMO_BUILDINGS

CODE = "370303001001X01-002"
URL = f"https://gov.example/b/{CODE}"


def _matrix_from_svg(svg: str) -> list[list[bool]]:
    """Re-read the QR path: every 'M x y hW' run back into modules."""
    path = re.search(r'<path id="qr" fill="#000000" d="([^"]+)"', svg).group(1)
    runs = [tuple(map(float, m)) for m in re.findall(r"M([\d.]+) ([\d.]+)h([\d.]+)", path)]
    x0 = min(x for x, _, _ in runs)
    y0 = min(y for _, y, _ in runs)
    size = len(qr_matrix(URL))
    module = QR_MM / size
    grid = [[False] * size for _ in range(size)]
    for x, y, width in runs:
        row = round((y - y0) / module)
        start = round((x - x0) / module)
        for col in range(start, start + round(width / module)):
            grid[row][col] = True
    return grid


def test_svg_carries_address_code_url_and_the_exact_qr(demo_book: AddressBook) -> None:
    svg = render_svg(demo_book.building(CODE), URL)
    assert svg.startswith("<?xml") and 'width="100mm"' in svg
    for text in ("锦园小区2号楼", "华光路31号", "张店区 车站街道 城南社区", CODE, URL, "扫码报事"):
        assert text in svg
    assert _matrix_from_svg(svg) == qr_matrix(URL)


def test_write_plates_for_a_community(demo_book: AddressBook, tmp_path: Path) -> None:
    buildings = [b for b in demo_book.buildings_in_community("370303001001")][:5]
    files, pdf, _ = write_plates(buildings, "https://gov.example/", tmp_path)
    assert [f.code for f in files] == [b.code for b in buildings]
    for f in files:
        assert f.svg.exists() and f"https://gov.example/b/{f.code}" in f.svg.read_text("utf-8")
        assert f.png is not None
        with Image.open(f.png) as image:
            assert image.format == "PNG" and image.size[1] > image.size[0] > 1000
    assert pdf is not None and pdf.read_bytes().startswith(b"%PDF")
    assert b"/Count 2" in pdf.read_bytes()  # 5 plates, 4 per A4 page
    index = (tmp_path / "index.csv").read_text("utf-8").splitlines()
    assert len(index) == 6 and index[1].startswith(buildings[0].code)


def test_cli_import_and_qr(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MINSHENG_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    monkeypatch.setenv("MINSHENG_VAR_DIR", str(tmp_path / "var"))
    assert cli_main(["addresses", "import", str(DEMO_BUILDINGS)]) == 0
    assert "0 bad" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(DEMO_BUILDINGS.read_text("utf-8").splitlines()[0] + "\n"
                   + "370303,张店区,,,,,,,,,,,,,,,,x,1,,,1,,1,1\n", encoding="utf-8")
    assert cli_main(["addresses", "import", str(bad)]) == 1
    assert "line 2:" in capsys.readouterr().out
    out = tmp_path / "plates"
    assert cli_main(["qr", "--community", "370303002001", "--out", str(out), "--no-pdf",
                     "--no-png", "--public-url", "https://gov.example"]) == 0
    svgs = sorted(out.glob("*.svg"))
    assert len(svgs) == len([b for b in DEMO_BUILDINGS.read_text("utf-8").splitlines()
                             if ",370303002001," in b])
    assert "https://gov.example/b/370303002001X01-001" in svgs[0].read_text("utf-8")
    assert cli_main(["qr", "--community", "nope", "--out", str(out)]) == 1
