"""In-process signals between features (blinker, as Flask uses)."""

from blinker import Namespace

_signals = Namespace()

# Sent with kind="streams" | "segments" | "experiences" | "routing" after an admin saves
# settings that change who belongs where (or who gets them); membership re-evaluates live
# visitors, boards refresh and routing reloads its rules.
settings_changed = _signals.signal("settings-changed")
