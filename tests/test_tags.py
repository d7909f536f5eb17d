"""The tag tree slimmed: plain /Span elements give their content to the element above."""

from __future__ import annotations

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from compendium.pdf.tags import collapse_spans


def element(pdf: pikepdf.Pdf, role: str, **entries: object) -> pikepdf.Object:
    return pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name("/" + role), **entries))


def test_plain_spans_are_collapsed_and_their_ids_remapped() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.add_blank_page()
    first, second = pdf.pages[0].obj, pdf.pages[1].obj
    document = element(pdf, "Document")
    paragraph = element(pdf, "P", P=document, Pg=first)
    same_page = element(pdf, "Span", P=paragraph, Pg=first, K=Array([0]))
    next_page = element(pdf, "Span", P=paragraph, Pg=second, K=Array([0]))
    french = element(pdf, "Span", P=paragraph, Pg=first, K=Array([1]), Lang=String("fr"))
    outer = element(pdf, "Span", P=paragraph, Pg=first)
    link = element(pdf, "Link", P=outer, Pg=first, K=Array([2]))
    inner = element(pdf, "Span", P=outer, Pg=first, K=Array([3]))
    outer.K = Array([link, inner])
    paragraph.K = Array([same_page, next_page, french, outer])
    document.K = Array([paragraph])
    pdf.Root.StructTreeRoot = pdf.make_indirect(Dictionary(
        Type=Name.StructTreeRoot, K=Array([document]),
        ParentTree=Dictionary(Nums=Array([0, Array([same_page, french, link, inner]),
                                          1, Array([next_page])]))))

    assert collapse_spans(pdf) == 4  # not the one with a language of its own

    kids = list(paragraph.K)
    assert kids[0] == 0  # same page as the paragraph: a bare id
    assert kids[1].Type == Name.MCR and kids[1].MCID == 0 and kids[1].Pg.objgen == second.objgen
    assert kids[2].objgen == french.objgen
    assert kids[3].objgen == link.objgen and link.P.objgen == paragraph.objgen
    assert kids[4] == 3  # from a span in a span
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    assert [e.objgen for e in nums[1]] == [paragraph.objgen, french.objgen, link.objgen,
                                            paragraph.objgen]
    assert [e.objgen for e in nums[3]] == [paragraph.objgen]


def test_a_pdf_without_tags_is_left_alone() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    assert collapse_spans(pdf) == 0
