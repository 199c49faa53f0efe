"""What an upload of a file to import may be: its id and the size of a part."""

from __future__ import annotations

import re

MAX_PART_BYTES = 4 * 1024 * 1024  # the gateway sends 1 MiB
UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
