"""``python -m wavetex_cli``: the ``wavetex`` command."""

from ._entry import main

main()
