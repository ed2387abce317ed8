"""The pages benchmark: `ipcity serve` (gunicorn, as in production) under concurrent clients.

- **Server.** `ipcity serve` on a free port of 127.0.0.1, started as a child process with this
  process's environment (the same IPCITY_VAR_DIR / DATABASE_URL, so the same database), with its
  own worker and thread counts (WEB_CONCURRENCY applies). The only setting it gets on top is a
  high `IPCITY_API_RATE` when none is set: each client is a robot that never pauses, so the
  per-session API limit of a person would otherwise answer some API requests with 429. The
  limiter still counts every API request.
- **Users.** One district IP office administrator per client (`bench-load-NN`, the
  `office_admin` role over the whole district, the office's organization), each with an
  authenticator: every client signs in through the real sign-in pages, password then code, and
  keeps its own session. The accounts get a new random password and authenticator on each run
  and are deactivated at its end. Only a benchmark data set (`ipcity bench generate`) is used:
  a database without it is refused.
- **Mix.** Each client requests, one after the other on a keep-alive connection, pages drawn by
  weight (`MIX`): the home dashboard; the patent list with filters (type, status, year,
  high-value, attribution, IPC prefix, street or town, and later pages; no keyword: the search
  figure measures that); a patent's page (random patents); the case list (pages and status
  filters); an organization's IP profile (random holders); the API patent list (offsets and
  filters). Latency is from sending the request to the last byte of the answer. An answer other
  than 2xx (a redirect to the sign-in page included) or a broken connection is an error.
- **Baseline.** The same clients for the same time against the cheapest endpoint of the server:
  there is no health endpoint, so `/favicon.ico`, whose answer is a redirect to the static icon
  (301) without a template or a query of its own, through every middleware with the signed-in
  session (reading the session, the user and the identity checks).

Each client warms up (one request of each kind, not counted) before the timed run. The server is
stopped at the end, also when something failed.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import math
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

# Page kinds and their weights (out of 100) in the mix.
MIX: tuple[tuple[str, int], ...] = (
    ("dashboard", 15),
    ("patent_list", 25),
    ("patent_detail", 20),
    ("case_list", 10),
    ("org_profile", 15),
    ("api_list", 15),
)
TRIVIAL_PATH = "/favicon.ico"
TRIVIAL_STATUS = 301
USER_PREFIX = "bench-load-"
ROLE = "office_admin"
API_RATE = "1000000"
# Kept for diagnosis: the first failed requests (kind, path, status), and the slowest.
ERROR_SAMPLES = 10
SLOWEST_SAMPLES = 20
SIGN_IN_AT_ONCE = 4
PAGE = 25


class BenchError(RuntimeError):
    """The benchmark could not run (the server did not start, a client could not sign in)."""


# -- figures ----------------------------------------------------------------------------------


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list (0.0 for an empty one)."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Sample:
    kind: str
    path: str
    status: int  # 0: the connection failed
    ms: float
    ok: bool


def summarize(samples: list[Sample], seconds: float) -> dict:
    times = sorted(s.ms for s in samples)
    return {
        "requests": len(samples),
        "errors": sum(1 for s in samples if not s.ok),
        "per_s": round(len(samples) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(times, 0.50), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "max_ms": round(times[-1], 1) if times else 0.0,
    }


def tail_kinds(samples: list[Sample], share: float = 0.95) -> dict[str, int]:
    """How many of the requests at or above the percentile `share` each page kind made."""
    bound = percentile(sorted(s.ms for s in samples), share)
    counts: dict[str, int] = {}
    for s in samples:
        if s.ms >= bound:
            counts[s.kind] = counts.get(s.kind, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


@dataclass
class PageFigures:
    clients: int
    seconds: float  # wall time of the timed mix
    trivial_seconds: float  # wall time of the timed baseline
    workers: int
    threads: int
    patents: int
    trivial_path: str
    mix: dict  # summarize() over every request of the mix
    pages: dict[str, dict] = field(default_factory=dict)  # summarize() per page kind
    trivial: dict = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)  # of the mix's errors
    error_samples: list[str] = field(default_factory=list)
    # Of the requests at or above the mix's p95, how many of each page kind; and the slowest.
    tail: dict[str, int] = field(default_factory=dict)
    slowest: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: round(v, 2) if isinstance(v, float) else v for k, v in self.__dict__.items()}


# -- HTTP -------------------------------------------------------------------------------------


class Client:
    """One user: a keep-alive connection and its cookies."""

    def __init__(self, host: str, port: int, timeout: float = 120):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self._conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method: str, path: str, form: dict | None = None):
        """(status, headers, body); a connection the server closed meanwhile is opened again
        once."""
        headers = {"Accept": "text/html,application/json", "User-Agent": "ipcity-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            reused = self._conn is not None
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self._conn.request(method, path, body=body, headers=headers)
                response = self._conn.getresponse()
                data = response.read()
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if reused and attempt == 1:
                    continue
                raise
            self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
            if response.will_close:
                self.close()
            return response.status, response.headers, data
        raise AssertionError("unreachable")

    def _keep_cookies(self, lines: list[str]) -> None:
        for line in lines:
            jar = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] in ("0", 0):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def _form_token(body: bytes, path: str) -> str:
    found = _CSRF_INPUT.search(body)
    if not found:
        raise BenchError(f"no CSRF token in the form of {path}")
    return found.group(1).decode()


def _current_code(secret: str) -> str:
    from ipcity.accounts import totp

    return totp.totp(base64.b32decode(secret), time.time())


def sign_in(client: Client, user: BenchUser, paths: Paths) -> None:
    """Password, then the authenticator code, as a person signs in; a session cookie after."""
    status, _h, body = client.request("GET", paths.login)
    if status != 200:
        raise BenchError(f"the sign-in page answered {status}")
    form = {"username": user.username, "password": user.password}
    status, headers, _b = client.request(
        "POST", paths.login, {**form, "csrfmiddlewaretoken": _form_token(body, paths.login)}
    )
    if status != 302:
        raise BenchError(f"{user.username}: the password was refused ({status})")
    if urlsplit(headers.get("Location", "")).path == paths.login_code:
        status, _h, body = client.request("GET", paths.login_code)
        token = _form_token(body, paths.login_code)
        status, headers, _b = client.request(
            "POST",
            paths.login_code,
            {"code": _current_code(user.secret), "csrfmiddlewaretoken": token},
        )
        if status != 302:
            raise BenchError(f"{user.username}: the authenticator code was refused ({status})")
    status, _h, _b = client.request("GET", paths.home)
    if status != 200:
        raise BenchError(f"{user.username}: the dashboard answered {status} after sign-in")


def sign_out(client: Client, paths: Paths) -> None:
    from django.conf import settings

    token = client.cookies.get(settings.CSRF_COOKIE_NAME)
    if token:
        client.request("POST", paths.logout, {"csrfmiddlewaretoken": token})


# -- what the clients request ------------------------------------------------------------------


@dataclass
class Paths:
    home: str
    login: str
    login_code: str
    logout: str
    patent_list: str
    case_list: str
    api_patents: str
    patent_detail: Callable[[int], str]
    profile: Callable[[int], str]

    @classmethod
    def resolve(cls) -> Paths:
        from django.urls import reverse

        return cls(
            home=reverse("core:home"),
            login=reverse("accounts:login"),
            login_code=reverse("accounts:login_code"),
            logout=reverse("accounts:logout"),
            patent_list=reverse("rights:patent_list"),
            case_list=reverse("protection:case_list"),
            api_patents=reverse("api:patent_list"),
            patent_detail=lambda pk: reverse("rights:patent_detail", args=[pk]),
            profile=lambda pk: reverse("rights:profile", args=[pk]),
        )


@dataclass
class Targets:
    """What the mix draws from: patents, holders, filter values; read once from the database."""

    paths: Paths
    patents: list[int]
    holders: list[int]
    regions: list[int]
    ipc: list[str]
    extra: dict[str, str] = field(default_factory=dict)  # kind -> a fixed path
    extra_weight: int = 10

    @classmethod
    def load(cls, seed: int = 1, sample: int = 5_000) -> Targets:
        from ipcity.orgs.models import Region
        from ipcity.rights.models import Patent, PatentHolder

        from .vocab import TOPICS
        from .world import STREET_KINDS

        rng = random.Random(f"{seed}:pages")
        patents = list(Patent.objects.order_by("pk").values_list("pk", flat=True))
        holders = list(
            PatentHolder.objects.order_by("organization_id")
            .values_list("organization_id", flat=True)
            .distinct()
        )
        regions = list(
            Region.objects.filter(kind__in=STREET_KINDS).order_by("pk").values_list("pk", flat=True)
        )
        if not patents or not holders:
            raise BenchError("the database holds no patents: run `ipcity bench generate` first")
        return cls(
            paths=Paths.resolve(),
            patents=rng.sample(patents, min(sample, len(patents))),
            holders=rng.sample(holders, min(sample, len(holders))),
            regions=regions,
            ipc=sorted({main[:4] for main, *_rest in TOPICS}),
        )

    def kinds(self) -> list[tuple[str, int]]:
        return [*MIX, *((kind, self.extra_weight) for kind in self.extra)]

    def path(self, kind: str, rng: random.Random) -> str:
        p = self.paths
        if kind in self.extra:
            return self.extra[kind]
        if kind == "dashboard":
            return p.home
        if kind == "patent_list":
            query = self._patent_filters(rng)
            if rng.random() < 0.3:
                query["page"] = rng.randint(2, 10)
            return _with_query(p.patent_list, query)
        if kind == "patent_detail":
            return p.patent_detail(rng.choice(self.patents))
        if kind == "case_list":
            query = {}
            if rng.random() < 0.4:
                query["status"] = rng.choice(
                    ["opened", "investigating", "decided", "executed", "closed"]
                )
            if rng.random() < 0.3:
                query["page"] = rng.randint(2, 5)
            return _with_query(p.case_list, query)
        if kind == "org_profile":
            return p.profile(rng.choice(self.holders))
        if kind == "api_list":
            query = {"limit": PAGE, "offset": PAGE * rng.choice([0, 0, 0, 1, 2, 3, 4, 8, 20])}
            if rng.random() < 0.5:
                query.update(self._patent_filters(rng, at_most=1))
            return _with_query(p.api_patents, query)
        raise ValueError(f"unknown page kind {kind!r}")

    def _patent_filters(self, rng: random.Random, at_most: int = 2) -> dict:
        choices = {
            "patent_type": lambda: rng.choice(["invention", "utility_model", "design"]),
            "legal_status": lambda: rng.choice(["valid", "pending", "lapsed", "expired"]),
            "year": lambda: rng.randint(2005, 2025),
            "high_value": lambda: "true",
            "attribution": lambda: rng.choice(["in_district", "outside"]),
            "ipc": lambda: rng.choice(self.ipc),
            "region": lambda: rng.choice(self.regions) if self.regions else None,
        }
        names = rng.sample(sorted(choices), rng.randint(0, at_most))
        query = {name: choices[name]() for name in names}
        return {k: v for k, v in query.items() if v is not None}


def _with_query(path: str, query: dict) -> str:
    return f"{path}?{urlencode(query)}" if query else path


# -- the bench accounts ------------------------------------------------------------------------


@dataclass
class BenchUser:
    username: str
    password: str
    secret: str


def check_bench_database() -> None:
    """Accounts are only created in a database holding a generated data set."""
    from ipcity.orgs.models import Organization

    from .generate import Refused
    from .world import MARK

    if not Organization.objects.filter(name__endswith=MARK).exists():
        raise Refused(
            "This database holds no benchmark data set; the pages benchmark creates accounts "
            "and only runs on a database of its own (`ipcity bench generate`)."
        )


def prepare_users(count: int) -> list[BenchUser]:
    """`count` district IP office administrators with a new password and authenticator each."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from ipcity.accounts import totp
    from ipcity.accounts.models import Role, RoleAssignment, TOTPDevice, User
    from ipcity.core.scope import ScopeChoices
    from ipcity.orgs.models import Organization

    from .vocab import AGENCIES
    from .world import MARK

    office = Organization.objects.filter(name__endswith=f"{AGENCIES[0][0]}{MARK}").first()
    role = Role.objects.get(code=ROLE)
    password = secrets.token_urlsafe(18) + "aA1!"
    hashed = make_password(password)  # hashed once: the same password for every account
    users = []
    with transaction.atomic():
        for n in range(1, count + 1):
            username = f"{USER_PREFIX}{n:02d}"
            user = User.objects.filter(username=username).first() or User(username=username)
            user.display_name = f"bench load {n:02d}"
            user.organization = office
            user.password = hashed
            user.password_changed_at = timezone.now()
            user.must_change_password = False
            user.is_active = True
            user.is_staff = user.is_superuser = False
            user.save()
            RoleAssignment.objects.get_or_create(
                user=user, role=role, defaults={"scope": ScopeChoices.DISTRICT}
            )
            RoleAssignment.objects.filter(user=user, role=role).update(scope=ScopeChoices.DISTRICT)
            secret = totp.new_secret()
            TOTPDevice.objects.update_or_create(
                user=user, defaults={"secret": secret, "last_step": 0}
            )
            users.append(BenchUser(username, password, secret))
    return users


def retire_users() -> None:
    from ipcity.accounts.models import User

    User.objects.filter(username__startswith=USER_PREFIX).update(is_active=False)


# -- the server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_shape() -> tuple[int, int]:
    """(workers, threads per worker) of `ipcity serve` in this environment."""
    from ipcity.core.management.commands.serve import gunicorn_argv

    argv = gunicorn_argv("127.0.0.1:0")
    return int(argv[argv.index("--workers") + 1]), int(argv[argv.index("--threads") + 1])


class Server:
    """`ipcity serve` as a child process, in a process group of its own."""

    def __init__(self, workdir: Path, env: dict, collectstatic: bool = True):
        self.host, self.port = "127.0.0.1", free_port()
        self.env = env
        self.collectstatic = collectstatic
        self.log_path = workdir / "serve.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 180) -> None:
        argv = [sys.executable, "-m", "ipcity.cli", "serve", "--bind", f"{self.host}:{self.port}"]
        if not self.collectstatic:
            argv.append("--no-collectstatic")
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_until_answering(timeout)

    def _wait_until_answering(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"ipcity serve exited ({self.proc.returncode}):\n{self.log()}")
            try:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
                conn.request("GET", "/accounts/login/")
                status = conn.getresponse().status
                conn.close()
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise BenchError(f"ipcity serve did not answer within {timeout:.0f} s:\n{self.log()}")

    def log(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, grace: float = 30) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)  # gunicorn's master: a graceful shutdown
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# -- the load ----------------------------------------------------------------------------------


def _timed(client: Client, kind: str, path: str, expected: int | None) -> Sample:
    start = time.perf_counter()
    try:
        status, _headers, _body = client.request("GET", path)
    except (OSError, http.client.HTTPException):
        status = 0
    ms = (time.perf_counter() - start) * 1000
    ok = status == expected if expected is not None else 200 <= status < 300
    return Sample(kind, path, status, ms, ok)


def drive(
    clients: list[Client],
    seconds: float,
    pick: Callable[[random.Random], tuple[str, str]],
    *,
    expected: int | None = None,
    warm_up: list[tuple[str, str]] | None = None,
    seed: int = 1,
) -> tuple[list[Sample], float]:
    """Every client requests `pick(rng)` one after the other for `seconds`; (samples, wall
    seconds from the common start to the last answer)."""
    barrier = threading.Barrier(len(clients) + 1)
    results: list[list[Sample]] = [[] for _ in clients]
    failures: list[BaseException] = []

    def run(index: int, client: Client) -> None:
        rng = random.Random(f"{seed}:client:{index}")
        try:
            for kind, path in warm_up or []:
                _timed(client, kind, path, expected)
        finally:
            barrier.wait()
        until = time.monotonic() + seconds
        out = results[index]
        try:
            while time.monotonic() < until:
                kind, path = pick(rng)
                out.append(_timed(client, kind, path, expected))
        except Exception as exc:  # reported once every client is done
            failures.append(exc)

    threads = [
        threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.monotonic()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - start
    if failures:
        raise BenchError(f"a client failed: {failures[0]!r}")
    return [s for per_client in results for s in per_client], wall


def _weighted(kinds: list[tuple[str, int]]):
    names = [k for k, _w in kinds]
    weights = [w for _k, w in kinds]

    def choose(rng: random.Random) -> str:
        return rng.choices(names, weights)[0]

    return choose


def run_pages_bench(
    clients: int = 16,
    seconds: float = 60,
    *,
    trivial_seconds: float | None = None,
    collectstatic: bool = True,
    extra: dict[str, str] | None = None,
    extra_weight: int = 10,
    seed: int = 1,
    env: dict | None = None,
    write: Callable[[str], None] | None = None,
) -> PageFigures:
    """Start `ipcity serve`, sign `clients` users in, drive the mix for `seconds`, then the
    trivial endpoint for `trivial_seconds` (default: as long), stop the server.

    `extra` adds page kinds to the mix, each a fixed path at `extra_weight` (the mix's weights
    add up to 100)."""
    from ipcity.rights.models import Patent

    say = write or (lambda line: None)
    if clients < 1 or seconds <= 0:
        raise ValueError("at least one client and a positive duration")
    check_bench_database()
    targets = Targets.load(seed)
    targets.extra = dict(extra or {})
    targets.extra_weight = extra_weight
    paths = targets.paths
    workers, threads = server_shape()
    patents = Patent.objects.count()
    child_env = dict(os.environ if env is None else env)
    child_env.setdefault("IPCITY_API_RATE", API_RATE)
    sessions: list[Client] = []
    with tempfile.TemporaryDirectory(prefix="ipcity-pages-") as tmp:
        server = Server(Path(tmp), child_env, collectstatic=collectstatic)
        try:
            users = prepare_users(clients)
            say(f"starting ipcity serve on {server.host}:{server.port} ({workers}×{threads}) …")
            server.start()
            sessions = [Client(server.host, server.port) for _ in users]
            say(f"signing in {clients} users …")
            with ThreadPoolExecutor(SIGN_IN_AT_ONCE) as pool:
                pairs = zip(sessions, users, strict=True)
                list(pool.map(lambda pair: sign_in(*pair, paths), pairs))

            kinds = targets.kinds()
            choose = _weighted(kinds)
            warm = random.Random(f"{seed}:warm-up")
            warm_up = [(kind, targets.path(kind, warm)) for kind, _w in kinds]

            def pick(rng: random.Random) -> tuple[str, str]:
                kind = choose(rng)
                return kind, targets.path(kind, rng)

            say(f"{clients} clients, the page mix for {seconds:g} s …")
            mix, mix_wall = drive(sessions, seconds, pick, warm_up=warm_up, seed=seed)
            base_seconds = seconds if trivial_seconds is None else trivial_seconds
            say(f"{clients} clients, {TRIVIAL_PATH} for {base_seconds:g} s …")
            trivial, trivial_wall = drive(
                sessions,
                base_seconds,
                lambda rng: ("trivial", TRIVIAL_PATH),
                expected=TRIVIAL_STATUS,
                warm_up=[("trivial", TRIVIAL_PATH)],
                seed=seed,
            )
            for client in sessions:
                with contextlib.suppress(OSError, http.client.HTTPException):
                    sign_out(client, paths)
        except (BenchError, OSError, http.client.HTTPException) as exc:
            raise BenchError(f"{exc}\n--- ipcity serve's log ---\n{server.log()}") from exc
        finally:
            for client in sessions:
                client.close()
            server.stop()
            retire_users()

    errors = [s for s in mix if not s.ok]
    statuses: dict[str, int] = {}
    for s in errors:
        statuses[str(s.status)] = statuses.get(str(s.status), 0) + 1
    return PageFigures(
        clients=clients,
        seconds=mix_wall,
        trivial_seconds=trivial_wall,
        workers=workers,
        threads=threads,
        patents=patents,
        trivial_path=TRIVIAL_PATH,
        mix=summarize(mix, mix_wall),
        pages={
            kind: summarize([s for s in mix if s.kind == kind], mix_wall)
            for kind, _w in targets.kinds()
        },
        trivial=summarize(trivial, trivial_wall),
        statuses=statuses,
        error_samples=[f"{s.kind} {s.path} → {s.status}" for s in errors[:ERROR_SAMPLES]],
        tail=tail_kinds(mix),
        slowest=[
            f"{s.ms:.0f} ms {s.kind} {s.path}"
            for s in sorted(mix, key=lambda s: -s.ms)[:SLOWEST_SAMPLES]
        ],
    )
