"""``python -m fake_nextcloud`` -> ``fake_nextcloud.cli.main``."""

import sys

from fake_nextcloud.cli import main

sys.exit(main())
