"""``advice_html``: a self-contained, escaped HTML fragment of one advice with its evidence."""

from __future__ import annotations

from html.parser import HTMLParser

from gistpath.case.load import parse_case
from gistpath.pathway.advisor import advise
from gistpath.pathway.render import advice_html
from pathway.case_builders import case, med, treated


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)


def parse(html: str) -> Tags:
    t = Tags()
    t.feed(html)
    return t


def test_fragment_shows_options_alerts_and_evidence() -> None:
    a = advise(
        treated(
            ("imatinib", 400, "progression"),
            ("sunitinib", 50, "progression"),
            medications=[med("carbamazepine", "2015-01-01")],
        )
    )
    html = advice_html(a)
    assert html.startswith('<section class="gp-advice">') and html.endswith("</section>")
    assert "regorafenib 160 mg/day (d1-21q28)" in html
    assert "cyp3a4-inducer" in html and "gp-warning" in html
    # the evidence list resolves GRID to its citation and marks unverified sources
    assert "Demetri GD, Reichardt P, Kang YK" in html
    assert "ESMO-2022*</span>" in html
    assert html == advice_html(a.to_dict())  # the object or its JSON give the same fragment


def test_fragment_is_self_contained() -> None:
    html = advice_html(advise(case(as_of="2020-01-10")))
    tags = parse(html)
    assert "script" not in tags.tags and "link" not in tags.tags and "img" not in tags.tags
    assert all(name not in ("src", "href") for name, _ in tags.attrs)
    assert "<style>" in html


def test_values_from_the_case_are_escaped() -> None:
    data = case(as_of="2020-01-10").model_dump(mode="json")
    data["id"] = "<script>alert(1)</script>"
    html = advice_html(advise(parse_case(data)))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
