"""Grading package of the Keras customization course: checks, nbgrader wiring, release and grading."""
