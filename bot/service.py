"""One supervised child process of the assistant (see ``bot.run.Stack``)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional


@dataclass
class Service:
    name: str
    command: List[str]
    # answers 200 when the service is up; "" = running is up (no HTTP server)
    health_url: str
    process: Optional[subprocess.Popen] = None
    log_path: Optional[Path] = None
    # extra environment of this process only
    env: Dict[str, str] = field(default_factory=dict)
    # a critical service's exit stops `make run`; a non-critical one is restarted
    critical: bool = True

    @property
    def pid(self) -> Optional[int]:
        return self.process.pid if self.process else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def launch(self, cwd: Path, env: Dict[str, str], log_dir: Path) -> None:
        """Start the process in its own process group, logging to ``log_dir/<name>.log``
        (appended, so a restart keeps the earlier log)."""
        self.log_path = log_dir / f"{self.name}.log"
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=cwd,
                env={**env, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def healthy(self) -> bool:
        if not self.running():
            return False
        if not self.health_url:
            return True
        return healthy(self.health_url)

    def signal(self, signum: int) -> None:
        if self.running() and self.process is not None:
            try:
                os.killpg(self.process.pid, signum)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float) -> None:
        """Wait for the exit; SIGKILL the group after ``timeout`` seconds."""
        if self.process is None:
            return
        try:
            self.process.wait(max(0.1, timeout))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
        self._reap_group()

    def _reap_group(self) -> None:
        """Sanic workers may outlive their parent for a moment: end the whole group."""
        if self.process is None:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except (ProcessLookupError, PermissionError):
                return
            time.sleep(0.1)
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback
            return bool(answer.status == 200)
    except OSError:
        return False
