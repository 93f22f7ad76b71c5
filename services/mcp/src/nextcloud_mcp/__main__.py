"""`python -m nextcloud_mcp`."""

import sys

from nextcloud_mcp.cli import main

sys.exit(main())
