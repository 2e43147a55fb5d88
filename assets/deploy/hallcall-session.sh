#!/bin/sh
# The whole graphical session of a locked kiosk or of a display PC behind a TV: only the
# hallcall program, no desktop, no screen saver, restarted whenever it ends.
#   hallcall-session.sh kiosk      (reads /etc/hallcall/kiosk.env)
#   hallcall-session.sh display    (reads /etc/hallcall/display.env)
# Started by startx or cage from the device user's ~/.profile; see docs/deployment.md.
# The program's log goes to the journal: journalctl -t hallcall-kiosk
program=${1:?usage: hallcall-session.sh kiosk|display}
hallcall=${HALLCALL:-/opt/hallcall/.venv/bin/hallcall}
# shellcheck source=/dev/null
. "/etc/hallcall/$program.env"

if [ -n "$DISPLAY" ] && command -v xset >/dev/null 2>&1; then
    xset s off      # no screen saver
    xset s noblank  # no blanking
    xset -dpms      # no monitor power saving
fi

# Log to the journal when there is one, else to the session's own output.
journal=""
if systemd-cat true 2>/dev/null; then
    journal="systemd-cat -t hallcall-$program"
fi

while true; do
    # $journal and $HALLCALL_OPTIONS are split into words on purpose.
    # shellcheck disable=SC2086
    $journal "$hallcall" "$program" --server "$HALLCALL_SERVER" --token "$HALLCALL_TOKEN" $HALLCALL_OPTIONS
    sleep 3
done
