"""The 大屏 hall screen at the edge: its data, revealing the tally, read-only screen links."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CategoryReturnOut(BaseModel):
    code: str
    name: str
    issued: int = Field(description="ballots issued in batches not voided (paper: rows entered)")
    cast: int
    rate: str | None = Field(description="回收率 cast / issued, 4 decimals; null when none issued")


class BallotTotalsOut(BaseModel):
    issued: int
    cast: int
    rate: str | None


class PanelCountOut(BaseModel):
    recorded: int
    expected: int = Field(description="panel members who may rate (conflicts of interest left out)")


class ScreenParticipantOut(BaseModel):
    org_code: str
    org_name: str | None
    reported: bool
    panel: PanelCountOut


class TallyRowOut(BaseModel):
    org_code: str
    org_name: str | None
    good: int
    fairly_good: int
    average: int
    poor: int


class ScreenOut(BaseModel):
    cycle_id: str
    title: str
    phase: str
    rehearsal: bool = Field(description="a rehearsal (模拟测评/演练): its results never count")
    rehearsal_ended: bool
    position: int
    categories: list[CategoryReturnOut]
    ballots: BallotTotalsOut
    panel: PanelCountOut
    participants: list[ScreenParticipantOut]
    revealed: bool
    revealed_at: str | None
    tally: list[TallyRowOut] | None = Field(
        description="counts per grade (panel ratings and ballots), null until revealed")


class RevealedOut(BaseModel):
    cycle_id: str
    revealed: bool
    revealed_at: str | None


class ScreenLinkOut(BaseModel):
    link_id: str
    key: str | None = Field(description="shown once: only its hash is stored (null on a replay)")
    path: str | None = Field(description="the screen's address on this server, key included")


class ScreenLinkRevokedOut(BaseModel):
    link_id: str
    revoked: bool
