"""Every aggregate class, imported in one place so that every process can resolve every event topic
(``lianping:Report.Submitted`` …) before it reads the log, whatever use cases it has loaded."""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from domain.account import Account
from domain.ballot import Ballot, BallotBook
from domain.cycle import Cycle
from domain.cycle_slot import CycleSlot
from domain.feedback import Feedback
from domain.note import InspectionNote
from domain.organization import Organization
from domain.plan import RectificationPlan
from domain.rating import Rating
from domain.report import Report
from domain.score import IndicatorScore
from domain.screen import HallScreen
from domain.supervision import SupervisionOrder, Talk
from domain.token import ApiToken

AGGREGATES: tuple[type[Aggregate], ...] = (
    Organization,
    Account,
    ApiToken,
    Cycle,
    CycleSlot,
    Report,
    Rating,
    IndicatorScore,
    Feedback,
    RectificationPlan,
    InspectionNote,
    BallotBook,
    Ballot,
    Talk,
    SupervisionOrder,
    HallScreen,
)
