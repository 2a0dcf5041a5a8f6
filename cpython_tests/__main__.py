import sys

from cpython_tests.run import main

sys.exit(main())
