"""One retraining job at a time, run as a subprocess; its status and log for the console.

The lock is ``<versions>/jobs/LOCK`` holding the job's id and pid, created exclusively
(``O_EXCL``); a lock whose process is gone is stale and removed. The job writes its own
status file; the log is the job's stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from crm_backend.admin.versions import check_id, new_version_id, now_iso
from crm_backend.errors import Conflict
from crm_backend.settings import PROJECT_ROOT

LOG_TAIL_BYTES = 20_000


@dataclass(frozen=True)
class JobView:
    id: str
    state: str  # running / succeeded / failed
    stage: str
    progress: int
    actor: str
    started_at: str
    finished_at: Optional[str]
    error: Optional[str]
    log: str


def readable(log: str) -> str:
    """Progress bars redraw a line with carriage returns: keep each line's last state."""
    return "\n".join(line.rsplit("\r", 1)[-1] for line in log.split("\n"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RetrainJobs:
    """Jobs of one model dir (``<model_dir>/versions/jobs``)."""

    def __init__(
        self,
        model_dir: Path,
        *,
        env: Optional[Dict[str, str]] = None,
        root: Path = PROJECT_ROOT,
        config: Optional[Path] = None,
    ) -> None:
        self.dir = model_dir / "versions" / "jobs"
        self._lock_path = self.dir / "LOCK"
        self._env = env or {}  # settings handed to the job (e.g. DATABASE_URL, MODEL_DIR)
        self._root = root
        self._config = config

    def _status_path(self, job_id: str) -> Path:
        return self.dir / f"{check_id(job_id)}.status.json"

    def _log_path(self, job_id: str) -> Path:
        return self.dir / f"{check_id(job_id)}.log"

    def running(self) -> Optional[str]:
        """The id of the running job, if any (clearing a stale lock)."""
        try:
            held = json.loads(self._lock_path.read_text())
            job_id, pid = str(held["id"]), int(held["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            if self._lock_path.exists():
                self._lock_path.unlink(missing_ok=True)
            return None
        if pid and _alive(pid) and self._state(job_id) in ("running", "starting"):
            return job_id
        self._lock_path.unlink(missing_ok=True)
        return None

    def _state(self, job_id: str) -> str:
        try:
            return str(json.loads(self._status_path(job_id).read_text()).get("state", ""))
        except (OSError, ValueError):
            return ""

    def start(self, actor: str, command: Optional[List[str]] = None) -> str:
        """Start a job (``command`` overrides the retrain module, for tests)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self.running()  # clears a stale lock
        job_id = new_version_id()
        try:
            fd = os.open(self._lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError as error:
            raise Conflict("A retraining job is already running.") from error
        status = self._status_path(job_id)
        status.write_text(
            json.dumps(
                {
                    "id": job_id,
                    "state": "starting",
                    "stage": "starting",
                    "progress": 0,
                    "actor": actor,
                    "started_at": now_iso(),
                }
            )
        )
        argv = command or [
            sys.executable,
            "-m",
            "crm_backend.admin.retrain",
            "--version",
            job_id,
            "--actor",
            actor,
            "--status",
            str(status),
            "--root",
            str(self._root),
            *(["--config", str(self._config)] if self._config else []),
        ]
        log = self._log_path(job_id).open("w")
        try:
            process = subprocess.Popen(
                argv,
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **self._env},
                start_new_session=True,
            )
        except OSError:
            os.close(fd)
            self._lock_path.unlink(missing_ok=True)
            log.close()
            raise
        with os.fdopen(fd, "w") as lock:
            lock.write(json.dumps({"id": job_id, "pid": process.pid}))
        threading.Thread(target=self._reap, args=(process, job_id, log), daemon=True).start()
        return job_id

    def _reap(self, process: "subprocess.Popen[bytes]", job_id: str, log: Any) -> None:
        code = process.wait()
        log.close()
        if self._state(job_id) in ("running", "starting"):
            self._update(job_id, state="failed", error=f"the job exited with code {code}")
        if not self._finished(job_id):
            self._update(job_id, finished_at=now_iso())
        self._lock_path.unlink(missing_ok=True)

    def _finished(self, job_id: str) -> bool:
        try:
            return bool(json.loads(self._status_path(job_id).read_text()).get("finished_at"))
        except (OSError, ValueError):
            return False

    def _update(self, job_id: str, **values: Any) -> None:
        path = self._status_path(job_id)
        try:
            data: Dict[str, Any] = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {"id": job_id}
        data.update(values)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, path)  # a reader never sees a half-written status

    def latest(self) -> Optional[str]:
        if not self.dir.is_dir():
            return None
        ids = sorted(p.name[: -len(".status.json")] for p in self.dir.glob("*.status.json"))
        return ids[-1] if ids else None

    def view(self, job_id: Optional[str] = None) -> Optional[JobView]:
        """A job's status and the tail of its log (default: the latest job)."""
        job_id = job_id or self.latest()
        if job_id is None:
            return None
        try:
            data = json.loads(self._status_path(job_id).read_text())
        except (OSError, ValueError):
            return None
        try:
            with self._log_path(job_id).open("rb") as handle:
                handle.seek(0, os.SEEK_END)
                handle.seek(max(handle.tell() - LOG_TAIL_BYTES, 0))
                log = readable(handle.read().decode("utf-8", errors="replace"))
        except OSError:
            log = ""
        return JobView(
            id=job_id,
            state=str(data.get("state", "")),
            stage=str(data.get("stage", "")),
            progress=int(data.get("progress", 0) or 0),
            actor=str(data.get("actor", "")),
            started_at=str(data.get("started_at", "")),
            finished_at=data.get("finished_at"),
            error=data.get("error"),
            log=log,
        )
