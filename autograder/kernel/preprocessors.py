"""nbgrader preprocessors of this course."""
import re

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

    The last line, the exception and its message, is what the student needs: checks say what
    they expected and got. Some TensorFlow errors carry a stack listing of their own in the
    message (frames of Keras and of the grader's paths): it goes too.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if is_test(cell):
            for output in cell.outputs:
                if output.output_type == "error":
                    output.evalue = without_stack_listing(output.evalue)
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


# The header of a stack listing inside an error message (TensorFlow's, or a traceback quoted in it).
LISTING_HEADER = re.compile(r"(Stack trace for op definition|\(most recent call last\))[^\n]*:?\s*$")
FRAME = re.compile(r'^(\s*)File "[^"]*", line \d+')


def without_stack_listing(message, limit=2000):
    """`message` without the stack listings some TensorFlow errors embed (header, frames, quoted code lines),
    and no longer than `limit` characters."""
    kept, frame_indent = [], None
    for line in message.splitlines():
        frame = FRAME.match(line)
        if frame:
            frame_indent = len(frame.group(1))
        elif frame_indent is not None and line.strip() and len(line) - len(line.lstrip()) > frame_indent:
            continue  # the code line quoted under a frame
        else:
            frame_indent = None
            if not LISTING_HEADER.search(line):
                kept.append(line)
    message = re.sub(r"\n\s*\n+", "\n", "\n".join(kept)).strip()
    return message if len(message) <= limit else message[:limit] + " [...]"
