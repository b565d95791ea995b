"""``labctl run`` keeps the admin password of a database across ``--resume`` (stored as a
scrypt hash), makes a new one only when asked, refuses a weak ``LABCTL_ADMIN_PASSWORD``, and a
login survives a restart but not a new password."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from urllib.parse import urlparse

import pytest
import requests
from browserless import HTTP_TIMEOUT, admin_login

pytestmark = pytest.mark.slow  # labctl run as a process, stopped and started again


def admin_status(base_url: str, cookies: dict) -> int:
    return requests.get(f"{base_url}/admin/", cookies=cookies, timeout=HTTP_TIMEOUT,
                        allow_redirects=False).status_code


def test_resume_keeps_the_password_and_the_login_until_a_new_password_is_asked_for(
        sample_project, lab_process):
    lab = lab_process(sample_project, "my_session", "-n", "4")
    port = urlparse(lab.base_url).port
    cookies = dict(admin_login(lab.base_url, lab.password).cookies)
    lab.stop()
    stored = sqlite3.connect(sample_project / "labctl.db").execute(
        "SELECT value FROM settings WHERE key = 'admin_password'").fetchone()[0]
    assert stored.startswith("scrypt$") and lab.password not in stored

    again = lab_process(sample_project, "--resume", port=port)
    assert "password unchanged" in again.output
    assert "--new-password" in again.output
    assert lab.password not in again.output
    assert admin_status(again.base_url, cookies) == 200  # the login survived the restart
    admin_login(again.base_url, lab.password)  # and the password is the one written down
    again.stop()

    renewed = lab_process(sample_project, "--resume", "--new-password", port=port)
    assert renewed.password and renewed.password != lab.password
    assert admin_status(renewed.base_url, cookies) == 302  # every earlier login ended
    admin_login(renewed.base_url, renewed.password)


def test_a_weak_admin_password_is_refused_before_anything_is_served(sample_project, port):
    env = {"COLUMNS": "200", "PATH": "/usr/bin:/bin", "LABCTL_ADMIN_PASSWORD": "lab2024",
           "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    result = subprocess.run([sys.executable, "-m", "labctl", "run", "my_session", "--project",
                             str(sample_project), "--host", "127.0.0.1", "--port", str(port),
                             "--no-qr"], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "LABCTL_ADMIN_PASSWORD is too weak: it has 7 characters; at least 10 are needed" \
        in message
    assert "Traceback" not in result.stderr
    assert not (sample_project / "labctl.db").exists()
