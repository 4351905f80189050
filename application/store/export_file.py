"""The offline export file (``lianping audit export``): every stored row as one JSON line with
its chain fields (chain_fields) next to its decoded content, after a header line; and its
verification without the database (``lianping audit verify-export``, restore), with the chain's
one verifier (chain.verify_chain)."""

from __future__ import annotations

import base64
import binascii
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from application.store import chain
from application.store.chain import GENESIS, VerifyResult, verify_chain
from application.store.records import ChainRow

EXPORT_HEADER = "lianping_export"
EXPORT_FORMAT = 1


def chain_fields(row: ChainRow, prev_hash: bytes) -> dict[str, Any]:
    """What an exported row must carry to be recomputed offline: link(prev_hash, position,
    aggregate_id, version, topic, state) == hash (chain.py). `prev_hash` is the hash of the row
    before it in the whole log (GENESIS for the first), whatever the export's filters."""
    return {
        "position": row.position,
        "aggregate_id": str(row.originator_id),
        "version": row.originator_version,
        "topic": row.topic,
        "state": None if row.state is None else base64.b64encode(row.state).decode("ascii"),
        "hash": None if row.hash is None else bytes(row.hash).hex(),
        "prev_hash": prev_hash.hex(),
    }



@dataclass(frozen=True)
class ExportVerifyResult(VerifyResult):
    """``scope``: "chain" when the export was verified as the log from its first row on (then
    verified_through is a checkpoint of it), "rows" when each row was only recomputed from its own
    prev_hash (a filtered export: rows left out cannot be noticed)."""

    scope: str = "chain"
    rows: int = 0
    checkpoint_checked: bool = False

    def as_json_extra(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "rows": self.rows,
            "checkpoint_checked": self.checkpoint_checked,
        }


class BadLineError(ValueError):
    def __init__(self, line_no: int, position: int | None, message: str) -> None:
        super().__init__(f"line {line_no}: {message}")
        self.position = position


def parse_row(line_no: int, text: str) -> tuple[ChainRow, bytes]:
    """One exported row -> (ChainRow, prev_hash); BadLineError when it lacks the chain fields."""
    try:
        obj = json.loads(text)
    except ValueError as error:
        raise BadLineError(line_no, None, f"not JSON ({error})") from None
    if not isinstance(obj, dict):
        raise BadLineError(line_no, None, "not a JSON object")
    position = obj.get("position")
    if not isinstance(position, int) or isinstance(position, bool):
        raise BadLineError(line_no, None, "no integer position")
    try:
        version = obj["version"]
        if not isinstance(version, int) or isinstance(version, bool):
            raise ValueError("version is not an integer")
        state = obj["state"]
        hash_ = obj["hash"]
        row = ChainRow(
            position=position,
            originator_id=str(obj["aggregate_id"]),
            originator_version=version,
            topic=obj["topic"],
            state=None if state is None else base64.b64decode(state, validate=True),
            hash=None if hash_ is None else bytes.fromhex(hash_),
        )
        return row, bytes.fromhex(obj["prev_hash"])
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        message = f"row {position}: bad chain fields ({error!r})"
        raise BadLineError(line_no, position, message) from None


def _export_result(
    result: VerifyResult, scope: str, rows: int, checked: bool
) -> ExportVerifyResult:
    return ExportVerifyResult(**asdict(result), scope=scope, rows=rows, checkpoint_checked=checked)


def _fail(
    code: str, position: int | None, reason: str, through: int | None, hash_: bytes | None
) -> VerifyResult:
    return VerifyResult(False, through, position, f"{code}: {reason}", code, hash_)


def _claimed_through(header: Mapping[str, Any] | None) -> tuple[int, str | None] | None:
    """The (position, hash hex) the header says the export runs through, if it says so."""
    through = header.get("through") if header else None
    if not isinstance(through, dict) or not isinstance(through.get("position"), int):
        return None
    return through["position"], through.get("hash")


def _verify_full(
    lines: Iterator[tuple[int, str]],
    checkpoint: tuple[int, bytes] | None,
    header: Mapping[str, Any] | None,
) -> ExportVerifyResult:
    bad: list[BadLineError] = []
    count = 0
    claimed = _claimed_through(header)
    at_claim: bytes | None = None  # the stored hash of the row the header ends at
    beyond: int | None = None  # the first row after it

    def rows() -> Iterator[ChainRow]:
        nonlocal count, at_claim, beyond
        for line_no, text in lines:
            try:
                row, _ = parse_row(line_no, text)
            except BadLineError as error:
                bad.append(error)
                return
            count += 1
            if claimed is not None and row.position == claimed[0]:
                at_claim = row.hash
            elif claimed is not None and row.position > claimed[0] and beyond is None:
                beyond = row.position
            yield row

    result = verify_chain(rows(), checkpoint)
    if bad and (result.ok or result.code == chain.TAIL_TRUNCATED):
        result = _fail(
            chain.MALFORMED_ROW,
            bad[0].position,
            str(bad[0]),
            result.verified_through,
            result.verified_hash,
        )
    elif result.ok and claimed is not None:
        position, hash_hex = claimed
        if beyond is not None:
            result = _fail(
                chain.ROW_INSERTED,
                beyond,
                f"row {beyond} comes after position {position}, where the header "
                "says the export ends",
                position,
                at_claim,
            )
        elif at_claim is None:
            result = _fail(
                chain.TAIL_TRUNCATED,
                (result.verified_through or 0) + 1,
                f"the export ends at position {result.verified_through or 0} but its "
                f"header says it runs through {position}",
                result.verified_through,
                result.verified_hash,
            )
        elif hash_hex is not None and at_claim.hex() != hash_hex.lower():
            result = _fail(
                chain.CHECKPOINT_NOT_PREFIX,
                position,
                f"row {position} has another hash than the header says",
                result.verified_through,
                result.verified_hash,
            )
    return _export_result(result, "chain", count, checkpoint is not None)


def _verify_rows(
    lines: Iterator[tuple[int, str]], checkpoint: tuple[int, bytes] | None
) -> ExportVerifyResult:
    count, last, last_hash = 0, None, None
    contiguous, checked = True, False

    def done(result: VerifyResult) -> ExportVerifyResult:
        return _export_result(result, "chain" if contiguous else "rows", count, checked)

    for line_no, text in lines:
        try:
            row, prev = parse_row(line_no, text)
        except BadLineError as error:
            return done(_fail(chain.MALFORMED_ROW, error.position, str(error), last, last_hash))
        if last is not None and row.position <= last:
            return done(
                _fail(
                    chain.OUT_OF_ORDER,
                    row.position,
                    f"row {row.position} comes after row {last}",
                    last,
                    last_hash,
                )
            )
        # The row alone, on the prev_hash it carries: a run of one for the one verifier.
        alone = verify_chain([row], start=(row.position - 1, prev))
        if not alone.ok:
            assert alone.code is not None and alone.reason is not None
            reason = alone.reason.removeprefix(f"{alone.code}: ")
            return done(_fail(alone.code, row.position, reason, last, last_hash))
        contiguous = contiguous and prev == (GENESIS if last is None else last_hash)
        if checkpoint is not None and row.position == checkpoint[0]:
            checked = True
            if row.hash != checkpoint[1]:
                return done(
                    _fail(
                        chain.CHECKPOINT_NOT_PREFIX,
                        row.position,
                        f"row {row.position} has another hash than the checkpoint",
                        last,
                        last_hash,
                    )
                )
        count, last, last_hash = count + 1, row.position, row.hash
    if contiguous and checkpoint is not None and not checked:
        if (last or 0) < checkpoint[0]:
            return done(
                _fail(
                    chain.TAIL_TRUNCATED,
                    (last or 0) + 1,
                    f"the export ends at position {last or 0} but the checkpoint covers "
                    f"position {checkpoint[0]}",
                    last,
                    last_hash,
                )
            )
        return done(
            _fail(
                chain.CHECKPOINT_NOT_PREFIX,
                checkpoint[0],
                f"no row at checkpoint position {checkpoint[0]}",
                last,
                last_hash,
            )
        )
    return done(VerifyResult(True, last, None, None, None, last_hash))


def verify_export_lines(
    lines: Iterable[str],
    checkpoint: tuple[int, bytes] | None = None,
    *,
    full: bool | None = None,
) -> ExportVerifyResult:
    """Verify an exported JSONL file without the database, in constant memory.

    An export with the ``lianping_export`` header line (``lianping audit export``), or any export
    when ``full=True``, is the whole log: the chain is recomputed from genesis (a removed, altered,
    inserted or reordered line is named by position), it must reach the header's ``through``, and
    the checkpoint must be a prefix of it. Without that, each row is recomputed from its own
    prev_hash (scope "rows"); if the rows happen to link up from genesis, scope is "chain".
    """
    numbered = ((n, text) for n, text in enumerate(lines, 1) if text.strip())
    first = next(numbered, None)
    header = None
    if first is not None:
        try:
            obj = json.loads(first[1])
        except ValueError:
            obj = None
        if isinstance(obj, dict) and isinstance(obj.get(EXPORT_HEADER), dict):
            header, first = obj[EXPORT_HEADER], None
    stream = itertools.chain([] if first is None else [first], numbered)
    if header is not None or full:
        return _verify_full(stream, checkpoint, header)
    return _verify_rows(stream, checkpoint)
