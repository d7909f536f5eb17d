"""Dated entry headers (importer/periods.py): ``Mar 2014 - Mar 2016 | IOM; UNFPA`` in the
site's English, French and Spanish forms, and lines that are not headers."""

from __future__ import annotations

import pytest

from compendium.importer.periods import Header, parse_header
from compendium.model import Period, YearMonth

MAR_2014, MAR_2016 = YearMonth(2014, 3), YearMonth(2016, 3)

HEADERS = [
    # (line, the header it is or None)
    ("Mar 2014 - Mar 2016 | IOM; UNFPA", Header(Period(MAR_2014, MAR_2016), ("IOM", "UNFPA"),
                                                False)),
    ("Mar 2014 | IOM", Header(Period(MAR_2014), ("IOM",), False)),
    ("Mar 2014", Header(Period(MAR_2014), (), False)),
    ("MAR 2014 to mar 2016|IOM", Header(Period(MAR_2014, MAR_2016), ("IOM",), False)),
    ("Mar 2014 — Mar 2014 | IOM", Header(Period(MAR_2014, MAR_2014), ("IOM",), False)),
    ("Sept. 2010 – Dec 2012 | UNODC", Header(Period(YearMonth(2010, 9), YearMonth(2012, 12)),
                                            ("UNODC",), False)),
    ("January 2020 - February 2021", Header(Period(YearMonth(2020, 1), YearMonth(2021, 2)), (),
                                            False)),
    # Going on on the next line: a list ending with ";", or nothing after the bar.
    ("Mar 2014 - Mar 2016 | IOM;", Header(Period(MAR_2014, MAR_2016), ("IOM",), True)),
    ("Mar 2014 |", Header(Period(MAR_2014), (), True)),
    ("Mar 2014 | IOM ;  UNFPA ; ", Header(Period(MAR_2014), ("IOM", "UNFPA"), True)),
    # French and Spanish.
    ("mars 2014 à juin 2015 | ONU Femmes", Header(Period(MAR_2014, YearMonth(2015, 6)),
                                                   ("ONU Femmes",), False)),
    ("févr. 2014 au août 2015", Header(Period(YearMonth(2014, 2), YearMonth(2015, 8)), (),
                                       False)),
    ("marzo de 2014 a junio de 2015 | ONU Mujeres",
     Header(Period(MAR_2014, YearMonth(2015, 6)), ("ONU Mujeres",), False)),
    # Ending before it starts (a typo of the page): the months between, marked to warn.
    ("Mar 2016 - Mar 2014 | IOM", Header(Period(MAR_2014, MAR_2016), ("IOM",), False, True)),
    # Not headers.
    ("Foo 2014 | IOM", None),
    ("Mar 2014 - Foo 2015", None),
    ("March 2014 saw the first training.", None),
    ("The 2014 report | IOM", None),
    ("Mar 14 | IOM", None),
    ("", None),
]


@pytest.mark.parametrize(("line", "header"), HEADERS)
def test_a_header_gives_its_period_and_entities(line: str, header: Header | None) -> None:
    assert parse_header(line) == header
