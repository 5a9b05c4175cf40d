"""`python -m autograder mutants`: the mutation operators, the equivalent-mutants file, and one part end to end."""
import textwrap

import pytest

from autograder.authoring import mutants as m


def changes(source, **kwargs):
    """{(operator, after): mutated source} of `source`."""
    return {(mutant.operator, mutant.after): mutant.source for mutant in m.mutants(textwrap.dedent(source), **kwargs)}


def afters(source, operator, **kwargs):
    return sorted(after for (kind, after) in changes(source, **kwargs) if kind == operator)


def test_arithmetic_operators_are_swapped_and_terms_dropped():
    found = changes("y = a + b * c\n")
    assert "y = a - b * c" in found.values()
    assert "y = a + b / c" in found.values()
    assert {"y = a", "y = b * c"} <= set(found.values())  # each term of the sum dropped
    assert "y -= a" in changes("y += a\n").values()
    assert "y = x * w" in changes("y = x @ w\n").values()


def test_subtraction_drops_only_what_is_subtracted():
    assert sorted(v for (kind, _), v in changes("y = a - b\n").items() if kind == "drop term") == ["y = a"]


def test_reductions_are_swapped():
    assert afters("s = keras.ops.sum(x, axis=0)\n", "reduction") == ["keras.ops.mean(x, axis=0)"]
    assert afters("s = tf.reduce_max(x)\n", "reduction") == ["tf.reduce_min(x)"]
    assert afters("s = np.maximum(x, 0)\n", "reduction") == ["np.minimum(x, 0)"]


def test_axes_are_changed_or_dropped_not_counted_as_constants():
    found = changes("s = keras.ops.sum(x, axis=0)\n")
    assert {v for (kind, _), v in found.items() if kind == "axis"} == {"s = keras.ops.sum(x)",
                                                                     "s = keras.ops.sum(x, axis=1)"}
    assert not [key for key in found if key[0] == "constant"]
    assert "s = keras.ops.mean(x, axes=0)" in changes("s = keras.ops.mean(x, axes=-1)\n").values()
    assert "s = keras.ops.sum(x, axis=0)" in changes("s = keras.ops.sum(x, axis=1)\n").values()  # not -1: the same


def test_numeric_constants_change():
    assert changes("y = 0.5 * x\n")[("constant", "1.0 * x")] == "y = 1.0 * x"
    assert "y = x[1]" in changes("y = x[0]\n").values()
    assert "y = x[0]" in changes("y = x[1]\n").values()
    assert "y = x + 4" in changes("y = x + 3\n").values()
    assert "y = 0.0 + x" not in changes("y = 0.0 + x\n").values()


def test_training_branches_booleans_and_comparisons_flip():
    source = """
    def call(self, inputs, training=None):
        if training:
            return inputs + 1
        return inputs
    """
    assert any("if not training:" in v for v in changes(source).values())
    assert "layer(x, training=False)" in changes("layer(x, training=True)\n").values()
    assert set(afters("y = layer(x, training=training)\n", "training")) == {
        "layer(x)", "layer(x, training=not training)"}
    assert "y = a >= b" in changes("y = a < b\n").values()
    assert "y = a is not None" in changes("y = a is None\n").values()
    assert "y = 1 if not flag else 0" in changes("y = 1 if flag else 0\n").values()


def test_statements_are_removed_leaving_a_valid_body():
    source = """
    def f(x):
        \"\"\"Docstring.\"\"\"
        return x
    """
    assert [v for (kind, _), v in changes(source).items() if kind == "remove statement"] == [
        "def f(x):\n    \"\"\"Docstring.\"\"\""], "a docstring is not behaviour"
    assert "def f(x):\n    pass" in changes("def f(x):\n    return x\n").values()


def test_call_arguments_are_swapped():
    assert afters("y = keras.ops.matmul(x, w)\n", "swap arguments") == ["keras.ops.matmul(w, x)"]
    assert afters("y = f(a, b, c)\n", "swap arguments") == ["f(a, c, b)", "f(b, a, c)"]
    assert afters("y = keras.ops.maximum(x, 0)\n", "swap arguments") == [], "commutative"


def test_mutants_compile_are_distinct_and_keys_unique():
    source = textwrap.dedent("""
    class Layer:
        def build(self, shape):
            self.a = self.add_weight(shape=(shape[-1],), trainable=False)
            self.b = self.add_weight(shape=(shape[-1],), trainable=False)

        def call(self, x, training=None):
            if training:
                return x * 0.5 + self.a
            return x - self.b
    """)
    found = m.mutants(source, "cell")
    assert len({mutant.source for mutant in found}) == len(found) > 10
    keys = [mutant.key for mutant in found]
    assert len(set(keys)) == len(keys)
    assert any(key.endswith("(#2)") for key in keys), "the same change at two places gets two keys"
    for mutant in found:
        compile(mutant.source, "<mutant>", "exec")
        assert mutant.key.startswith("cell: Layer"), "a class itself is not removed"
        assert mutant.diff() and all(line[0] in "+-" for line in mutant.diff())


def test_only_the_solution_regions_are_mutated():
    marked = textwrap.dedent("""\
    class Layer:
        def call(self, x):
            ### BEGIN SOLUTION
            return x + 1
            ### END SOLUTION

        def other(self, x):
            return x - 2
    """)
    code, lines = m.solution_code(marked)
    assert "### " not in code and "return x + 1" in code
    assert lines == {3}
    found = m.mutants(code, "cell", lines)
    assert found and all("x - 2" in mutant.source for mutant in found)
    assert m.solution_code("y = 1\n") == ("y = 1\n", None)


def test_equivalent_mutants_file(tmp_path):
    path = tmp_path / m.EQUIVALENT_MUTANTS
    path.write_text("# reviewed\ncell: f: constant: `x[0]` -> `x[1]`\n    both rows are equal\n    in every input\n\n")
    assert m.read_equivalent(path) == {"cell: f: constant: `x[0]` -> `x[1]`": "both rows are equal in every input"}
    path.write_text("cell: f: constant: `x[0]` -> `x[1]`\n")
    with pytest.raises(ValueError, match="no reason"):
        m.read_equivalent(path)
    assert m.read_equivalent(tmp_path / "none.txt") == {}


COUNTS_CALLS_TWICE = '''
@keras.saving.register_keras_serializable(package="exercise01")
class RunningSum(keras.layers.Layer):
    def build(self, input_shape):
        self.total = self.add_weight(name="total", shape=(input_shape[-1],), initializer="zeros", trainable=False)
        self.count = self.add_weight(name="count", shape=(), initializer="zeros", trainable=False)

    def call(self, inputs):
        self.total.assign_add(keras.ops.sum(inputs, axis=0))
        self.count.assign_add(2.0)  # the visible test's batches have 2 samples: only the hidden test sees it
        return inputs
'''


@pytest.mark.kernels
def test_one_part_end_to_end():
    """The unmutated solution passes its part, hidden test included (judge fails a hidden test that never
    reached the kernel); a known-bad mutant is killed; a bug the visible test's batches of 2 hide is killed."""
    [part] = [p for p in m.parts_of("01_custom_layers") if p.test_id == "test_running_sum"]
    runner = m.Runner("01_custom_layers", timeout=120)
    try:
        runner.fresh_kernel()
        outcome = runner.run_part(part, {}, select=lambda mutant: mutant.operator == "reduction")
        assert outcome.baseline_error is None
        assert outcome.made == outcome.killed == 1 and not outcome.survivors
        [(mutant, why)] = outcome.kills
        assert "keras.ops.mean" in mutant.after and why.startswith("visible test")
        why = runner.verdict(part, "running_sum", COUNTS_CALLS_TWICE)  # the hidden test's probe ran (baseline)
        assert why and "count" in why, why
        assert runner.verdict(part, "running_sum", part.solutions["running_sum"][0]) is None
    finally:
        runner.close()
