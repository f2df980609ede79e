import sys
import time
from pathlib import Path

import pytest

from crm_backend.admin.jobs import RetrainJobs
from crm_backend.errors import Conflict


def wait_done(jobs: RetrainJobs, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while jobs.running() is not None and time.monotonic() < deadline:
        time.sleep(0.1)


def test_one_job_at_a_time_and_the_log_is_visible(tmp_path: Path):
    jobs = RetrainJobs(tmp_path)
    script = "import time; print('step one', flush=True); time.sleep(1.5)"
    job_id = jobs.start("ada", [sys.executable, "-c", script])
    assert jobs.running() == job_id
    with pytest.raises(Conflict):
        jobs.start("bob", [sys.executable, "-c", "pass"])
    wait_done(jobs)
    assert jobs.running() is None
    view = jobs.view(job_id)
    assert view is not None and "step one" in view.log
    # the fake job never wrote "succeeded": a job that exits without finishing has failed
    assert view.state == "failed" and view.finished_at
    second = jobs.start("bob", [sys.executable, "-c", "pass"])  # the lock was released
    wait_done(jobs)
    assert jobs.latest() == second


def test_a_stale_lock_is_cleared(tmp_path: Path):
    jobs = RetrainJobs(tmp_path)
    jobs.dir.mkdir(parents=True)
    (jobs.dir / "LOCK").write_text('{"id": "x", "pid": 999999}')
    assert jobs.running() is None
    job_id = jobs.start("ada", [sys.executable, "-c", "pass"])
    wait_done(jobs)
    assert jobs.view(job_id) is not None


def test_progress_bars_are_collapsed_to_their_last_state():
    from crm_backend.admin.jobs import readable

    assert readable("start\n 10%\r 50%\r100%\nend") == "start\n100%\nend"
