"""A user's generated avatar: their initials on a colour of their own.

The colour comes from the user's id, so it is the same on every card, prompt and chat,
for every viewer, and needs no stored setting. Every colour of the palette takes white
initials at a contrast of at least 4.5:1 (WCAG AA for normal text; a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Tailwind's 700 shades (and slate): white text reads on each at 4.5:1 or better.
PALETTE = (
    "#b91c1c", "#c2410c", "#a16207", "#15803d", "#0f766e", "#0369a1",
    "#1d4ed8", "#6d28d9", "#a21caf", "#be123c", "#4d7c0f", "#334155",
)
TEXT = "#ffffff"


def initials(name: str) -> str:
    """Up to two letters: the first of the first and last words ("Ann Rep" -> "AR"),
    the first two of a single word; "?" for a blank name."""
    words = [w for w in ("".join(c for c in word if c.isalnum())
                         for word in name.replace(".", " ").replace("_", " ").split()) if w]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].upper() if len(words[0]) > 1 else words[0].upper()
    return (words[0][0] + words[-1][0]).upper()


def colour(user_id: int) -> str:
    """The user's avatar colour: one of PALETTE, by id (neighbours differ)."""
    return PALETTE[user_id % len(PALETTE)]


@dataclass(frozen=True, slots=True)
class Avatar:
    """A user as cards, prompts and chats show them: initials on their colour, and the
    name for the label (initials and colour worked out once, when made)."""

    user_id: int
    name: str
    initials: str = field(init=False, compare=False)
    colour: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "initials", initials(self.name))
        object.__setattr__(self, "colour", colour(self.user_id))

    def __str__(self) -> str:
        return self.name


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two "#rrggbb" colours (1 to 21)."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
