"""One advice as a self-contained HTML fragment (for the demo summary and any web page).

Pure: takes an :class:`~gistpath.pathway.advisor.Advice` (or its ``to_dict()``) and returns a
string. Every value from the case or the knowledge is escaped; the fragment carries its own
scoped ``<style>`` and no scripts, links or external resources. Cited evidence is listed under
the options with citation, year, level and an unverified mark where it applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from gistpath.knowledge.evidence import evidence_registry

_STYLE = """
.gp-advice{font-family:system-ui,sans-serif;font-size:14px;line-height:1.4;color:#1d232b}
.gp-advice h3{margin:.2em 0 .4em;font-size:1.15em}
.gp-advice table{border-collapse:collapse;width:100%;margin:.4em 0}
.gp-advice th,.gp-advice td{border:1px solid #d6dbe1;padding:4px 6px;vertical-align:top}
.gp-advice th{text-align:left}
.gp-advice th{background:#f1f4f7}
.gp-advice .gp-standard{color:#0b6b2f;font-weight:600}
.gp-advice .gp-option{color:#1a4f8b;font-weight:600}
.gp-advice .gp-consider{color:#6b5a0b;font-weight:600}
.gp-advice .gp-alert{border-left:4px solid;padding:3px 8px;margin:3px 0}
.gp-advice .gp-critical{border-color:#b3261e;background:#fdecea}
.gp-advice .gp-warning{border-color:#b26a00;background:#fff4e5}
.gp-advice .gp-info{border-color:#1a6fb3;background:#e8f2fb}
.gp-advice .gp-unverified{color:#b26a00;font-style:italic}
.gp-advice .gp-caution{color:#8a3b00}
.gp-advice .gp-muted{color:#5f6b78;font-size:.9em}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _dose(option: Mapping[str, Any]) -> str:
    parts = []
    if option.get("drug"):
        parts.append(str(option["drug"]))
        if option.get("with"):
            parts.append(f"+ {option['with']}")
    if option.get("dose_mg") is not None:
        parts.append(f"{option['dose_mg']:g} mg/day")
    if option.get("schedule"):
        parts.append(f"({option['schedule']})")
    return " ".join(parts) or "-"


def _ids(ids: Iterable[str], unverified: Iterable[str]) -> str:
    flagged = set(unverified)
    return ", ".join(
        f'<span class="gp-unverified">{_e(i)}*</span>' if i in flagged else _e(i) for i in ids
    )


def advice_html(advice: Any) -> str:
    """The advice as an escaped, self-contained HTML fragment (a ``<section>``)."""
    doc: Mapping[str, Any] = advice.to_dict() if hasattr(advice, "to_dict") else advice
    s = doc.get("situation", {})
    registry = evidence_registry()
    unverified_all = {sid for sid, e in registry.items() if not e.get("verified", False)}
    out: list[str] = [f'<section class="gp-advice"><style>{_STYLE}</style>']
    out.append(f"<h3>Advice for {_e(doc.get('case_id'))} as of {_e(doc.get('as_of'))}</h3>")
    current = s.get("current_drug")
    dose = s.get("current_dose_mg")
    on = f"{current} {dose:g} mg/day" if current and dose is not None else (current or "none")
    out.append(
        "<p>"
        f"Line {_e(s.get('line'))} &middot; genotype {_e(s.get('genotype'))} &middot; "
        f"current drug {_e(on)} &middot; status {_e(s.get('status'))} &middot; "
        f"last response RECIST {_e(s.get('last_response') or '-')} / Choi "
        f"{_e(s.get('last_response_choi') or '-')} &middot; pattern {_e(s.get('pattern') or '-')}"
        "</p>"
    )
    for alert in doc.get("alerts", []):
        sev = alert.get("severity", "info")
        sev_class = sev if sev in ("critical", "warning", "info") else "info"
        flag = (
            ""
            if alert.get("verified", True)
            else ' <span class="gp-unverified">(unverified)</span>'
        )
        out.append(
            f'<div class="gp-alert gp-{sev_class}"><strong>{_e(sev)}</strong> '
            f"<code>{_e(alert.get('code'))}</code>: {_e(alert.get('message'))}{flag} "
            f'<span class="gp-muted">[{_e(", ".join(alert.get("evidence", [])))}]</span></div>'
        )
    options = doc.get("options", [])
    if options:
        out.append(
            "<table><thead><tr><th>#</th><th>action</th><th>drug and dose</th><th>strength</th>"
            "<th>rationale</th><th>evidence</th></tr></thead><tbody>"
        )
        for o in options:
            strength = o.get("strength", "")
            css = strength if strength in ("standard", "option", "consider") else "consider"
            notes = "".join(
                f'<div class="gp-caution">&#9888; {_e(c)}</div>' for c in o.get("cautions", [])
            )
            if not o.get("verified", True):
                notes += '<div class="gp-unverified">Includes unverified knowledge.</div>'
            if o.get("adjusted_dose_mg") is not None:
                notes += (
                    f'<div class="gp-caution">Label-adjusted dose if the co-medication cannot be '
                    f"avoided: {o['adjusted_dose_mg']:g} mg/day</div>"
                )
            out.append(
                f"<tr><td>{_e(o.get('rank'))}</td><td>{_e(o.get('action'))}</td>"
                f'<td>{_e(_dose(o))}</td><td class="gp-{css}">{_e(strength)}</td>'
                f"<td>{_e(o.get('rationale'))}{notes}</td>"
                f"<td>{_ids(o.get('evidence', []), o.get('unverified_evidence', []))}</td></tr>"
            )
        out.append("</tbody></table>")
    else:
        out.append("<p>No treatment options.</p>")
    for note in doc.get("notes", []):
        out.append(f'<p class="gp-muted">{_e(note)}</p>')
    trials = doc.get("trials", [])
    if trials:
        items = []
        for t in trials:
            verdict = {True: "eligible", False: "not eligible", None: "undecided"}.get(
                t.get("eligible"), "undecided"
            )
            reasons = [*t.get("unmet", []), *t.get("unknown", [])]
            why = f": {'; '.join(reasons)}" if reasons else ""
            items.append(f"<li>{_e(t.get('id'))} - {_e(verdict)}{_e(why)}</li>")
        out.append(f"<p><strong>Trials</strong></p><ul>{''.join(items)}</ul>")
    cited: list[str] = []
    for o in options:
        cited.extend(o.get("evidence", []))
    for alert in doc.get("alerts", []):
        cited.extend(alert.get("evidence", []))
    refs = []
    for sid in dict.fromkeys(cited):
        entry = registry.get(sid)
        if entry is None:
            refs.append(f"<li><code>{_e(sid)}</code>: not in the registry</li>")
            continue
        mark = ' <span class="gp-unverified">unverified</span>' if sid in unverified_all else ""
        level = f", level {_e(entry.get('level'))}" if entry.get("level") else ""
        refs.append(
            f"<li><code>{_e(sid)}</code>: {_e(' '.join(str(entry['citation']).split()))} "
            f"({_e(entry['year'])}{level}){mark}</li>"
        )
    if refs:
        out.append(
            f"<details><summary>Evidence ({len(refs)})</summary><ul>{''.join(refs)}</ul></details>"
        )
    out.append(
        f'<p class="gp-muted">Decision support: the clinician decides. Knowledge '
        f"{_e(doc.get('knowledge_version'))}. * = unverified source.</p></section>"
    )
    return "".join(out)
