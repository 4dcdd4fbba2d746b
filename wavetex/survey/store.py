"""The survey's output folder: finished jobs, results.jsonl and failures.jsonl.

Layout of ``DIR``::

    DIR/jobs/<key>/        one finished job: its files and record.json (written last)
    DIR/results.jsonl      one line per finished job, in the order they finished
    DIR/failures.jsonl     one line per job that failed after its retries, per run
    DIR/exemplars/         the exemplars as PNG, for the index page

A job folder is filled under a hidden temporary name and renamed into place in one
step, so ``DIR/jobs/<key>/`` exists only when complete. Its line is appended to
``results.jsonl`` afterwards with one ``write`` on a file opened for appending; a
driver killed between the rename and the append leaves a complete folder without a
line, which :meth:`SurveyFolder.open` appends on the next run. Only the process that
holds the folder's lock writes, so a line is never duplicated.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import io as wio
from ..files import to_plain

__all__ = ["SurveyFolder", "exemplar_file", "read_results"]

RECORD = "record.json"
_PARTIAL = ".partial-"


def exemplar_file(sha256: str) -> str:
    """Where the survey folder keeps an exemplar's PNG, relative to the folder."""
    return f"exemplars/{sha256[:16]}.png"


def read_results(out_dir: str | Path) -> list[dict[str, Any]]:
    """The records of ``DIR/results.jsonl``, first line per key kept.

    A line that is not JSON is a line torn by a crash of the machine, and is skipped
    (its job's folder, complete or not, decides whether it runs again). Anything else
    that is not a wavetex job record — bytes that are not UTF-8, JSON that is not an
    object with a string ``"key"`` — means the file was written by something else:
    a ValueError names the line and the fix, and nothing is written.

    Examples
    --------
    >>> import tempfile
    >>> read_results(tempfile.mkdtemp())
    []
    """
    return _read_records(Path(out_dir) / "results.jsonl", unique=True)


def _read_records(path: Path, *, unique: bool) -> list[dict[str, Any]]:
    records, seen = [], set()
    if not path.exists():
        return records
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(_foreign(path, number, "holds bytes that are not UTF-8")) from None
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # torn by a crash
        if not isinstance(record, dict) or not isinstance(record.get("key"), str):
            raise ValueError(_foreign(path, number, "is not a wavetex job record (a JSON object with a \"key\")"))
        if not unique or record["key"] not in seen:
            seen.add(record["key"])
            records.append(record)
    return records


def _foreign(path: Path, number: int, problem: str) -> str:
    return (f"line {number} of {str(path)!r} {problem}: the file was not written by wavetex survey; "
            "remove that line (finished jobs are read again from the jobs/ folder beside it) or choose another -o")


class SurveyFolder:
    """Exclusive writer of a survey folder (an advisory lock held while open).

    Examples
    --------
    >>> import tempfile
    >>> with SurveyFolder(Path(tempfile.mkdtemp()) / "survey") as folder:
    ...     folder.commit({"key": "k1"}, {"note.txt": b"done"})["files"]
    ['jobs/k1/note.txt', 'jobs/k1/record.json']
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.jobs = self.path / "jobs"
        self.results = self.path / "results.jsonl"
        self.failures = self.path / "failures.jsonl"
        self._lock: int | None = None
        self._done: set[str] = set()

    def __enter__(self) -> "SurveyFolder":
        return self.open()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def open(self) -> "SurveyFolder":
        """Create the folder, take its lock, drop half-written jobs of a killed run and
        append the lines a killed driver did not write."""
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"the folder {str(self.path.parent)!r} does not exist; create it first")
        read_results(self.path)  # a results.jsonl written by something else is refused before anything is written
        try:
            self.jobs.mkdir(parents=True, exist_ok=True)
            self._lock = os.open(self.path / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            if error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise
            where = self.path if self.path.is_dir() else self.path.parent
            raise PermissionError(
                f"cannot write in {str(where)!r} ({os.strerror(error.errno).lower()}); "
                "choose an output folder (-o) where you can write, or change the folder's permissions"
            ) from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock)
            self._lock = None
            raise OSError(
                f"another wavetex survey is writing to {str(self.path)!r}; wait for it to finish or choose another -o"
            ) from None
        for partial in self.jobs.glob(_PARTIAL + "*"):
            shutil.rmtree(partial)
        self._done = {record["key"] for record in read_results(self.path)}
        for record_path in sorted(self.jobs.glob(f"*/{RECORD}")):
            if record_path.parent.name not in self._done:
                self._append(self.results, wio.read_json(record_path))
                self._done.add(record_path.parent.name)
        return self

    def close(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def is_done(self, key: str) -> bool:
        """Whether the job's folder is complete (and so its line written)."""
        return key in self._done or (self.jobs / key / RECORD).is_file()

    def commit(self, record: Mapping[str, Any], files: Mapping[str, bytes]) -> dict[str, Any]:
        """Write a finished job: its files and ``record.json`` into ``jobs/<key>/`` in one
        rename, then its line into ``results.jsonl``. Returns the record as written."""
        key = record["key"]
        if self.is_done(key):
            raise FileExistsError(f"job {key} is already in {str(self.path)!r}")
        names = sorted(files) + [RECORD]
        record = {**record, "files": [f"jobs/{key}/{name}" for name in names]}
        partial = self.jobs / f"{_PARTIAL}{key}-{secrets.token_hex(4)}"
        partial.mkdir()
        try:
            for name, content in files.items():
                _write_synced(partial / name, content)
            _write_synced(partial / RECORD, (json.dumps(to_plain(record), indent=1, sort_keys=True, allow_nan=False) + "\n").encode())
            os.rename(partial, self.jobs / key)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        _sync_folder(self.jobs)
        self._append(self.results, record)
        self._done.add(key)
        return record

    def save_exemplar(self, sha256: str, image: Any) -> Path:
        """Keep the exemplar as PNG (once) for the index page."""
        path = self.path / exemplar_file(sha256)
        path.parent.mkdir(exist_ok=True)
        if not path.exists():
            wio.write_image(path, image)
        return path

    def record_failure(self, job: Mapping[str, Any], error: str, attempts: int) -> dict[str, Any]:
        """Append a failed job (its configuration, error and number of attempts)."""
        line = {**job, "status": "failed", "error": error, "attempts": attempts}
        self._append(self.failures, line)
        return line

    def failures_since_done(self) -> list[dict[str, Any]]:
        """The last failure of every job that has not finished since."""
        last = {entry["key"]: entry for entry in _read_records(self.failures, unique=False)}
        return [entry for key, entry in last.items() if not self.is_done(key)]

    @staticmethod
    def _append(path: Path, record: Mapping[str, Any]) -> None:
        line = json.dumps(to_plain(record), sort_keys=True, allow_nan=False) + "\n"
        descriptor = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(descriptor).st_size
            if size and os.pread(descriptor, 1, size - 1) != b"\n":
                line = "\n" + line  # a torn line of a crashed machine stays on its own
            os.write(descriptor, line.encode("utf-8"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _write_synced(path: Path, content: bytes) -> None:
    with open(path, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())


def _sync_folder(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
