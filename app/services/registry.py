"""All services of one open database, built once by ``app.context.open_app``."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from app.paths import DataDir
from app.services.assessment import AssessmentService
from app.services.accounts import AccountsService
from app.services.attendance import AttendanceService
from app.services.audit import AuditService
from app.services.backup import BackupService
from app.services.capture import CaptureService
from app.services.org import OrgService
from app.services.payroll import PayrollService
from app.services.people import PeopleService
from app.services.positions import PositionsService
from app.services.questions import QuestionBankService
from app.services.recruiting import RecruitingService
from app.services.screening import ScreeningService
from app.services.talent import TalentService
from app.services.shared_settings import SharedSettingsService
from app.services.staff_import import StaffImportService
from app.services.training import TrainingService
from app.services.workforce import WorkforceService


class Services:
    def __init__(self, factory: sessionmaker[Session], data: DataDir) -> None:
        self.settings = SharedSettingsService(factory)
        self.org = OrgService(factory)
        self.people = PeopleService(factory)
        self.recruiting = RecruitingService(factory)
        self.training = TrainingService(factory, data)
        self.workforce = WorkforceService(factory)
        self.payroll = PayrollService(factory)
        self.attendance = AttendanceService(factory)
        self.questions = QuestionBankService(factory)
        self.assessment = AssessmentService(factory, self.questions)
        self.positions = PositionsService(factory)
        self.talent = TalentService(factory, data)
        self.audit = AuditService(factory)
        self.accounts = AccountsService(factory)
        self.backup = BackupService(data)
        self.staff_import = StaffImportService(factory)
        self.screening = ScreeningService(factory, data)
        self.capture = CaptureService(factory, data, self.questions)
