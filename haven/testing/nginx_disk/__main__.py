"""`python -m haven.testing.nginx_disk`: see the package's docstring."""

import sys

from haven.testing.nginx_disk.phase import main

sys.exit(main())
