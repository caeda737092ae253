"""One test per pathway rule of ``pathway/knowledge/rules.yaml``; each docstring names the rule's
source. The test is named after the rule id (``test_rule_<id>``; a meta-test checks coverage)."""

from __future__ import annotations

import sys
from importlib import resources
from typing import Any

import yaml

from gistpath.pathway.advisor import Advice, Option, advise
from pathway.case_builders import ae, case, course, d, event, lab, treated

CONTROLLED_IMATINIB = (("imatinib", 400, None),)


def opts(a: Advice) -> list[tuple[str, str | None, float | None, str]]:
    return [(o.action, o.drug, o.dose_mg, o.strength) for o in a.options]


def by_rule(a: Advice, rule: str) -> list[Option]:
    return [o for o in a.options if o.rule == rule]


def codes(a: Advice) -> dict[str, str]:
    return {al.code: al.severity for al in a.alerts}


def advice(*spec: Any, **kw: Any) -> Advice:
    return advise(treated(*spec, **kw))


# ------------------------------------------------------------------ not for advice / emergencies


def test_rule_deceased() -> None:
    """S-PDQ scope: a deceased patient gets no treatment advice (exclusive rule)."""
    dead = {"last_contact": "2016-01-10", "vital_status": "dead", "death_date": "2016-01-10"}
    c = case(as_of="2016-02-01", treatments=[], follow_up=dead, ecog_date="2015-12-01")
    a = advise(c)
    assert a.rules == ("deceased",) and a.options == () and a.alerts == ()
    assert "death" in a.notes[0]


def test_rule_emergency_surgery() -> None:
    """S-PDQ: haemorrhage, perforation, obstruction, abscess are indications for surgery."""
    rows_case = treated(*CONTROLLED_IMATINIB, scans="controlled")
    base = rows_case.model_dump(mode="json")
    base["events"] = [event("perforation", d(base["as_of"], -2))]
    from gistpath.case.load import parse_case

    a = advise(parse_case(base))
    assert opts(a)[0] == ("surgery", None, None, "standard")
    assert codes(a)["emergency-surgery"] == "critical"
    # the systemic options still follow
    assert ("continue", "imatinib", 400, "standard") in opts(a)
    # resolved by a later surgery, or older than the 30-day window: no emergency
    base["events"] = [
        event("perforation", d(base["as_of"], -20)),
        event("surgery", d(base["as_of"], -19)),
    ]
    assert "emergency-surgery" not in advise(parse_case(base)).rules
    base["events"] = [event("obstruction", d(base["as_of"], -31))]
    assert "emergency-surgery" not in advise(parse_case(base)).rules


# ------------------------------------------------------------------ genotype rules


def test_rule_genotype_unknown() -> None:
    """ESMO-2022: mutational analysis decides the first-line drug and dose."""
    a = advice(*CONTROLLED_IMATINIB, scans="controlled", genotype="unknown")
    assert codes(a)["genotype-missing"] == "warning"
    assert "genotype-unknown" in a.rules


def test_rule_d842v_on_imatinib() -> None:
    """NAVIGATOR, ESMO-2022: PDGFRA D842V is imatinib-resistant -> switch to avapritinib."""
    a = advice(*CONTROLLED_IMATINIB, scans="stable", genotype="d842v")
    assert opts(a)[0] == ("switch", "avapritinib", 300, "standard")
    assert ("continue", "imatinib", 400, "consider") in opts(a)
    assert codes(a)["imatinib-resistant-genotype"] == "critical"
    assert a.rules[-1] == "d842v-on-imatinib"  # exclusive: nothing else (e.g. "continue" standard)


def test_rule_d842v_avapritinib_not_given() -> None:
    """NAVIGATOR: D842V off treatment, never given avapritinib -> start avapritinib 300 mg."""
    a = advice(("imatinib", 400, "progression"), genotype="d842v")
    assert opts(a)[0] == ("start", "avapritinib", 300, "standard")
    assert all(o.drug != "sunitinib" for o in a.options)


def test_rule_avapritinib_failure() -> None:
    """NAVIGATOR, ESMO-2022: after avapritinib in D842V no approved TKI is expected to work."""
    a = advice(("avapritinib", 300, "progression"), genotype="d842v")
    assert opts(a) == [("trial", None, None, "standard"), ("supportive_care", None, None, "option")]


# ------------------------------------------------------------------ first line


def first(genotype: str) -> Advice:
    return advise(
        case(as_of="2020-01-10", genotype=genotype, imaging=[course("2020-01-13", "baseline")[0]])
    )


def test_rule_first_line_imatinib_400() -> None:
    """S0033, B2222, EORTC-62005: imatinib 400 mg/day is the standard first line."""
    a = first("kit11")
    assert opts(a) == [("start", "imatinib", 400, "standard")]
    assert a.options[0].schedule == "daily"
    assert set(a.options[0].evidence) >= {"S0033", "B2222"}
    assert opts(first("kit13"))[0] == ("start", "imatinib", 400, "standard")
    assert opts(first("pdgfra12"))[0] == ("start", "imatinib", 400, "standard")


def test_rule_first_line_kit_exon9() -> None:
    """EORTC-62005-GENOTYPE (RR reduction 61%, P=.0013), METAGIST: exon 9 -> 800 mg as 400 bid."""
    a = first("kit9")
    assert opts(a)[0] == ("start", "imatinib", 800, "standard")
    assert a.options[0].schedule == "bid" and "twice daily" in (a.options[0].administration or "")
    assert ("start", "imatinib", 400, "consider") in opts(a)


def test_rule_first_line_pdgfra_d842v() -> None:
    """NAVIGATOR (ORR 89%, 95% CI 75-97): avapritinib 300 mg; imatinib is not a first line."""
    a = first("d842v")
    assert opts(a)[0] == ("start", "avapritinib", 300, "standard")
    assert all(o.drug != "imatinib" for o in a.options)
    assert codes(a)["imatinib-resistant-genotype"] == "warning"
    assert opts(first("d842v-hgvs"))[0][1] == "avapritinib"  # p.Asp842Val without an exon


def test_rule_first_line_pdgfra_exon18() -> None:
    """LABEL-AVAPRITINIB (US: any exon 18): imatinib standard, avapritinib an option."""
    a = first("pdgfra18")
    assert opts(a) == [
        ("start", "imatinib", 400, "standard"),
        ("start", "avapritinib", 300, "option"),
    ]


def test_rule_first_line_wt_sdh() -> None:
    """WT-REVIEW-2024, ONKOPEDIA-2024: SDH-deficient GIST is imatinib-resistant."""
    a = first("sdh")
    assert opts(a) == [
        ("trial", None, None, "option"),
        ("start", "sunitinib", 50, "consider"),
        ("start", "regorafenib", 160, "consider"),
    ]
    assert codes(a)["imatinib-resistant-genotype"] == "warning"
    assert all(not o.verified for o in a.options[1:])  # review only, not a guideline


def test_rule_first_line_wt_nf1() -> None:
    """WT-REVIEW-2024: NF1-associated GIST - local therapy, trial; no imatinib."""
    a = first("nf1")
    assert opts(a) == [("local_therapy", None, None, "consider"), ("trial", None, None, "option")]


def test_rule_first_line_wt_braf() -> None:
    """WT-REVIEW-2024: BRAF -> dabrafenib + trametinib (dose not encoded, unverified)."""
    (o, trial) = advise_first_options("braf")
    assert (o.action, o.drug, o.with_drug, o.dose_mg, o.verified) == (
        "start",
        "dabrafenib",
        "trametinib",
        None,
        False,
    )
    assert trial.action == "trial"


def advise_first_options(genotype: str) -> tuple[Option, ...]:
    return first(genotype).options


def test_rule_first_line_wt_ntrk() -> None:
    """WT-REVIEW-2024, ESMO-2022: NTRK fusion -> larotrectinib or entrectinib."""
    assert [o.drug for o in first("ntrk").options] == ["larotrectinib", "entrectinib"]


def test_rule_first_line_wt_other() -> None:
    """ONKOPEDIA-2024, B2222 (ORR 0% in wild type): imatinib only 'consider'; test subtypes."""
    a = first("wt")
    assert opts(a) == [("trial", None, None, "option"), ("start", "imatinib", 400, "consider")]
    assert "SDH" in a.options[0].rationale


def test_rule_first_line_unknown_genotype() -> None:
    """S-PDQ, ESMO-2022: imatinib 400 mg is an option, with genotyping requested."""
    a = first("unknown")
    assert opts(a) == [("start", "imatinib", 400, "option")]
    assert "genotype-missing" in codes(a)


# ------------------------------------------------------------------ label dose modifications


def test_rule_dose_modification_hold() -> None:
    """LABEL-IMATINIB: bilirubin > 3 x ULN or transaminases > 5 x ULN -> withhold, resume lower."""
    a = advice(
        *CONTROLLED_IMATINIB,
        scans="controlled",
        labs=[lab("2015-10-05", "alt", 230, "U/L", uln=40)],
    )
    assert opts(a)[0] == ("hold", "imatinib", 300, "standard")
    assert a.options[0].evidence == ("LABEL-IMATINIB",)
    assert not any(o.action == "continue" for o in a.options)
    assert codes(a)["dose-modification"] == "warning"


def test_rule_dose_modification_reduce() -> None:
    """LABEL-REGORAFENIB: first grade 2 hand-foot skin reaction -> reduce to 120 mg."""
    a = advice(
        ("imatinib", 400, "progression"),
        ("sunitinib", 50, "progression"),
        ("regorafenib", 160, None),
        scans="stable",
        adverse_events=[ae("hand-foot skin reaction", 2, "2017-10-02", "regorafenib")],
    )
    assert opts(a)[0] == ("reduce", "regorafenib", 120, "standard")


# ------------------------------------------------------------------ controlled disease


def test_rule_controlled_continue() -> None:
    """S-PDQ, BFR14: continue the TKI while it works; never interrupt controlled disease."""
    a = advice(*CONTROLLED_IMATINIB, scans="controlled")
    assert opts(a)[0] == ("continue", "imatinib", 400, "standard")
    assert a.situation.last_response == "PR"
    assert "BFR14" in a.options[0].evidence


def test_rule_kit_exon9_underdosed() -> None:
    """EORTC-62005-GENOTYPE: KIT exon 9 on 400 mg -> consider escalating to 800 mg."""
    a = advice(*CONTROLLED_IMATINIB, scans="stable", genotype="kit9")
    assert ("escalate", "imatinib", 800, "consider") in opts(a)


def test_rule_controlled_surgery() -> None:
    """S-PDQ, RAUT-2006 (NED 78% after surgery in SD): resection of residual disease."""
    a = advice(*CONTROLLED_IMATINIB, scans="controlled")
    assert ("surgery", None, None, "option") in opts(a)
    not_yet = advice(*CONTROLLED_IMATINIB, scans="baseline")  # no response yet: no surgery
    assert all(o.action != "surgery" for o in not_yet.options)


def test_rule_choi_only_progression() -> None:
    """CHOI-2007, RECIST-1.1: Choi PD without RECIST PD -> continue and re-image early."""
    a = advice(*CONTROLLED_IMATINIB, scans="choi")
    assert a.situation.status == "progression_choi_only"
    assert opts(a) == [("continue", "imatinib", 400, "option")]


# ------------------------------------------------------------------ progression


def test_rule_focal_progression() -> None:
    """S-FOCAL (PFS 11.3 vs 2.5 months), S-PDQ, DEMATTEO-2007: continue the TKI + resect."""
    a = advice(*CONTROLLED_IMATINIB, scans="focal")
    assert opts(a)[:3] == [
        ("continue", "imatinib", 400, "option"),
        ("surgery", None, None, "option"),
        ("local_therapy", None, None, "consider"),
    ]
    assert a.situation.pattern == "focal"


def test_rule_imatinib_progression_escalate() -> None:
    """S-PDQ, S0033 (33% regained OR/SD after crossover to 800 mg): escalate 400-600 -> 800."""
    a = advice(*CONTROLLED_IMATINIB, scans="generalized")
    assert opts(a)[0] == ("escalate", "imatinib", 800, "standard")
    a600 = advice(("imatinib", 600, None), scans="generalized")
    assert opts(a600)[0] == ("escalate", "imatinib", 800, "standard")


def test_rule_imatinib_failure_sunitinib() -> None:
    """A6181004 (TTP 27.3 vs 6.4 weeks, HR 0.33), S-PDQ: sunitinib 50 mg 4/2 or 37.5 mg daily."""
    a = advice(("imatinib", 800, None), scans="generalized")
    assert opts(a) == [
        ("switch", "sunitinib", 50, "standard"),
        ("switch", "sunitinib", 37.5, "option"),
    ]
    assert [o.schedule for o in a.options] == ["4/2", "daily"]
    stopped = advice(("imatinib", 400, "toxicity"))
    assert opts(stopped)[0] == ("start", "sunitinib", 50, "standard")
    assert all(o.action != "escalate" for o in stopped.options)  # intolerance: no escalation


def test_rule_sunitinib_failure_regorafenib() -> None:
    """GRID (PFS 4.8 vs 0.9 months, HR 0.27): regorafenib 160 mg d1-21 q28 after sunitinib."""
    a = advice(("imatinib", 400, "progression"), ("sunitinib", 50, "progression"))
    assert opts(a)[0] == ("start", "regorafenib", 160, "standard")
    assert a.options[0].schedule == "d1-21q28"
    assert ("rechallenge", "imatinib", 400) in [(o.action, o.drug, o.dose_mg) for o in a.options]


def test_rule_sunitinib_intolerance_ripretinib() -> None:
    """NCCN-GIST (unverified wording), INTRIGUE: ripretinib after sunitinib intolerance."""
    a = advice(("imatinib", 400, "progression"), ("sunitinib", 50, "toxicity"))
    (o,) = by_rule(a, "sunitinib-intolerance-ripretinib")
    assert (o.action, o.drug, o.dose_mg, o.strength, o.verified) == (
        "start",
        "ripretinib",
        150,
        "consider",
        False,
    )
    assert opts(a)[0] == ("start", "regorafenib", 160, "standard")


def test_rule_regorafenib_failure_ripretinib() -> None:
    """INVICTUS (PFS 6.3 vs 1.0 months, HR 0.15): ripretinib 150 mg after regorafenib."""
    a = advice(
        ("imatinib", 400, "progression"),
        ("sunitinib", 50, "progression"),
        ("regorafenib", 160, None),
        scans="generalized",
    )
    assert opts(a)[0] == ("switch", "ripretinib", 150, "standard")


FOUR = (
    ("imatinib", 400, "progression"),
    ("sunitinib", 50, "progression"),
    ("regorafenib", 160, "progression"),
    ("ripretinib", 150, "progression"),
)


def test_rule_beyond_standard_lines() -> None:
    """S-PDQ, ESMO-2022, NCCN-GIST: after the approved agents a clinical trial comes first."""
    a = advice(*FOUR)
    assert opts(a)[0] == ("trial", None, None, "standard")
    assert a.options[0].rule == "beyond-standard-lines"


def test_rule_rechallenge_after_approved() -> None:
    """RIGHT (PFS 1.8 vs 0.9 months, HR 0.46), S-JP: imatinib rechallenge 400 mg + BSC; not
    offered again when the rechallenge itself has failed."""
    a = advice(*FOUR)
    (re,) = [o for o in a.options if o.action == "rechallenge"]
    assert (re.drug, re.dose_mg, re.rule, opts(a)[1][0]) == (
        "imatinib",
        400,
        "rechallenge-after-approved",
        "rechallenge",
    )
    assert re.profile is not None
    again = advice(*FOUR, ("imatinib", 400, "progression"))
    assert all(o.action != "rechallenge" for o in again.options)
    assert opts(again)[0] == ("trial", None, None, "standard")


def test_rule_ripretinib_escalation() -> None:
    """NCCN-GIST, INVICTUS: ripretinib 150 mg twice daily at progression (dose unverified)."""
    a = advice(*FOUR[:3], ("ripretinib", 150, None), scans="generalized")
    (o,) = by_rule(a, "ripretinib-escalation")
    assert (o.action, o.drug, o.dose_mg, o.schedule, o.verified) == (
        "escalate",
        "ripretinib",
        300,
        "bid",
        False,
    )


def test_rule_ponatinib_after_approved() -> None:
    """NCCN-GIST 2023 vote: ponatinib after the approved agents (dose not encoded)."""
    (o,) = by_rule(advice(*FOUR), "ponatinib-after-approved")
    assert (o.drug, o.dose_mg, o.strength, o.verified) == ("ponatinib", None, "consider", False)


def test_rule_best_supportive_care() -> None:
    """RIGHT placebo arm (PFS 0.9 months), S-PDQ: best supportive care."""
    a = advice(*FOUR)
    assert opts(a)[-1] == ("supportive_care", None, None, "option")


def test_rule_restart_after_interruption() -> None:
    """BFR14, S-PDQ: a TKI stopped without progression is restarted; interruption-risk alert."""
    a = advice(("imatinib", 400, "patient_choice"), scans="controlled")
    assert opts(a) == [("start", "imatinib", 400, "standard")]
    assert codes(a)["interruption-risk"] == "warning"


def test_every_rule_has_a_test() -> None:
    text = resources.files("gistpath.pathway.knowledge").joinpath("rules.yaml").read_text()
    ids = [r["id"] for r in yaml.safe_load(text)["rules"]]
    module = sys.modules[__name__]
    missing = [rid for rid in ids if not hasattr(module, "test_rule_" + rid.replace("-", "_"))]
    assert missing == []
