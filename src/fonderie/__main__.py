import sys

from fonderie.cli import main

sys.exit(main())
