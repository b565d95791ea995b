"""The admin's page of a room's seats: which are online, since when, on a socket or polling,
and when each was last heard from; updated live (the hub's ``room_seats`` channel tells it
when a seat comes or goes, and it refetches one small JSON)."""

from __future__ import annotations

from flask import jsonify, redirect, render_template, request, url_for

from ..errors import LabctlError, ProjectError
from ..hub import Channel
from .admin import _admin_csrf, _csrf_ok, admin_logged_in, bp, requires_admin
from .current import engine
from .live import relay


@bp.get("/rooms/<room>")
@requires_admin
def room_seats(room: str):
    try:
        found = engine().project.room(room)
    except ProjectError:
        return render_template("labctl/error.html", title="Room not found",
                               message=f"There is no room '{room}' in sessions.py.",
                               back_url=url_for("admin.sessions")), 404
    with engine().store.reading():
        session = engine().store.room_session(room)
    return render_template("labctl/admin/room.html", room=found, seats=engine().room_seats(room),
                           session=session, session_types=engine().project.session_types,
                           csrf_token=_admin_csrf(), notice=request.args.get("notice"),
                           error=request.args.get("error"))


@bp.post("/rooms/<room>/present")
@requires_admin
def start_present(room: str):
    """The admin's "start with the seats online" button: ``labctl run --present``'s twin."""
    def back(**message: str):
        return redirect(url_for("admin.room_seats", room=room, **message), code=303)

    if not _csrf_ok():
        return back(error="The form expired; reload the page and press the button again.")
    try:
        start = engine().create_present_session(request.form.get("session_type", ""), room)
    except LabctlError as exc:
        return back(error=f"No session was started: {exc}.")
    return back(notice=start.summary())


@bp.get("/rooms/<room>/seats.json")
@requires_admin
def room_seats_json(room: str):
    try:
        engine().project.room(room)
    except ProjectError:
        return jsonify({"error": f"no room '{room}'"}), 404
    response = jsonify({"seats": engine().room_seats(room)})
    response.headers["Cache-Control"] = "no-store"
    return response


def room_seats_socket(ws, room: str) -> None:
    """Pushes an ``update`` when a seat of the room comes online or goes offline."""
    if not admin_logged_in():
        ws.close(reason=1008, message="log in first")
        return
    try:
        engine().project.room(room)
    except ProjectError:
        ws.close(reason=1008, message="no such room")
        return
    relay(ws, engine().hub, Channel.room_seats(room), lambda: {"type": "update"})
