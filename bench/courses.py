"""A course for the benchmarks, built the way an installation gets one: a
``rollout-policy/1`` document (docs/policy-format.md) imported through
``lms.services.policy_transfer`` and published children first, as the demo
measures are (``lms.demo.policies``). No test helper is imported."""

from __future__ import annotations

import json
from typing import Any


def _question(number: int) -> dict[str, Any]:
    """A single-choice question whose first option is the right one."""
    return {
        "type": "single",
        "value": {
            "text": f"Question {number}: which step comes first?",
            "explanation": "Accept the request before anything else.",
            "weight": 1,
            "options": [
                {"text": "Accept", "correct": True},
                {"text": "Refer elsewhere", "correct": False},
                {"text": "Ask the customer to call back", "correct": False},
            ],
        },
    }


def bench_course(*, code: str, questions: int, draw: int, **rules: Any):
    """Import and publish a course ``code`` (one module, a quiz of
    ``questions`` drawing ``draw``) with the policy ``rules`` given; returns
    the live ``cms.PolicyPage``."""
    from cms.models import PolicyPage
    from cms.transfer.media import source_read
    from lms.demo.policies import demo_catalogue_ensure, publish_imported
    from lms.services.policy_transfer import policy_import_source

    document = {
        "format": "rollout-policy/1",
        "code": code,
        "title": f"Benchmark measure {code}",
        "slug": code.lower(),
        "summary": "A measure for the benchmarks.",
        "questions_per_attempt": draw,
        **rules,
        "audience": {"positions": [], "units": []},
        "modules": [
            {
                "title": "Module 1",
                "slug": "module-1",
                "body": [{"type": "text", "value": "<p>Accept, handle, reply.</p>"}],
            }
        ],
        "quiz": {
            "title": "Quiz",
            "slug": "quiz",
            "questions": [_question(n) for n in range(1, questions + 1)],
        },
    }
    source = source_read(json.dumps(document).encode(), name=f"{code}.json")
    catalogue, _ = demo_catalogue_ensure()
    publish_imported(policy_import_source(source=source, catalogue=catalogue))
    return PolicyPage.objects.get(code=code)
