import sys

from casestudies.cli import main

# Line by line even into a pipe (`| tee run.log`, a test's reader): progress shows as it happens.
sys.stdout.reconfigure(line_buffering=True)
raise SystemExit(main())
