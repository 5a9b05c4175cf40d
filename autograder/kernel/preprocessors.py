"""nbgrader preprocessors of this course."""
from nbgrader.preprocessors import NbGraderPreprocessor

from ..cells import is_test


class StderrToStdout(NbGraderPreprocessor):
    """Turns stderr stream outputs into stdout before grades are computed.

    nbgrader gives 0 points to any graded cell that wrote to stderr, but TensorFlow logs
    there on import and Keras emits UserWarnings there: a correct solution would lose
    points for them. A test fails by raising, so only errors should cost points. The text
    stays in the cell, so the student still sees the warning in the feedback.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code":
            for output in cell.outputs:
                if output.output_type == "stream" and output.name == "stderr":
                    output.name = "stdout"
        return cell, resources


class TrimTestTracebacks(NbGraderPreprocessor):
    """Reduces a failing test cell's traceback to its last line, for feedback.

    The traceback of a failing hidden test quotes the hidden test's code. The last line, the
    exception and its message, is what the student needs: checks say what they expected and got.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if is_test(cell):
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
