"""Learning from the analyst's picks: a store of picks per ambiguity, the preferences they imply, and a glossary.

Every time an analyst runs a reading that resolved an ambiguity (an Interpretation's `choices`), the Ask
page records (ambiguity_key, option, question). Once one option was picked `min_picks` times and more
often than any other, it becomes the workspace's preference and `interpret(..., preferences=...)` ranks
it first. The analyst can review the glossary, set an entry by hand, or reset one entry or all of them.
"""
from __future__ import annotations

import datetime as dt
import errno
import logging
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from query_engine.errors import PreferenceStoreError
from router import apply_migrations, file_identity, is_damaged_sqlite, set_aside_damaged

PREFERENCES_FILE_NAME = "preferences.sqlite"
DEFAULT_MIN_PICKS = 3
_LOCK = threading.Lock()
T = TypeVar("T")
log = logging.getLogger(__name__)
_WORD = re.compile(r"[a-z][a-z0-9'-]*")
# Words every question shares; they never explain why a question was ambiguous.
STOPWORDS = frozenset("""a an and are as at be by can did do does for from give how i in is it its list me my of on
or our over per please show tell than that the their them these this to us vs was we were what when which who why
with""".split())

# Numbered migrations, applied in order, each once; never edit one that has shipped: add another.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "create picks", """
        CREATE TABLE picks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            picked_at TEXT NOT NULL,
            ambiguity_key TEXT NOT NULL,
            option TEXT NOT NULL,
            question TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX picks_key ON picks (ambiguity_key)"""),
    (2, "create overrides", """
        CREATE TABLE overrides (
            ambiguity_key TEXT PRIMARY KEY,
            option TEXT NOT NULL,
            set_at TEXT NOT NULL
        )"""),
)




@dataclass(frozen=True)
class Pick:
    """One recorded pick: which option of which ambiguity, for which question, when."""

    ambiguity_key: str
    option: str
    question: str = ""
    picked_at: dt.datetime | None = None


@dataclass(frozen=True)
class GlossaryEntry:
    """One learned (or set) preference: the phrase that raised the ambiguity, the preferred option and the counts."""

    ambiguity_key: str
    phrase: str
    options: tuple[str, ...]
    preferred: str | None
    counts: tuple[tuple[str, int], ...]
    source: str  # "learned", "set by the analyst" or "not yet learned"

    @property
    def total_picks(self) -> int:
        """How many picks were recorded for this ambiguity."""
        return sum(n for _, n in self.counts)


def question_words(question: str) -> list[str]:
    """The words of a question that can carry meaning (lower case, stopwords dropped), in order."""
    return [w for w in _WORD.findall(question.lower()) if w not in STOPWORDS]


def ambiguity_phrase(questions: Iterable[str]) -> str:
    """The words a majority of the questions share (in the order of the first one): the phrase behind an ambiguity."""
    texts = [q for q in questions if q.strip()]
    if not texts:
        return ""
    seen = Counter(w for q in texts for w in set(question_words(q)))
    needed = len(texts) // 2 + 1  # a strict majority
    common = [w for w in dict.fromkeys(question_words(texts[0])) if seen[w] >= needed]
    return " ".join(common) or " ".join(question_words(texts[0])[:3])


def options_of(ambiguity_key: str) -> tuple[str, ...]:
    """The options an ambiguity key names (see interpreter.ambiguity_key: distinctions joined by ' | ')."""
    return tuple(part.strip() for part in ambiguity_key.split(" | ") if part.strip())


def derive_preferences(picks: Iterable[Pick], min_picks: int = DEFAULT_MIN_PICKS) -> dict[str, str]:
    """{ambiguity_key: option} for every option picked at least `min_picks` times and more than any other."""
    counts: dict[str, Counter[str]] = {}
    for pick in picks:
        counts.setdefault(pick.ambiguity_key, Counter())[pick.option] += 1
    preferences = {}
    for key, counter in counts.items():
        ranked = counter.most_common(2)
        best, times = ranked[0]
        if times >= min_picks and (len(ranked) == 1 or times > ranked[1][1]):
            preferences[key] = best
    return preferences


class ChoiceLearning:
    """The picks and overrides of one workspace, in a SQLite file; safe to share between threads and processes."""

    def __init__(self, path: str | Path, min_picks: int = DEFAULT_MIN_PICKS) -> None:
        self.path = Path(path).expanduser()
        self.min_picks = min_picks
        self._migrated = False
        self.damage_notice: str | None = None  # set when a damaged file was moved aside, for the UI to show

    @classmethod
    def in_home(cls, home: str | Path, min_picks: int = DEFAULT_MIN_PICKS) -> ChoiceLearning:
        """The preferences store of a Clarify home folder."""
        return cls(Path(home).expanduser() / PREFERENCES_FILE_NAME, min_picks)

    def record(self, choices: Iterable[tuple[str, str]], question: str = "",
               at: dt.datetime | None = None) -> int:
        """Store the (ambiguity_key, option) pairs of a picked reading; returns how many were stored."""
        stamp = (at or dt.datetime.now()).isoformat(timespec="seconds")
        rows = [(stamp, key, option, question) for key, option in choices if key and option]
        if rows:
            self._write("INSERT INTO picks (picked_at, ambiguity_key, option, question) VALUES (?, ?, ?, ?)", rows)
        return len(rows)

    def picks(self) -> list[Pick]:
        """Every recorded pick, oldest first."""
        rows = self._read("SELECT ambiguity_key, option, question, picked_at FROM picks ORDER BY id")
        return [Pick(k, o, q, dt.datetime.fromisoformat(t)) for k, o, q, t in rows]

    def preferences(self) -> dict[str, str]:
        """What interpret() should rank first: learned preferences, overridden by the analyst's own entries."""
        learned = derive_preferences(self.picks(), self.min_picks)
        return {**learned, **dict(self._read("SELECT ambiguity_key, option FROM overrides"))}

    def set_preference(self, ambiguity_key: str, option: str) -> None:
        """Set (or override) the preferred option of an ambiguity by hand."""
        if option not in options_of(ambiguity_key):
            raise PreferenceStoreError(f"'{option}' is not one of the options of this ambiguity.",
                                       hint="Pick one of: " + ", ".join(options_of(ambiguity_key)) + ".")
        stamp = dt.datetime.now().isoformat(timespec="seconds")
        self._write("INSERT OR REPLACE INTO overrides VALUES (?, ?, ?)", [(ambiguity_key, option, stamp)])

    def reset(self, ambiguity_key: str | None = None) -> None:
        """Forget the picks and the override of one ambiguity, or of all of them when no key is given."""
        where, params = ("WHERE ambiguity_key = ?", [(ambiguity_key,)]) if ambiguity_key else ("", [()])
        self._write(f"DELETE FROM picks {where}", params)
        self._write(f"DELETE FROM overrides {where}", params)

    def glossary(self) -> list[GlossaryEntry]:
        """One entry per ambiguity seen or set, most picked first."""
        picks = self.picks()
        learned = derive_preferences(picks, self.min_picks)
        overrides = dict(self._read("SELECT ambiguity_key, option FROM overrides"))
        keys = list(dict.fromkeys([p.ambiguity_key for p in picks] + list(overrides)))
        entries = []
        for key in keys:
            mine = [p for p in picks if p.ambiguity_key == key]
            counts = tuple(Counter(p.option for p in mine).most_common())
            preferred = overrides.get(key, learned.get(key))
            source = "set by the analyst" if key in overrides else "learned" if key in learned else "not yet learned"
            entries.append(GlossaryEntry(key, ambiguity_phrase(p.question for p in mine), options_of(key),
                                         preferred, counts, source))
        return sorted(entries, key=lambda e: -e.total_picks)

    def schema_version(self) -> int:
        """The number of the last migration applied to the file."""
        return int(self._read("SELECT coalesce(max(number), 0) FROM migrations")[0][0])

    def _read(self, sql: str) -> list[tuple]:
        return self._use(lambda con: [tuple(r) for r in con.execute(sql).fetchall()])

    def _write(self, sql: str, rows: list[tuple]) -> None:
        def work(con: sqlite3.Connection) -> None:
            con.execute("BEGIN IMMEDIATE")
            con.executemany(sql, rows)
            con.execute("COMMIT")

        self._use(work)

    def _use(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` on a fresh connection; a damaged file is moved aside once and the work runs on a new one."""
        try:
            return self._attempt(work)
        except _Damaged as damaged:
            self._set_aside(damaged)
        try:
            return self._attempt(work)
        except _Damaged as damaged:
            raise _store_error(self.path, damaged.error) from None

    def _attempt(self, work: Callable[[sqlite3.Connection], T]) -> T:
        seen = file_identity(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise _store_error(self.path, exc) from None
        try:
            con.execute("PRAGMA busy_timeout = 30000")
            with _LOCK:
                if not self._migrated:
                    migrate(con)
                    self._migrated = True
            return work(con)
        except sqlite3.Error as exc:
            raise (_Damaged(seen, exc) if is_damaged_sqlite(exc) else _store_error(self.path, exc)) from None
        finally:
            con.close()

    def _set_aside(self, damaged: _Damaged) -> None:
        try:
            moved = set_aside_damaged(self.path, damaged.seen)
        except OSError as exc:
            raise _store_error(self.path, exc) from None
        self._migrated = False
        if moved is not None:
            self.damage_notice = (f"The learned preferences at {self.path} were damaged ({damaged.error}); Clarify "
                                  f"moved them to {moved} and starts learning afresh.")
            log.warning(self.damage_notice)


class _Damaged(Exception):
    """The preferences file is damaged (not locked); `seen` is the (device, inode) that was opened."""

    def __init__(self, seen: tuple[int, int] | None, error: BaseException) -> None:
        super().__init__(str(error))
        self.seen = seen
        self.error = error


def _store_error(path: Path, exc: BaseException) -> PreferenceStoreError:
    """The error for a store that cannot be opened or written, saying what to do about the folder or disk."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    lowered = text.lower()
    if "disk is full" in lowered or "no space left" in lowered or getattr(exc, "errno", None) == errno.ENOSPC:
        return PreferenceStoreError(f"The disk holding the learned preferences ({path.parent}) is full ({text}).",
                                    hint="Free some space there, or set CLARIFY_HOME to a folder on another disk.")
    if ("readonly" in lowered or "read-only" in lowered or "unable to open" in lowered
            or isinstance(exc, PermissionError)):
        return PreferenceStoreError(f"Clarify cannot write its learned preferences in {path.parent} ({text}).",
                                    hint="Set CLARIFY_HOME to a writable folder, or make this one writable.")
    return PreferenceStoreError(f"The learned preferences at {path} could not be used ({text}).",
                                hint="Check that the Clarify home folder is writable; deleting the file "
                                     "forgets what was learned and starts afresh.")


def migrate(con: sqlite3.Connection) -> list[int]:
    """Apply every migration not yet recorded in the file, each in its own transaction; returns their numbers."""
    return apply_migrations(con, MIGRATIONS)
