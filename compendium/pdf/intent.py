"""The sRGB output intent every PDF of the compendium declares.

The pages are drawn in RGB (the stylesheets' colours, the charts). Without an output intent a
print shop's preflight cannot tell which RGB is meant; with sRGB declared (the space of
office printers and screens; PDF/X-4 allows RGB with an intent), the colours are defined.
The profile is the ICC's sRGB v2 profile pikepdf ships for PDF/A, else the sRGB profile
LittleCMS builds (through Pillow, which matplotlib already needs).
"""

from __future__ import annotations

import importlib.resources

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from compendium.memo import memoized

SRGB = "sRGB IEC61966-2.1"
"""The registered name of the sRGB output condition (ICC registry)."""
SUBTYPES = ("/GTS_PDFA1", "/GTS_PDFX")
"""The intents declared, for PDF/A and PDF/X readers; both point at the same profile, as
PDF/A requires when there are several."""


@memoized(limit=1)
def srgb_profile() -> bytes:
    """Return the bytes of an sRGB ICC profile."""
    try:
        return (importlib.resources.files("pikepdf") / "pdfa" / "data" / "sRGB.icc").read_bytes()
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        from PIL import ImageCms

        return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def add_output_intent(pdf: pikepdf.Pdf) -> None:
    """Declare sRGB as the output intent of ``pdf``; an intent already there (WeasyPrint
    writes one for PDF/A) is kept as it is, so that calling this twice changes nothing."""
    if len(pdf.Root.get("/OutputIntents", Array())) > 0:
        return
    profile = pdf.make_stream(srgb_profile())
    profile.N = 3
    profile.Alternate = Name.DeviceRGB
    pdf.Root.OutputIntents = Array([
        pdf.make_indirect(Dictionary(Type=Name.OutputIntent, S=Name(subtype),
                                     OutputConditionIdentifier=String(SRGB),
                                     RegistryName=String("http://www.color.org"),
                                     Info=String(SRGB), DestOutputProfile=profile))
        for subtype in SUBTYPES])
