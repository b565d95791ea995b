"""The sample project with an admin report on the trust game: amounts sent so far, as a bar
chart. A module of its own so that server and browser tests share it; the sample itself is
left as it is (its apps must stay byte-identical to their templates)."""

from __future__ import annotations

from pathlib import Path

REPORT_HOOK = '''

def vars_for_admin_report(subsession):
    sent = [g.sent_amount for g in subsession.get_groups() if g.sent_amount is not None]
    return {"sent": sent, "count": len(sent)}
'''

REPORT_TEMPLATE = """\
<p id="sent-count">{{ count }} of {{ subsession.get_groups() | length }} trustors have sent</p>
<div data-labctl-chart="bar" data-title="Amounts sent" data-values='{{ sent | tojson }}'></div>
"""


def with_report(project: Path, hook: str = REPORT_HOOK, template: str = REPORT_TEMPLATE
                ) -> Path:
    """Add the report to the trust app of a copy of the sample project."""
    init = project / "trust" / "__init__.py"
    init.write_text(init.read_text(encoding="utf-8") + hook, encoding="utf-8")
    (project / "trust" / "admin_report.html").write_text(template, encoding="utf-8")
    return project
