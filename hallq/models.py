"""Every table of hallq, imported in one place for migrations and tests."""
from hallq.queue.accounts import Token, User  # noqa: F401
from hallq.queue.audit import AdminChange  # noqa: F401
from hallq.queue.models import (  # noqa: F401
    Appointment, Department, Hall, Item, Staff, Ticket, TicketCounter, TicketEvent, Window, WindowItem,
    WindowPause, WindowPost, WindowSession,
)
from hallq.evaluator.models import FollowUp, FollowUpNote, Rating, RatingAppeal  # noqa: F401
from hallq.queue.device_models import Device, PrintJob  # noqa: F401
from hallq.queue.alerts import Alert  # noqa: F401
from hallq.queue.server_errors import ServerError  # noqa: F401
from hallq.queue.notify_models import Notification, TicketContact  # noqa: F401
from hallq.queue.duty_log import DutyLog, DutyLogEntry  # noqa: F401
from hallq.queue.leave import Leave  # noqa: F401
from hallq.assessment.models import (  # noqa: F401
    AssessmentAppeal, AssessmentRecord, AssessmentResult, CaseCompletion, DemocraticScore, HallScheme, Objection,
    PublicationStep, PublishedRevision, DualTargetFinding, DualTargetRevision,
)
from hallq.supervision.models import Complaint, ComplaintStep  # noqa: F401
from hallq.kiosk.search_store import SearchReading  # noqa: F401
from hallq.cases.models import Case, CaseChange, CaseTask  # noqa: F401
from hallq.supervision.register import StaffChange  # noqa: F401
