"""The ``wavetex`` command line (installed as the package ``wavetex_cli``)."""
