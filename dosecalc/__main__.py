"""``python -m dosecalc``: the same as the ``dosecalc`` command."""

from dosecalc.faces.cli import main

raise SystemExit(main())
