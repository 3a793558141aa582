"""What the field benchmark needs in the database and in hand (issue #15).

* :func:`add_collectors` — the simulated collectors: 监督员 users with a password and one
  grid cell each (spread over the centre's cells), through the account services;
* :func:`verify_tasks` — 核实 tasks made for the purpose: public reports, accepted, and sent
  to a collector with ``request-verify`` (what the desk's **V** does);
* :func:`phone_photos` — two real JPEG photos of about 3 MB each, as a phone camera takes
  them (12 megapixels of a smooth scene with sensor-like noise, encoded by Pillow).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.bench_server import PASSWORD, server_clock

#: The simulated collectors' user names: fb0001 … (field benchmark).
PREFIX = "fb"
#: A phone photo's size (bytes) the encoder aims at, and its pixels (12 MP, 4:3).
PHOTO_BYTES = 3_000_000
PHOTO_SIZE = (4000, 3000)


@dataclass(frozen=True, slots=True)
class Collector:
    """A simulated collector: user name, its cell and where in it the phone is (WGS-84)."""

    username: str
    cell: str
    lon: float
    lat: float


def _inside(ring: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """A point of the cell: the mean of its ring's corners (the cells are near-convex)."""
    points = list(ring[:-1]) if len(ring) > 1 and ring[0] == ring[-1] else list(ring)
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def add_collectors(app: Any, n: int) -> list[Collector]:
    """``n`` new 监督员 users with the benchmark's password, one cell each (round robin).

    Each user is added by :func:`~console.services.accounts.add_user` (validated, in the
    administrators' log); the password is hashed once and set for all (argon2 takes ≈ 50 ms a
    hash: 500 of them would only slow the set-up).  Open a new ``App`` afterwards: this one's
    reference data does not know the new users.
    """
    from console.domain.reference import User
    from console.services.accounts import add_user, hash_password
    from console.services.admin_trail import record_password

    centre, uf = app.centre, app.uow_factory
    admin = centre.actor("admin", "bench-field")
    cells = sorted(centre.ref.grids.values(), key=lambda g: g.code)
    made = []
    for i in range(1, n + 1):
        cell = cells[(i - 1) % len(cells)]
        name = f"{PREFIX}{i:04d}"
        add_user(uf, centre, admin, User(name, f"监督员 基准{i:04d}", "监督员", grids=(cell.code,)),
                 None, server_clock())
        lon, lat = _inside(cell.polygon)
        made.append(Collector(name, cell.code, lon, lat))
    digest = hash_password(PASSWORD)
    with uf() as uow:
        for collector in made:
            uow.accounts.set_password(collector.username, digest, server_clock())
            record_password(uow, admin, collector.username, digest)
        uow.commit()
    return made


def verify_tasks(app: Any, collectors: Sequence[Collector], n: int) -> list[tuple[Any, Collector]]:
    """``n`` public reports, accepted and sent to the collectors (round robin) to 核实.

    Each is in the collector's own cell, so the phone's answer stands where the problem is.
    """
    from console.domain.cases import Source
    from console.services.cases import Report, act, report_many

    centre, uf = app.centre, app.uow_factory
    desk = centre.actor("shouli1", "bench-field")
    chosen = [collectors[i % len(collectors)] for i in range(n)]
    made = report_many(uf, centre, desk, server_clock(), [
        Report("06010", f"外勤基准 {i}", source=Source.PUBLIC.value, grid=c.cell)
        for i, c in enumerate(chosen)])
    tasks = []
    for case, collector in zip(made, chosen, strict=True):
        assert case.id is not None
        case = act(uf, centre, desk, server_clock(), case.id, "accept")
        assert case.id is not None
        case = act(uf, centre, desk, server_clock(), case.id, "request-verify",
                   {"collector": collector.username})
        tasks.append((case, collector))
    return tasks


def _scene(seed: int) -> Any:
    """A 12-megapixel RGB array: broad gradients (a street) with sensor-like noise.

    The gradients are drawn at an eighth of the size and scaled up (a second instead of
    several); the noise is what makes the JPEG as large as a camera's.
    """
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    width, height = PHOTO_SIZE
    y, x = np.mgrid[0:height // 8, 0:width // 8].astype(np.float32) * 8
    phase = float(rng.uniform(0, 6.28))
    small = np.stack([120 + 60 * np.sin(x / 400 + phase), 140 + 50 * np.cos(y / 300 + phase),
                      110 + 40 * np.sin((x + y) / 500)], axis=-1).clip(0, 255).astype(np.uint8)
    base = np.asarray(Image.fromarray(small).resize((width, height),
                                                    Image.Resampling.BILINEAR))
    noise = rng.integers(-24, 25, (height, width, 3), dtype=np.int16)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def phone_photos(count: int = 2) -> list[bytes]:
    """``count`` different JPEG photos, each within 10 % of :data:`PHOTO_BYTES`.

    The quality is searched so the size matches: a JPEG's size is what the server's upload,
    check and storage pay for, and ≈ 3 MB is what a 12 MP phone camera writes.
    """
    from PIL import Image

    out = []
    for k in range(count):
        image = Image.fromarray(_scene(15 + k))
        low, high, best = 50, 98, b""
        while low <= high:
            quality = (low + high) // 2
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=quality)
            best = buffer.getvalue()
            if abs(len(best) - PHOTO_BYTES) <= PHOTO_BYTES // 10:
                break
            if len(best) < PHOTO_BYTES:
                low = quality + 1
            else:
                high = quality - 1
        out.append(best)
    return out
