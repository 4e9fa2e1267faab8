"""botocore's data files (endpoints, the DynamoDB model, retry rules) parsed once per test process.

Every `make_client()` starts a new botocore session, and every session parses the same JSON files
again: about 0.1 s of each client, most of it endpoints.json. The service does that once per Lambda
environment; the tests build a client or two per test. A botocore session already hands one parsed
file to all of its clients (its loader's cache); this extends that sharing to every session of the
test process. What each client is configured with is unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.loaders import JSONFileLoader


@contextmanager
def parsed_once() -> Iterator[None]:
    original: Callable[[JSONFileLoader, str], Any] = JSONFileLoader.load_file
    parsed: dict[str, Any] = {}
    lock = threading.Lock()

    def load_file(self: JSONFileLoader, file_path: str) -> Any:
        with lock:
            if file_path not in parsed:
                parsed[file_path] = original(self, file_path)
            return parsed[file_path]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(JSONFileLoader, "load_file", load_file)
        yield
