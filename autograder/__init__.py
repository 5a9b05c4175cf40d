"""The Keras customization course's grading package. Its parts, by where they run:

- checks/     the checks that exercise test cells call; inlined into every released notebook, so they run
              in the student's own kernel (Colab, laptop) and in the grader's; import nothing from here.
- authoring/  the instructor's release: exercises/ from solutions/, with the checks and Colab badge inlined.
- grading/    the grading pipeline, in the instructor's grading process and its worker processes: collect
              and admit submissions, repair their structure, grade in parallel, report.
- kernel/     what starts and watches a student's kernel, in the worker: nbgrader's Execute hardened,
              the kernel manager, the sandbox, the zygote's client, preprocessors. kernel/inside/ becomes
              the student's kernel process, in the sandbox (the zygote it is forked from too): it imports
              nothing from this package.
- course.py (an nbgrader course directory), cells.py (the nbgrader cell vocabulary), limits.py (the
  limits of grading one submission), repo.py (where the course's files are), nbgrader_config.py.
"""
