"""Figures by family and failing examples grouped by cause, from a harness run (FICTIONAL data)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from tests.adversarial.harness import PersonaRun, Replies, TargetResult
from tests.adversarial.roster import Record


@dataclass
class Figures:
    inquiries: int = 0
    allowed: int = 0
    answered: int = 0
    wrong: int = 0
    death: int = 0
    calls_due: int = 0
    calls_made: int = 0
    loops: int = 0  # conversations where one question was asked three times or more

    @property
    def recall(self) -> float:
        return self.answered / self.allowed if self.allowed else 1.0

    def add(self, t: TargetResult) -> None:
        self.inquiries += 1
        self.allowed += t.allowed
        self.answered += t.answered
        self.wrong += sum(e.kind == "wrong" for e in t.events)
        self.death += sum(e.kind == "death" for e in t.events)
        self.calls_due += t.expected.call is not None
        self.calls_made += t.expected.call is not None and t.called


def figures(runs: Sequence[PersonaRun]) -> dict[str, Figures]:
    """Per family, and "all"."""
    table: dict[str, Figures] = defaultdict(Figures)
    for run in runs:
        for t in run.targets:
            table[run.family].add(t)
            table["all"].add(t)
        if run.repeated_question >= 3:
            table[run.family].loops += 1
            table["all"].loops += 1
    return dict(table)


def format_table(table: dict[str, Figures]) -> str:
    head = f"{'family':<16} {'inquiries':>9} {'allowed':>7} {'answered':>8} {'recall':>7} {'wrong':>5} {'death':>5} " \
           f"{'calls':>9} {'loops':>5}"
    lines = [head, "-" * len(head)]
    for name in sorted(table, key=lambda n: (n == "all", n)):
        f = table[name]
        recall = f"{100 * f.recall:.1f}%" if f.allowed else "-"
        lines.append(f"{name:<16} {f.inquiries:>9} {f.allowed:>7} {f.answered:>8} {recall:>7} {f.wrong:>5} {f.death:>5} "
                     f"{f'{f.calls_made}/{f.calls_due}':>9} {f.loops:>5}")
    return "\n".join(lines)


def _row(r: Record) -> str:
    born = f"born {r.birth_date}" if r.birth_date else f"age {r.age} (listed)"
    flags = " restricted" if r.restricted else ""
    return f"{r.external_id} {r.full_name} | {r.nationality} | {born} | {r.status}{flags} | kinds {','.join(sorted(r.kinds))}"


def _transcript(run: PersonaRun, replies: Replies) -> list[str]:
    lines = []
    for text, out in run.transcript:
        lines.append(f"    > {text}")
        lines += [f"      < [{replies.kind(o)}] {o}" for o in out]
    return lines


def failures(runs: Sequence[PersonaRun], roster: Sequence[Record], *, per_cause: int = 3, replies: Replies | None = None) -> str:
    """Every wrong disclosure, death hint and recall miss, grouped by cause, ``per_cause`` examples each."""
    by_id = {r.external_id: r for r in roster}
    replies = replies or Replies(roster)
    groups: dict[str, list[tuple[PersonaRun, TargetResult, str]]] = defaultdict(list)
    for run in runs:
        for t in run.targets:
            for e in t.events:
                wanted = t.expected.must or t.expected.call or f"nothing ({t.expected.why})"
                detail = f"expected {wanted}, got {e.record or '-'}"
                groups[f"{e.kind.upper()}: {e.cause}"].append((run, t, detail))
            if t.allowed and not t.answered:
                cases = ", ".join(f"{reason}/{prio}" for reason, prio, _ in run.cases) or "no case"
                last = [replies.kind(o) for o in run.transcript[-1][1]] if run.transcript else []
                cause = f"MISSED ({t.family}): bot ended with {'+'.join(last) or 'nothing'}; cases: {cases}"
                groups[cause].append((run, t, f"expected {t.expected.must}, got {t.disclosed or 'nothing'}"))
            elif t.expected.call and not t.called:
                cases = ", ".join(f"{reason}/{prio}" for reason, prio, _ in run.cases) or "no case"
                groups[f"CALL MISSED ({t.family}): cases: {cases}"].append((run, t, f"expected the call for {t.expected.call}"))
    out: list[str] = []
    for cause in sorted(groups, key=lambda c: (not c.startswith(("WRONG", "DEATH")), -len(groups[c]), c)):
        items = groups[cause]
        out.append(f"\n== {cause} — {len(items)}")
        for run, t, detail in items[:per_cause]:
            record = by_id.get(t.knowledge.record or "")
            out.append(f"  {run.persona.key} target {t.index}: {detail}")
            out.append(f"    meant: {t.knowledge.name} | knows born {t.knowledge.birth_date} age {t.knowledge.age} "
                       f"nationality {t.knowledge.nationality}")
            if record is not None:
                out.append(f"    roster: {_row(record)}")
            for ext in {e.record for e in t.events if e.record and e.record in by_id and e.record != t.knowledge.record}:
                out.append(f"    disclosed row: {_row(by_id[ext])}")
            out.extend(_transcript(run, replies))
    return "\n".join(out)
