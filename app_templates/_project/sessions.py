"""Session types of this project: the recipes `labctl run NAME` starts a session from.

Amounts are whole numbers in minor currency units: fixed_pay=1000 is EUR 10.00.
"""

from labctl import SessionType

SESSION_TYPES = [
    SessionType(
        name="demo",
        display_name="Demo session",
        fixed_pay=500,
        currency="EUR",
        app_sequence=["my_app"],
        num_participants=2,
        doc="A first session type; add your apps to app_sequence in the order they are played.",
    ),
]
