"""Studio's errors: what a DAW client can act on (rebase, retry, ask the owner)."""

from __future__ import annotations

from backbeat.errors import AppError, Conflict, Forbidden, NotFound, PayloadTooLarge, Unprocessable


class ProjectNotFound(NotFound):
    """No such project, or the caller is not one of its members."""


class VersionNotFound(NotFound):
    """The project has no such version."""


class NotAnEditor(Forbidden):
    """Viewers read; only the owner and editors save."""


class NotTheOwner(Forbidden):
    """Only the project's owner may do this."""


class PreconditionRequired(AppError):
    """A full save must say which version it replaces (If-Match)."""

    status_code = 428
    title = "Precondition required"


class VersionMismatch(AppError):
    """The If-Match version is not the head: rebase onto the patch and save again."""

    status_code = 412
    title = "Precondition failed"


class SaveConflict(Conflict):
    """Edits since the base touch the same paths; nothing was saved."""


class PatchNotApplicable(Unprocessable):
    """An operation of the JSON Patch does not apply to the base document."""


class DocumentTooLarge(PayloadTooLarge):
    """The project document is over the configured size."""


class PlanLimitReached(Forbidden):
    """The owner's plan allows no more of these (projects, collaborators): upgrade or remove."""


class InvitationNotFound(NotFound):
    """No such pending invitation for the caller."""


class AlreadyMember(Conflict):
    """The invitee is already on the project, or already invited."""


class PresetNotFound(NotFound):
    """No such preset the caller may see."""


class SuggestionNotFound(NotFound):
    """No such recall suggestion of the caller's."""


class NotProjectAudio(Unprocessable):
    """Only the caller's objects in the project-audio bucket link to a project."""


class InviteeRequired(Unprocessable):
    """An invitation names its invitee by username or by e-mail: exactly one."""


class UserNotFound(NotFound):
    """No account has that username."""


class NotAMember(NotFound):
    """That user is not a member of the project (the owner is not removable)."""


class AlreadyLinked(Conflict):
    """That object is already one of the project's files."""


class PresetTooLarge(PayloadTooLarge):
    """A preset's parameters are over the configured size."""


class SessionAlreadyRunning(Conflict):
    """One collaboration session runs on a project at a time (or this one has ended)."""


class SessionNotFound(NotFound):
    """No such collaboration session on the project."""
