"""The sRGB output intent (intent.py), on a PDF WeasyPrint really wrote."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pikepdf
import pytest

from compendium.pdf.intent import SRGB, add_output_intent, srgb_profile

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def weasy_pdf() -> bytes:
    """Return a one-page PDF written by WeasyPrint, in colour."""
    from weasyprint import HTML

    return bytes(HTML(string='<p style="color:#0b5394">Colour</p>').write_pdf())


def test_the_profile_is_an_rgb_icc_profile() -> None:
    profile = srgb_profile()
    assert profile[36:40] == b"acsp" and profile[16:20] == b"RGB "


def test_every_pdf_gets_one_srgb_intent(weasy_pdf: bytes, tmp_path: Path) -> None:
    pdf = pikepdf.open(io.BytesIO(weasy_pdf))
    assert "/OutputIntents" not in pdf.Root
    add_output_intent(pdf)
    add_output_intent(pdf)  # a second call changes nothing
    target = tmp_path / "out.pdf"
    pdf.save(target)
    again = pikepdf.open(target)
    intents = list(again.Root.OutputIntents)
    assert [str(i.S) for i in intents] == ["/GTS_PDFA1", "/GTS_PDFX"]
    assert all(str(i.OutputConditionIdentifier) == SRGB for i in intents)
    profiles = {i.DestOutputProfile.objgen for i in intents}
    assert len(profiles) == 1  # one profile, as PDF/A wants of several intents
    stream = intents[0].DestOutputProfile
    assert int(stream.N) == 3 and stream.read_bytes() == srgb_profile()
    check = subprocess.run(["qpdf", "--check", str(target)], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout


def test_an_intent_already_there_is_kept() -> None:
    from weasyprint import HTML

    data = HTML(string="<html lang=en><title>t</title><p>x</p>").write_pdf(
        pdf_variant="pdf/a-3u")
    pdf = pikepdf.open(io.BytesIO(data))
    before = [repr(i) for i in pdf.Root.OutputIntents]
    add_output_intent(pdf)
    assert [repr(i) for i in pdf.Root.OutputIntents] == before
