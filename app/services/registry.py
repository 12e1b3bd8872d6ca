"""All services of one open database, built once by ``app.context.open_app``."""

from __future__ import annotations

from typing import cast

from sqlalchemy.orm import Session, sessionmaker

from app.paths import DataDir
from app.security.permissions import Principal
from app.services.assessment import AssessmentService
from app.services.accounts import AccountsService
from app.services.attendance import AttendanceService
from app.services.audit import AuditService
from app.services.backup import BackupService
from app.services.capture import CaptureService
from app.services.guard import Guard, GuardedService, Identity
from app.services.org import OrgService
from app.services.pay_settings import PaySettingsService
from app.services.payroll import PayrollService
from app.services.people import PeopleService
from app.services.positions import PositionsService
from app.services.privacy import PrivacyService
from app.services.questions import QuestionBankService
from app.services.recruiting import RecruitingService
from app.services.screening import ScreeningService
from app.services.talent import TalentService
from app.services.tax_declarations import TaxDeclarationService
from app.services.shared_settings import SharedSettingsService
from app.services.staff_import import StaffImportService
from app.services.training import TrainingService
from app.services.workforce import WorkforceService


class Services:
    """Every service behind the permission guard (``app.services.guard``).

    ``identity`` is the acting principal: the local system principal by default (command line,
    tests, demo creation); the GUI signs the logged-in user in after the login dialog.
    """

    def __init__(self, factory: sessionmaker[Session], data: DataDir, identity: Identity | None = None) -> None:
        self.identity = identity if identity is not None else Identity(Principal.system())
        self.guard = Guard(factory, self.identity)
        g = self.guard.wrap
        _settings = SharedSettingsService(factory)
        _org = OrgService(factory)
        _people = PeopleService(factory)
        _recruiting = RecruitingService(factory)
        _training = TrainingService(factory, data)
        _workforce = WorkforceService(factory)
        _backup = BackupService(data)
        # on SQLite, a month is locked only after a backup of it as approved (PostgreSQL: the server's backups)
        on_sqlite = factory.kw["bind"].dialect.name == "sqlite"
        _payroll = PayrollService(factory, before_lock=(
            (lambda month: _backup.create(label=f"payroll-lock-{month}")) if on_sqlite else None))
        _attendance = AttendanceService(factory)
        _questions = QuestionBankService(factory)
        _assessment = AssessmentService(factory, _questions)
        _positions = PositionsService(factory)
        _talent = TalentService(factory, data)
        _audit = AuditService(factory)
        _accounts = AccountsService(factory)
        _staff_import = StaffImportService(factory)
        _screening = ScreeningService(factory, data)
        _capture = CaptureService(factory, data, _questions)
        self.settings = cast(SharedSettingsService, g("settings", _settings))
        self.org = cast(OrgService, g("org", _org))
        self.people = cast(PeopleService, g("people", _people))
        self.recruiting = cast(RecruitingService, g("recruiting", _recruiting))
        self.training = cast(TrainingService, g("training", _training))
        self.workforce = cast(WorkforceService, g("workforce", _workforce))
        self.payroll = cast(PayrollService, g("payroll", _payroll))
        self.attendance = cast(AttendanceService, g("attendance", _attendance))
        self.questions = cast(QuestionBankService, g("questions", _questions))
        self.assessment = cast(AssessmentService, g("assessment", _assessment))
        self.positions = cast(PositionsService, g("positions", _positions))
        self.talent = cast(TalentService, g("talent", _talent))
        self.audit = cast(AuditService, g("audit", _audit))
        self.accounts = cast(AccountsService, g("accounts", _accounts))
        self.backup = cast(BackupService, g("backup", _backup))
        self.staff_import = cast(StaffImportService, g("staff_import", _staff_import))
        self.screening = cast(ScreeningService, g("screening", _screening))
        self.capture = cast(CaptureService, g("capture", _capture))
        self.pay_settings = cast(PaySettingsService, g("pay_settings", PaySettingsService(factory)))
        self.privacy = cast(PrivacyService, g("privacy", PrivacyService(factory, _talent)))
        self.declarations = cast(TaxDeclarationService, g("declarations", TaxDeclarationService(factory)))

    def names(self) -> list[str]:
        """Attribute names of the guarded services."""
        return [n for n, v in vars(self).items() if isinstance(v, GuardedService)]
