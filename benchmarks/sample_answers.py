"""What both benchmarks need to play the sample session `my_session` like a browser: the page
marker labctl puts on every page, the form's CSRF token, and valid answers per form page (see
sample_sessions/*/__init__.py)."""

import re

#: labctl's marker on every participant page: what kind of page, at which step, of which app.
#: A copy of ``labctl.page_marker.PAGE_MARKER`` (which owns the format), not an import: the
#: benchmarks also measure older commits, which lack that module; a test checks it still reads
#: what the server writes. The benchmarks build participant URLs themselves for the same reason.
PAGE_MARKER = re.compile(r'<main[^>]*\bdata-kind="(?P<kind>[^"]*)" '
                         r'data-step="(?P<step>-?\d+)"\s*'
                         r'data-app="(?P<app>[^"]*)" data-round="(?P<round>[^"]*)"\s*'
                         r'data-page="(?P<page>[^"]*)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

#: page name -> valid answers drawn from a random generator
ANSWERS = {
    "Send": lambda r: {"sent_amount": f"{r.randint(0, 10)}.00"},
    "SendBack": lambda r: {"sent_back_amount": "0.00"},
    "Offer": lambda r: {"amount_offered": f"{r.randint(0, 10)}.00"},
    "Respond": lambda r: {"offer_accepted": r.choice(["1", "0"])},
    "Demographics": lambda r: {"age": str(r.randint(18, 60)), "gender": "no_answer",
                               "field_of_study": "economics"},
    "Opinions": lambda r: {"trust_general": str(r.randint(1, 7)), "comments": ""},
}
