"""The annual report as PDF: WeasyPrint lays out the report's HTML with Pango and HarfBuzz, so Thai vowels and
tone marks are placed by the font's own rules. The report manifest is attached to the PDF as ``manifest.json``.

WeasyPrint needs the Pango libraries (Debian: libpango-1.0-0, libpangoft2-1.0-0) and a Thai font known to
fontconfig (Debian: fonts-thai-tlwg); ``tools/install-system-deps.sh`` installs both.
"""

from __future__ import annotations

import io
import json
import threading
from contextlib import contextmanager
from pathlib import Path

from layers.atomic import atomic_path

from ..errors import MapsError, PdfError

__all__ = ["write_pdf", "thai_font_available"]


def thai_font_available() -> bool:
    """True when fontconfig knows at least one font with Thai glyphs."""
    import subprocess

    try:
        out = subprocess.run(["fc-list", ":lang=th", "family"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(out.stdout.strip())


def _weasyprint():
    try:
        import weasyprint
    except OSError as e:  # the Python package is there but Pango is not
        raise PdfError(f"WeasyPrint cannot load its system libraries ({e}); run tools/install-system-deps.sh "
                       "(Debian packages libpango-1.0-0 and libpangoft2-1.0-0)") from None
    except ImportError:
        raise PdfError("the PDF needs the Python package weasyprint (pip install weasyprint)") from None
    return weasyprint


_LOCK = threading.Lock()


def _glyph_chars(file_content: bytes, index: int) -> dict[int, str]:
    """Glyph id -> the character it draws, from the font's cmap and its single substitutions (GSUB type 1):
    a shifted tone mark or a vowel without its descender still stands for the character it replaced."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(file_content), fontNumber=index, lazy=True)
    order = font.getGlyphOrder()
    by_name: dict[str, str] = {}
    for cp, name in sorted((font.getBestCmap() or {}).items()):
        if 0xE000 <= cp <= 0xF8FF or name in by_name:  # private-use variants are not text
            continue
        by_name[name] = chr(cp)
    if "GSUB" in font:
        lookups = font["GSUB"].table.LookupList
        for _ in range(2):  # variants of variants
            for lookup in (lookups.Lookup if lookups else []):
                for sub in lookup.SubTable:
                    st = sub.ExtSubTable if lookup.LookupType == 7 else sub
                    if getattr(st, "LookupType", lookup.LookupType) != 1 or not hasattr(st, "mapping"):
                        continue
                    for src, dst in st.mapping.items():
                        if src in by_name and dst not in by_name:
                            by_name[dst] = by_name[src]
    return {gid: by_name[n] for gid, n in enumerate(order) if n in by_name}


def _fix_fonts(fonts) -> None:
    """WeasyPrint maps a glyph to the text of the first cluster it was seen in, so in Thai clusters (a
    consonant with vowel and tone mark, or SARA AM drawn as two glyphs) glyphs get the wrong text or none, and
    copied or extracted text is garbled. Map every glyph that draws one character to that character."""
    for font in fonts.values():
        try:
            chars = _glyph_chars(font.file_content, font.index)
        except Exception:  # an exotic font: keep WeasyPrint's own mapping
            continue
        for gid in list(font.to_unicode):
            if gid in chars:
                font.to_unicode[gid] = chars[gid]


@contextmanager
def _exact_to_unicode():
    """Correct the glyph-to-text map of every font just before WeasyPrint writes the fonts into the PDF."""
    try:
        import weasyprint.pdf as wpdf

        original = wpdf.build_fonts_dictionary
    except (ImportError, AttributeError):  # another WeasyPrint layout: nothing to correct
        yield
        return

    def build(pdf, fonts, *args, **kwargs):
        _fix_fonts(fonts)
        return original(pdf, fonts, *args, **kwargs)

    with _LOCK:
        wpdf.build_fonts_dictionary = build
        try:
            yield
        finally:
            wpdf.build_fonts_dictionary = original


def write_pdf(html: str, path: str | Path, *, manifest: dict | None = None, base_url: str | Path | None = None
              ) -> Path:
    """Render ``html`` to the PDF file ``path`` (written to a temp file, then renamed into place)."""
    wp = _weasyprint()
    if not thai_font_available():
        raise PdfError("no Thai font is installed, so Thai text would print as boxes; install fonts-thai-tlwg "
                       "(tools/install-system-deps.sh)")
    path = Path(path)
    attachments = []
    if manifest is not None:
        data = (json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
        attachments.append(wp.Attachment(string=data, name="manifest.json",
                                         description="ecotown report manifest (inputs, hashes, parameters)"))
    try:
        with atomic_path(path, suffix=".pdf") as tmp:
            doc = wp.HTML(string=html, base_url=str(base_url or path.parent))
            with _exact_to_unicode():
                doc.write_pdf(tmp, attachments=attachments, uncompressed_pdf=False)
    except MapsError:
        raise
    except Exception as e:
        raise PdfError(f"{path.name}: the PDF could not be laid out ({type(e).__name__}: {e})") from None
    return path
