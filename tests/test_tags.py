"""The tag tree slimmed: plain /Span and /NonStruct elements give their content to their
parent, and object references live inside their element."""

from __future__ import annotations

import io

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


def test_plain_nonstruct_groups_are_collapsed_and_object_references_made_direct() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0].obj
    annotation = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link,
                                              StructParent=1))
    page.Annots = Array([annotation])
    document = element(pdf, "Document")
    paragraph = element(pdf, "P", P=document, Pg=page)
    group = element(pdf, "NonStruct", P=paragraph, Pg=page, K=Array([0]))
    labelled = element(pdf, "NonStruct", P=paragraph, Pg=page, K=Array([1]),
                       Alt=String("a figure"))
    link = element(pdf, "Link", P=paragraph, Pg=page)
    reference = pdf.make_indirect(Dictionary(Type=Name.OBJR, Obj=annotation, Pg=page))
    link.K = Array([reference, element(pdf, "NonStruct", P=link, Pg=page, K=Array([2]))])
    paragraph.K = Array([group, labelled, link])
    document.K = Array([paragraph])
    pdf.Root.StructTreeRoot = pdf.make_indirect(Dictionary(
        Type=Name.StructTreeRoot, K=Array([document]),
        ParentTree=Dictionary(Nums=Array([0, Array([group, labelled, link.K[1]]), 1, link]))))

    assert collapse_spans(pdf) == 2  # not the one with an alternate text

    kids = list(paragraph.K)
    assert kids[0] == 0 and kids[1].objgen == labelled.objgen and kids[2].objgen == link.objgen
    reference_kid, content = link.K
    assert not reference_kid.is_indirect and reference_kid.Obj.objgen == annotation.objgen
    assert content == 2
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    assert [e.objgen for e in nums[1]] == [paragraph.objgen, labelled.objgen, link.objgen]
    assert nums[3].objgen == link.objgen
    buffer = io.BytesIO()
    pdf.save(buffer)
    assert b"/OBJR" in buffer.getvalue()
    saved = pikepdf.open(io.BytesIO(buffer.getvalue()))
    assert not any(isinstance(o, Dictionary) and o.get("/Type") == Name.OBJR
                   for o in saved.objects)  # no object of its own any more
