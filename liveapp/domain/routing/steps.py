"""A rule's candidate steps, in order: the rep who chatted with the visitor last,
Outreach/Salesloft, Salesforce owner, account team, route to, fallback. Each step names
the reps it would route to and traces why a CRM fact led nowhere (integration down, owner
not an app user...)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from liveapp.domain.routing.inputs import (
    CrmFacts,
    EngagementFacts,
    LastChat,
    Rep,
    RoutingRule,
    SalesforceFacts,
)
from liveapp.domain.routing.reasons import LAST_CHATTED
from liveapp.domain.salesforce_ids import canonical_or_none

StepKind = Literal["last_chatted", "outreach", "salesforce_owner", "account_team", "route_to",
                   "fallback"]


@dataclass
class Trace:
    """The explanation being written, one human-readable step per line."""

    lines: list[str] = field(default_factory=list)
    said: set[str] = field(default_factory=set)
    # Groups outside their business hours the rule named: (name, "<name> closed (...)").
    closed: list[tuple[str, str]] = field(default_factory=list)
    # Every rep a step named, eligible or not (closed groups' members too): who an
    # offline message left for this visitor is for.
    named: dict[int, None] = field(default_factory=dict)
    # Every rep a step passed over, with the reason in a few words (Skip.short), first
    # reason kept: rep id -> reason, for the reports' "why reps were skipped".
    skipped: dict[int, str] = field(default_factory=dict)

    def add(self, line: str) -> None:
        self.lines.append(line)

    def once(self, line: str) -> None:
        """Add a line unless an earlier step already said it (a CRM being down)."""
        if line not in self.said:
            self.said.add(line)
            self.lines.append(line)


@dataclass(frozen=True)
class Candidate:
    label: str  # how the trace names where this rep came from
    rep: Rep


@dataclass(frozen=True)
class Step:
    kind: StepKind
    label: str
    candidates: tuple[Candidate, ...]
    # Route-to and fallback lists are traced in one line each; owners one line apiece.
    listed: bool = False
    # Why its reps get the visitor, as they read it ("from your Outreach sequence");
    # None for route-to and fallback lists, where the rule itself is the reason.
    reason: str | None = None


class Directory:
    """The reps, indexed the ways CRM facts and rules refer to them, and the groups that
    are outside their business hours now (group id -> "<name> closed (opens ...)")."""

    def __init__(self, reps: Iterable[Rep], closed_groups: Mapping[int, str] | None = None):
        self.reps = list(reps)
        self.closed_groups = dict(closed_groups or {})

    # Built on first use: most decisions need only one or two of these indexes.
    @cached_property
    def _by_id(self) -> dict[int, Rep]:
        return {r.id: r for r in self.reps}

    @cached_property
    def _by_email(self) -> dict[str, Rep]:
        return {r.email.strip().casefold(): r for r in self.reps}

    @cached_property
    def _by_sf(self) -> dict[str, Rep]:
        keyed = ((canonical_or_none(r.salesforce_user_id), r) for r in self.reps)
        # Keyed on the 18-character form, so a 15 and its 18 meet and nothing else does.
        return {key: r for key, r in keyed if key is not None}

    def by_id(self, rep_id: int) -> Rep | None:
        return self._by_id.get(rep_id)

    def by_email(self, email: str) -> Rep | None:
        return self._by_email.get(email.strip().casefold())

    def by_salesforce_id(self, user_id: str) -> Rep | None:
        """The rep with this Salesforce user id (15 or 18 characters, compared exactly)."""
        key = canonical_or_none(user_id)
        return self._by_sf.get(key) if key is not None else None

    def members(self, group_id: int) -> list[Rep]:
        return sorted((r for r in self.reps if group_id in r.group_ids), key=_by_name)

    def everyone(self) -> list[Rep]:
        """'All users' means every active chat user; admins who don't chat aren't skipped
        one by one in the trace."""
        return sorted((r for r in self.reps if r.active and r.is_chat_user), key=_by_name)


def _by_name(rep: Rep) -> tuple[str, int]:
    return (rep.name.casefold(), rep.id)


def candidate_steps(
    rule: RoutingRule, crm: CrmFacts, directory: Directory, enterprise: bool, trace: Trace,
    last_chat: LastChat | None = None,
) -> Iterator[Step]:
    """The rule's configured steps in order; lazily, so the trace only tells what was
    actually considered before a step found an eligible rep."""
    makers = (
        lambda: _last_chatted(rule, last_chat, directory, trace),
        lambda: _outreach(rule, crm, directory, trace),
        lambda: _salesforce_owner(rule, crm, directory, trace),
        lambda: _account_team(rule, crm, directory, enterprise, trace),
        lambda: _listed("route_to", "route to", rule.route_to_users, rule.route_to_groups,
                        rule.route_to_all, rule, directory, trace),
        lambda: _listed("fallback", "fallback", rule.fallback_users, rule.fallback_groups,
                        False, rule, directory, trace),
    )
    for make in makers:
        step = make()
        if step is not None:
            trace.named.update(dict.fromkeys(c.rep.id for c in step.candidates))
            yield step


def _unique(candidates: Iterable[Candidate]) -> tuple[Candidate, ...]:
    seen: set[int] = set()
    kept = []
    for candidate in candidates:
        if candidate.rep.id not in seen:
            seen.add(candidate.rep.id)
            kept.append(candidate)
    return tuple(kept)


# --- 0. the rep who chatted with the visitor last ----------------------------------------

def _last_chatted(rule: RoutingRule, last_chat: LastChat | None, directory: Directory,
                  trace: Trace) -> Step | None:
    if rule.last_chatted_days is None:
        return None
    if last_chat is None:
        trace.add("last chatted rep: no earlier chat with this visitor")
        return None
    days = rule.last_chatted_days
    if last_chat.days_ago > days:
        trace.add(f"last chatted rep: the last chat was {int(last_chat.days_ago)} days ago, "
                  f"more than {days}")
        return None
    rep = directory.by_id(last_chat.rep_id)
    if rep is None:
        trace.add("last chatted rep: no longer an app user")
        return None
    return Step("last_chatted", "last chatted", (Candidate(f"last chatted rep {rep.name}", rep),),
                reason=LAST_CHATTED)


# --- 1. Outreach / Salesloft -------------------------------------------------------------

OUTREACH_ROLES = {"sender": ("sender",), "owner": ("owner",), "both": ("sender", "owner")}


def _engagement(crm: CrmFacts, trace: Trace) -> tuple[str, EngagementFacts] | None:
    """Outreach or Salesloft, whichever answered with a prospect."""
    configured = [(n, f) for n, f in (("Outreach", crm.outreach), ("Salesloft", crm.salesloft))
                  if f is not None]
    if not configured:
        trace.add("Outreach/Salesloft not configured: skipped")
    for system, facts in configured:
        why_not = _no_answer(system, facts.status, facts.reason)
        if why_not is not None:
            trace.add(why_not)
        elif not (facts.sender_email or facts.prospect_owner_email):
            trace.add(f"{system}: no prospect for this visitor")
        else:
            return system, facts
    return None


def _no_answer(system: str, status: str, reason: str) -> str | None:
    """Why a configured CRM gave routing nothing to use, in the trace's words; None when
    it answered with a match. "not connected" is never said of a configured CRM: routing
    that ran before its look-up says so."""
    if status == "pending":
        return f"{system} look-up pending: skipped"
    if status == "unavailable":
        return f"{system} unavailable ({reason or 'no reason given'}): skipped"
    if status == "not_looked_up":
        return f"{system}: no look-up result for this visitor: skipped"
    if status == "not_found":
        return (f"{system}: no prospect for this visitor" if system != "Salesforce"
                else "Salesforce: no matching Contact, Lead or Account")
    return None


def _outreach(rule: RoutingRule, crm: CrmFacts, directory: Directory, trace: Trace) -> Step | None:
    if rule.outreach_mode is None:
        return None
    found = _engagement(crm, trace)
    if found is None:
        return None
    system, facts = found
    candidates = []
    for role in OUTREACH_ROLES[rule.outreach_mode]:
        email = facts.sender_email if role == "sender" else facts.prospect_owner_email
        title = f"{system} {'sender' if role == 'sender' else 'prospect owner'}"
        rep = directory.by_email(email) if email else None
        if not email:
            trace.add(f"{title}: none on record")
        elif rep is None:
            trace.add(f"{title} {email} is not an app user")
        else:
            candidates.append(Candidate(f"{title} {email}", rep))
    return Step("outreach", system, _unique(candidates),
                reason=f"from your {system} sequence")


# --- 2. Salesforce owner and account team -----------------------------------------------

def _salesforce(crm: CrmFacts, trace: Trace) -> SalesforceFacts | None:
    facts = crm.salesforce
    if facts is None:
        trace.once("Salesforce not configured: skipped")
        return None
    why_not = _no_answer("Salesforce", facts.status, facts.reason)
    if why_not is not None:
        trace.once(why_not)
        return None
    return facts


def _salesforce_owner(
    rule: RoutingRule, crm: CrmFacts, directory: Directory, trace: Trace
) -> Step | None:
    if not rule.salesforce_owner:
        return None
    facts = _salesforce(crm, trace)
    if facts is None:
        return None
    if facts.record_type and facts.owner_user_id:
        record, user_id, name = facts.record_type, facts.owner_user_id, facts.owner_name
    elif facts.account_owner_user_id:
        record, user_id, name = "Account", facts.account_owner_user_id, facts.account_owner_name
    else:
        trace.add("Salesforce: no owner on record")
        return None
    title = f"{record} owner"
    rep = directory.by_salesforce_id(user_id)
    if rep is None:
        trace.add(f"Salesforce {title} {name or user_id} {_unmatched(user_id)}")
        return None
    candidate = Candidate(f"Salesforce {title} {rep.name}", rep)
    return Step("salesforce_owner", "Salesforce", (candidate,),
                reason=f"your Salesforce {record.casefold()}")


def crm_owners(crm: CrmFacts, directory: Directory, enterprise: bool) -> tuple[int, ...]:
    """The reps the visitor's CRM says own them, whatever the rule routes to: the
    Salesforce Contact or Lead owner (else the Account owner) and, with the enterprise
    flag, the account team; owners who are not app users are left out."""
    facts = crm.salesforce
    if facts is None or facts.status != "ok":
        return ()
    ids = [facts.owner_user_id if facts.record_type and facts.owner_user_id
           else facts.account_owner_user_id]
    if enterprise:
        ids += [user_id for user_id, _ in facts.account_team]
    reps = (directory.by_salesforce_id(i) for i in ids if i)
    return tuple(dict.fromkeys(rep.id for rep in reps if rep is not None))


def _unmatched(user_id: str) -> str:
    """How the trace says a Salesforce user id found no rep: an id that is not a valid
    Salesforce id is named as such, so an admin fixes the data rather than the users."""
    if canonical_or_none(user_id) is None:
        return f"matches no app user: {user_id} is not a valid Salesforce user id"
    return "is not an app user"


def _account_team(
    rule: RoutingRule, crm: CrmFacts, directory: Directory, enterprise: bool, trace: Trace
) -> Step | None:
    if not rule.account_team:
        return None
    if not enterprise:
        trace.add("account team routing is an enterprise feature, not switched on: skipped")
        return None
    facts = _salesforce(crm, trace)
    if facts is None:
        return None
    roles = {r.strip().casefold() for r in rule.account_team_roles}
    members = [(uid, role) for uid, role in facts.account_team
               if not roles or role.strip().casefold() in roles]
    if not members:
        wanted = f" with role {', '.join(sorted(rule.account_team_roles))}" if roles else ""
        trace.add(f"Salesforce account team: no member{wanted}")
        return None
    candidates = []
    for user_id, role in members:
        rep = directory.by_salesforce_id(user_id)
        if rep is None:
            trace.add(f"account team {role} {user_id} {_unmatched(user_id)}")
        else:
            candidates.append(Candidate(f"account team {role} {rep.name}", rep))
    return Step("account_team", "account team", _unique(candidates),
                reason="your Salesforce account team")


# --- 3. and 4. route to users / groups / all, and fallbacks ------------------------------

def _listed(
    kind: StepKind, prefix: str, users: tuple[int, ...], groups: tuple[int, ...],
    everyone: bool, rule: RoutingRule, directory: Directory, trace: Trace,
) -> Step | None:
    if not (users or groups or everyone):
        return None
    if everyone:
        return Step(kind, f"{prefix} all users", _as_candidates(directory.everyone()), True)
    named = [r for r in (directory.by_id(u) for u in users) if r is not None]
    members = []
    for group_id in groups:
        closed = directory.closed_groups.get(group_id)
        if closed is None:
            members += directory.members(group_id)
            continue
        # Outside its business hours: its members are not candidates, whatever their state.
        trace.add(closed)
        trace.closed.append((rule.group_names.get(group_id, f"#{group_id}"), closed))
        trace.named.update(dict.fromkeys(m.id for m in directory.members(group_id)))
    open_groups = tuple(g for g in groups if g not in directory.closed_groups)
    if not named and groups and not open_groups:
        return None  # every group it names is closed, as the trace says
    return Step(kind, f"{prefix} {_describe(named, open_groups, rule)}",
                _as_candidates(named + members), True)


def _as_candidates(reps: Iterable[Rep]) -> tuple[Candidate, ...]:
    return _unique(Candidate(r.name, r) for r in reps)


def _describe(users: list[Rep], groups: tuple[int, ...], rule: RoutingRule) -> str:
    parts = [u.name for u in users] if len(users) <= 3 else [f"{len(users)} users"]
    parts += [f"group {rule.group_names.get(g, f'#{g}')}" for g in groups]
    return ", ".join(parts) or "nobody"
