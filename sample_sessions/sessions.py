"""The sample session of the labctl spec: a trust game, two ultimatum games, a questionnaire.

Run it with `labctl run my_session -n 4` in this folder. Amounts are in minor units of the
currency: fixed_pay=1000 is EUR 10.00.
"""

from labctl import Room, SessionType

SESSION_TYPES = [
    SessionType(
        name="my_session",
        display_name="Trust, ultimatum and questionnaire",
        fixed_pay=1000,
        currency="EUR",
        app_sequence=["trust", "ultimatum", "questionnaire"],
        num_participants=4,
        params={"trust_multiplier": 3},
        doc="A 2-player trust game, a 2-player ultimatum game played twice with new partners, "
        "and a short questionnaire. EUR 10.00 for showing up plus what the games pay.",
    ),
]

# The lab's seats: set each lab PC up once with its seat URL, e.g. /room/lab1/PC03/, and run
# `labctl run my_session --room lab1`: the waiting PCs join the session as it opens.
ROOMS = [
    Room(name="lab1", display_name="Economics lab", labels_file="lab1_seats.txt"),
]
