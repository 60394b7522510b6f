"""deploy/kiosk/setup.sh (issue 20): what it writes to turn a Debian machine into a kiosk, display or pad.

Run here with --root (files under a directory), --no-packages and --no-systemctl: the suite cannot install
packages or start services on the machine it runs on. What is checked is every file the script leaves."""
from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "deploy" / "kiosk" / "setup.sh"
URL = "https://hall.example/kiosk#token=k-secret-123"


def setup(tmp_path, *args) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args, "--root", str(tmp_path), "--no-packages", "--no-systemctl"],
                          capture_output=True, text=True, timeout=60)


def environment(path: Path) -> dict[str, str]:
    """A systemd EnvironmentFile as systemd reads it: KEY=VALUE lines, # lines are comments."""
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


def unit(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key, []).append(value)
    return found


def test_a_kiosk_shows_its_page_full_screen_from_boot_and_comes_back_if_it_dies(tmp_path):
    done = setup(tmp_path, "kiosk", URL)
    assert done.returncode == 0, done.stderr
    assert "k-secret-123" not in done.stdout  # the token is not printed
    env = environment(tmp_path / "etc/hallq/screen.env")
    assert env["HALLQ_URL"] == URL and env["HALLQ_ROLE"] == "kiosk"
    flags = env["CHROMIUM_FLAGS"].split()
    assert {"--kiosk", "--autoplay-policy=no-user-gesture-required", "--disable-pinch", "--touch-events=enabled",
            "--noerrdialogs", "--overscroll-history-navigation=0"} <= set(flags)
    assert stat.S_IMODE((tmp_path / "etc/hallq/screen.env").stat().st_mode) == 0o640
    service = unit(tmp_path / "etc/systemd/system/hallq-screen.service")
    assert service["ExecStart"] == ["/usr/bin/cage -d -- /usr/bin/chromium $CHROMIUM_FLAGS ${HALLQ_URL}"]
    assert service["Restart"] == ["always"] and service["User"] == ["hallq-screen"]
    assert service["TTYPath"] == ["/dev/tty1"] and service["WantedBy"] == ["graphical.target"]
    assert "--blank 0" in service["ExecStartPre"][0]
    rules = (tmp_path / "etc/udev/rules.d/60-hallq-printers.rules").read_text()
    assert 'ATTR{bInterfaceClass}=="07", GROUP="lp"' in rules and 'ATTRS{idVendor}=="0416"' in rules
    assert not (tmp_path / "etc/systemd/system/hallq-agent.service").exists()  # no devices named: no agent


def test_a_tv_box_is_not_a_touch_screen(tmp_path):
    assert setup(tmp_path, "display", "http://10.0.0.5:8000/display#token=d-1").returncode == 0
    flags = environment(tmp_path / "etc/hallq/screen.env")["CHROMIUM_FLAGS"].split()
    assert "--kiosk" in flags and "--touch-events=enabled" not in flags


def test_a_machine_hosting_devices_gets_the_agent_with_its_token_readable_by_root_alone(tmp_path):
    agent = tmp_path / "agent.toml"
    agent.write_text('[[printers]]\nname = "k1"\nurl = "usb://0x0416:0x5011"\n')
    staged = tmp_path / "root"
    done = setup(staged, "kiosk", URL, "--agent", str(agent), "--agent-token", "a-secret-9",
                 "--server", "https://hall.example")
    assert done.returncode == 0, done.stderr
    assert (staged / "etc/hallq/agent.toml").read_text() == agent.read_text()
    env_file = staged / "etc/hallq/agent.env"
    assert environment(env_file) == {"HALLQ_AGENT_TOKEN": "a-secret-9", "HALLQ_SERVER": "https://hall.example"}
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    service = unit(staged / "etc/systemd/system/hallq-agent.service")
    assert service["ExecStart"] == [
        "/opt/hallq/.venv/bin/hallq agent --server ${HALLQ_SERVER} --config /etc/hallq/agent.toml"]
    assert service["Restart"] == ["always"] and service["SupplementaryGroups"] == ["lp dialout audio"]


@pytest.mark.parametrize("args, why", [
    (["tv", URL], "ROLE must be kiosk, display or pad"),
    (["kiosk", "hall.example/kiosk#token=x"], "URL must be the device's page"),
    (["kiosk", "https://hall.example/kiosk"], "carries no #token="),
    (["kiosk", URL, "--agent", "/nonexistent.toml", "--agent-token", "t", "--server", "https://h"], "no agent file"),
    (["kiosk", URL, "--agent", "/etc/hostname"], "--agent needs --agent-token and --server"),
    (["kiosk", URL, "--colour", "red"], "unknown option"),
])
def test_a_wrong_call_says_why_and_writes_nothing(tmp_path, args, why):
    done = setup(tmp_path / "root", *args)
    assert done.returncode == 2 and why in done.stderr, done.stderr
    assert not (tmp_path / "root").exists()
