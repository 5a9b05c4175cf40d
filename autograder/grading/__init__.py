"""The grading pipeline: collect -> intake -> structure -> batch (worker per student) -> incidents -> report."""
