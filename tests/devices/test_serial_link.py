"""SerialLink over real pty pairs and real TCP sockets on 127.0.0.1: it reports a
vanished port and comes back on the same URL without the caller rebuilding it."""
from __future__ import annotations

import threading
import time

import pytest

from hallq.devices.led.sim_transport import PtyEndpoint, TcpEndpoint
from hallq.devices.serial_link import PortDown, SerialLink


class States:
    """Collects on_state calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[bool, str | None]] = []
        self._lock = threading.Lock()

    def __call__(self, up: bool, error: str | None) -> None:
        with self._lock:
            self.calls.append((up, error))

    def ups(self) -> list[bool]:
        with self._lock:
            return [up for up, _ in self.calls]


def read_exactly(endpoint, n: int, timeout: float = 2.0) -> bytes:
    got = b""
    deadline = time.monotonic() + timeout
    while len(got) < n and time.monotonic() < deadline:
        got += endpoint.read(0.05)
    return got


def fail_until_down(link: SerialLink, attempts: int = 50) -> PortDown:
    """Use the link until it notices the port is gone (a socket may accept one more write)."""
    for _ in range(attempts):
        try:
            link.write(b"?")
            link.read(1, 0.05)
        except PortDown as exc:
            return exc
    raise AssertionError("the link never noticed the port went away")


@pytest.fixture
def pty(tmp_path):
    endpoint = PtyEndpoint(str(tmp_path / "ttyUSB-led"))
    yield endpoint
    endpoint.close()


@pytest.fixture
def tcp():
    endpoint = TcpEndpoint()
    yield endpoint
    endpoint.close()


def test_pty_round_trip_and_recovery_after_unplug(pty):
    states = States()
    with SerialLink(pty.url, on_state=states, retry_min=0.02, retry_max=0.1) as link:
        assert link.up and states.ups() == [True]
        link.write(b"\x02hello\x03")
        assert read_exactly(pty, 7) == b"\x02hello\x03"
        pty.write(b"ack")
        assert link.read(3, 1.0) == b"ack"

        pty.unplug()
        with pytest.raises(PortDown):
            link.write(b"lost")
        assert not link.up
        assert states.calls[-1][0] is False and states.calls[-1][1]
        with pytest.raises(PortDown):  # while unplugged every use fails at once
            link.read(1, 0.5)

        pty.plug()  # a new /dev/pts/N behind the same symlink
        assert link.wait_up(3.0)
        assert states.ups() == [True, False, True]
        link.write(b"again")
        assert read_exactly(pty, 5) == b"again"
        pty.write(b"ok")
        assert link.read(2, 1.0) == b"ok"


def test_read_notices_the_far_end_closing(pty):
    with SerialLink(pty.url, retry_min=0.02) as link:
        result: list[BaseException | bytes] = []
        reader = threading.Thread(target=lambda: result.append(_read_or_error(link)))
        reader.start()
        time.sleep(0.1)  # the reader is now blocked waiting for input
        pty.unplug()
        reader.join(3.0)
        assert not reader.is_alive()
        assert isinstance(result[0], PortDown)


def _read_or_error(link: SerialLink) -> BaseException | bytes:
    try:
        return link.read(1, 2.0)
    except PortDown as exc:
        return exc


def test_port_missing_at_start_comes_up_when_plugged(tmp_path):
    endpoint = PtyEndpoint(str(tmp_path / "ttyUSB0"))
    endpoint.unplug()
    states = States()
    try:
        with SerialLink(endpoint.url, on_state=states, retry_min=0.02, retry_max=0.05) as link:
            assert not link.up
            assert states.calls == [(False, link.last_error)] and link.last_error
            with pytest.raises(PortDown):
                link.write(b"x")
            time.sleep(0.2)  # several failed retries: still one "down" report, not one each
            assert states.ups() == [False]
            endpoint.plug()
            assert link.wait_up(3.0)
            assert states.ups() == [False, True]
            link.write(b"first")
            assert read_exactly(endpoint, 5) == b"first"
    finally:
        endpoint.close()


def test_without_background_retry_the_next_use_reopens(pty):
    with SerialLink(pty.url, retry_min=0.05, retry_max=0.05, background_retry=False) as link:
        pty.unplug()
        fail_until_down(link)
        pty.plug()
        assert not link.up  # nothing reopens it behind our back
        time.sleep(0.06)  # past the backoff delay
        link.write(b"inline")
        assert link.up
        assert read_exactly(pty, 6) == b"inline"


def test_reader_and_writer_threads_share_the_link_and_reopen_once(pty):
    states = States()
    with SerialLink(pty.url, on_state=states, retry_min=0.02, retry_max=0.05) as link:
        stop = threading.Event()
        errors = {"reader": 0, "writer": 0}

        def reader():
            while not stop.is_set():
                try:
                    link.read(64, 0.05)
                except PortDown:
                    errors["reader"] += 1
                    time.sleep(0.01)

        def writer():
            while not stop.is_set():
                try:
                    link.write(b"w")
                except PortDown:
                    errors["writer"] += 1
                time.sleep(0.005)

        threads = [threading.Thread(target=reader), threading.Thread(target=writer)]
        for t in threads:
            t.start()
        time.sleep(0.1)
        pty.unplug()
        # Both threads must have run into the loss before the adapter comes back; on a
        # loaded machine a thread may sleep a while, so wait for it rather than a fixed time.
        deadline = time.monotonic() + 5
        while (errors["writer"] == 0 or errors["reader"] == 0) and time.monotonic() < deadline:
            time.sleep(0.01)
        pty.plug()
        assert link.wait_up(3.0)
        time.sleep(0.1)
        stop.set()
        for t in threads:
            t.join(3.0)
        assert errors["writer"] > 0 and errors["reader"] > 0
        assert states.ups() == [True, False, True]  # one loss, one reopen, whoever saw it
        link.write(b"after")
        assert b"after" in read_exactly(pty, 1000, timeout=0.5)


def test_socket_converter_drops_and_comes_back(tcp):
    states = States()
    with SerialLink(tcp.url, on_state=states, retry_min=0.02, retry_max=0.1) as link:
        link.write(b"\xa5frame\x5a")
        assert read_exactly(tcp, 7) == b"\xa5frame\x5a"
        tcp.write(b"reply")
        assert link.read(5, 1.0) == b"reply"

        tcp.unplug()
        fail_until_down(link)
        assert states.ups()[-1] is False

        tcp.plug()  # same 127.0.0.1 port listening again
        assert link.wait_up(3.0)
        link.write(b"back")
        assert read_exactly(tcp, 4) == b"back"
        tcp.write(b"yes")
        assert link.read(3, 1.0) == b"yes"
        assert states.ups() == [True, False, True]


def test_loop_url_and_read_until():
    with SerialLink("loop://") as link:
        link.write(b"abc\x03def")
        assert link.read_until(b"\x03", 100, 1.0) == b"abc\x03"
        assert link.read(10, 0.1) == b"def"
        assert link.read(1, 0.05) == b""  # a timeout is not a lost port
        assert link.up


def test_closed_link_refuses_use(pty):
    link = SerialLink(pty.url)
    link.close()
    with pytest.raises(PortDown):
        link.write(b"x")
    assert not link.wait_up(0.1)
