"""Authoring, run by the instructor's command line: the release of exercises/ from solutions/ (checks
and Colab badge inlined), the sample submissions made from them, the student edition, the Korean
edition's translations, mutation testing, and the book's notebooks run ahead of its build."""
