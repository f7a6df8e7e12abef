"""`python manage.py bench liveness`: acceptance of genuine live captures and rejection of attacks.

Genuine clips: each sample face (skimage's astronaut, Grace Hopper) doing a random challenge with
synthetic head turns (likeness/liveness_samples.py) at a random turn amplitude between
`--min-amplitude` and 1.2 of the generator's default. Attacks, each against the same face's
enrolment: a still photo moved, tilted and scaled in front of the camera; the right face in the
wrong order; a replay of a clip that passed (the service's clip fingerprint); the other sample face
doing the right moves; and a clip whose container says it was recorded a day before the challenge.
The baseline is one enrolment photo's check (detect + embed), timed in the same process.
"""

from __future__ import annotations

import itertools
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from likeness.engines import get_engine
from likeness.liveness import LivenessProblem, verify_clip
from likeness.liveness_samples import genuine_clip, sample_faces, still_clip
from likeness.proof import CLIP_MAX_BYTES, clip_digest, new_sequence

Report = Callable[[str], None]


@dataclass
class LivenessBenchResult:
    engine: str
    genuine: list[str] = field(default_factory=list)  # outcome per genuine clip
    attacks: dict[str, list[str]] = field(default_factory=dict)
    check_seconds: list[float] = field(default_factory=list)
    baseline_seconds: list[float] = field(default_factory=list)

    def lines(self) -> list[str]:
        accepted = sum(1 for o in self.genuine if o == "passed")
        share = 100 * accepted / max(1, len(self.genuine))
        out = [
            f"engine {self.engine}",
            f"genuine clips accepted: {accepted}/{len(self.genuine)} ({share:.0f}%)"
            + ("" if accepted == len(self.genuine) else f"; refusals: {sorted(set(self.genuine) - {'passed'})}"),
        ]
        for name, outcomes in self.attacks.items():
            rejected = sum(1 for o in outcomes if o != "passed")
            reasons = sorted(set(outcomes))
            out.append(
                f"attack {name}: rejected {rejected}/{len(outcomes)} ({100 * rejected / max(1, len(outcomes)):.0f}%)"
                f" with {reasons}"
            )
        if self.check_seconds and self.baseline_seconds:
            check, base = statistics.median(self.check_seconds), statistics.median(self.baseline_seconds)
            out.append(
                f"median check of a clip {check:.2f} s; one enrolment photo {base:.3f} s; ratio {check / base:.1f}x"
            )
        return out


def run_liveness_bench(
    *, clips_per_face: int = 4, min_amplitude: float = 0.8, seed: int = 7, report: Report | None = None
) -> LivenessBenchResult:
    say = report or (lambda _line: None)
    engine = get_engine("dlib")
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    faces = sample_faces()
    enrolled = {}
    result = LivenessBenchResult(engine=engine.name)
    for name, image in faces.items():
        start = time.perf_counter()
        face = engine.detect(image)[0]
        enrolled[name] = [engine.embed(image, face)]
        result.baseline_seconds.append(time.perf_counter() - start)
    issued = datetime.now(UTC)
    seen: set[str] = set()

    def check(clip: bytes, sequence: list[str], face: str, *, timed: bool = False) -> str:
        digest = clip_digest(clip)
        if digest in seen:
            return "liveness_replayed"
        seen.add(digest)
        start = time.perf_counter()
        try:
            verify_clip(
                engine=engine,
                data=clip,
                sequence=sequence,
                issued_at=issued,
                enrolled=enrolled[face],
                max_bytes=CLIP_MAX_BYTES,
            )
            outcome = "passed"
        except LivenessProblem as problem:
            outcome = problem.reason
        if timed:
            result.check_seconds.append(time.perf_counter() - start)
        return outcome

    names = list(faces)
    for name in names:
        other = next(n for n in names if n != name)
        for index in range(clips_per_face):
            sequence = new_sequence()
            amplitude = rng.uniform(min_amplitude, 1.2)
            clip = genuine_clip(engine, faces[name], sequence, amplitude=amplitude, seed=rng.randrange(1 << 30))
            outcome = check(clip, sequence, name, timed=True)
            result.genuine.append(outcome)
            say(f"{name} genuine #{index + 1} {sequence} amplitude {amplitude:.2f}: {outcome}")
            result.attacks.setdefault("replay of a passed clip", []).append(check(clip, new_sequence(), name))
            wrong = _wrong_order(sequence, rng)
            result.attacks.setdefault("right face, wrong order", []).append(
                check(genuine_clip(engine, faces[name], wrong, seed=rng.randrange(1 << 30)), sequence, name)
            )
            result.attacks.setdefault("another face, right order", []).append(
                check(genuine_clip(engine, faces[other], sequence, seed=rng.randrange(1 << 30)), sequence, name)
            )
            stale = genuine_clip(
                engine, faces[name], sequence, container="mp4", created_at=issued - timedelta(days=1), seed=index
            )
            result.attacks.setdefault("clip recorded before the challenge", []).append(check(stale, sequence, name))
        for shake in (False, True):
            label = "still photo, moved" if shake else "still photo"
            result.attacks.setdefault(label, []).append(
                check(still_clip(engine, faces[name], shake=shake), new_sequence(), name)
            )
        say(f"{name}: done")
    return result


def _wrong_order(sequence: list[str], rng: random.Random) -> list[str]:
    turns = [s for s in sequence if s != "hold"]
    while True:
        candidate = [rng.choice(("left", "right", "up")) for _ in turns]
        if candidate != turns and all(a != b for a, b in itertools.pairwise(candidate)):
            return [*candidate, "hold"]
