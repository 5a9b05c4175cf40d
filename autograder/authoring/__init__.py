"""Authoring, run by the instructor's command line: the release of exercises/ from solutions/ (checks
and Colab badge inlined) and the sample submissions made from them."""
