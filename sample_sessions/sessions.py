"""The sample session of the labctl spec: a trust game, two ultimatum games, a questionnaire.

Run it with `labctl run my_session -n 4` in this folder. Amounts are in minor units of the
currency: fixed_pay=1000 is EUR 10.00. `labctl run pd_chat -n 4` plays a prisoner's dilemma in
pairs who chat first (live shared data). `labctl run public_goods -n 8` plays a public goods
game in groups of four (the load benchmark uses its groups to time group-data fan-out).
`labctl run market -n 10` is a live double auction (benchmarks/live_market.py trades in it),
`labctl run volunteer -n 3` a live volunteer's dilemma.
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
    SessionType(
        name="pd_chat",
        display_name="Prisoner's dilemma with chat",
        fixed_pay=500,
        currency="EUR",
        app_sequence=["prisoners_dilemma"],
        num_participants=4,
        batch="pd_study",
        doc="A one-shot prisoner's dilemma in pairs who may chat first. Every session of the "
        "batch 'pd_study' continues its rotation of the two framings, so they stay balanced "
        "across days. EUR 5.00 for showing up plus EUR 0.00 to 5.00 from the game.",
    ),
    SessionType(
        name="public_goods",
        display_name="Public goods game in groups of four",
        fixed_pay=500,
        currency="EUR",
        app_sequence=["public_goods"],
        num_participants=4,
        doc="Three rounds of a public goods game in fixed groups of four: each round every "
        "member has EUR 10.00 and contributes to a group account that is doubled and split "
        "equally. EUR 5.00 for showing up plus what the three rounds pay.",
    ),
    SessionType(
        name="market",
        display_name="Double auction",
        fixed_pay=500,
        currency="EUR",
        app_sequence=["double_auction"],
        num_participants=4,
        params={"market_size": 10},
        doc="A continuous double auction in markets of up to 10 traders (half buyers, half "
        "sellers), live for two minutes: each trades at most one unit. EUR 5.00 for showing "
        "up plus the gains from trade.",
    ),
    SessionType(
        name="volunteer",
        display_name="Volunteer's dilemma (live)",
        fixed_pay=500,
        currency="EUR",
        app_sequence=["volunteer_dilemma"],
        num_participants=3,
        doc="A live volunteer's dilemma in groups of three: the first to volunteer ends the "
        "round for all. EUR 5.00 for showing up plus up to EUR 10.00.",
    ),
]

# The lab's seats: set each lab PC up once with its seat URL, e.g. /room/lab1/PC03/, and run
# `labctl run my_session --room lab1`: the waiting PCs join the session as it opens.
ROOMS = [
    Room(name="lab1", display_name="Economics lab", labels_file="lab1_seats.txt"),
]
