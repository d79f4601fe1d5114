"""``python -m csanalysis report ...``"""

import sys

from .cli import main

sys.exit(main())
