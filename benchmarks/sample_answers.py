"""What both benchmarks need to play the sample session `my_session` like a browser: the page
marker labctl puts on every page, the form's CSRF token, and valid answers per form page (see
sample_sessions/*/__init__.py)."""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's labctl

from labctl.page_marker import PAGE_MARKER

__all__ = ["ANSWERS", "CSRF", "PAGE_MARKER"]

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
