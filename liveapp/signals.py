"""In-process signals between features (blinker, as Flask uses)."""

from blinker import Namespace

_signals = Namespace()

# Sent with kind="streams" | "segments" | "experiences" after an admin saves settings that
# change who belongs where; membership re-evaluates live visitors and boards refresh.
settings_changed = _signals.signal("settings-changed")
