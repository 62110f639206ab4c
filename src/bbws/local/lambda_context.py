"""The context object Lambda passes to a handler (the attributes Powertools reads)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

ACCOUNT_ID = "123456789012"  # the emulator's default account (moto's DEFAULT_ACCOUNT_ID)
TIMEOUT_SECONDS = 30


@dataclass
class LambdaContext:
    function_name: str
    region: str
    timeout_seconds: int = TIMEOUT_SECONDS
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    account_id: str = ACCOUNT_ID
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[{self.function_version}]{self.aws_request_id[:8]}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
