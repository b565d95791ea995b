"""``labctl run`` refuses what it cannot serve with one clear message (run as a process: it
patches the interpreter with gevent, which must not happen inside the test process)."""

import socket
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # each test runs labctl run as a process


def run_labctl(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "labctl", "run", *args, "--host", "127.0.0.1",
                           "--no-qr"], capture_output=True, text=True, timeout=timeout,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


def test_an_invalid_project_is_not_served(sample_project, port):
    sessions = sample_project / "sessions.py"
    sessions.write_text(sessions.read_text().replace("fixed_pay=1000", "fixed_pay=-1"))
    result = run_labctl("my_session", "--project", str(sample_project), "--port", str(port))
    assert result.returncode == 1
    assert "LC113" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert not (sample_project / "labctl.db").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["nope"], "no session type 'nope'"),
    ([], "give the session type to run"),
    (["--resume"], "there is no session to resume"),
    (["my_session", "-n", "3"], "3 participants cannot form groups of 2 in app 'trust'"),
    (["my_session", "--labels", "@missing.txt"], "label file missing.txt does not exist"),
])
def test_bad_arguments_get_one_clear_line(sample_project, port, args, message):
    result = run_labctl(*args, "--project", str(sample_project), "--port", str(port))
    assert result.returncode == 1
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_a_port_in_use_is_reported(sample_project):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_labctl("my_session", "--project", str(sample_project), "--port", str(port))
    assert result.returncode == 1
    assert f"port {port} is already in use" in result.stderr


def test_labels_name_the_participants(sample_project, lab_process):
    lab = lab_process(sample_project, "my_session", "--labels", "PC01,PC02,PC03,PC04")
    for label in ("PC01", "PC02", "PC03", "PC04"):
        assert label in lab.output
    assert len(lab.codes) == 4


def test_resume_serves_the_same_session(sample_project, lab_process):
    first = lab_process(sample_project, "my_session", "-n", "4")
    first.stop()
    again = lab_process(sample_project, "--resume")
    assert again.session_code == first.session_code
    assert again.codes == first.codes


def test_sigterm_stops_the_server_cleanly(sample_project, lab_process):
    lab = lab_process(sample_project, "my_session")
    lab.proc.terminate()
    assert lab.proc.wait(timeout=15) == 0


def raw_request(base_url, head):
    """Send a request's head as written, return the status line of the answer."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(head)
        return conn.makefile("rb").readline().decode().strip()


def test_the_served_header_lines_are_read_and_a_malformed_one_refused(sample_project,
                                                                       lab_process):
    lab = lab_process(sample_project, "my_session")
    path = f"/p/{lab.codes[0]}/".encode()
    assert raw_request(lab.base_url, b"GET " + path + b" HTTP/1.1\r\nHost: lab\r\n"
                       b"Connection: close\r\n\r\n") == "HTTP/1.1 200 OK"
    assert raw_request(lab.base_url, b"GET " + path + b" HTTP/1.1\r\nHost : lab\r\n"
                       b"Connection: close\r\n\r\n").startswith("HTTP/1.1 400")


def test_a_large_session_prints_every_link_on_a_line_of_its_own(sample_project, lab_process):
    lab = lab_process(sample_project, "my_session", "-n", "120")
    lines = [line for line in lab.output.splitlines() if "/p/" in line]
    assert len(lab.codes) == len(set(lab.codes)) == len(lines) == 120
    assert [line.split()[0] for line in lines] == [str(n) for n in range(1, 121)]
    assert all(line.endswith(f"/p/{code}/") for line, code in zip(lines, lab.codes, strict=True))
