"""Room URLs: lab PCs open their seat's URL once; it joins whatever session is open there.

``/room/<room>/`` lets a person pick their seat; ``/room/<room>/<label>/`` is a seat's stable
URL: it goes to the seat's participant, or waits (WebSocket, polling as fallback) until the
experimenter opens a session in the room.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for

from ..engine import SessionFull, UnknownSeat
from ..errors import ProjectError
from ..hub import Channel
from ..i18n import gettext as _
from .current import engine
from .live import relay

bp = Blueprint("rooms", __name__, url_prefix="/room")


@bp.get("/<room>/")
def pick_seat(room: str):
    """The seat picker; ``?participant_label=PC07`` (oTree's room link, or a recruitment
    system's link carrying the participant's id) goes straight to that seat."""
    try:
        found = engine().project.room(room)
    except ProjectError:
        return _room_not_found(room)
    given = (request.args.get("participant_label") or "").strip()
    if given:
        return redirect(url_for(".seat", room=room, label=given), code=303)
    labels = found.seat_labels(engine().project.root)
    return render_template("labctl/room_pick.html", room=found, labels=labels)


@bp.get("/<room>/seat")
def chosen_seat(room: str):
    label = (request.args.get("label") or "").strip()
    return redirect(url_for(".seat", room=room, label=label or "-"), code=303)


@bp.get("/<room>/<label>/")
def seat(room: str, label: str):
    try:
        code = engine().join_room_or_spare(room, label)
    except ProjectError:
        return _room_not_found(room)
    except UnknownSeat:
        return _error(404, _("Unknown seat"), _(
            "'%(label)s' is not a seat of room '%(room)s'. Please check the label and try "
            "again.") % {"label": label, "room": engine().project.room(room).title},
            url_for(".pick_seat", room=room))
    except SessionFull:
        return _error(409, _("The session is full"),
                      _("Every place in this session is taken."))
    if code is not None:
        return redirect(url_for("participant.show", code=code), code=303)
    found = engine().project.room(room)
    engine().seat_heard(room, label)  # join_room checked the seat
    return render_template(
        "labctl/wait.html", view=None, index=-1,
        title=_("Welcome to %(room)s") % {"room": found.title},
        body=_("Seat %(label)s: please wait, the session will start in a moment.")
        % {"label": label},
        ws_url=url_for(".seat", room=room, label=label) + "ws",
        position_url=url_for(".status", room=room, seat=label))


@bp.get("/<room>/status")
def status(room: str):
    try:
        is_open = engine().room_is_open(room)
    except ProjectError:
        return jsonify({"error": f"no room '{room}'"}), 404
    seat = request.args.get("seat")
    if seat and seat in engine().project.room(room).seat_labels(engine().project.root):
        engine().seat_heard(room, seat, poll=True)  # a seat whose socket is blocked polls
    response = jsonify({"step": 0 if is_open else -1, "open": is_open})
    response.headers["Cache-Control"] = "no-store"
    return response


def seat_socket(ws, room: str, label: str) -> None:
    """Tell a waiting seat the moment a session opens in its room."""
    try:
        engine().project.room(room)
    except ProjectError:
        ws.close(reason=1008, message="unknown room")
        return
    is_seat = label in engine().project.room(room).seat_labels(engine().project.root)
    if is_seat:  # only real seats: no presence entry for a made-up label
        engine().seat_socket_opened(room, label)
    closed: list[bool] = []

    def noticed() -> None:
        closed.append(True)
        engine().seat_socket_closed(room, label)

    try:
        relay(ws, engine().hub, Channel.room(room),
              lambda: {"type": "position", "step": 0 if engine().room_is_open(room) else -1},
              on_close=noticed if is_seat else None)
    finally:
        if is_seat and not closed:
            noticed()


def _room_not_found(room: str):
    return _error(404, _("Room not found"),
                  _("There is no room '%(room)s' in this lab.") % {"room": room})


def _error(status: int, title: str, message: str, back_url: str | None = None):
    return render_template("labctl/error.html", title=title, message=message,
                           back_url=back_url), status
