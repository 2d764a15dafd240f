from aiogram.fsm.state import State, StatesGroup

from conference.model.request import Field


class Intake(StatesGroup):
    # One state per question; the names are the conference.intake.Field values.
    role = State()
    subject_name = State()
    subject_age = State()
    question = State()
    concerns = State()
    minimum_requirement = State()
    model = State()
    languages = State()
    coordinator_preference = State()
    region = State()
    contact = State()
    consent = State()
    review = State()


def state_for(step: Field) -> State:
    state = getattr(Intake, step.value)
    assert isinstance(state, State)
    return state


def step_of(raw_state: str | None) -> Field | None:
    """The intake question a stored state stands for (None for review or no intake)."""
    if not raw_state or not raw_state.startswith("Intake:"):
        return None
    name = raw_state.split(":", 1)[1]
    return Field(name) if name in Field._value2member_map_ else None


class AddInvitee(StatesGroup):
    name = State()
    relation = State()
    group = State()
    locale = State()
    must_attend = State()


class AddingApplicant(StatesGroup):
    """The applicant into the circle: kring knows who they are, so only these are asked."""

    relation = State()
    group = State()
    must_attend = State()


class Answering(StatesGroup):
    reason = State()  # after a no: why, typed (a reason button works as well)


class SettingMinimum(StatesGroup):
    text = State()  # a professional types the minimum requirement


class NeedsTyping(StatesGroup):
    language = State()  # another language for the interpreter, typed


class Suggest(StatesGroup):
    name = State()
    relation = State()
    reach = State()


class Dating(StatesGroup):
    slots = State()  # typing dates to propose
    when = State()  # fixing: which date (a slot, or typed)
    venue = State()
    address = State()
    pin = State()
    confirm = State()


class Proposing(StatesGroup):
    text = State()  # the main person types a date or a place


class Broadcasting(StatesGroup):
    text = State()
    confirm = State()


class Planning(StatesGroup):
    what = State()
    who = State()
    when = State()
    monitor = State()
    next = State()
    reason = State()  # the professional says why not


class FollowingUp(StatesGroup):
    comment = State()  # an optional word with a 4-week answer


class WebLinkMail(StatesGroup):
    address = State()
