"""Permission enforcement in the service layer: every service of ``Services`` is wrapped in a proxy.

The proxy looks each public method up in ``app.security.policy`` (deny by default: an unlisted
method is refused), checks the acting principal of the shared :class:`Identity`, narrows results to
the principal's department or assigned interviews where the rule says so, and appends an audit
entry for every change, every view of sensitive personal data and every export (user, action,
object — never the values). Refusals are audited too (action ``denied``).

The command line runs as the local system principal (``Principal.system()``): whoever can run it
already has the database file. The GUI signs the logged-in user in (``Identity.sign_in``) and signs
out on 注销 / idle lock.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import fields, is_dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.tables import Candidate, Department, Employee, InterviewRecording, OnboardingForm, Position
from app.db.uow import unit_of_work, with_next_change
from app.i18n import _
from app.security.permissions import PERMISSIONS, PermissionDenied, Principal, principal_label
from app.security.policy import POLICY, Rule

log = logging.getLogger(__name__)


class Identity:
    """The principal acting for one ``Services`` (one per process; shared by every worker thread)."""

    def __init__(self, principal: Principal | None = None) -> None:
        self._principal = principal
        self._lock = threading.Lock()

    @property
    def principal(self) -> Principal | None:
        with self._lock:
            return self._principal

    def sign_in(self, principal: Principal) -> None:
        with self._lock:
            self._principal = principal

    def sign_out(self) -> None:
        with self._lock:
            self._principal = None

    def require(self) -> Principal:
        p = self.principal
        if p is None:
            raise PermissionDenied(_("Nobody is signed in. Sign in to HR Desk first."))
        return p


def _op_label(service: str, method: str) -> str:
    return f"{service}.{method}"


def _denied(principal: Principal, what: str) -> PermissionDenied:
    return PermissionDenied(_("Your account ({user}, {role}) is not allowed to {what}. Ask an administrator for "
                              "this permission.").format(user=principal.username, role=principal_label(principal),
                                                         what=what))


def _outside(principal: Principal, what: str) -> PermissionDenied:
    return PermissionDenied(_("Your account ({user}, {role}) may {what} only for its own department. "
                              "Ask HR or an administrator.").format(
        user=principal.username, role=principal_label(principal), what=what))


def _not_assigned(principal: Principal) -> PermissionDenied:
    return PermissionDenied(_("Your account ({user}, {role}) may see only the interviews you are an interviewer "
                              "of; this interview is not assigned to you.").format(
        user=principal.username, role=principal_label(principal)))


class _Scope:
    """Department and interview sets of one principal, loaded lazily for one call."""

    def __init__(self, factory: sessionmaker[Session], principal: Principal) -> None:
        self._factory = factory
        self.principal = principal
        self._depts: set[int] | None = None
        self._employees: set[int] | None = None
        self._persons: set[int] | None = None
        self._interviews: set[int] | None = None

    def departments(self) -> set[int]:
        if self._depts is None:
            root = self.principal.department_id
            out: set[int] = set()
            if root is not None:
                with unit_of_work(self._factory) as s:
                    children: dict[int | None, list[int]] = {}
                    for did, parent in s.execute(select(Department.id, Department.parent_id)).all():
                        children.setdefault(parent, []).append(did)
                stack = [root]
                while stack:
                    d = stack.pop()
                    if d not in out:
                        out.add(d)
                        stack.extend(children.get(d, []))
            self._depts = out
        return self._depts

    def _load_people(self) -> None:
        depts = self.departments()
        emp: set[int] = set()
        persons: set[int] = set()
        if depts:
            with unit_of_work(self._factory) as s:
                for eid, pid in s.execute(select(Employee.id, Employee.person_id)
                                          .where(Employee.department_id.in_(depts))).all():
                    emp.add(eid)
                    persons.add(pid)
                persons.update(s.scalars(select(Candidate.person_id).join(Position, Position.id == Candidate.position_id)
                                         .where(Position.department_id.in_(depts))).all())
        self._employees, self._persons = emp, persons

    def employees(self) -> set[int]:
        if self._employees is None:
            self._load_people()
        assert self._employees is not None
        return self._employees

    def persons(self) -> set[int]:
        if self._persons is None:
            self._load_people()
        assert self._persons is not None
        return self._persons

    def interviews(self) -> set[int]:
        """The interviews whose panel lists the principal's account; for interviews without any panel row
        (planned before panels existed) the old match of the name against the free-text interviewer list —
        see :func:`app.services.recruiting.assigned_interview_ids` for why the fallback is kept."""
        if self._interviews is None:
            from app.services.recruiting import assigned_interview_ids

            with unit_of_work(self._factory) as s:
                self._interviews = assigned_interview_ids(s, self.principal.username, self.principal.display_name)
        return self._interviews

    def lookup(self, model: Any, column: Any, row_id: Any) -> Any:
        with unit_of_work(self._factory) as s:
            return s.scalar(select(column).where(model.id == row_id))

    # ------------------------------------------------------------- department membership
    def dto_in_department(self, obj: Any) -> bool | None:
        """True/False when ``obj`` can be attributed to a department, None when it cannot."""
        for attr, pool in (("department_id", self.departments), ("employee_id", self.employees),
                           ("person_id", self.persons)):
            value = getattr(obj, attr, None)
            if value is not None:
                return value in pool()
        return None


class Guard:
    def __init__(self, factory: sessionmaker[Session], identity: Identity,
                 policy: dict[str, dict[str, Rule]] | None = None) -> None:
        self.factory = factory
        self.identity = identity
        self.policy = POLICY if policy is None else policy

    def wrap(self, name: str, service: Any) -> GuardedService:
        return GuardedService(name, service, self)

    # ------------------------------------------------------------- checks
    def check(self, service: str, method: str) -> tuple[Principal | None, Rule]:
        """The permission part of a call (before scoping); raises ``PermissionDenied``."""
        rule = self.policy.get(service, {}).get(method)
        principal = self.identity.principal
        if rule is None:
            who = principal or Principal("?", "", None, frozenset())
            self._audit_denied(principal, service, method)
            raise PermissionDenied(_("Your account ({user}, {role}) is not allowed to do this ({op}): the operation "
                                     "is not in the permission policy.").format(
                user=who.username, role=principal_label(who), op=_op_label(service, method)))
        if rule.hidden:
            raise PermissionDenied(_("This part of the program is internal and cannot be used directly ({op}).").format(
                op=_op_label(service, method)))
        if rule.public:
            return principal, rule
        if principal is None:
            raise PermissionDenied(_("Nobody is signed in. Sign in to HR Desk first."))
        if rule.perms and not any(p in principal.permissions for p in rule.perms):
            self._audit_denied(principal, service, method)
            raise _denied(principal, _(PERMISSIONS[rule.perms[0]]))
        if rule.export and not {"export.all", "export.department"} & principal.permissions:
            self._audit_denied(principal, service, method)
            export_desc = PERMISSIONS["export.department"]
            raise _denied(principal, _(export_desc))
        return principal, rule

    def allowed(self, principal: Principal, service: str, method: str) -> bool:
        """Whether ``principal`` passes the permission part of ``service.method`` (for menus and tests)."""
        rule = self.policy.get(service, {}).get(method)
        if rule is None or rule.hidden:
            return False
        if rule.public or rule.self_checked and not rule.perms:
            return True
        if rule.perms and not any(p in principal.permissions for p in rule.perms):
            return False
        return not (rule.export and not {"export.all", "export.department"} & principal.permissions)

    def call(self, service: str, method: str, fn: Callable[..., Any], args: tuple[Any, ...],
             kwargs: dict[str, Any]) -> Any:
        principal, rule = self.check(service, method)
        if principal is None:  # public operation before sign-in
            return fn(*args, **kwargs)
        what = _(PERMISSIONS[rule.perms[0]]) if rule.perms else _op_label(service, method)
        dept = rule.scope == "department" and (
            principal.department_scoped or (rule.export and "export.all" not in principal.permissions))
        assigned = rule.scope == "assigned" and "interviews.view_all" not in principal.permissions
        scope = _Scope(self.factory, principal) if (dept or assigned) else None
        if scope is not None:
            try:
                bound = inspect.signature(fn).bind(*args, **kwargs)
            except TypeError:
                return fn(*args, **kwargs)  # the call itself is wrong: let Python say so
            checked = (self._pre_department(scope, bound, what) if dept else False) | \
                (self._pre_assigned(scope, bound) if assigned else False)
            if dept and rule.write and not checked:
                self._audit_denied(principal, service, method)
                raise _outside(principal, what)
            args, kwargs = bound.args, bound.kwargs
        else:
            checked = False
        audit_now = rule.audited and not rule.self_checked
        if audit_now and rule.write and not rule.export and not rule.audit:
            # a change: its entry is written by the change's own transaction (app.db.uow.with_next_change), so a
            # crash between the two cannot leave a committed change without its entry
            entry = self._audit_entry(principal, service, method, rule, args, kwargs, fn, None)
            with with_next_change(lambda s: _record(s, principal, entry)) as written:
                result = fn(*args, **kwargs)
            audit_now = not written()  # the call wrote nothing through a unit of work: write the entry alone
        else:
            result = fn(*args, **kwargs)
        if scope is not None:
            try:
                result = self._post(scope, rule, result, checked, dept, assigned, what)
            except PermissionDenied:
                self._audit_denied(principal, service, method)
                raise
        if audit_now:
            self._audit(principal, service, method, rule, args, kwargs, fn, result)
        return result

    # ------------------------------------------------------------- scoping
    def _pre_department(self, scope: _Scope, bound: inspect.BoundArguments, what: str) -> bool:
        p = scope.principal
        args = bound.arguments
        params = bound.signature.parameters
        checked = False
        if "department_id" in params:
            value = args.get("department_id")
            if value is None:
                if params["department_id"].default is None:  # "all departments" → the principal's own
                    bound.arguments["department_id"] = p.department_id
                    if p.department_id is None:
                        raise _outside(p, what)
                    checked = True
            elif value not in scope.departments():
                raise _outside(p, what)
            else:
                checked = True
        if "department_ids" in params:
            value = args.get("department_ids")
            if value is None:
                bound.arguments["department_ids"] = set(scope.departments())
            elif not set(value) <= scope.departments():
                raise _outside(p, what)
            checked = True
        for name, pool in (("employee_id", scope.employees), ("person_id", scope.persons)):
            if name in args and args[name] is not None:
                if args[name] not in pool():
                    raise _outside(p, what)
                checked = True
        if "person_ids" in args and args["person_ids"] is not None:
            ids = list(args["person_ids"])
            bound.arguments["person_ids"] = ids
            if not set(ids) <= scope.persons():
                raise _outside(p, what)
            checked = True
        if "form_id" in args:
            dep = scope.lookup(OnboardingForm, OnboardingForm.department_id, args["form_id"])
            if dep is not None and dep not in scope.departments():
                raise _outside(p, what)
            checked = True
        if "candidate_id" in args:
            person = scope.lookup(Candidate, Candidate.person_id, args["candidate_id"])
            if person is not None and person not in scope.persons():
                raise _outside(p, what)
            checked = True
        for value in args.values():  # DTOs handed back in (e.g. rows to export)
            items = value if isinstance(value, list | tuple) else [value]
            dtos = [v for v in items if is_dataclass(v) and not isinstance(v, type)]
            for dto in dtos:
                inside = scope.dto_in_department(dto)
                if inside is False:
                    raise _outside(p, what)
                if inside:
                    checked = True
        return checked

    def _pre_assigned(self, scope: _Scope, bound: inspect.BoundArguments) -> bool:
        args = bound.arguments
        if args.get("interview_id") is not None:
            if args["interview_id"] not in scope.interviews():
                raise _not_assigned(scope.principal)
            return True
        if args.get("recording_id") is not None:
            iid = scope.lookup(InterviewRecording, InterviewRecording.interview_id, args["recording_id"])
            if iid is not None and iid not in scope.interviews():
                raise _not_assigned(scope.principal)
            return True
        return False

    def _post(self, scope: _Scope, rule: Rule, result: Any, checked: bool, dept: bool, assigned: bool,
              what: str) -> Any:
        if assigned:
            attr = rule.attr or "interview_id"

            def mine(item: Any) -> bool | None:
                iid = item if attr == "*" else getattr(item, attr, None)
                return None if iid is None else iid in scope.interviews()

            result = self._narrow(result, mine, checked, lambda: _not_assigned(scope.principal))
        if dept:
            result = self._narrow(result, scope.dto_in_department, checked, lambda: _outside(scope.principal, what))
        return result

    @staticmethod
    def _narrow(result: Any, inside: Callable[[Any], bool | None], checked: bool,
                refuse: Callable[[], PermissionDenied]) -> Any:
        if isinstance(result, list):
            kept = []
            for item in result:
                verdict = inside(item)
                if verdict is None and not checked:
                    raise refuse()
                if verdict is not False:
                    kept.append(item)
            return kept
        if result is None:
            return result
        verdict = inside(result) if (is_dataclass(result) or not checked) else None
        if verdict is False or (verdict is None and not checked):
            raise refuse()
        return result

    # ------------------------------------------------------------- audit
    def _audit(self, principal: Principal, service: str, method: str, rule: Rule, args: Iterable[Any],
               kwargs: dict[str, Any], fn: Callable[..., Any], result: Any) -> None:
        entry = self._audit_entry(principal, service, method, rule, args, kwargs, fn, result)
        try:
            with unit_of_work(self.factory, write=True) as s:
                _record(s, principal, entry)
        except Exception as exc:  # noqa: BLE001 - the call is done; say so loudly, don't undo it
            log.error("could not append the audit entry for %s.%s: %s", service, method, type(exc).__name__)

    @staticmethod
    def _audit_entry(principal: Principal, service: str, method: str, rule: Rule, args: Iterable[Any],
                     kwargs: dict[str, Any], fn: Callable[..., Any], result: Any) -> tuple[str, str, Any, dict[str, Any]]:
        """(action, object type, object id, detail) of a guarded call's audit entry; never values."""
        object_id: Any = ""
        if rule.key:
            try:
                bound = inspect.signature(fn).bind(*args, **kwargs)
                object_id = bound.arguments.get(rule.key, "")
            except TypeError:
                object_id = ""
            if hasattr(object_id, "name") and not isinstance(object_id, str | int):
                object_id = getattr(object_id, "name")  # a backup path: its file name
        kind = "export" if rule.export else ("view" if rule.audit else "change")
        detail: dict[str, Any] = {"kind": kind}
        if rule.audit:
            detail["what"] = rule.audit
        if isinstance(result, list):
            detail["rows"] = len(result)
        return (_op_label(service, method), rule.key.removesuffix("_id") or service,
                "" if object_id is None else object_id, detail)

    def _audit_denied(self, principal: Principal | None, service: str, method: str) -> None:
        if principal is None:
            return
        from app.services.audit import record

        try:
            with unit_of_work(self.factory, write=True) as s:
                record(s, principal, "denied", service, "", {"op": _op_label(service, method)})
        except Exception as exc:  # noqa: BLE001 - a refusal must be raised even if the log is unwritable
            log.error("could not audit a refused call: %s", type(exc).__name__)


def _record(session: Session, principal: Principal, entry: tuple[str, str, Any, dict[str, Any]]) -> None:
    from app.services.audit import record

    record(session, principal, *entry)


_MISSING = object()


class GuardedService:
    """A service behind the policy. Private attributes are not reachable through the proxy."""

    __slots__ = ("_name", "_target", "_guard")

    def __init__(self, name: str, target: Any, guard: Guard) -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_guard", guard)

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        name, target, guard = self._name, self._target, self._guard
        static = inspect.getattr_static(target, attr, _MISSING)
        if static is _MISSING:
            raise AttributeError(attr)
        if isinstance(static, property) or not callable(getattr(target, attr, None)):
            return guard.call(name, attr, lambda: getattr(target, attr), (), {})
        fn = getattr(target, attr)

        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            return guard.call(name, attr, fn, args, kwargs)

        return guarded

    def __setattr__(self, attr: str, value: Any) -> None:
        raise AttributeError(_("Services are read-only."))

    def __dir__(self) -> list[str]:
        return [n for n in dir(self._target) if not n.startswith("_")]

    def __repr__(self) -> str:
        return f"<guarded {type(self._target).__name__}>"


def unwrap(service: Any) -> Any:
    """The service behind a proxy (for the policy-coverage test and internal wiring)."""
    return object.__getattribute__(service, "_target") if isinstance(service, GuardedService) else service


def public_members(service_type: type, instance: Any = None) -> list[str]:
    """Public methods, properties and (given ``instance``) instance attributes of a service: what the
    policy must list."""
    out = [n for n in vars(instance) if not n.startswith("_")] if instance is not None else []
    for n, v in inspect.getmembers(service_type):
        if n.startswith("_"):
            continue
        if isinstance(inspect.getattr_static(service_type, n), property) or callable(v):
            out.append(n)
    return sorted(set(out))


def dataclass_fields(obj: Any) -> list[str]:
    return [f.name for f in fields(obj)] if is_dataclass(obj) else []
