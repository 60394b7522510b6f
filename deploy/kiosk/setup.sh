#!/usr/bin/env bash
# Turns a fresh Debian 12 machine into a hall kiosk, TV display or evaluator pad (deploy/README.md,
# "Kiosk PCs, TV boxes, pads"). Run as root on the device:
#
#   setup.sh ROLE URL [--agent AGENT.toml --agent-token TOKEN --server URL]
#
#   ROLE   kiosk | display | pad
#   URL    the device's page with its token, as the admin pages' set-up link or `hallq token create`
#          gives it: https://hall.example/kiosk#token=...  (the token stays in the fragment: no log sees it)
#   --agent, --agent-token, --server   this machine also hosts devices (a kiosk's printer, a window's
#          LED and keypads): the agent's file, its token (`hallq token create --kind agent`) and the server.
#
# What it does:
#   - installs Chromium and cage (a Wayland compositor that runs one program full screen, nothing else:
#     no desktop, no panel, no way out to a shell for a citizen);
#   - a `hallq-screen` service on tty1 as the unprivileged user `hallq-screen`: cage runs Chromium in
#     kiosk mode on URL, started at boot and restarted if it dies; sound may play without a click (the
#     TV's calls, the duty alerts); no screen blanking, no crash bubble, no pinch zoom or swipe back;
#   - the thermal printers' udev rule (USB class 07 and the ESC/POS vendors' ids) so the agent may use them;
#   - with --agent: hallq itself in /opt/hallq and the `hallq-agent` service with its token in
#     /etc/hallq/agent.env (root only).
# Pages bring their own on-screen keyboards (the kiosk's search and ID entry), so no system one is needed.
#
# With no network (政务外网): HALLQ_BUNDLE=/path/to/bundle, a bundle built with `--debs screen`
# (deploy/offline/build_bundle.py): the Debian packages and hallq come from it, apt and pip reach nothing.
# For trying it out or packaging: --root DIR writes every file under DIR instead of /, --no-packages
# skips apt and pip, --no-systemctl skips enabling the services. tests/test_kiosk_setup.py runs it so.
set -euo pipefail

usage() { sed -n '2,12p' "$0" >&2; exit 2; }

ROLE=${1:-}; URL=${2:-}
[ $# -ge 2 ] || usage
shift 2
ROOT=""; PACKAGES=1; SYSTEMCTL=1; AGENT_FILE=""; AGENT_TOKEN=""; SERVER=""
while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT=${2%/}; shift 2 ;;
    --no-packages) PACKAGES=0; shift ;;
    --no-systemctl) SYSTEMCTL=0; shift ;;
    --agent) AGENT_FILE=$2; shift 2 ;;
    --agent-token) AGENT_TOKEN=$2; shift 2 ;;
    --server) SERVER=$2; shift 2 ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
done

case "$ROLE" in kiosk|display|pad) ;; *) echo "ROLE must be kiosk, display or pad, not '$ROLE'" >&2; exit 2 ;; esac
case "$URL" in
  http://*|https://*) ;;
  *) echo "URL must be the device's page, http(s)://..., not '$URL'" >&2; exit 2 ;;
esac
case "$URL" in
  *"#token="*) ;;
  *) echo "URL carries no #token=...: take the set-up link from the admin pages or \`hallq token create\`" >&2; exit 2 ;;
esac
if [ -n "$AGENT_FILE" ] && { [ -z "$AGENT_TOKEN" ] || [ -z "$SERVER" ]; }; then
  echo "--agent needs --agent-token and --server" >&2; exit 2
fi
if [ -n "$AGENT_FILE" ] && [ ! -f "$AGENT_FILE" ]; then
  echo "no agent file at $AGENT_FILE" >&2; exit 2
fi

put() {  # put PATH MODE: writes stdin to ROOT/PATH
  local path="$ROOT$1"
  mkdir -p "$(dirname "$path")"
  cat > "$path"
  chmod "$2" "$path"
}

if [ "$PACKAGES" = 1 ] && [ -n "${HALLQ_BUNDLE:-}" ]; then
  sh "$HALLQ_BUNDLE/install.sh" /opt/hallq/.venv  # its Debian packages (--debs screen) and hallq, offline
  id hallq-screen >/dev/null 2>&1 || useradd --system --create-home --groups video,audio,input,render hallq-screen
elif [ "$PACKAGES" = 1 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium cage fonts-noto-cjk \
    pipewire-alsa python3-venv
  id hallq-screen >/dev/null 2>&1 || useradd --system --create-home --groups video,audio,input,render hallq-screen
fi

# Portrait TVs and pads are rotated by the screen's own settings; the page adapts to either shape.
FLAGS="--kiosk --noerrdialogs --disable-session-crashed-bubble --disable-infobars --no-first-run"
FLAGS="$FLAGS --autoplay-policy=no-user-gesture-required --disable-pinch --overscroll-history-navigation=0"
FLAGS="$FLAGS --password-store=basic --check-for-update-interval=31536000 --disable-features=Translate"
FLAGS="$FLAGS --ozone-platform=wayland"
[ "$ROLE" = display ] || FLAGS="$FLAGS --touch-events=enabled"

put /etc/hallq/screen.env 0640 <<EOF
# hallq-screen: what this $ROLE shows (written by deploy/kiosk/setup.sh)
HALLQ_ROLE=$ROLE
HALLQ_URL=$URL
CHROMIUM_FLAGS=$FLAGS
EOF

put /etc/systemd/system/hallq-screen.service 0644 <<'EOF'
# The hall screen: Chromium in kiosk mode inside cage on tty1 (written by deploy/kiosk/setup.sh).
[Unit]
Description=hallq screen (kiosk, display or pad)
After=systemd-user-sessions.service network-online.target sound.target
Wants=network-online.target
Conflicts=getty@tty1.service

[Service]
User=hallq-screen
PAMName=login
TTYPath=/dev/tty1
StandardInput=tty
EnvironmentFile=/etc/hallq/screen.env
# The console under cage never blanks either.
ExecStartPre=+/bin/sh -c 'setterm --blank 0 --powerdown 0 --term linux </dev/tty1 >/dev/tty1 || true'
ExecStart=/usr/bin/cage -d -- /usr/bin/chromium $CHROMIUM_FLAGS ${HALLQ_URL}
Restart=always
RestartSec=3
UtmpIdentifier=tty1
UtmpMode=user

[Install]
WantedBy=graphical.target
EOF

put /etc/udev/rules.d/60-hallq-printers.rules 0644 <<'EOF'
# Thermal ticket printers for the hallq agent (written by deploy/kiosk/setup.sh): any USB printer-class
# interface, and the ESC/POS makers whose printers present a vendor class instead (Epson, Xprinter,
# GPrinter/Zhuhai Poskey, SPRT, Rongta).
SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ATTR{bDeviceClass}=="07", GROUP="lp", MODE="0660"
SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_interface", ATTR{bInterfaceClass}=="07", GROUP="lp", MODE="0660"
SUBSYSTEM=="usb", ATTRS{idVendor}=="04b8", GROUP="lp", MODE="0660"
SUBSYSTEM=="usb", ATTRS{idVendor}=="0416", GROUP="lp", MODE="0660"
SUBSYSTEM=="usb", ATTRS{idVendor}=="1fc9", GROUP="lp", MODE="0660"
SUBSYSTEM=="usb", ATTRS{idVendor}=="0483", GROUP="lp", MODE="0660"
SUBSYSTEM=="usb", ATTRS{idVendor}=="0fe6", GROUP="lp", MODE="0660"
EOF

if [ -n "$AGENT_FILE" ]; then
  put /etc/hallq/agent.toml 0644 < "$AGENT_FILE"
  put /etc/hallq/agent.env 0600 <<EOF
# The device agent's token (written by deploy/kiosk/setup.sh): whoever reads it can act as this agent.
HALLQ_AGENT_TOKEN=$AGENT_TOKEN
HALLQ_SERVER=$SERVER
EOF
  put /etc/systemd/system/hallq-agent.service 0644 <<'EOF'
# The device agent: this machine's printers, LED screens, voice and keypads (written by deploy/kiosk/setup.sh).
[Unit]
Description=hallq device agent
After=network-online.target sound.target
Wants=network-online.target

[Service]
User=hallq-agent
SupplementaryGroups=lp dialout audio
EnvironmentFile=/etc/hallq/agent.env
ExecStart=/opt/hallq/.venv/bin/hallq agent --server ${HALLQ_SERVER} --config /etc/hallq/agent.toml
Restart=always
RestartSec=3
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true

[Install]
WantedBy=multi-user.target
EOF
  if [ "$PACKAGES" = 1 ]; then
    id hallq-agent >/dev/null 2>&1 || useradd --system --no-create-home hallq-agent
    if [ -z "${HALLQ_BUNDLE:-}" ]; then  # offline, the bundle installed hallq above
      python3 -m venv /opt/hallq/.venv
      /opt/hallq/.venv/bin/pip install -q hallq
    fi
  fi
fi

if [ "$SYSTEMCTL" = 1 ]; then
  udevadm control --reload && udevadm trigger --subsystem-match=usb || true
  systemctl daemon-reload
  systemctl set-default graphical.target
  systemctl enable --now hallq-screen.service
  [ -z "$AGENT_FILE" ] || systemctl enable --now hallq-agent.service
fi
echo "hallq $ROLE set up: it shows ${URL%%#*} (token kept in /etc/hallq/screen.env)"
