"""What each command accepts, validated before anything is written."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Rocket.Chat's default username rule (UTF8_User_Names_Validation).
USERNAME_PATTERN = r"^[0-9a-zA-Z._-]+$"
ROLE_PATTERN = r"^[0-9a-zA-Z._-]+$"
MAX_TTL_SECONDS = 10 * 365 * 24 * 3600

Text = Annotated[str, Field(min_length=1, max_length=1024, pattern=r"\S")]  # not blank
Id = Annotated[str, Field(min_length=1, max_length=512, pattern=r"^\S+$")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CreateUser(_Input):
    username: Annotated[str, Field(max_length=120, pattern=USERNAME_PATTERN)]
    name: Text | None = None
    roles: list[Annotated[str, Field(max_length=64, pattern=ROLE_PATTERN)]] = []
    inactive: bool = False


class UserRef(_Input):
    user_id: Id


class IssueToken(UserRef):
    ttl_seconds: Annotated[int, Field(gt=0, le=MAX_TTL_SECONDS)] | None = None
    name: Annotated[str, Field(max_length=200, pattern=r"\S")] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> IssueToken:
        if self.ttl_seconds is not None and self.name is not None:
            raise ValueError("--ttl-seconds and --name cannot be used together")
        return self


class TokenName(UserRef):
    name: Annotated[str, Field(min_length=1, max_length=200)]


class CreateVisitor(_Input):
    """Checked where `POST livechat/visitor` checks its body (voip_core.routes.visitors), so the
    CLI and the route accept and refuse the same visitors."""

    token: str
    name: str | None = None
    username: str | None = None
    department: str | None = None
    phone: str | None = None


class CloseRoom(_Input):
    rid: Id
