"""Candidates and interviews, and the interview panel (面试小组: which user accounts sit on an interview).

The panel (``interview_panel``) is what "an interviewer sees only the interviews assigned to them" is checked
against (see :func:`assigned_interview_ids`). The printed ``interviews.interviewers`` text is derived from it:
the chair first, then the members (display names), then typed names of external experts who have no account.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from app.db.tables import Candidate, Interview, InterviewPanelMember, Person, Position, User
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import _
from app.services.base import Service, load_for_update

log = logging.getLogger(__name__)

#: how the free text of older interviews separates names (the same rule the name fallback has always used)
NAME_SPLIT = re.compile(r"[,，、;；/\s]+")
#: separators that may not appear inside one typed name
_NAME_FORBIDDEN = re.compile(r"[,，、;；/\n\r\t]")
_PRINTED_SPLIT = re.compile(r"[,，、;；/\n\r\t]+")
PRINTED_SEPARATOR = "、"
MAX_PRINTED = 200  # interviews.interviewers is String(200)
MAX_EXTRA_NAME = 30
#: app_settings key recording that the one-time link-up of older interviews ran
PANEL_LINK_SETTING = "interviews.panel_linked"
#: account roles offered first when choosing a panel (then the others, any role)
_ROLE_ORDER = {"interviewer": 0, "dept_head": 1, "hr": 2}


@dataclass(frozen=True)
class CandidateRow:
    id: int
    person_id: int
    name: str
    gender: str
    highest_degree: str
    school: str
    professional_title: str
    position: str
    status: str
    applied_at: date | None
    screening_score: float | None
    resume_excerpt: str


@dataclass(frozen=True)
class InterviewRow:
    id: int
    candidate_id: int
    candidate: str
    position: str
    scheduled_at: datetime | None
    interviewers: str
    state: str
    total_score: float | None
    recommendation: str | None
    decision: str | None


@dataclass(frozen=True)
class PanelAccount:
    """An active user account that can sit on an interview panel (any role; interviewers are listed first)."""

    user_id: int
    username: str
    display_name: str
    role: str
    department_id: int | None


@dataclass(frozen=True)
class PanelMember:
    user_id: int
    username: str
    display_name: str
    role: str  # "chair" | "member"
    active: bool


@dataclass(frozen=True)
class InterviewPanel:
    interview_id: int
    members: tuple[PanelMember, ...]  # the chair first
    extra_names: tuple[str, ...]  # typed names without an account (external experts)
    interviewers: str  # the printed list
    scheduled_at: datetime | None
    state: str
    version: int  # the interview's version (optimistic check when the panel is saved)

    @property
    def chair(self) -> PanelMember | None:
        return next((m for m in self.members if m.role == "chair"), None)

    @property
    def editable(self) -> bool:
        return self.state != "decided"


@dataclass(frozen=True)
class PanelLinkReport:
    """What the link-up of older interviews did (ids only: no names)."""

    interviews_linked: int
    members_linked: int
    ambiguous_interviews: tuple[int, ...]  # a name matched more than one active account: left unlinked
    already_done: bool = False


def assigned_interview_ids(session: Session, username: str, display_name: str = "") -> set[int]:
    """The interviews a user account is assigned to: those whose panel lists the account.

    Interviews with no panel rows at all (scheduled before panels existed, or imported from an older
    database and not linked yet) fall back to the old rule: the user's name or user name appears in the
    free-text interviewer list. Without that fallback an interviewer would lose every interview planned before
    the upgrade until HR re-entered each panel; with panel rows present, the free text is ignored, so a second
    account with the same display name (or a name typed into the text) does not see someone else's interview.
    """
    out: set[int] = set()
    user_id = session.scalar(select(User.id).where(User.username == username)) if username else None
    if user_id is not None:
        out.update(session.scalars(select(InterviewPanelMember.interview_id)
                                   .where(InterviewPanelMember.user_id == user_id)).all())
    names = {n for n in (username, display_name) if n}
    if names:
        with_panel = select(InterviewPanelMember.interview_id).distinct()
        rows = session.execute(select(Interview.id, Interview.interviewers)
                               .where(Interview.id.not_in(with_panel))).all()
        out.update(iid for iid, who in rows if names & set(NAME_SPLIT.split(who or "")))
    return out


def _clean_extra_names(extra_names: Iterable[str], taken: set[str]) -> list[str]:
    out: list[str] = []
    for raw in extra_names:
        name = " ".join(raw.split())
        if not name:
            continue
        if len(name) > MAX_EXTRA_NAME or _NAME_FORBIDDEN.search(name):
            raise InvalidInput(_("An extra interviewer's name must have at most {n} characters and no commas, "
                                 "「、」 or semicolons: {name}").format(n=MAX_EXTRA_NAME, name=name[:40]))
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


class RecruitingService(Service):
    def resume_text(self, candidate_id: int) -> str:
        with self._uow() as s:
            cand = s.get(Candidate, candidate_id)
            return cand.resume_text if cand else ""

    def candidates(self) -> list[CandidateRow]:
        with self._uow() as s:
            stmt = (
                select(Candidate, Person, Position.title)
                .join(Person, Candidate.person_id == Person.id)
                .outerjoin(Position, Candidate.position_id == Position.id)
                .order_by(Candidate.applied_at.desc(), Candidate.id)
            )
            return [
                CandidateRow(
                    c.id, p.id, p.name, p.gender, p.highest_degree, p.school, p.professional_title,
                    title or "", c.status, c.applied_at, c.screening_score,
                    " ".join(c.resume_text.split())[:120],
                )
                for c, p, title in s.execute(stmt).all()
            ]

    def interviews(self) -> list[InterviewRow]:
        with self._uow() as s:
            stmt = (
                select(Interview, Person.name, Position.title)
                .join(Candidate, Interview.candidate_id == Candidate.id)
                .join(Person, Candidate.person_id == Person.id)
                .join(Position, Interview.position_id == Position.id)
                .order_by(Interview.scheduled_at.desc())
            )
            return [
                InterviewRow(
                    i.id, i.candidate_id, name, title, i.scheduled_at, i.interviewers, i.state,
                    i.total_score, i.recommendation, i.decision,
                )
                for i, name, title in s.execute(stmt).all()
            ]

    # ================================================================ interview panel
    def panel_accounts(self) -> list[PanelAccount]:
        """Active accounts to choose a panel from: interviewers first, then heads of department, HR, others."""
        with self._uow() as s:
            users = s.scalars(select(User).where(User.active.is_(True))).all()
            rows = [PanelAccount(u.id, u.username, u.display_name or u.username, u.role, u.department_id)
                    for u in users]
        return sorted(rows, key=lambda a: (_ROLE_ORDER.get(a.role, 9), a.display_name, a.username))

    def panel(self, interview_id: int) -> InterviewPanel:
        with self._uow() as s:
            return self._panel(s, interview_id)

    def set_panel(self, interview_id: int, chair_id: int, member_ids: Sequence[int] = (),
                  extra_names: Sequence[str] = (), *, expected_version: int, scheduled_at: datetime | None = None,
                  user: str = "") -> InterviewPanel:
        """Schedule or change an interview's panel (and, given ``scheduled_at``, its time): one chair and any
        members from the active accounts, plus typed names of external experts. Refused once the interview is
        decided, or when someone saved the interview since ``expected_version`` was read. The printed
        interviewer list is rebuilt from the panel. Audited (account ids, never names)."""
        from app.services.audit import record

        members = [m for m in dict.fromkeys(member_ids) if m != chair_id]
        wanted = {chair_id: "chair", **{m: "member" for m in members}}
        with self._uow(write=True) as s:
            interview = load_for_update(s, Interview, interview_id, expected_version, _("The interview"))
            if interview.state == "decided":
                raise Conflict(_("This interview has been decided; its panel can no longer be changed."))
            accounts = {u.id: u for u in s.scalars(select(User).where(User.id.in_(list(wanted)))).all()}
            for uid in wanted:
                account = accounts.get(uid)
                if account is None or not account.active:
                    raise InvalidInput(_("A chosen interviewer account no longer exists or is disabled. "
                                         "Reload the list of accounts and choose again."))
            current = {m.user_id: m for m in s.scalars(select(InterviewPanelMember)
                                                       .where(InterviewPanelMember.interview_id == interview_id))}
            removed = sorted(set(current) - set(wanted))
            added = sorted(set(wanted) - set(current))
            if removed:
                s.execute(delete(InterviewPanelMember).where(InterviewPanelMember.interview_id == interview_id,
                                                             InterviewPanelMember.user_id.in_(removed)))
            for uid, role in wanted.items():
                if uid in current:
                    current[uid].role = role
                else:
                    s.add(InterviewPanelMember(interview_id=interview_id, user_id=uid, role=role))
            names = [accounts[uid].display_name or accounts[uid].username for uid in wanted]
            extras = _clean_extra_names(extra_names, set(names))
            printed = PRINTED_SEPARATOR.join(dict.fromkeys([*names, *extras]))
            if len(printed) > MAX_PRINTED:
                raise InvalidInput(_("The list of interviewers is too long to print ({n} characters, at most "
                                     "{max}). Remove some extra names.").format(n=len(printed), max=MAX_PRINTED))
            interview.interviewers = printed
            if scheduled_at is not None:
                if scheduled_at.tzinfo is None:
                    raise InvalidInput(_("The interview time needs a time zone."))
                interview.scheduled_at = scheduled_at.astimezone(UTC)
            flag_modified(interview, "interviewers")  # the version moves even when only roles changed
            try:
                s.flush()
            except StaleDataError as exc:
                raise Conflict(_("The interview was changed on another workstation while you edited its panel. "
                                 "Reload it and make your change again; nothing was saved.")) from exc
            record(s, user or "?", "interview.panel", "interview", interview_id,
                   {"chair": chair_id, "added": added, "removed": removed, "extra_names": len(extras),
                    "scheduled": scheduled_at is not None})
            result = self._panel(s, interview_id)
        log.info("interview %d panel saved: %d accounts, %d extra names", interview_id, len(wanted), len(extras))
        return result

    def link_panels(self, *, user: str = "") -> PanelLinkReport:
        """Link older interviews (no panel rows) to accounts: each name in the free-text interviewer list that
        is exactly one active account's display name or user name becomes a panel row (the first one listed
        chairs). A name that matches several accounts is left unlinked and the interview listed (ids only) in
        the log and the report, so HR can choose the right account; names without an account stay as printed
        text. Interviews that already have a panel are not touched, so running it again is harmless."""
        with self._uow(write=True) as s:
            report = self._link(s)
            if report.interviews_linked or report.ambiguous_interviews:
                from app.services.audit import record

                record(s, user or "?", "interview.panel_link", "interview", "",
                       {"interviews": report.interviews_linked, "members": report.members_linked,
                        "ambiguous": list(report.ambiguous_interviews)})
        return report

    def link_panels_at_start(self, *, user: str = "") -> PanelLinkReport:
        """The link-up of :meth:`link_panels`, once per database (recorded in ``app_settings``); called at
        start-up. Another workstation doing it at the same moment is not an error."""
        from app.services.audit import record
        from app.services.shared_settings import read_setting, write_setting

        try:
            with self._uow(write=True) as s:
                if read_setting(s, PANEL_LINK_SETTING).version:
                    return PanelLinkReport(0, 0, (), already_done=True)
                report = self._link(s)
                write_setting(s, PANEL_LINK_SETTING,
                              {"done_at": datetime.now(UTC).isoformat(timespec="seconds"),
                               "interviews": report.interviews_linked, "members": report.members_linked,
                               "ambiguous": list(report.ambiguous_interviews)},
                              expected_version=0, user=user or "system")
                if report.interviews_linked or report.ambiguous_interviews:
                    record(s, user or "system", "interview.panel_link", "interview", "",
                           {"interviews": report.interviews_linked, "members": report.members_linked,
                            "ambiguous": list(report.ambiguous_interviews)})
        except (Conflict, IntegrityError):
            log.info("interview panels: linked by another workstation at the same time")
            return PanelLinkReport(0, 0, (), already_done=True)
        return report

    # ---------------------------------------------------------------- helpers
    @staticmethod
    def _panel(s: Session, interview_id: int) -> InterviewPanel:
        interview = s.get(Interview, interview_id)
        if interview is None:
            raise NotFound(_("The interview no longer exists. Reload the list."))
        rows = s.execute(select(InterviewPanelMember.user_id, InterviewPanelMember.role, User.username,
                                User.display_name, User.active)
                         .join(User, User.id == InterviewPanelMember.user_id)
                         .where(InterviewPanelMember.interview_id == interview_id)
                         .order_by(InterviewPanelMember.role != "chair", InterviewPanelMember.id)).all()
        members = tuple(PanelMember(uid, username, display or username, role, bool(active))
                        for uid, role, username, display, active in rows)
        known = {n for m in members for n in (m.display_name, m.username)}
        extras = tuple(dict.fromkeys(n.strip() for n in _PRINTED_SPLIT.split(interview.interviewers or "")
                                     if n.strip() and n.strip() not in known)) if members else ()
        return InterviewPanel(interview_id, members, extras, interview.interviewers or "", interview.scheduled_at,
                              interview.state, interview.version)

    @staticmethod
    def _link(s: Session) -> PanelLinkReport:
        by_name: dict[str, set[int]] = {}
        for uid, username, display in s.execute(select(User.id, User.username, User.display_name)
                                                .where(User.active.is_(True))).all():
            for n in {username, display}:
                if n:
                    by_name.setdefault(n, set()).add(uid)
        with_panel = select(InterviewPanelMember.interview_id).distinct()
        todo = s.execute(select(Interview.id, Interview.interviewers).where(Interview.id.not_in(with_panel))
                         .order_by(Interview.id)).all()
        linked = members = 0
        ambiguous: list[int] = []
        for iid, text in todo:
            chosen: list[int] = []
            unsure = False
            for name in NAME_SPLIT.split(text or ""):
                ids = by_name.get(name, set()) if name else set()
                if len(ids) == 1:
                    uid = next(iter(ids))
                    if uid not in chosen:
                        chosen.append(uid)
                elif len(ids) > 1:
                    unsure = True
            if unsure:
                ambiguous.append(iid)
            if chosen:
                s.add_all(InterviewPanelMember(interview_id=iid, user_id=uid, role="chair" if i == 0 else "member")
                          for i, uid in enumerate(chosen))
                linked += 1
                members += len(chosen)
        s.flush()
        if ambiguous:
            log.warning("interview panels: names matching several accounts left unlinked in interviews %s",
                        ", ".join(map(str, ambiguous)))
        log.info("interview panels linked: %d interviews, %d members", linked, members)
        return PanelLinkReport(linked, members, tuple(ambiguous))
