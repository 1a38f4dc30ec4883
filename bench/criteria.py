"""Criteria engine speed: compiled segments over random visitors, and membership per event.

Run: .venv/bin/python bench/criteria.py [--visitors 10000] [--segments 20] [--seed 1]

Prints evaluations/s for the compiled segments, then the time one visitor change costs
to re-evaluate membership with 20 segments, 10 experiences and 5 streams (SPEC 2.2:
"evaluated on every visitor change, fast"). Pure Python, one core, no I/O.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from liveapp.domain import criteria
from liveapp.domain.experiences import Experience, UrlRule
from liveapp.domain.facts import VisitorFacts
from liveapp.domain.membership import MembershipRules, evaluate
from liveapp.domain.streams import Stream

PATHS = ["/", "/pricing", "/pricing/teams", "/docs/api", "/blog/post-1", "/careers", "/demo"]
DOMAINS = ["acme.com", "globex.com", "initech.io", "gmail.com", "umbrella.co"]
INDUSTRIES = ["SaaS", "Retail", "Finance", "Healthcare", None]
STAGES = ["Subscriber", "Lead", "MQL", "SQL", "Customer", None]

CONDITIONS = [
    {"field": "current_url", "operator": "url_matches", "value": "*/pricing*"},
    {"field": "visited_urls", "operator": "contains", "value": "/docs"},
    {"field": "page_count", "operator": "greater_than", "value": 3},
    {"field": "time_on_site_seconds", "operator": "greater_than", "value": 120},
    {"field": "email", "operator": "is_set"},
    {"field": "email_domain", "operator": "not_equals", "value": "gmail.com"},
    {"field": "email_domain", "operator": "in_list", "value": ["acme.com", "initech.io"]},
    {"field": "industry", "operator": "in_list", "value": ["SaaS", "Finance"]},
    {"field": "employees", "operator": "greater_than", "value": 200},
    {"field": "is_target_account", "operator": "equals", "value": True},
    {"field": "abm_tier", "operator": "equals", "value": "1"},
    {"field": "lead_score", "operator": "greater_than", "value": 50},
    {"field": "lifecycle_stage", "operator": "in_list", "value": ["MQL", "SQL"]},
    {"field": "is_contact", "operator": "equals", "value": True},
    {"field": "account_type", "operator": "equals", "value": "Customer"},
    {"field": "utm_source", "operator": "equals", "value": "linkedin"},
    {"field": "referrer", "operator": "contains", "value": "google."},
    {"field": "country", "operator": "in_list", "value": ["US", "CA", "GB"]},
]


def random_segments(rng: random.Random, count: int) -> dict[int, dict]:
    """count segments of 1 to 4 conditions each, half all / half any."""
    return {
        ident: {
            "match": rng.choice(["all", "any"]),
            "conditions": rng.sample(CONDITIONS, rng.randint(1, 4)),
        }
        for ident in range(1, count + 1)
    }


def random_facts(rng: random.Random) -> VisitorFacts:
    """One plausible visitor: some anonymous, some known, some enriched."""
    urls = tuple(f"https://acme.com{rng.choice(PATHS)}" for _ in range(rng.randint(1, 8)))
    known = rng.random() < 0.4
    return VisitorFacts(
        current_url=urls[-1] + rng.choice(["", "?utm_source=ads"]),
        visited_urls=urls,
        page_count=len(urls),
        time_on_site_seconds=rng.uniform(0, 600),
        referrer=rng.choice([None, "https://www.google.com/", "https://news.ycombinator.com/"]),
        utm_source=rng.choice([None, "linkedin", "ads"]),
        email=f"user{rng.randint(1, 999)}@{rng.choice(DOMAINS)}" if known else None,
        industry=rng.choice(INDUSTRIES),
        employees=rng.choice([None, 10, 250, 5000]),
        country=rng.choice(["US", "FR", "GB", None]),
        is_target_account=rng.choice([None, True, False]),
        abm_tier=rng.choice([None, "1", "2"]),
        lead_score=rng.choice([None, 10, 60, 90]),
        lifecycle_stage=rng.choice(STAGES),
        is_contact=rng.choice([None, True, False]),
        account_type=rng.choice([None, "Customer", "Prospect"]),
    )


def experiences(rng: random.Random, segment_ids: list[int]) -> list[Experience]:
    """10 experiences with URL rules, half with an audience."""
    return [
        Experience(
            100 + n,
            rules=(UrlRule("wildcard", f"*{rng.choice(PATHS[1:])}*"),
                   UrlRule("contains", "/careers", exclude=True)),
            audience=frozenset(rng.sample(segment_ids, 2)) if n % 2 else frozenset(),
        )
        for n in range(10)
    ]


def streams(rng: random.Random, segment_ids: list[int]) -> list[Stream]:
    """5 streams sharing out 10 segments and 3 experiences."""
    owned = rng.sample(segment_ids, 10)
    return [
        Stream(n + 1, f"Stream {n + 1}", n, frozenset(owned[2 * n:2 * n + 2]),
               frozenset({100 + n}) if n < 3 else frozenset())
        for n in range(5)
    ]


def best_of(repeats: int, run: Callable[[], object]) -> float:
    """The fastest of a few timed runs, in seconds."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return min(timings)


def per_event_times(rules: MembershipRules, visitors: list[VisitorFacts]) -> list[float]:
    """Seconds each membership evaluation took, one per visitor."""
    times = []
    for facts in visitors:
        start = time.perf_counter()
        evaluate(rules, facts)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=10_000)
    parser.add_argument("--segments", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    segments = random_segments(rng, args.segments)
    start = time.perf_counter()
    predicates = [criteria.compile(rule) for rule in segments.values()]
    compile_ms = (time.perf_counter() - start) * 1000
    visitors = [random_facts(rng) for _ in range(args.visitors)]

    def evaluate_all() -> None:
        for facts in visitors:
            for matches in predicates:
                matches(facts)

    seconds = best_of(3, evaluate_all)
    evaluations = len(visitors) * len(predicates)
    print(f"compile {len(predicates)} segments: {compile_ms:.2f} ms")
    print(f"{len(predicates)} segments x {len(visitors)} visitors: {seconds * 1000:.0f} ms, "
          f"{evaluations / seconds:,.0f} evaluations/s, {len(visitors) / seconds:,.0f} visitors/s")

    segment_ids = list(segments)
    rules = MembershipRules.build(segments, experiences(rng, segment_ids),
                                  streams(rng, segment_ids))
    times = sorted(per_event_times(rules, visitors))
    p99 = times[int(len(times) * 0.99)]
    print(f"membership per event ({len(rules.segments)} segments, {len(rules.experiences)} "
          f"experiences, {len(rules.streams)} streams): mean "
          f"{statistics.fmean(times) * 1e6:.1f} us, median {times[len(times) // 2] * 1e6:.1f} us,"
          f" p99 {p99 * 1e6:.1f} us")
    build = best_of(3, lambda: [VisitorFacts.from_mapping(v.to_dict()) for v in visitors[:2000]])
    print(f"building VisitorFacts from a dict: {build / 2000 * 1e6:.1f} us each")


if __name__ == "__main__":
    main()
