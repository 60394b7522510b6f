#!/usr/bin/env python3
"""Build the offline bundle on a machine that reaches the package index.

    python3 deploy/offline/build_bundle.py --to hallq-bundle [--arch x86_64 --arch aarch64]

A hall's server, kiosks and device computers sit on the government network
with no internet. The bundle carries everything pip needs to install hallq
there with `pip install --no-index` (deploy/offline/install.sh does it):

    wheels/any/       hallq itself and every pure-Python dependency (built here from sdists where
                      a project ships no wheel, e.g. lunar_python)
    wheels/<arch>/    the compiled dependencies for CPython 3.11 on manylinux x86_64 / aarch64
    requirements.txt  the exact versions resolved here (hallq's own included): every machine of the
                      hall gets the same ones
    debs/             with --debs: the Debian 12 packages a machine of that role needs (this machine's
                      architecture and release), with everything they depend on
    install.sh        the installer
    SHA256SUMS        every file's SHA-256, checked by the installer first

Run it with the Python 3.11 that the hall's machines run. `--debs server` (nginx,
Python's venv) or `--debs screen` (Chromium, cage, the CJK fonts: what
deploy/kiosk/setup.sh installs) adds the Debian packages, downloaded by apt for
this machine's release and architecture: build on a Debian 12 machine like the
hall's. The installer installs those the machine lacks.
"""
from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PYTHON_VERSION = "3.11"
# manylinux tags that CPython 3.11 on Debian 12 (glibc 2.36) and the domestic distributions halls run accept
PLATFORMS = ("manylinux_2_28_{arch}", "manylinux_2_17_{arch}", "manylinux2014_{arch}")
WHEEL_NAME = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-\d[^-]*)?-(?P<py>[^-]+)-(?P<abi>[^-]+)-(?P<plat>[^-]+)\.whl$")


DEB_SETS = {  # what each kind of hall machine installs from Debian
    "server": ("nginx", "python3-venv"),
    "screen": ("chromium", "cage", "fonts-noto-cjk", "pipewire-alsa", "python3-venv"),
}
DEPENDS_FLAGS = ("--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances")


def first_choices(depends_output: str) -> set[str]:
    """The packages `apt-cache depends` says these need: of each "A | B" the first, of a virtual package
    ("<name>") its first provider. (apt-cache's own --recurse follows every alternative: debconf would
    bring cdebconf, which a machine must not get beside it.)"""
    chosen: set[str] = set()
    group: list[list] = []  # the or-group being read: [name, providers] of each member
    more = False  # the last member read said "|": the group goes on
    for line in depends_output.splitlines() + [""]:
        if line.startswith("    "):  # a provider of the virtual package above
            group[-1][1].append(line.strip())
            continue
        if group and (not line.startswith(" ") or not more):
            name, providers = group[0]
            chosen.add(providers[0] if name.startswith("<") and providers else name)
            group = []
        if line.startswith(" "):
            group.append([line.split(":", 1)[1].strip(), []])
            more = line.startswith(" |")
    return {n for n in chosen if not n.startswith("<")}


def debs(to: Path, packages: tuple[str, ...]) -> int:
    """Download `packages` and what they need (`first_choices`, followed to the end) into to/debs; how many."""
    names: set[str] = set()
    todo = set(packages)
    while todo:
        names |= todo
        out = subprocess.run(["apt-cache", "depends", *DEPENDS_FLAGS, *sorted(todo)], check=True,
                             capture_output=True, text=True).stdout
        todo = first_choices(out) - names
    folder = to / "debs"
    folder.mkdir()
    subprocess.run(["apt-get", "download", "-q", *sorted(names)], check=True, cwd=folder)
    return len(names)


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args], check=True)


def build(to: Path, arches: list[str], project: Path = ROOT, deb_set: str | None = None) -> list[str]:
    """Write the bundle into the new directory `to`; its pinned requirements."""
    if sys.version_info[:2] != (3, 11):
        raise SystemExit(f"run this with Python {PYTHON_VERSION} (the hall's); this is {sys.version.split()[0]}")
    if to.exists():
        raise SystemExit(f"{to} exists: give a new directory")
    any_dir = to / "wheels" / "any"
    any_dir.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        host = Path(tmp) / "host"
        # A copy of the source: setuptools leaves its build/ folder beside what it builds.
        source = Path(tmp) / "source"
        shutil.copytree(project, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info",
                                                                        "tests", "bench", "__pycache__"))
        # Everything for this machine first: the resolution every arch then follows, and the sdists built.
        pip("wheel", "--quiet", "--wheel-dir", str(host), str(source))
        pins, compiled = [], []
        for wheel in sorted(host.glob("*.whl")):
            m = WHEEL_NAME.match(wheel.name)
            if m is None:
                raise SystemExit(f"not a wheel name pip writes: {wheel.name}")
            pin = f"{m['name']}=={m['version']}"
            pins.append(pin)
            if m["plat"] == "any":
                shutil.copy2(wheel, any_dir)
            else:
                compiled.append(pin)
    (to / "requirements.txt").write_text("".join(p + "\n" for p in pins))
    for arch in arches:
        arch_dir = to / "wheels" / arch
        arch_dir.mkdir(parents=True)
        platforms = [flag for tag in PLATFORMS for flag in ("--platform", tag.format(arch=arch))]
        missing = []
        for pin in compiled:  # one by one: a project without a wheel for this arch must not hide the others
            try:
                pip("download", "--quiet", "--no-deps", "--only-binary=:all:", *platforms,
                    "--python-version", PYTHON_VERSION, "--implementation", "cp", "--dest", str(arch_dir), pin)
            except subprocess.CalledProcessError:
                missing.append(pin)
        if missing:
            # The installer names them on such a machine rather than failing halfway through pip.
            (arch_dir / "MISSING").write_text("".join(p + "\n" for p in missing))
            print(f"{arch}: no wheel published for {', '.join(missing)}", file=sys.stderr)
    if deb_set:
        print(f"{debs(to, DEB_SETS[deb_set])} Debian packages for a {deb_set}", file=sys.stderr)
    shutil.copy2(HERE / "install.sh", to / "install.sh")
    # sha256sum's own format: the installer checks the bundle with `sha256sum -c` before using it
    sums = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(to)}\n"
            for p in sorted(to.rglob("*")) if p.is_file()]
    (to / "SHA256SUMS").write_text("".join(sums))
    return pins


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--to", type=Path, required=True, help="a new directory for the bundle")
    ap.add_argument("--arch", action="append", choices=("x86_64", "aarch64"),
                    help="machine kinds to carry (default: both)")
    ap.add_argument("--debs", choices=sorted(DEB_SETS), help="also carry the Debian packages of this kind of machine")
    args = ap.parse_args()
    arches = args.arch or ["x86_64", "aarch64"]
    pins = build(args.to, arches, deb_set=args.debs)
    print(f"bundle in {args.to}: hallq and {len(pins) - 1} dependencies for {', '.join(arches)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
